"""Sign-in, token rotation, logout, passwords and user administration.

Refusals that must leave an audit trail (wrong password, reused refresh token) are
*returned* as :class:`Refusal` rather than raised, so the request's transaction commits
the audit event and the throttle counters before the 401 goes out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import address_limit, mfa, rules
from backend.accounts.models import AuthSession, LoginThrottle, RefreshToken, User
from backend.accounts.passwords import DUMMY_HASH, hash_password, require_strong, verify_password
from backend.audit.service import Actor, record
from backend.config import Settings
from backend.db.base import utcnow
from backend.lib.auth import Principal, issue_access_token
from backend.lib.problems import Problem
from shared.enums import Role
from shared.schemas.accounts import TokenPair, TokenRequest, UserCreate, UserUpdate

REFRESH_LIFETIME = timedelta(hours=12)
INVALID_LOGIN = "The username, password or one-time code is not correct."
ADDRESS_THROTTLED = "Too many failed sign-ins from this network address."


@dataclass
class Refusal:
    status: int
    detail: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


def normalise(username: str) -> str:
    return username.strip().lower()


async def user_by_name(session: AsyncSession, username: str, *, lock: bool = False) -> User | None:
    query = select(User).where(User.username == normalise(username))
    result = await session.exec(query.with_for_update() if lock else query)
    return result.first()


async def _throttle(session: AsyncSession, username: str) -> LoginThrottle:
    throttle = await session.get(LoginThrottle, username, with_for_update=True)
    if throttle is None:
        throttle = LoginThrottle(username=username)
        session.add(throttle)
    return throttle


def _too_many(wait: int, detail: str) -> Refusal:
    return Refusal(
        429, f"{detail} Try again in {wait} seconds.", headers={"Retry-After": str(wait)}
    )


async def _count_address_failure(session: AsyncSession, settings: Settings, actor: Actor) -> None:
    """One audit event when an address reaches its limit, none for each refusal after it:
    a flood must not also flood the audit chain."""
    if await address_limit.count_failure(session, settings, actor.ip):
        await record(
            session,
            actor,
            "address_throttled",
            "session",
            outcome="locked",
            detail={"failures": settings.auth_failures_per_address},
        )


async def authenticate(
    session: AsyncSession, settings: Settings, actor: Actor, request: TokenRequest
) -> TokenPair | Refusal:
    wait = await address_limit.seconds_to_wait(session, settings, actor.ip)
    if wait:
        return _too_many(wait, ADDRESS_THROTTLED)
    username = normalise(request.username)[:64]
    throttle = await _throttle(session, username)
    now = utcnow()
    if throttle.locked_until and throttle.locked_until > now:
        wait = int((throttle.locked_until - now).total_seconds()) + 1
        await record(
            session, actor, "login", "session", outcome="locked", detail={"username": username}
        )
        return _too_many(wait, "Too many failed sign-ins.")

    user = await user_by_name(session, username)
    password_ok = verify_password(user.password_hash if user else DUMMY_HASH, request.password)
    mfa_missing = False
    ok = user is not None and password_ok and not user.disabled
    if ok and user is not None and user.mfa_enabled:
        if not request.otp:
            ok, mfa_missing = False, True
        else:
            ok = await mfa.check_second_factor(session, user, request.otp, now.timestamp())

    if not ok or user is None:
        if mfa_missing:
            await record(
                session,
                actor,
                "login",
                "session",
                outcome="mfa_required",
                detail={"username": username},
            )
            return Refusal(
                401,
                "Enter the 6-digit code from your authenticator app.",
                extensions={"mfa_required": True},
            )
        throttle.failures += 1
        lock = rules.lock_after_failure(throttle.failures)
        throttle.locked_until = now + lock if lock else None
        await record(
            session,
            actor,
            "login_failed",
            "session",
            outcome="failure",
            detail={"username": username, "failures": throttle.failures},
        )
        await _count_address_failure(session, settings, actor)
        return Refusal(401, INVALID_LOGIN)

    throttle.failures, throttle.locked_until = 0, None
    auth_session = AuthSession(
        user_id=user.id, ip=actor.ip, user_agent=(actor.user_agent or "")[:300]
    )
    session.add(auth_session)
    await session.flush()
    pending = mfa.enrolment_required(settings, user)
    login_actor = Actor(user.id, user.username, actor.ip, actor.user_agent)
    await record(
        session,
        login_actor,
        "login",
        "session",
        entity_id=auth_session.id,
        detail={"mfa": user.mfa_enabled},
    )
    return await _issue_pair(session, settings, user, auth_session, pending)


async def _issue_pair(
    session: AsyncSession,
    settings: Settings,
    user: User,
    auth_session: AuthSession,
    mfa_pending: bool,
) -> TokenPair:
    refresh = rules.new_token()
    session.add(
        RefreshToken(
            token_hash=rules.token_hash(refresh),
            session_id=auth_session.id,
            expires_at=utcnow() + REFRESH_LIFETIME,
        )
    )
    principal = Principal(
        user.id, user.username, frozenset(Role(r) for r in user.roles), auth_session.id, mfa_pending
    )
    return TokenPair(
        access_token=issue_access_token(settings, principal),
        expires_in=settings.access_token_minutes * 60,
        refresh_token=refresh,
        mfa_enrolment_required=mfa_pending,
    )


async def refresh(
    session: AsyncSession, settings: Settings, actor: Actor, token: str
) -> TokenPair | Refusal:
    """Rotate: each refresh token works once; presenting a spent one ends the session."""
    wait = await address_limit.seconds_to_wait(session, settings, actor.ip)
    if wait:
        return _too_many(wait, ADDRESS_THROTTLED)
    stored = await session.get(RefreshToken, rules.token_hash(token), with_for_update=True)
    refused = Refusal(401, "The refresh token is not valid: sign in again.")
    if stored is None:
        await _count_address_failure(session, settings, actor)
        return refused
    auth_session = await session.get(AuthSession, stored.session_id, with_for_update=True)
    assert auth_session is not None
    user = await session.get(User, auth_session.user_id)
    assert user is not None
    user_actor = Actor(user.id, user.username, actor.ip, actor.user_agent)
    now = utcnow()
    if stored.used_at is not None:
        if auth_session.revoked_at is None:
            auth_session.revoked_at, auth_session.revoked_reason = now, "refresh_reuse"
        await record(
            session,
            user_actor,
            "refresh_reuse",
            "session",
            entity_id=auth_session.id,
            outcome="failure",
        )
        return refused
    idle = timedelta(minutes=settings.idle_timeout_minutes)
    if (
        auth_session.revoked_at is not None
        or stored.expires_at < now
        or user.disabled
        or now - auth_session.last_activity_at > idle
    ):
        return refused
    stored.used_at = now
    return await _issue_pair(
        session, settings, user, auth_session, mfa.enrolment_required(settings, user)
    )


async def logout(session: AsyncSession, actor: Actor, principal: Principal) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == principal.session_id, AuthSession.revoked_at.is_(None))  # type: ignore[arg-type,union-attr]
        .values(revoked_at=utcnow(), revoked_reason="logout")
    )
    await record(session, actor, "logout", "session", entity_id=principal.session_id)


async def end_all_sessions(session: AsyncSession, user_id: uuid.UUID, reason: str) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))  # type: ignore[arg-type,union-attr]
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )


async def get_user(session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> User:
    """The account; ``lock`` takes its row FOR UPDATE until the transaction ends. Every
    write to an account locks it before its version is compared or bumped: two admins
    sending one ETag then meet one after the other, and the second sees the new version."""
    user = await session.get(User, user_id, with_for_update=lock)
    if user is None:
        raise Problem(404, f"No user {user_id}.")
    return user


async def change_password(
    session: AsyncSession, actor: Actor, user: User, current: str, new: str
) -> None:
    if not verify_password(user.password_hash, current):
        raise Problem(
            422,
            "The current password is not correct.",
            errors=[{"field": "current_password", "message": "not correct"}],
        )
    await set_password(session, actor, user, new, field="new_password")


async def set_password(
    session: AsyncSession, actor: Actor, user: User, new: str, field: str = "new_password"
) -> None:
    require_strong(new, user.username, field)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.version += 1
    await end_all_sessions(session, user.id, "password_changed")
    await record(session, actor, "password_change", "user", entity_id=user.id)


async def create_user(session: AsyncSession, actor: Actor, data: UserCreate) -> User:
    username = normalise(data.username)
    if await user_by_name(session, username):
        raise Problem(
            409,
            f"The username {username!r} is taken.",
            errors=[{"field": "username", "message": "taken"}],
        )
    require_strong(data.password, username)
    user = User(
        username=username,
        full_name=data.full_name,
        password_hash=hash_password(data.password),
        roles=sorted({r.value for r in data.roles}),
    )
    session.add(user)
    await session.flush()
    await record(
        session,
        actor,
        "create",
        "user",
        entity_id=user.id,
        detail={"username": username, "roles": user.roles},
    )
    return user


async def update_user(session: AsyncSession, actor: Actor, user: User, data: UserUpdate) -> User:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "roles" in changes:
        before, after = user.roles, sorted({Role(r).value for r in changes["roles"]})
        if before != after:
            user.roles = after
            await end_all_sessions(session, user.id, "roles_changed")
            await record(
                session,
                actor,
                "role_change",
                "user",
                entity_id=user.id,
                detail={"before": before, "after": after},
            )
    if changes.get("disabled") is not None and changes["disabled"] != user.disabled:
        user.disabled = changes["disabled"]
        if user.disabled:
            await end_all_sessions(session, user.id, "disabled")
        await record(
            session, actor, "disable" if user.disabled else "enable", "user", entity_id=user.id
        )
    if "full_name" in changes and changes["full_name"] != user.full_name:
        user.full_name = changes["full_name"]
        await record(session, actor, "update", "user", entity_id=user.id)
    user.version += 1
    session.add(user)
    await session.flush()
    return user


async def list_users(session: AsyncSession) -> list[User]:
    result = await session.exec(select(User).order_by(col(User.username)))
    return list(result.all())
