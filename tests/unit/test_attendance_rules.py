"""The minutes an attendance status allows in a 90-minute session."""

import pytest

from backend.scheduling.rules import RuleError, attended_minutes

pytestmark = [pytest.mark.scheduling, pytest.mark.integrity]


@pytest.mark.parametrize(
    ("status", "given", "stored"),
    [
        ("present", None, 90),
        ("present", 90, 90),
        ("present", 60, 60),
        ("late", 89, 89),
        ("left_early", 1, 1),
        ("absent", None, None),
        ("excused", None, None),
        ("cancelled", None, None),
    ],
)
def test_minutes_that_agree_with_the_status_are_stored(
    status: str, given: int | None, stored: int | None
) -> None:
    assert attended_minutes(status, given, 90) == stored


@pytest.mark.parametrize(
    ("status", "given"),
    [
        ("absent", 180),
        ("excused", 0),
        ("present", 91),
        ("present", 0),
        ("late", 90),
        ("left_early", 0),
        ("late", None),
    ],
)
def test_minutes_that_contradict_the_status_name_the_field(status: str, given: int | None) -> None:
    with pytest.raises(RuleError) as refused:
        attended_minutes(status, given, 90)
    assert refused.value.field == "minutes"
