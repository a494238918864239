"""Validation rules both sides apply: the UI for inline messages, the API as the law."""

from __future__ import annotations

import re

# ICD-10-CM: letter (not U), digit, digit or A/B, then optionally a dot and 1-4 characters.
ICD10_PATTERN = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_icd10(code: str) -> str:
    """Upper-case, and insert the dot after the category when omitted (F1020 → F10.20)."""
    code = code.strip().upper()
    if "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"
    return code


def is_icd10(code: str) -> bool:
    return bool(ICD10_PATTERN.match(code))


def phone_digits(number: str) -> str:
    """Digits only, with a leading US country code dropped: '+1 (555) 010-2030' → '5550102030'."""
    digits = re.sub(r"\D", "", number)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def is_phone(number: str) -> bool:
    """7 to 15 digits (E.164 maximum) and only phone punctuation."""
    return bool(re.fullmatch(r"[0-9+().\-\s]+(x\d{1,6})?", number.strip())) and (
        7 <= len(re.sub(r"\D", "", number.split("x")[0])) <= 15
    )


def is_email(address: str) -> bool:
    return bool(EMAIL_PATTERN.match(address)) and len(address) <= 254
