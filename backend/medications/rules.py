"""Pure medication rules: the sig vocabulary, default administration times, allergy
matching (by name and by drug class), and which doses a prescription puts on a day's MAR."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Default local administration times per frequency (the prescriber may give others).
FREQUENCIES: dict[str, tuple[str, ...]] = {
    "once": ("09:00",),
    "daily": ("09:00",),
    "qam": ("08:00",),
    "qhs": ("21:00",),
    "bid": ("09:00", "21:00"),
    "tid": ("09:00", "14:00", "21:00"),
    "qid": ("09:00", "13:00", "17:00", "21:00"),
    "q4h": ("02:00", "06:00", "10:00", "14:00", "18:00", "22:00"),
    "q6h": ("00:00", "06:00", "12:00", "18:00"),
    "q8h": ("06:00", "14:00", "22:00"),
    "q12h": ("08:00", "20:00"),
    "weekly": ("09:00",),
    "prn": (),
}
DOSE_UNITS = frozenset(
    {"mg", "mcg", "g", "mL", "units", "mEq", "tablet", "capsule", "puff", "drop", "patch", "spray"}
)
ROUTES = frozenset({"PO", "SL", "BUCC", "IM", "IV", "SC", "TOP", "TD", "INH", "NAS", "PR", "OPH"})
QUANTITY_UNITS = frozenset({"tablet", "capsule", "mL", "g", "patch", "units", "each", "film"})
SCHEDULES = frozenset({"II", "III", "IV", "V"})
MAX_DOSE_AMOUNT = 10_000.0

# Drug classes for allergy cross-checks (lower case generic names).
CLASSES: dict[str, frozenset[str]] = {
    "penicillins": frozenset(
        {"penicillin", "amoxicillin", "ampicillin", "dicloxacillin", "piperacillin", "nafcillin"}
    ),
    "cephalosporins": frozenset({"cephalexin", "cefazolin", "ceftriaxone", "cefdinir"}),
    "sulfonamides": frozenset({"sulfamethoxazole", "sulfasalazine", "sulfadiazine"}),
    "nsaids": frozenset({"ibuprofen", "naproxen", "ketorolac", "diclofenac", "meloxicam"}),
    "benzodiazepines": frozenset(
        {"lorazepam", "diazepam", "clonazepam", "alprazolam", "chlordiazepoxide", "oxazepam"}
    ),
    "opioids": frozenset(
        {
            "morphine",
            "oxycodone",
            "hydrocodone",
            "codeine",
            "methadone",
            "buprenorphine",
            "tramadol",
        }
    ),
    "phenothiazines": frozenset(
        {"chlorpromazine", "fluphenazine", "perphenazine", "prochlorperazine"}
    ),
    "ssris": frozenset({"fluoxetine", "sertraline", "paroxetine", "citalopram", "escitalopram"}),
}
ALIASES = {
    "penicillin": "penicillins",
    "pcn": "penicillins",
    "cephalosporin": "cephalosporins",
    "sulfa": "sulfonamides",
    "sulfa drugs": "sulfonamides",
    "sulfonamide": "sulfonamides",
    "nsaid": "nsaids",
    "benzodiazepine": "benzodiazepines",
    "benzos": "benzodiazepines",
    "opioid": "opioids",
    "opiates": "opioids",
    "phenothiazine": "phenothiazines",
    "ssri": "ssris",
}


@dataclass(frozen=True)
class AllergyConflict:
    allergy: str
    reason: str


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def _classes_of(name: str) -> set[str]:
    words = _words(name)
    return {cls for cls, members in CLASSES.items() if words & members}


def allergy_conflicts(drug_name: str, allergies: list[str]) -> list[AllergyConflict]:
    """Recorded allergies the drug matches: by name, by a listed class ("sulfa",
    "penicillins"), or by sharing a class with the drug the client reacted to."""
    drug_words, drug_classes = _words(drug_name), _classes_of(drug_name)
    conflicts = []
    for allergy in allergies:
        substance = allergy.strip().lower()
        named_class = ALIASES.get(substance, substance if substance in CLASSES else None)
        if _words(substance) & drug_words:
            conflicts.append(AllergyConflict(allergy, f"{drug_name} matches the allergy"))
        elif named_class and named_class in drug_classes:
            conflicts.append(AllergyConflict(allergy, f"{drug_name} is one of the {named_class}"))
        elif shared := _classes_of(substance) & drug_classes:
            cls = sorted(shared)[0]
            conflicts.append(AllergyConflict(allergy, f"{drug_name} and {allergy} are both {cls}"))
    return conflicts


def parse_time(value: str) -> time | None:
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
    return time(int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True)
class Schedule:
    """What the MAR needs of a prescription."""

    frequency: str
    times: tuple[str, ...]
    prn: bool
    start_date: date
    duration_days: int | None
    timezone: str
    signed_at: datetime
    discontinued_at: datetime | None


def doses_on(schedule: Schedule, day: date) -> list[datetime]:
    """The scheduled administrations on ``day`` (aware datetimes), none before signing,
    none from the discontinuation on, none outside the duration; PRNs have none."""
    if schedule.prn or schedule.frequency == "prn" or day < schedule.start_date:
        return []
    days = schedule.duration_days
    if days is not None and day >= schedule.start_date + timedelta(days=days):
        return []
    if schedule.frequency == "once" and day != schedule.start_date:
        return []
    if schedule.frequency == "weekly" and day.weekday() != schedule.start_date.weekday():
        return []
    zone = ZoneInfo(schedule.timezone)
    doses = []
    for value in schedule.times or FREQUENCIES.get(schedule.frequency, ()):
        at = parse_time(value)
        if at is None:
            continue
        when = datetime.combine(day, at, tzinfo=zone)
        if when < schedule.signed_at:
            continue
        if schedule.discontinued_at is not None and when >= schedule.discontinued_at:
            continue
        doses.append(when)
    return sorted(doses)


def prescription_errors(
    *,
    dose_amount: float,
    dose_unit: str,
    route: str,
    frequency: str,
    times: list[str] | None,
    prn: bool,
    prn_indication: str,
    quantity: float,
    quantity_unit: str,
    refills: int,
    schedule: str | None,
) -> list[tuple[str, str]]:
    """Why a prescription cannot be written as given, as (field, message) pairs."""
    errors = []
    if not 0 < dose_amount <= MAX_DOSE_AMOUNT or dose_amount != dose_amount:
        errors.append(("dose_amount", f"greater than 0 and at most {MAX_DOSE_AMOUNT:g}"))
    if dose_unit not in DOSE_UNITS:
        errors.append(("dose_unit", f"one of {', '.join(sorted(DOSE_UNITS))}"))
    if route not in ROUTES:
        errors.append(("route", f"one of {', '.join(sorted(ROUTES))}"))
    if frequency not in FREQUENCIES:
        errors.append(("frequency", f"one of {', '.join(FREQUENCIES)}"))
    for i, value in enumerate(times or []):
        if parse_time(value) is None:
            errors.append((f"times[{i}]", "a local time as HH:MM"))
    if (prn or frequency == "prn") and not prn_indication.strip():
        errors.append(("prn_indication", "say what the as-needed dose is for"))
    if not 0 < quantity <= 10_000 or quantity != quantity:
        errors.append(("quantity", "greater than 0 and at most 10000"))
    if quantity_unit not in QUANTITY_UNITS:
        errors.append(("quantity_unit", f"one of {', '.join(sorted(QUANTITY_UNITS))}"))
    if schedule is not None and schedule not in SCHEDULES:
        errors.append(("schedule", "II, III, IV or V"))
    if refills < 0 or refills > 11:
        errors.append(("refills", "between 0 and 11"))
    elif schedule == "II" and refills:
        errors.append(("refills", "schedule II prescriptions cannot be refilled"))
    elif schedule in ("III", "IV") and refills > 5:
        errors.append(("refills", "at most 5 for schedules III and IV"))
    return errors


def sig(
    dose_amount: float, dose_unit: str, route: str, frequency: str, prn: bool, indication: str
) -> str:
    """The directions as a pharmacist reads them, e.g. "300 mg PO bid"."""
    text = f"{dose_amount:g} {dose_unit} {route}"
    if frequency == "prn":
        return f"{text} PRN {indication}".strip()
    text = f"{text} {frequency}"
    return f"{text} PRN {indication}".strip() if prn else text
