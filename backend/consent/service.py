"""Part 2 consents (record, read, revoke whole or one recipient at a time) and the gate
every disclosure passes: ``authorize_disclosure`` then ``record_disclosure``.

Other areas that send a client's record outside the program (referrals, exports, claims
with SUD data) call those two with the session of their own request, so the consent
check, the disclosure row and the audit event commit or roll back together."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import User
from backend.audit.service import Actor, record
from backend.config import get_settings
from backend.consent import rules
from backend.consent.models import Consent, ConsentRecipient, Disclosure
from backend.db.base import utcnow
from backend.lib.auth import Principal
from backend.lib.problems import Problem
from shared.schemas.consent import (
    ConsentCreate,
    ConsentRead,
    DisclosureRead,
    Purpose,
    RecipientRead,
)

_PURPOSE_WORDS = {
    Purpose.TREATMENT: "treatment",
    Purpose.PAYMENT: "payment",
    Purpose.HEALTH_CARE_OPERATIONS: "health care operations",
    Purpose.TPO: "treatment, payment and health care operations",
}


def clinic_today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def _invalid(errors: list[dict[str, str]]) -> Problem:
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return Problem(422, f"The consent is missing or misstates: {fields}.", errors=errors)


async def create(
    session: AsyncSession,
    actor: Actor,
    principal: Principal,
    patient_id: uuid.UUID,
    data: ConsentCreate,
) -> Consent:
    errors = rules.missing_elements(data, clinic_today())
    if errors:
        raise _invalid(errors)
    assert data.signed_on is not None
    categories = list(dict.fromkeys(c.value for c in data.categories))
    consent = Consent(
        patient_id=patient_id,
        discloser=data.discloser.strip(),
        purposes=list(dict.fromkeys(p.value for p in data.purposes)),
        purpose_text=data.purpose_text.strip(),
        information=data.information.strip(),
        categories=categories,
        counseling_notes=categories == ["counseling_notes"],
        expires_on=data.expires_on,
        expires_event=data.expires_event.strip(),
        revocation_text=data.revocation_text.strip(),
        signed_by=data.signed_by.strip(),
        signed_on=data.signed_on,
        recorded_by=principal.user_id,
    )
    session.add(consent)
    await session.flush()
    session.add_all(
        ConsentRecipient(
            consent_id=consent.id, name=r.name.strip(), general_designation=r.general_designation
        )
        for r in data.recipients
    )
    await session.flush()
    await record(session, actor, "create", "consent", entity_id=consent.id, patient_id=patient_id)
    return consent


async def get(session: AsyncSession, consent_id: uuid.UUID, *, lock: bool = False) -> Consent:
    consent = await session.get(Consent, consent_id, with_for_update=lock)
    if consent is None:
        raise Problem(404, f"No consent {consent_id}.")
    return consent


async def for_patient(session: AsyncSession, patient_id: uuid.UUID) -> list[Consent]:
    rows = await session.exec(
        select(Consent)
        .where(Consent.patient_id == patient_id)
        .order_by(col(Consent.signed_on).desc(), col(Consent.created_at).desc())
    )
    return list(rows.all())


async def recipients_of(
    session: AsyncSession, consent_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ConsentRecipient]]:
    found: dict[uuid.UUID, list[ConsentRecipient]] = {i: [] for i in consent_ids}
    if consent_ids:
        rows = await session.exec(
            select(ConsentRecipient)
            .where(col(ConsentRecipient.consent_id).in_(consent_ids))
            .order_by(col(ConsentRecipient.name))
        )
        for recipient in rows.all():
            found[recipient.consent_id].append(recipient)
    return found


def status_of(consent: Consent, today: date) -> str:
    if consent.status == "active" and rules.is_expired(consent.expires_on, today):
        return "expired"
    return consent.status


def _terms(consent: Consent, recipients: list[ConsentRecipient], today: date) -> rules.Terms:
    return rules.Terms(
        status=status_of(consent, today),
        expires_on=consent.expires_on,
        purposes=frozenset(consent.purposes),
        categories=frozenset(consent.categories),
        recipients=tuple(
            rules.Recipient(r.name, r.general_designation, r.revoked_at is not None)
            for r in recipients
        ),
    )


def consent_description(
    consent: Consent, recipients: Sequence[ConsentRecipient] | None = None
) -> str:
    """The consent in one paragraph, for artifacts: who signed it and when, who may
    disclose what to whom and why, until when, and how it can be revoked. Without
    ``recipients`` it refers to the recipients the consent names."""
    if recipients is None:
        to = "the recipients it names"
    else:
        standing = [r for r in recipients if r.revoked_at is None]
        to = (
            "; ".join(
                f"{r.name} (general designation)" if r.general_designation else r.name
                for r in standing
            )
            or "no recipient (every recipient revoked)"
        )
    purposes = ", ".join(
        _PURPOSE_WORDS.get(Purpose(p), consent.purpose_text or "other") for p in consent.purposes
    )
    expiry = " or ".join(
        part
        for part in (
            f"on {consent.expires_on:%d %b %Y}" if consent.expires_on else "",
            f"upon {consent.expires_event}" if consent.expires_event else "",
        )
        if part
    )
    counseling = (
        " This consent is for SUD counseling notes only." if consent.counseling_notes else ""
    )
    return (
        f"Consent {consent.id}, signed by {consent.signed_by} on {consent.signed_on:%d %b %Y}, "
        f"authorises {consent.discloser} to disclose {consent.information} "
        f"(categories: {', '.join(consent.categories)}) to {to}, for {purposes}. "
        f"It expires {expiry} unless revoked earlier. {consent.revocation_text}{counseling}"
    )


async def reads(session: AsyncSession, consents: Sequence[Consent]) -> list[ConsentRead]:
    found = await recipients_of(session, [c.id for c in consents])
    today = clinic_today()
    return [
        ConsentRead.model_validate(
            consent.model_dump()
            | {
                "status": status_of(consent, today),
                "recipients": [
                    RecipientRead.model_validate(r, from_attributes=True) for r in found[consent.id]
                ],
                "description": consent_description(consent, found[consent.id]),
            }
        )
        for consent in consents
    ]


async def revoke(session: AsyncSession, actor: Actor, consent: Consent) -> Consent:
    """Revocation stops future disclosures; what was disclosed before stays accounted."""
    if consent.status == "revoked":
        raise Problem(409, "This consent is already revoked.")
    consent.status, consent.revoked_at = "revoked", utcnow()
    consent.version += 1
    session.add(consent)
    await record(
        session, actor, "revoke", "consent", entity_id=consent.id, patient_id=consent.patient_id
    )
    return consent


async def revoke_recipient(
    session: AsyncSession, actor: Actor, consent: Consent, recipient_id: uuid.UUID
) -> Consent:
    recipient = await session.get(ConsentRecipient, recipient_id, with_for_update=True)
    if recipient is None or recipient.consent_id != consent.id:
        raise Problem(404, f"No recipient {recipient_id} on consent {consent.id}.")
    if recipient.revoked_at is not None:
        raise Problem(409, f"{recipient.name} is already revoked on this consent.")
    recipient.revoked_at = utcnow()
    consent.version += 1
    session.add_all([recipient, consent])
    await record(
        session,
        actor,
        "revoke_recipient",
        "consent",
        entity_id=consent.id,
        patient_id=consent.patient_id,
        detail={"recipient_id": str(recipient.id)},
    )
    return consent


async def authorize_disclosure(
    session: AsyncSession,
    *,
    patient_id: uuid.UUID,
    recipient: str,
    purpose: str,
    categories: list[str],
    exception: str | None = None,
    exception_detail: str = "",
) -> Consent | None:
    """The valid consent that covers this disclosure, or None under a recorded exception
    (medical emergency, audit, research). Raises 403 ``consent-required`` naming what a
    consent would have to cover, or 422 for an unknown exception or purpose."""
    invalid = rules.exception_error(exception, exception_detail)
    if invalid is not None:
        raise _invalid([invalid])
    if exception is not None:
        return None
    if purpose == Purpose.TPO:
        raise _invalid([{"field": "purpose", "message": "name one purpose for a disclosure"}])
    consents = await for_patient(session, patient_id)
    found = await recipients_of(session, [c.id for c in consents])
    today = clinic_today()
    candidates = [(_terms(c, found[c.id], today), c) for c in consents]
    consent = rules.first_covering(candidates, today, recipient, purpose, categories)
    if consent is not None:
        return consent
    missing = rules.missing_categories(
        [t for t, _ in candidates], today, recipient, purpose, categories
    )
    raise Problem(
        403,
        f"No valid consent for {recipient} / {purpose} / {', '.join(categories)}: record the "
        "client's written consent (42 CFR §2.31) or a permitted exception first.",
        slug="consent-required",
        missing={"recipient": recipient, "purpose": purpose, "categories": missing},
    )


async def record_disclosure(
    session: AsyncSession,
    actor: Actor,
    *,
    patient_id: uuid.UUID,
    recipient: str,
    purpose: str,
    categories: list[str],
    consent: Consent | None,
    exception: str | None,
    exception_detail: str,
    disclosed_by: uuid.UUID,
    artifact: bytes,
) -> Disclosure:
    """One line of the accounting, with the SHA-256 of exactly what was sent."""
    disclosure = Disclosure(
        patient_id=patient_id,
        recipient=recipient.strip(),
        purpose=purpose,
        categories=list(categories),
        consent_id=consent.id if consent else None,
        exception=exception,
        exception_detail=exception_detail.strip(),
        disclosed_by=disclosed_by,
        artifact_hash=hashlib.sha256(artifact).hexdigest(),
    )
    session.add(disclosure)
    await session.flush()
    await record(
        session,
        actor,
        "disclose",
        "disclosure",
        entity_id=disclosure.id,
        patient_id=patient_id,
        detail={
            "consent_id": str(consent.id) if consent else None,
            "exception": exception,
            "categories": list(categories),
            "hash": disclosure.artifact_hash,
        },
    )
    return disclosure


async def accounting(
    session: AsyncSession, patient_id: uuid.UUID, years: int
) -> list[DisclosureRead]:
    """Every disclosure of the last ``years`` years, newest first, with who made it."""
    since = utcnow() - timedelta(days=365 * years + years // 4)
    rows = await session.exec(
        select(Disclosure, User)
        .join(User, col(User.id) == col(Disclosure.disclosed_by))
        .where(Disclosure.patient_id == patient_id, Disclosure.disclosed_at >= since)
        .order_by(col(Disclosure.disclosed_at).desc())
    )
    return [
        DisclosureRead.model_validate(
            disclosure.model_dump() | {"disclosed_by_name": user.full_name or user.username}
        )
        for disclosure, user in rows.all()
    ]
