"""Users, their sign-in sessions (refresh-token families), MFA recovery codes, login
throttling (per username and per client address) and break-the-glass grants."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from backend.db.base import timestamp


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=200)
    roles: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String(20)), nullable=False)
    )
    disabled: bool = False
    mfa_secret: str | None = Field(default=None, max_length=64)
    mfa_enabled: bool = False
    mfa_last_step: int | None = None
    created_at: datetime = timestamp(default_now=True)
    password_changed_at: datetime = timestamp(default_now=True)
    version: int = 1


class AuthSession(SQLModel, table=True):
    """One sign-in: a family of rotating refresh tokens. Access tokens name it (``sid``)
    so logout, reuse detection and idle time-out end them at once."""

    __tablename__ = "auth_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = timestamp(default_now=True)
    last_activity_at: datetime = timestamp(default_now=True)
    revoked_at: datetime | None = timestamp(nullable=True)
    revoked_reason: str | None = Field(default=None, max_length=40)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    session_id: uuid.UUID = Field(foreign_key="auth_session.id", index=True)
    issued_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
    used_at: datetime | None = timestamp(nullable=True)


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    used_at: datetime | None = timestamp(nullable=True)


class LoginThrottle(SQLModel, table=True):
    """Failures per attempted username, known or not, so unknown users look the same."""

    __tablename__ = "login_throttle"

    username: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    locked_until: datetime | None = timestamp(nullable=True)


class AddressThrottle(SQLModel, table=True):
    """Failed sign-ins and refreshes per client address in the current window, whatever
    usernames were tried: one address cannot spray passwords across many accounts."""

    __tablename__ = "address_throttle"

    address: str = Field(primary_key=True, max_length=64)
    window_started_at: datetime = timestamp()
    failures: int = 0


class BreakGlass(SQLModel, table=True):
    """Emergency access to one patient's chart: time-limited, reasoned, audited."""

    __tablename__ = "break_glass"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="app_user.id", index=True)
    patient_id: uuid.UUID = Field(foreign_key="patient.id", index=True)
    reason: str = Field(max_length=500)
    created_at: datetime = timestamp(default_now=True)
    expires_at: datetime = timestamp()
