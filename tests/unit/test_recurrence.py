"""RFC 5545 §3.8.5.3 examples, in America/New_York, across the 1997 DST change."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.scheduling.rules import RuleError, expand

pytestmark = pytest.mark.scheduling
NY = "America/New_York"


def _dates(rule: str, start: str, **kwargs) -> list[date]:
    return [o.starts_at.date() for o in expand(rule, start, NY, 60, **kwargs)]


def test_daily_for_ten_occurrences() -> None:
    assert _dates("FREQ=DAILY;COUNT=10", "1997-09-02T09:00") == [
        date(1997, 9, d) for d in range(2, 12)
    ]


def test_daily_until_keeps_nine_oclock_local_across_dst() -> None:
    sessions = expand("FREQ=DAILY;UNTIL=19971224T000000Z", "1997-09-02T09:00", NY, 180)
    assert len(sessions) == 113  # Sep 2 to Dec 23
    assert sessions[-1].starts_at.date() == date(1997, 12, 23)
    assert {s.starts_at.hour for s in sessions} == {9}
    offsets = {s.starts_at.utcoffset() for s in sessions}
    assert offsets == {timedelta(hours=-4), timedelta(hours=-5)}
    assert all(s.ends_at - s.starts_at == timedelta(hours=3) for s in sessions)


def test_weekly_tuesday_thursday_for_five_weeks_wkst_sunday() -> None:
    got = _dates("FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", "1997-09-02T09:00")
    want = [(9, 2), (9, 4), (9, 9), (9, 11), (9, 16), (9, 18), (9, 23), (9, 25), (9, 30), (10, 2)]
    assert got == [date(1997, m, d) for m, d in want]


def test_every_other_week_tuesday_thursday_eight_times() -> None:
    got = _dates("FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", "1997-09-02T09:00")
    want = [(9, 2), (9, 4), (9, 16), (9, 18), (9, 30), (10, 2), (10, 14), (10, 16)]
    assert got == [date(1997, m, d) for m, d in want]


@pytest.mark.parametrize(("wkst", "days"), [("MO", [5, 10, 19, 24]), ("SU", [5, 17, 19, 31])])
def test_wkst_changes_which_days_belong_to_a_week(wkst: str, days: list[int]) -> None:
    rule = f"FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST={wkst}"
    assert _dates(rule, "1997-08-05T09:00") == [date(1997, 8, d) for d in days]


def test_monthly_on_the_first_friday() -> None:
    got = _dates("FREQ=MONTHLY;COUNT=10;BYDAY=1FR", "1997-09-05T09:00")
    want = [
        (1997, 9, 5),
        (1997, 10, 3),
        (1997, 11, 7),
        (1997, 12, 5),
        (1998, 1, 2),
        (1998, 2, 6),
        (1998, 3, 6),
        (1998, 4, 3),
        (1998, 5, 1),
        (1998, 6, 5),
    ]
    assert got == [date(*d) for d in want]


def test_monthly_on_the_second_to_last_monday() -> None:
    got = _dates("FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", "1997-09-22T09:00")
    want = [
        (1997, 9, 22),
        (1997, 10, 20),
        (1997, 11, 17),
        (1997, 12, 22),
        (1998, 1, 19),
        (1998, 2, 16),
    ]
    assert got == [date(*d) for d in want]


def test_third_to_last_day_of_the_month_with_a_horizon() -> None:
    horizon = datetime(1998, 2, 28, tzinfo=ZoneInfo(NY))
    got = _dates("FREQ=MONTHLY;BYMONTHDAY=-3", "1997-09-28T09:00", until=horizon)
    want = [
        (1997, 9, 28),
        (1997, 10, 29),
        (1997, 11, 28),
        (1997, 12, 29),
        (1998, 1, 29),
        (1998, 2, 26),
    ]
    assert got == [date(*d) for d in want]


def test_bysetpos_third_tuesday_wednesday_or_thursday() -> None:
    got = _dates("FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", "1997-09-04T09:00")
    assert got == [date(1997, 9, 4), date(1997, 10, 7), date(1997, 11, 6)]


def test_bysetpos_last_workday_of_the_month() -> None:
    got = _dates("FREQ=MONTHLY;COUNT=4;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "1997-09-29T09:00")
    assert got == [date(1997, 9, 30), date(1997, 10, 31), date(1997, 11, 28), date(1997, 12, 31)]


def test_exdate_removes_and_rdate_adds() -> None:
    got = _dates(
        "FREQ=WEEKLY;COUNT=4;BYDAY=MO",
        "2026-11-02T09:00",
        exdates_local=["2026-11-09T09:00"],
        rdates_local=["2026-11-11T09:00"],
    )
    assert got == [date(2026, 11, 2), date(2026, 11, 11), date(2026, 11, 16), date(2026, 11, 23)]


def test_iop_series_mon_wed_fri_for_twelve_weeks() -> None:
    sessions = expand("FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=36", "2026-09-07T09:00", NY, 180)
    assert len(sessions) == 36
    assert {s.starts_at.strftime("%a %H:%M") for s in sessions} == {
        "Mon 09:00",
        "Wed 09:00",
        "Fri 09:00",
    }
    assert {s.ends_at.strftime("%H:%M") for s in sessions} == {"12:00"}


@pytest.mark.parametrize(
    ("rule", "start", "zone_name", "minutes", "field"),
    [
        ("FREQ=HOURLY;COUNT=3", "2026-01-05T09:00", NY, 60, "rrule"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=2", "2026-01-05T09:00", NY, 60, "rrule"),
        ("BYDAY=MO;COUNT=2", "2026-01-05T09:00", NY, 60, "rrule"),
        ("FREQ=DAILY;UNTIL=20250101T000000Z", "2026-01-05T09:00", NY, 60, "rrule"),
        ("FREQ=DAILY;COUNT=2", "2026-01-05 9am", NY, 60, "start_local"),
        ("FREQ=DAILY;COUNT=2", "2026-01-05T09:00", "Mars/Olympus", 60, "timezone"),
        ("FREQ=DAILY;COUNT=2", "2026-01-05T09:00", NY, 0, "duration_minutes"),
        ("FREQ=DAILY;COUNT=2", "2026-01-05T09:00", NY, -30, "duration_minutes"),
        ("FREQ=WEEKLY;BYDAY=MO", "2026-01-05T09:00", NY, 60, "rrule"),
    ],
)
def test_bad_input_names_the_field(
    rule: str, start: str, zone_name: str, minutes: int, field: str
) -> None:
    with pytest.raises(RuleError) as error:
        expand(rule, start, zone_name, minutes)
    assert error.value.field == field
