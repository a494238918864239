"""Identity schemas: sign-in, tokens, the current user, user administration, MFA."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from shared.enums import Role


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    otp: str | None = Field(default=None, max_length=32, description="TOTP or recovery code")


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    refresh_token: str
    mfa_enrolment_required: bool = False


class Me(BaseModel):
    id: uuid.UUID
    username: str
    full_name: str
    roles: list[Role]
    mfa_enabled: bool
    mfa_enrolment_required: bool
    idle_timeout_minutes: int


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordReset(BaseModel):
    new_password: str = Field(min_length=1, max_length=256)


class MfaEnrolment(BaseModel):
    secret: str
    otpauth_uri: str
    qr_svg: str


class MfaConfirm(BaseModel):
    otp: str = Field(min_length=6, max_length=10)


class RecoveryCodes(BaseModel):
    recovery_codes: list[str]


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(default="", max_length=200)
    password: str = Field(min_length=1, max_length=256)
    roles: list[Role] = Field(min_length=1, max_length=len(Role))


class UserUpdate(BaseModel):
    full_name: str | None = Field(default=None, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=len(Role))
    disabled: bool | None = None


class UserRead(BaseModel):
    id: uuid.UUID
    username: str
    full_name: str
    roles: list[Role]
    disabled: bool
    mfa_enabled: bool
    created_at: datetime
    version: int


class StaffMember(BaseModel):
    id: uuid.UUID
    username: str
    full_name: str
    roles: list[Role]


class BreakGlassCreate(BaseModel):
    patient_id: uuid.UUID
    reason: str = Field(min_length=10, max_length=500)


class BreakGlassRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    username: str | None = None
    patient_id: uuid.UUID
    reason: str
    created_at: datetime
    expires_at: datetime
