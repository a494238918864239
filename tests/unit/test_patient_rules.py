import base64
import json
from datetime import date

import pytest

from backend.patients.rules import age_on, decode_cursor, encode_cursor, fold, search_name
from shared.rules import is_email, is_icd10, is_phone, normalise_icd10, phone_digits

pytestmark = pytest.mark.patients


@pytest.mark.parametrize(
    ("born", "today", "age"),
    [
        (date(2000, 5, 10), date(2026, 5, 9), 25),
        (date(2000, 5, 10), date(2026, 5, 10), 26),
        (date(2004, 2, 29), date(2026, 2, 28), 21),
        (date(2004, 2, 29), date(2026, 3, 1), 22),
    ],
)
def test_age_counts_birthdays_including_leap_days(born: date, today: date, age: int) -> None:
    assert age_on(born, today) == age


def test_search_keys_ignore_case_and_accents_but_keep_scripts() -> None:
    assert fold("Zoë Ó Súilleabháin") == "zoe o suilleabhain"
    assert search_name("美咲", "山田") == "美咲 山田"
    assert search_name("D'Arcy", "O'Brien", preferred="Darcy") == "d'arcy o'brien darcy"


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("F33.1", True),
        ("F10.20", True),
        ("Z59.00", True),
        ("F1020", True),
        ("U07.1", False),
        ("F3", False),
        ("33.1", False),
        ("F33.12345", False),
    ],
)
def test_icd10_format(code: str, valid: bool) -> None:
    assert is_icd10(normalise_icd10(code)) is valid


def test_phone_and_email_rules() -> None:
    assert is_phone("+1 (555) 010-2030") and is_phone("555-0102 x12")
    assert not is_phone("call me") and not is_phone("12")
    assert phone_digits("+1 (555) 010-2030") == "5550102030"
    assert is_email("a.b@example.org") and not is_email("a@b")


def test_cursor_round_trips() -> None:
    patient_id = "9b2c6a4e-3f1d-4c8e-9a7b-2d5e6f708192"
    assert decode_cursor(encode_cursor(True, 0.42, patient_id)) == (True, 0.42, patient_id)


@pytest.mark.reliability
def test_a_forged_cursor_is_refused_as_invalid() -> None:
    # base64 of [true, 1.0, "x"] was a 500 once: the last item must be a patient id.
    forged = base64.urlsafe_b64encode(json.dumps([True, 1.0, "x"]).encode()).decode()
    with pytest.raises(ValueError):
        decode_cursor(forged)
