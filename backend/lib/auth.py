"""Bearer-token authentication.

Access tokens are short-lived HS256 JWTs (joserfc, Authlib's JOSE library) naming the
user, roles and sign-in session (``sid``). Every request checks that session is neither
revoked nor idle, so logout and idle time-out take effect at once, in every worker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.types import Receive, Scope, Send
from sqlalchemy import text

from backend.audit.service import Actor
from backend.config import Settings
from backend.db.base import utcnow
from backend.db.session import close_request_session, request_session
from backend.lib.problems import Problem
from shared.enums import Role

ALGORITHM = "HS256"
ACTIVITY_RESOLUTION = timedelta(seconds=60)
# Built once: every request runs the first, and the second at most once a minute.
_SESSION = text("SELECT revoked_at, last_activity_at FROM auth_session WHERE id = :id")
_TOUCH = text("UPDATE auth_session SET last_activity_at = :now WHERE id = :id")


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    username: str
    roles: frozenset[Role]
    session_id: uuid.UUID
    mfa_enrolment_pending: bool = False


def _key(settings: Settings) -> OctKey:
    return OctKey.import_key(settings.secret_key.encode())


def issue_access_token(settings: Settings, principal: Principal) -> str:
    now = int(utcnow().timestamp())
    claims = {
        "sub": str(principal.user_id),
        "name": principal.username,
        "roles": sorted(principal.roles),
        "sid": str(principal.session_id),
        "mfa_pending": principal.mfa_enrolment_pending,
        "iat": now,
        "exp": now + settings.access_token_minutes * 60,
        "typ": "access",
    }
    return jwt.encode({"alg": ALGORITHM}, claims, _key(settings), algorithms=[ALGORITHM])


# Verified tokens (signature and claims) until they expire: a token is immutable, so only
# its expiry needs checking again; whether its session is still open is checked in the
# database on every request. Bounded: cleared when full.
_VERIFIED: dict[tuple[str, str], tuple[Principal, int]] = {}
_VERIFIED_MAX = 4096


def read_access_token(settings: Settings, token: str) -> Principal:
    known = _VERIFIED.get((settings.secret_key, token))
    if known is not None and known[1] > utcnow().timestamp():
        return known[0]
    try:
        claims = jwt.decode(token, _key(settings), algorithms=[ALGORITHM]).claims
        jwt.JWTClaimsRegistry(exp={"essential": True}, sub={"essential": True}).validate(claims)
        if claims.get("typ") != "access":
            raise ValueError("not an access token")
        principal = Principal(
            user_id=uuid.UUID(claims["sub"]),
            username=str(claims["name"]),
            roles=frozenset(Role(r) for r in claims.get("roles", [])),
            session_id=uuid.UUID(claims["sid"]),
            mfa_enrolment_pending=bool(claims.get("mfa_pending")),
        )
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[(settings.secret_key, token)] = (principal, int(claims["exp"]))
        return principal
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise Problem(
            401,
            "The access token is invalid or has expired.",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc


def request_actor(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The audit actor of a request: the signed-in user (if any) and the source."""
    user = connection.scope.get("user")
    client = connection.client
    return Actor(
        user_id=user.user_id if isinstance(user, Principal) else None,
        username=user.username if isinstance(user, Principal) else None,
        ip=client.host if client else None,
        user_agent=connection.headers.get("user-agent"),
    )


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:  # the handler did not take the request's session over: close it here
            await close_request_session(scope)

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Problem(
                401,
                "Sign in first: send 'Authorization: Bearer <access token>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        settings: Settings = connection.app.state.settings
        principal = read_access_token(settings, token.strip())
        await _check_session(connection, settings, principal.session_id)
        return AuthenticationResult(user=principal, auth=token)


async def _check_session(
    connection: ASGIConnection[Any, Any, Any, Any], settings: Settings, session_id: uuid.UUID
) -> None:
    """Refuse revoked or idle sessions; record activity at most once a minute.

    Runs on every request, so it reads two columns through the request's own database
    session (``request_session``: the handler goes on in the same transaction, with no
    second pooled connection, ping or round trips of its own). The activity, when due, is
    written on a pooled connection in autocommit: it stands even if the request then
    fails, and holds no row lock for the rest of the request."""
    now = utcnow()
    session = request_session(connection.scope, connection.app.state.sessions)
    found = (await session.execute(_SESSION, {"id": session_id})).first()
    if found is None or found.revoked_at is not None:
        raise Problem(
            401,
            "This session has ended: sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if now - found.last_activity_at > timedelta(minutes=settings.idle_timeout_minutes):
        raise Problem(
            401,
            "Signed out after inactivity: sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if now - found.last_activity_at > ACTIVITY_RESOLUTION:
        async with connection.app.state.engine.connect() as db:
            db = await db.execution_options(isolation_level="AUTOCOMMIT")
            await db.execute(_TOUCH, {"id": session_id, "now": now})


def auth_middleware() -> DefineMiddleware:
    return DefineMiddleware(BearerAuthMiddleware, exclude_from_auth_key="public")
