"""Pure medication rules: allergy matching, the MAR's doses for a day, sig validation."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.medications import rules

pytestmark = pytest.mark.medications
NY = "America/New_York"


@pytest.mark.parametrize(
    ("drug", "allergy", "matches"),
    [
        ("Amoxicillin", "amoxicillin", True),  # by name, any case
        ("Amoxicillin", "Penicillin", True),  # a listed class, by its common name
        ("Bactrim (sulfamethoxazole/trimethoprim)", "Sulfa", True),
        ("Ampicillin", "amoxicillin", True),  # the same class as the drug reacted to
        ("Lorazepam", "benzodiazepines", True),
        ("Sertraline", "Penicillin", False),
        ("Naltrexone", "peanuts", False),
    ],
)
def test_allergy_matching(drug: str, allergy: str, matches: bool) -> None:
    assert bool(rules.allergy_conflicts(drug, [allergy])) is matches


def schedule(**changes: object) -> rules.Schedule:
    values: dict[str, object] = {
        "frequency": "bid",
        "times": ("09:00", "21:00"),
        "prn": False,
        "start_date": date(2026, 3, 1),
        "duration_days": None,
        "timezone": NY,
        "signed_at": datetime(2026, 3, 1, 6, 0, tzinfo=ZoneInfo(NY)),
        "discontinued_at": None,
    }
    return rules.Schedule(**(values | changes))  # type: ignore[arg-type]


def test_bid_gives_two_local_doses_across_the_dst_change() -> None:
    doses = rules.doses_on(schedule(), date(2026, 3, 8))  # US DST starts 8 March 2026
    assert [d.hour for d in doses] == [9, 21]
    assert doses[0].utcoffset() == timedelta(hours=-4)


def test_no_doses_before_signing_or_from_discontinuation() -> None:
    late_signing = schedule(signed_at=datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo(NY)))
    assert [d.hour for d in rules.doses_on(late_signing, date(2026, 3, 1))] == [21]
    stopped = schedule(discontinued_at=datetime(2026, 3, 2, 15, 0, tzinfo=ZoneInfo(NY)))
    assert [d.hour for d in rules.doses_on(stopped, date(2026, 3, 2))] == [9]
    assert rules.doses_on(stopped, date(2026, 3, 3)) == []


def test_duration_weekly_once_and_prn() -> None:
    five_days = schedule(duration_days=5)
    assert rules.doses_on(five_days, date(2026, 3, 5))
    assert rules.doses_on(five_days, date(2026, 3, 6)) == []
    weekly = schedule(frequency="weekly", times=())
    assert rules.doses_on(weekly, date(2026, 3, 9)) == []
    assert len(rules.doses_on(weekly, date(2026, 3, 15))) == 1  # a Sunday, like 1 March
    assert rules.doses_on(schedule(prn=True), date(2026, 3, 2)) == []
    assert rules.doses_on(schedule(), date(2026, 2, 28)) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dose_amount": 0}, "dose_amount"),
        ({"dose_amount": -5}, "dose_amount"),
        ({"dose_unit": "spoonful"}, "dose_unit"),
        ({"route": "mouth"}, "route"),
        ({"frequency": "sometimes"}, "frequency"),
        ({"times": ["9am"]}, "times[0]"),
        ({"quantity": -30}, "quantity"),
        ({"quantity_unit": "bottle"}, "quantity_unit"),
        ({"prn": True}, "prn_indication"),
        ({"schedule": "II", "refills": 1}, "refills"),
        ({"schedule": "VII"}, "schedule"),
    ],
)
def test_bad_prescriptions_name_the_field(changes: dict, field: str) -> None:
    values: dict[str, Any] = {
        "dose_amount": 300,
        "dose_unit": "mg",
        "route": "PO",
        "frequency": "bid",
        "times": None,
        "prn": False,
        "prn_indication": "",
        "quantity": 60,
        "quantity_unit": "tablet",
        "refills": 2,
        "schedule": None,
    }
    assert field in [f for f, _ in rules.prescription_errors(**(values | changes))]
    assert rules.prescription_errors(**values) == []


def test_sig_reads_like_a_prescription() -> None:
    assert rules.sig(300, "mg", "PO", "bid", False, "") == "300 mg PO bid"
    assert rules.sig(1, "mg", "PO", "q6h", True, "anxiety") == "1 mg PO q6h PRN anxiety"
    assert rules.sig(25, "mg", "PO", "prn", True, "anxiety") == "25 mg PO PRN anxiety"
