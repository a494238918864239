"""Pure scoring rules of standardized behavioral-health instruments.

No I/O and no database: an `Instrument` describes a questionnaire (items, answer choices, severity
bands, critical items) and `score` turns a list of integer answers into a total, a severity and
safety flags. Sources for the cut-points:

- PHQ-9: Kroenke, Spitzer & Williams 2001 (cut-points 5, 10, 15, 20).
- GAD-7: Spitzer, Kroenke, Williams & Löwe 2006 (cut-points 5, 10, 15).
- PCL-5: Weathers et al. 2013, National Center for PTSD; provisional cut-point 31-33 (33 used).
- AUDIT-C: Bush et al. 1998; Bradley et al. 2003, 2007 (positive at >= 4 men, >= 3 women).
- C-SSRS screener: Posner et al. 2011; Columbia "screen version - recent" triage colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Choices = tuple[tuple[int, str], ...]

FREQUENCY_2_WEEKS: Choices = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)
BOTHERED: Choices = (
    (0, "Not at all"),
    (1, "A little bit"),
    (2, "Moderately"),
    (3, "Quite a bit"),
    (4, "Extremely"),
)
POINTS_0_4: Choices = tuple((value, f"{value} points") for value in range(5))
YES_NO: Choices = ((0, "No"), (1, "Yes"))


@dataclass(frozen=True)
class Instrument:
    """A questionnaire whose total is the sum of its integer item answers.

    `choices` apply to every item unless `item_choices` gives one tuple of choices per item
    (AUDIT-C words the same 0-4 points differently for each question). `bands` map the total to
    a severity; an instrument graded by which items are endorsed (C-SSRS) leaves `bands` empty and
    instead gives `risk_levels` (lowest first) and `item_risk`, the level a "yes" on each item
    reaches. `critical_items` raise a flag when that item's answer is above 0; `total_flags` raise
    a flag when the total reaches the threshold.
    """

    key: str
    name: str
    title: str
    prompt: str
    items: tuple[str, ...]
    choices: Choices
    bands: tuple[tuple[int, int, str], ...]
    max_total: int
    direction: Literal["lower is better"] = "lower is better"
    critical_items: tuple[tuple[int, str], ...] = ()  # (item index, flag)
    total_flags: tuple[tuple[int, str], ...] = ()  # (minimum total, flag)
    item_choices: tuple[Choices, ...] = ()
    risk_levels: tuple[str, ...] = ()
    item_risk: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.items)
        if self.item_choices and len(self.item_choices) != n:
            raise ValueError(f"{self.key}: item_choices must give one tuple per item")
        if sum(self.item_max(i) for i in range(n)) != self.max_total:
            raise ValueError(f"{self.key}: max_total is not the sum of the item maxima")
        if any(not 0 <= index < n for index, _ in self.critical_items):
            raise ValueError(f"{self.key}: a critical item is out of range")
        if self.bands:
            edges = [(low, high) for low, high, _ in self.bands]
            expected_low = 0
            for low, high in edges:
                if low != expected_low or high < low:
                    raise ValueError(f"{self.key}: bands must cover 0..max_total without gaps")
                expected_low = high + 1
            if expected_low != self.max_total + 1:
                raise ValueError(f"{self.key}: bands must end at max_total")
        elif len(self.item_risk) != n or not self.risk_levels:
            raise ValueError(f"{self.key}: needs bands, or risk_levels with one item_risk per item")

    def choices_for(self, index: int) -> Choices:
        return self.item_choices[index] if self.item_choices else self.choices

    def item_min(self, index: int) -> int:
        return min(value for value, _ in self.choices_for(index))

    def item_max(self, index: int) -> int:
        return max(value for value, _ in self.choices_for(index))


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int
    severity: str
    flags: tuple[str, ...]


class AnswerError(ValueError):
    """An answer set that cannot be scored; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


PHQ9 = Instrument(
    key="phq9",
    name="PHQ-9",
    title="Patient Health Questionnaire-9",
    prompt="Over the last 2 weeks, how often have you been bothered by any of the following?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself, or that you are a failure or have let yourself or your "
        "family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed, or the opposite: "
        "being so fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead, or of hurting yourself in some way",
    ),
    choices=FREQUENCY_2_WEEKS,
    bands=(
        (0, 4, "minimal"),
        (5, 9, "mild"),
        (10, 14, "moderate"),
        (15, 19, "moderately severe"),
        (20, 27, "severe"),
    ),
    max_total=27,
    critical_items=((8, "suicidal_ideation"),),
)

