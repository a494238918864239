"""The pure rules of Part 2 consent: which elements a consent needs (§2.31), and whether a
consent covers a requested disclosure. No I/O: the service loads rows and asks here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from shared.schemas.consent import Category, ConsentCreate, DisclosureException, Purpose

TPO = frozenset({Purpose.TREATMENT, Purpose.PAYMENT, Purpose.HEALTH_CARE_OPERATIONS})
# Exceptions whose record must say why (the nature of the emergency, §2.51(c)).
NEEDS_DETAIL = frozenset({DisclosureException.MEDICAL_EMERGENCY})
T = TypeVar("T")


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def missing_elements(data: ConsentCreate, today: date) -> list[dict[str, str]]:
    """Every §2.31 element the form lacks or states wrongly, one error per field."""
    errors: list[dict[str, str]] = []
    if not data.discloser.strip():
        errors.append(_error("discloser", "name who may disclose"))
    if not data.recipients:
        errors.append(_error("recipients", "at least one recipient or general designation"))
    errors += [
        _error(f"recipients.{i}.name", "name the recipient or the designation")
        for i, recipient in enumerate(data.recipients)
        if not recipient.name.strip()
    ]
    if not data.purposes:
        errors.append(_error("purposes", "at least one purpose"))
    if Purpose.OTHER in data.purposes and not data.purpose_text.strip():
        errors.append(_error("purpose_text", "describe the 'other' purpose"))
    if not data.information.strip():
        errors.append(_error("information", "describe specifically what may be disclosed"))
    if not data.categories:
        errors.append(_error("categories", "at least one category of information"))
    elif Category.COUNSELING_NOTES in data.categories and len(set(data.categories)) > 1:
        errors.append(
            _error("categories", "SUD counseling notes need a consent of their own: list only them")
        )
    if data.expires_on is None and not data.expires_event.strip():
        errors.append(_error("expiration", "an expiration date or event"))
    if not data.revocation_text.strip():
        errors.append(_error("revocation_text", "state the right to revoke and how"))
    if not data.signed_by.strip():
        errors.append(_error("signed_by", "who signed (the client or their representative)"))
    if data.signed_on is None:
        errors.append(_error("signed_on", "the date signed"))
    elif data.signed_on > today:
        errors.append(_error("signed_on", "cannot be in the future"))
    elif data.expires_on is not None and data.expires_on < data.signed_on:
        errors.append(_error("expires_on", "cannot be before the date signed"))
    return errors


def normalise(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Recipient:
    name: str
    general_designation: bool
    revoked: bool


@dataclass(frozen=True)
class Terms:
    """What a consent allows, as the matching needs it."""

    status: str
    expires_on: date | None
    purposes: frozenset[str]
    categories: frozenset[str]
    recipients: tuple[Recipient, ...]


def is_expired(expires_on: date | None, today: date) -> bool:
    """A consent is good through its expiry date; an event-only expiry is ended by
    revoking (staff record the event)."""
    return expires_on is not None and expires_on < today


def is_valid(terms: Terms, today: date) -> bool:
    return terms.status == "active" and not is_expired(terms.expires_on, today)


def names_recipient(terms: Terms, recipient: str) -> bool:
    """A standing recipient named like the request (case and spacing ignored), or a
    general designation: staff confirm the recipient belongs to the designated class."""
    wanted = normalise(recipient)
    return any(
        not r.revoked and (r.general_designation or normalise(r.name) == wanted)
        for r in terms.recipients
    )


def covers_purpose(purposes: Iterable[str], purpose: str) -> bool:
    allowed = set(purposes)
    return purpose in allowed or (Purpose.TPO in allowed and purpose in TPO)


def uncovered(terms: Terms, categories: Sequence[str]) -> list[str]:
    return [c for c in categories if c not in terms.categories]


def covers(
    terms: Terms, today: date, recipient: str, purpose: str, categories: Sequence[str]
) -> bool:
    return (
        is_valid(terms, today)
        and names_recipient(terms, recipient)
        and covers_purpose(terms.purposes, purpose)
        and not uncovered(terms, categories)
    )


def first_covering(
    candidates: Sequence[tuple[Terms, T]],
    today: date,
    recipient: str,
    purpose: str,
    categories: Sequence[str],
) -> T | None:
    """The first candidate (newest first, as the caller orders them) that covers the
    whole request: one consent must cover every category requested."""
    for terms, consent in candidates:
        if covers(terms, today, recipient, purpose, categories):
            return consent
    return None


def missing_categories(
    candidates: Sequence[Terms],
    today: date,
    recipient: str,
    purpose: str,
    categories: Sequence[str],
) -> list[str]:
    """The requested categories the closest consent (valid, for this recipient and
    purpose) leaves out: every category when none is close."""
    close = [
        uncovered(t, categories)
        for t in candidates
        if is_valid(t, today)
        and names_recipient(t, recipient)
        and covers_purpose(t.purposes, purpose)
    ]
    return min(close, key=len) if close else list(categories)


def exception_error(exception: str | None, detail: str) -> dict[str, str] | None:
    if exception is None:
        return None
    if exception not in set(DisclosureException):
        return _error("exception", f"one of {', '.join(DisclosureException)}")
    if exception in NEEDS_DETAIL and not detail.strip():
        return _error("exception_detail", "describe the emergency")
    return None
