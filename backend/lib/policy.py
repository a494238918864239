"""Route access policies. Every route declares one in its ``opt``; a route without a
policy is refused at run time (deny by default) and fails the policy test.

    @get("/users", opt=allow(Role.ADMIN))
    @post("/auth/token", opt=PUBLIC)
    @get("/auth/me", opt=SIGNED_IN)
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.lib.problems import Problem
from shared.enums import Role

PUBLIC: dict[str, Any] = {"public": True}
SIGNED_IN: dict[str, Any] = {"roles": frozenset(Role)}
# Routes a user who must still enrol in MFA may call before anything else.
MFA_SETUP = "mfa_setup"


def allow(*roles: Role, mfa_setup: bool = False) -> dict[str, Any]:
    return {"roles": frozenset(roles), MFA_SETUP: mfa_setup}


def signed_in(*, mfa_setup: bool = False) -> dict[str, Any]:
    return {"roles": frozenset(Role), MFA_SETUP: mfa_setup}


def has_policy(opt: dict[str, Any]) -> bool:
    return bool(opt.get("public")) or isinstance(opt.get("roles"), frozenset)


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: checks the route's declared roles against the caller's."""
    opt = handler.opt
    if opt.get("public"):
        return
    roles = opt.get("roles")
    if not isinstance(roles, frozenset):
        raise Problem(403, "This route declares no access policy and is closed.")
    principal = connection.user
    if principal.mfa_enrolment_pending and not opt.get(MFA_SETUP):
        raise Problem(
            403,
            "Your role requires multi-factor authentication: enrol at /api/v1/auth/mfa first.",
            slug="mfa-enrolment-required",
        )
    if not roles & principal.roles:
        needed = ", ".join(sorted(roles))
        raise Problem(403, f"This action needs one of the roles: {needed}.")