GAD7 = Instrument(
    key="gad7",
    name="GAD-7",
    title="Generalized Anxiety Disorder 7-item scale",
    prompt="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    choices=FREQUENCY_2_WEEKS,
    bands=((0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")),
    max_total=21,
)

PCL5 = Instrument(
    key="pcl5",
    name="PCL-5",
    title="PTSD Checklist for DSM-5",
    prompt="In the past month, how much were you bothered by:",
    items=(
        "Repeated, disturbing, and unwanted memories of the stressful experience",
        "Repeated, disturbing dreams of the stressful experience",
        "Suddenly feeling or acting as if the stressful experience were actually happening again",
        "Feeling very upset when something reminded you of the stressful experience",
        "Having strong physical reactions when something reminded you of the stressful "
        "experience (for example, heart pounding, trouble breathing, sweating)",
        "Avoiding memories, thoughts, or feelings related to the stressful experience",
        "Avoiding external reminders of the stressful experience (for example, people, places, "
        "conversations, activities, objects, or situations)",
        "Trouble remembering important parts of the stressful experience",
        "Having strong negative beliefs about yourself, other people, or the world",
        "Blaming yourself or someone else for the stressful experience or what happened after it",
        "Having strong negative feelings such as fear, horror, anger, guilt, or shame",
        "Loss of interest in activities that you used to enjoy",
        "Feeling distant or cut off from other people",
        "Trouble experiencing positive feelings (for example, being unable to feel happiness or "
        "have loving feelings for people close to you)",
        "Irritable behavior, angry outbursts, or acting aggressively",
        "Taking too many risks or doing things that could cause you harm",
        'Being "superalert" or watchful or on guard',
        "Feeling jumpy or easily startled",
        "Having difficulty concentrating",
        "Trouble falling or staying asleep",
    ),
    choices=BOTHERED,
    bands=((0, 32, "below threshold"), (33, 80, "probable ptsd")),
    max_total=80,
    total_flags=((33, "probable_ptsd"),),
)

AUDITC = Instrument(
    key="auditc",
    name="AUDIT-C",
    title="Alcohol Use Disorders Identification Test - Consumption",
    prompt="In the past year:",
    items=(
        "How often do you have a drink containing alcohol?",
        "How many standard drinks containing alcohol do you have on a typical day when drinking?",
        "How often do you have six or more drinks on one occasion?",
    ),
    choices=POINTS_0_4,
    item_choices=(
        (
            (0, "Never"),
            (1, "Monthly or less"),
            (2, "2-4 times a month"),
            (3, "2-3 times a week"),
            (4, "4 or more times a week"),
        ),
        ((0, "1 or 2"), (1, "3 or 4"), (2, "5 or 6"), (3, "7 to 9"), (4, "10 or more")),
        (
            (0, "Never"),
            (1, "Less than monthly"),
            (2, "Monthly"),
            (3, "Weekly"),
            (4, "Daily or almost daily"),
        ),
    ),
    # Positive is >= 4 for men and >= 3 for women; sex may be unknown, so 3 is its own band.
    bands=((0, 2, "negative"), (3, 3, "positive (women)"), (4, 12, "positive")),
    max_total=12,
    total_flags=((4, "hazardous_drinking"),),
)

CSSRS = Instrument(
    key="cssrs",
    name="C-SSRS",
    title="Columbia Suicide Severity Rating Scale (screen version)",
    prompt="In the past month (item 6: in the past 3 months):",
    items=(
        "Have you wished you were dead or wished you could go to sleep and not wake up?",
        "Have you actually had any thoughts of killing yourself?",
        "Have you been thinking about how you might do this?",
        "Have you had these thoughts and had some intention of acting on them?",
        "Have you started to work out or worked out the details of how to kill yourself? "
        "Do you intend to carry out this plan?",
        "In the past 3 months, have you done anything, started to do anything, or prepared to do "
        "anything to end your life?",
    ),
    choices=YES_NO,
    bands=(),
    max_total=6,
    critical_items=(
        (0, "suicidal_ideation"),
        (1, "suicidal_ideation"),
        (2, "suicidal_ideation"),
        (3, "suicidal_ideation"),
        (4, "suicidal_ideation"),
        (5, "suicidal_behavior"),
    ),
    risk_levels=("no risk", "low risk", "moderate risk", "high risk"),
    item_risk=(1, 1, 2, 3, 3, 3),
)

INSTRUMENTS: dict[str, Instrument] = {
    instrument.key: instrument for instrument in (PHQ9, GAD7, PCL5, AUDITC, CSSRS)
}


def get(key: str) -> Instrument:
    instrument = INSTRUMENTS.get(key)
    if instrument is None:
        known = ", ".join(INSTRUMENTS)
        raise AnswerError("instrument", f"unknown instrument {key!r}; expected one of {known}")
    return instrument


def band(key: str, total: int) -> str:
    """The severity band of a total; C-SSRS has none (its risk depends on which items are yes)."""
    instrument = get(key)
    if not instrument.bands:
        raise ValueError(f"{instrument.name} is graded by item, not by total")
    for low, high, name in instrument.bands:
        if low <= total <= high:
            return name
    raise AnswerError("total", f"must be from 0 to {instrument.max_total}, got {total}")


def validate(instrument: Instrument, answers: Sequence[int]) -> list[int]:
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise AnswerError("answers", "must be a list of integers")
    expected = len(instrument.items)
    if len(answers) != expected:
        raise AnswerError(
            "answers", f"{instrument.name} expects {expected} answers, got {len(answers)}"
        )
    for i, value in enumerate(answers):
        low, high = instrument.item_min(i), instrument.item_max(i)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise AnswerError(f"answers[{i}]", f"must be an integer from {low} to {high}")
    return list(answers)


def score(key: str, answers: Sequence[int]) -> Score:
    instrument = get(key)
    values = validate(instrument, answers)
    total = sum(values)
    if instrument.bands:
        severity = band(key, total)
    else:
        reached = [instrument.item_risk[i] for i, value in enumerate(values) if value > 0]
        severity = instrument.risk_levels[max(reached, default=0)]
    flags: list[str] = []
    for index, flag in instrument.critical_items:
        if values[index] > 0 and flag not in flags:
            flags.append(flag)
    for threshold, flag in instrument.total_flags:
        if total >= threshold and flag not in flags:
            flags.append(flag)
    return Score(instrument.key, total, severity, tuple(flags))
