"""TOTP multi-factor authentication: enrolment with a QR code, recovery codes, and the
second-factor check at sign-in (a code is accepted once: replays are refused)."""

from __future__ import annotations

import io

import segno
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts import rules
from backend.accounts.models import RecoveryCode, User
from backend.audit.service import Actor, record
from backend.config import Settings
from backend.db.base import utcnow
from backend.lib.problems import Problem
from shared.schemas.accounts import MfaEnrolment

ISSUER = "EMR"


def enrolment_required(settings: Settings, user: User) -> bool:
    return not user.mfa_enabled and bool(set(user.roles) & settings.mfa_required_roles)


def _qr_svg(uri: str) -> str:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


async def begin_enrolment(session: AsyncSession, actor: Actor, user: User) -> MfaEnrolment:
    if user.mfa_enabled:
        raise Problem(409, "Multi-factor authentication is already on for this account.")
    user.mfa_secret = rules.new_totp_secret()
    session.add(user)
    await record(session, actor, "mfa_enrol_start", "user", entity_id=user.id)
    uri = rules.otpauth_uri(user.mfa_secret, user.username, ISSUER)
    return MfaEnrolment(secret=user.mfa_secret, otpauth_uri=uri, qr_svg=_qr_svg(uri))


async def confirm_enrolment(session: AsyncSession, actor: Actor, user: User, otp: str) -> list[str]:
    if user.mfa_enabled:
        raise Problem(409, "Multi-factor authentication is already on for this account.")
    if not user.mfa_secret:
        raise Problem(409, "Start enrolment first (POST /api/v1/auth/mfa/enroll).")
    step = rules.totp_matches(user.mfa_secret, otp, utcnow().timestamp())
    if step is None:
        raise Problem(
            422,
            "That code does not match: check the authenticator app's clock.",
            errors=[{"field": "otp", "message": "does not match"}],
        )
    user.mfa_enabled, user.mfa_last_step = True, step
    user.version += 1
    session.add(user)
    codes = rules.recovery_codes()
    for code in codes:
        session.add(RecoveryCode(code_hash=rules.token_hash(code), user_id=user.id))
    await record(session, actor, "mfa_enabled", "user", entity_id=user.id)
    return codes


async def check_second_factor(session: AsyncSession, user: User, otp: str, now: float) -> bool:
    """A fresh TOTP code, or an unused recovery code (which is then spent)."""
    if user.mfa_secret:
        step = rules.totp_matches(user.mfa_secret, otp, now)
        if step is not None and (user.mfa_last_step is None or step > user.mfa_last_step):
            user.mfa_last_step = step
            session.add(user)
            return True
    result = await session.exec(
        select(RecoveryCode).where(
            RecoveryCode.code_hash == rules.token_hash(otp.strip().lower()),
            RecoveryCode.user_id == user.id,
            RecoveryCode.used_at.is_(None),  # type: ignore[union-attr]
        )
    )
    code = result.first()
    if code is None:
        return False
    code.used_at = utcnow()
    session.add(code)
    return True
