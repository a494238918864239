"""Pure rules of the chart: ages, search keys, duplicate detection, the timeline."""

from __future__ import annotations

import base64
import json
import unicodedata
import uuid
from datetime import date

from shared.rules import phone_digits

MRN_MAX = 2**31 - 1  # patient.mrn_number is an integer column


def mrn_number(digits: str) -> int | None:
    """The number of an MRN's digits ("100001"), or None when they are not one: not ASCII
    digits ("²" counts as a digit to ``str.isdigit``), or past the column's range, where
    no record can exist and PostgreSQL would refuse the comparison itself."""
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(MRN_MAX)):
        return None
    number = int(digits)
    return number if number <= MRN_MAX else None


def age_on(birth_date: date, today: date) -> int:
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)


def fold(text: str) -> str:
    """Case- and accent-insensitive form for searching: 'Zoë O'Brien' → 'zoe o'brien'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def search_name(given: str, family: str, preferred: str = "", middle: str = "") -> str:
    parts = [given, middle, family] + ([preferred] if preferred else [])
    return fold(" ".join(p for p in parts if p))


def phone_key(numbers: list[str]) -> str:
    return " ".join(sorted({phone_digits(n) for n in numbers if n}))


# Trigram similarity above which two names with the same birth date are likely one person.
DUPLICATE_SIMILARITY = 0.45


def encode_cursor(exact: bool, score: float, patient_id: str) -> str:
    raw = json.dumps([exact, score, patient_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[bool, float, str]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    exact, score, patient_id = json.loads(raw)
    return bool(exact), float(score), str(uuid.UUID(str(patient_id)))
