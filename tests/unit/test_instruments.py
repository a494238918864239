"""Scoring rules of the standardized instruments: totals, severity bands, flags and refusals."""

from dataclasses import FrozenInstanceError
from typing import Any

import pytest

from backend.measures.instruments import (
    INSTRUMENTS,
    AnswerError,
    Instrument,
    Score,
    band,
    score,
)

pytestmark = pytest.mark.plans


@pytest.mark.parametrize(
    ("answers", "total", "severity"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
        ([3, 3, 3, 0, 0, 0, 0, 0, 0], 9, "mild"),
        ([3, 3, 3, 1, 0, 0, 0, 0, 0], 10, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2, 0, 0], 14, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0, 0, 0], 15, "moderately severe"),
        ([3, 3, 3, 3, 3, 3, 1, 0, 0], 19, "moderately severe"),
        ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 0], 24, "severe"),
    ],
)
def test_phq9_bands_at_every_boundary(answers: list[int], total: int, severity: str) -> None:
    assert score("phq9", answers) == Score("phq9", total, severity, ())


def test_phq9_maximum_is_severe_and_flags_item_9() -> None:
    assert score("phq9", [3] * 9) == Score("phq9", 27, "severe", ("suicidal_ideation",))


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_any_answer_above_zero_on_item_9_flags_suicidal_ideation(item9: int) -> None:
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, item9])
    assert result.flags == ("suicidal_ideation",)
    assert (result.total, result.severity) == (item9, "minimal")  # low total, still flagged


