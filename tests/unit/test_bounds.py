"""The range checks every query value, series time and lab time goes through."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from backend.lib.bounds import DATE_MESSAGE, INTEGER_MESSAGE, _scalar, raw_problem
from backend.lib.csv_rows import CellProblem, read_table
from backend.patients.rules import mrn_number
from backend.scheduling.rules import RuleError, local_datetime

pytestmark = pytest.mark.integrity


@pytest.mark.parametrize(
    ("kind", "raw", "problem"),
    [
        (int, str(2**63 - 1), None),
        (int, str(-(2**63)), None),
        (int, str(2**63), INTEGER_MESSAGE),
        (int, str(-(2**63) - 1), INTEGER_MESSAGE),
        (int, "twelve", None),  # not a number: the framework names the type itself
        (date, "1900-01-01", None),
        (date, "2200-12-31", None),
        (date, "1899-12-31", DATE_MESSAGE),
        (date, "9999-12-31", DATE_MESSAGE),
        (datetime, "0001-01-01T00:00:00+14:00", DATE_MESSAGE),
        (datetime, "2200-12-31T23:59:59-14:00", None),
        (datetime, "9999-12-31T23:59:59Z", DATE_MESSAGE),
    ],
)
def test_raw_query_values(kind: type, raw: str, problem: str | None) -> None:
    assert raw_problem(kind, raw) == problem


def test_a_day_either_side_of_the_range_is_still_a_date() -> None:
    last = datetime(2200, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14)))
    assert (last + timedelta(days=1)).astimezone(UTC).year == 2201


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [(int, int), (int | None, int), (bool, None), (date | None, date), (datetime, datetime)],
)
def test_the_declared_type_picks_the_check(annotation: object, kind: type | None) -> None:
    assert _scalar(annotation) is kind
    assert _scalar(list[int]) is int
    assert _scalar(str | None) is None


def test_series_times_outside_the_calendar_name_the_field() -> None:
    with pytest.raises(RuleError) as refused:
        local_datetime("9999-12-31T23:00", "start_local")
    assert (refused.value.field, refused.value.message) == ("start_local", DATE_MESSAGE)


def test_mrn_numbers_fit_their_column() -> None:
    assert mrn_number("100001") == 100001
    assert mrn_number("2147483647") == 2**31 - 1
    assert mrn_number("2147483648") is None
    assert mrn_number("9" * 40) is None
    assert mrn_number("1²") is None
    assert mrn_number("") is None


def test_a_row_wider_than_its_header_is_named_by_row_and_column() -> None:
    table = read_table("\ufeffa, b\n1,2\n\n3\n4,5,6,7\n")
    assert table.header == ["a", "b"]
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, {"a": "1", "b": "2"}),
        (4, {"a": "3", "b": ""}),
    ]
    assert table.problems == [CellProblem(5, "column 3", "4 cells, but the header names 2 columns")]
