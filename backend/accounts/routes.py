"""Sign-in, tokens, the current user, MFA, and user administration."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import access, mfa, service
from backend.accounts.models import User
from backend.accounts.service import Refusal
from backend.config import Settings
from backend.lib.auth import Principal, request_actor
from backend.lib.etag import etag, require_if_match
from backend.lib.policy import PUBLIC, allow, signed_in
from backend.lib.problems import problem_response
from shared.enums import CLINICAL_ROLES, Role
from shared.schemas.accounts import (
    BreakGlassCreate,
    BreakGlassRead,
    Me,
    MfaConfirm,
    MfaEnrolment,
    PasswordChange,
    PasswordReset,
    RecoveryCodes,
    RefreshRequest,
    StaffMember,
    TokenPair,
    TokenRequest,
    UserCreate,
    UserRead,
    UserUpdate,
)

AnyRequest = Request[Principal, Any, State]


def _answer(result: TokenPair | Refusal) -> Response[Any]:
    if isinstance(result, Refusal):
        return problem_response(
            result.status, result.detail, headers=result.headers or None, **result.extensions
        )
    return Response(result, headers={"Cache-Control": "no-store"})


def user_read(user: User) -> UserRead:
    return UserRead.model_validate(user, from_attributes=True)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/token", opt=PUBLIC, status_code=200, summary="Sign in")
    async def token(
        self, request: AnyRequest, data: TokenRequest, db_session: AsyncSession, settings: Settings
    ) -> Response[Any]:
        return _answer(
            await service.authenticate(db_session, settings, request_actor(request), data)
        )

    @post("/refresh", opt=PUBLIC, status_code=200, summary="Rotate the refresh token")
    async def refresh(
        self,
        request: AnyRequest,
        data: RefreshRequest,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[Any]:
        actor = request_actor(request)
        return _answer(await service.refresh(db_session, settings, actor, data.refresh_token))

    @post("/logout", opt=signed_in(mfa_setup=True), status_code=204, summary="End this session")
    async def logout(self, request: AnyRequest, db_session: AsyncSession) -> None:
        await service.logout(db_session, request_actor(request), request.user)

    @get("/me", opt=signed_in(mfa_setup=True), summary="The signed-in user")
    async def me(self, request: AnyRequest, db_session: AsyncSession, settings: Settings) -> Me:
        user = await service.get_user(db_session, request.user.user_id)
        return Me(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            roles=[Role(r) for r in user.roles],
            mfa_enabled=user.mfa_enabled,
            mfa_enrolment_required=mfa.enrolment_required(settings, user),
            idle_timeout_minutes=settings.idle_timeout_minutes,
        )

    @post("/password", opt=signed_in(), status_code=204, summary="Change my password")
    async def change_password(
        self, request: AnyRequest, data: PasswordChange, db_session: AsyncSession
    ) -> None:
        user = await service.get_user(db_session, request.user.user_id, lock=True)
        await service.change_password(
            db_session, request_actor(request), user, data.current_password, data.new_password
        )

    @post(
        "/mfa/enroll",
        opt=signed_in(mfa_setup=True),
        status_code=200,
        summary="Start TOTP enrolment: secret, otpauth URI and QR code",
    )
    async def mfa_enroll(self, request: AnyRequest, db_session: AsyncSession) -> MfaEnrolment:
        user = await service.get_user(db_session, request.user.user_id, lock=True)
        return await mfa.begin_enrolment(db_session, request_actor(request), user)

    @post(
        "/mfa/confirm",
        opt=signed_in(mfa_setup=True),
        status_code=200,
        summary="Finish enrolment with a code; returns one-time recovery codes",
    )
    async def mfa_confirm(
        self, request: AnyRequest, data: MfaConfirm, db_session: AsyncSession
    ) -> RecoveryCodes:
        user = await service.get_user(db_session, request.user.user_id, lock=True)
        codes = await mfa.confirm_enrolment(db_session, request_actor(request), user, data.otp)
        await service.end_all_sessions(db_session, user.id, "mfa_enabled")
        return RecoveryCodes(recovery_codes=codes)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]

    @get("/", opt=allow(Role.ADMIN), summary="List users")
    async def list_users(self, db_session: AsyncSession) -> list[UserRead]:
        return [user_read(u) for u in await service.list_users(db_session)]

    @post("/", opt=allow(Role.ADMIN), summary="Create a user")
    async def create_user(
        self, request: AnyRequest, data: UserCreate, db_session: AsyncSession
    ) -> Response[UserRead]:
        user = await service.create_user(db_session, request_actor(request), data)
        return Response(user_read(user), status_code=201, headers={"ETag": etag(user.version)})

    @get("/{user_id:uuid}", opt=allow(Role.ADMIN), summary="One user")
    async def get_user(self, user_id: uuid.UUID, db_session: AsyncSession) -> Response[UserRead]:
        user = await service.get_user(db_session, user_id)
        return Response(user_read(user), headers={"ETag": etag(user.version)})

    @patch("/{user_id:uuid}", opt=allow(Role.ADMIN), summary="Change roles, name or disable")
    async def update_user(
        self, request: AnyRequest, user_id: uuid.UUID, data: UserUpdate, db_session: AsyncSession
    ) -> Response[UserRead]:
        user = await service.get_user(db_session, user_id, lock=True)
        require_if_match(request, user.version)
        user = await service.update_user(db_session, request_actor(request), user, data)
        return Response(user_read(user), headers={"ETag": etag(user.version)})

    @post(
        "/{user_id:uuid}/password",
        opt=allow(Role.ADMIN),
        status_code=204,
        summary="Reset a user's password (ends their sessions)",
    )
    async def reset_password(
        self, request: AnyRequest, user_id: uuid.UUID, data: PasswordReset, db_session: AsyncSession
    ) -> None:
        user = await service.get_user(db_session, user_id, lock=True)
        await service.set_password(db_session, request_actor(request), user, data.new_password)


class BreakGlassController(Controller):
    path = "/api/v1/break-glass"
    tags = ["access"]

    @post("/", opt=allow(*CLINICAL_ROLES), summary="Emergency access to one patient's chart")
    async def create(
        self, request: AnyRequest, data: BreakGlassCreate, db_session: AsyncSession
    ) -> BreakGlassRead:
        grant = await access.break_glass(
            db_session, request_actor(request), request.user, data.patient_id, data.reason
        )
        return BreakGlassRead.model_validate(grant, from_attributes=True)


class StaffController(Controller):
    path = "/api/v1/staff"
    tags = ["users"]

    @get("/", opt=signed_in(), summary="Active staff, for care-team and scheduling pickers")
    async def staff(self, db_session: AsyncSession) -> list[StaffMember]:
        return [
            StaffMember(
                id=u.id,
                username=u.username,
                full_name=u.full_name,
                roles=[Role(r) for r in u.roles],
            )
            for u in await service.list_users(db_session)
            if not u.disabled
        ]