def test_phq9_item_9_at_zero_raises_no_flag_even_when_severe() -> None:
    result = score("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert result.severity == "severe"
    assert result.flags == ()


@pytest.mark.parametrize(
    ("answers", "total", "severity"),
    [
        ([0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
        ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
        ([3, 3, 3, 0, 0, 0, 0], 9, "mild"),
        ([3, 3, 3, 1, 0, 0, 0], 10, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2], 14, "moderate"),
        ([3, 3, 3, 3, 3, 0, 0], 15, "severe"),
        ([3, 3, 3, 3, 3, 3, 3], 21, "severe"),
    ],
)
def test_gad7_bands_at_every_boundary(answers: list[int], total: int, severity: str) -> None:
    assert score("gad7", answers) == Score("gad7", total, severity, ())


@pytest.mark.parametrize(
    ("answers", "total", "severity", "flags"),
    [
        ([0] * 20, 0, "below threshold", ()),
        ([2] * 16 + [0, 0, 0, 0], 32, "below threshold", ()),
        ([2] * 16 + [1, 0, 0, 0], 33, "probable ptsd", ("probable_ptsd",)),
        ([4] * 20, 80, "probable ptsd", ("probable_ptsd",)),
    ],
)
def test_pcl5_cut_point_is_33(
    answers: list[int], total: int, severity: str, flags: tuple[str, ...]
) -> None:
    assert score("pcl5", answers) == Score("pcl5", total, severity, flags)


@pytest.mark.parametrize(
    ("answers", "total", "severity", "flags"),
    [
        ([0, 0, 0], 0, "negative", ()),
        ([1, 1, 0], 2, "negative", ()),
        ([1, 1, 1], 3, "positive (women)", ()),
        ([2, 1, 1], 4, "positive", ("hazardous_drinking",)),
        ([4, 4, 4], 12, "positive", ("hazardous_drinking",)),
    ],
)
def test_auditc_boundaries(
    answers: list[int], total: int, severity: str, flags: tuple[str, ...]
) -> None:
    assert score("auditc", answers) == Score("auditc", total, severity, flags)


IDEATION = ("suicidal_ideation",)
BEHAVIOR = ("suicidal_behavior",)


@pytest.mark.parametrize(
    ("answers", "severity", "flags"),
    [
        ([0, 0, 0, 0, 0, 0], "no risk", ()),
        ([1, 0, 0, 0, 0, 0], "low risk", IDEATION),
        ([0, 1, 0, 0, 0, 0], "low risk", IDEATION),
        ([1, 1, 0, 0, 0, 0], "low risk", IDEATION),
        ([1, 1, 1, 0, 0, 0], "moderate risk", IDEATION),
        ([1, 1, 1, 1, 0, 0], "high risk", IDEATION),
        ([1, 1, 1, 0, 1, 0], "high risk", IDEATION),
        ([1, 1, 1, 1, 1, 0], "high risk", IDEATION),
        ([0, 0, 0, 0, 0, 1], "high risk", BEHAVIOR),
        ([1, 0, 0, 0, 0, 1], "high risk", IDEATION + BEHAVIOR),
        ([1, 1, 1, 1, 1, 1], "high risk", IDEATION + BEHAVIOR),
    ],
)
def test_cssrs_risk_follows_the_most_serious_yes(
    answers: list[int], severity: str, flags: tuple[str, ...]
) -> None:
    assert score("cssrs", answers) == Score("cssrs", sum(answers), severity, flags)


def test_cssrs_total_counts_yes_answers() -> None:
    assert score("cssrs", [1, 0, 1, 0, 1, 0]).total == 3


def test_unknown_instrument_is_refused() -> None:
    with pytest.raises(AnswerError) as caught:
        score("beck", [0] * 21)
    assert caught.value.field == "instrument"
    assert "beck" in caught.value.message


@pytest.mark.parametrize("count", [0, 8, 10])
def test_phq9_wrong_number_of_answers_is_refused(count: int) -> None:
    with pytest.raises(AnswerError) as caught:
        score("phq9", [0] * count)
    assert caught.value.field == "answers"
    assert caught.value.message == f"PHQ-9 expects 9 answers, got {count}"


@pytest.mark.parametrize(("index", "value"), [(0, -1), (3, 4), (8, -1), (8, 4)])
def test_phq9_out_of_range_answer_names_its_index_and_range(index: int, value: int) -> None:
    answers = [0] * 9
    answers[index] = value
    with pytest.raises(AnswerError) as caught:
        score("phq9", answers)
    assert caught.value.field == f"answers[{index}]"
    assert caught.value.message == "must be an integer from 0 to 3"


@pytest.mark.parametrize("value", [True, False, 1.0, "1", None])
def test_bools_and_non_integers_are_refused(value: object) -> None:
    answers: list[Any] = [0] * 9
    answers[2] = value
    with pytest.raises(AnswerError) as caught:
        score("phq9", answers)
    assert caught.value.field == "answers[2]"


@pytest.mark.parametrize(
    ("key", "count", "too_high", "allowed"),
    [
        ("gad7", 7, 4, "0 to 3"),
        ("pcl5", 20, 5, "0 to 4"),
        ("auditc", 3, 5, "0 to 4"),
        ("cssrs", 6, 2, "0 to 1"),
    ],
)
def test_each_instrument_refuses_values_above_its_range(
    key: str, count: int, too_high: int, allowed: str
) -> None:
    answers = [0] * count
    answers[-1] = too_high
    with pytest.raises(AnswerError) as caught:
        score(key, answers)
    assert caught.value.field == f"answers[{count - 1}]"
    assert allowed in caught.value.message


@pytest.mark.parametrize("answers", ["000000000", None, 0])
def test_answers_must_be_a_sequence_of_integers(answers: Any) -> None:
    with pytest.raises(AnswerError) as caught:
        score("phq9", answers)
    assert caught.value.field == "answers"


def test_answer_error_is_a_value_error_carrying_field_and_message() -> None:
    error = AnswerError("answers[3]", "must be an integer from 0 to 3")
    assert isinstance(error, ValueError)
    assert str(error) == "answers[3]: must be an integer from 0 to 3"


@pytest.mark.parametrize(
    ("key", "total", "expected"),
    [
        ("phq9", 0, "minimal"),
        ("phq9", 19, "moderately severe"),
        ("gad7", 15, "severe"),
        ("pcl5", 33, "probable ptsd"),
        ("auditc", 3, "positive (women)"),
    ],
)
def test_band_helper(key: str, total: int, expected: str) -> None:
    assert band(key, total) == expected


@pytest.mark.parametrize("total", [-1, 28])
def test_band_refuses_totals_outside_the_range(total: int) -> None:
    with pytest.raises(AnswerError) as caught:
        band("phq9", total)
    assert caught.value.field == "total"


def test_band_is_undefined_for_cssrs() -> None:
    with pytest.raises(ValueError, match="graded by item"):
        band("cssrs", 1)


def test_registry_holds_the_five_instruments_by_key() -> None:
    assert sorted(INSTRUMENTS) == ["auditc", "cssrs", "gad7", "pcl5", "phq9"]
    assert all(key == instrument.key for key, instrument in INSTRUMENTS.items())
    assert {key: len(i.items) for key, i in INSTRUMENTS.items()} == {
        "phq9": 9,
        "gad7": 7,
        "pcl5": 20,
        "auditc": 3,
        "cssrs": 6,
    }
    assert {key: i.max_total for key, i in INSTRUMENTS.items()} == {
        "phq9": 27,
        "gad7": 21,
        "pcl5": 80,
        "auditc": 12,
        "cssrs": 6,
    }


@pytest.mark.parametrize("instrument", INSTRUMENTS.values(), ids=list(INSTRUMENTS))
def test_every_instrument_is_consistent(instrument: Instrument) -> None:
    assert instrument.direction == "lower is better"
    for index in range(len(instrument.items)):
        values = [value for value, _ in instrument.choices_for(index)]
        assert values == list(range(instrument.item_max(index) + 1))
    top = [instrument.item_max(i) for i in range(len(instrument.items))]
    assert score(instrument.key, top).total == instrument.max_total
    assert score(instrument.key, [0] * len(instrument.items)).flags == ()


def test_auditc_words_each_question_s_answers_separately() -> None:
    auditc = INSTRUMENTS["auditc"]
    assert auditc.choices_for(0)[4] == (4, "4 or more times a week")
    assert auditc.choices_for(1)[0] == (0, "1 or 2")
    assert auditc.choices_for(2)[4] == (4, "Daily or almost daily")


def test_bands_with_a_gap_are_rejected_at_definition() -> None:
    with pytest.raises(ValueError, match="without gaps"):
        Instrument(
            key="x",
            name="X",
            title="X",
            prompt="",
            items=("a", "b"),
            choices=((0, "no"), (1, "yes")),
            bands=((0, 0, "none"), (2, 2, "some")),
            max_total=2,
        )


def test_score_is_immutable() -> None:
    result = score("gad7", [0] * 7)
    with pytest.raises(FrozenInstanceError):
        result.total = 5  # type: ignore[misc]
