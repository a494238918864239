"""Results from files: a CSV export (one result per row) or an HL7 v2 ORU^R01 message
(parsed by hl7apy), turned into :class:`Incoming` results for the service to check and
store. Parsing never stops at the first bad cell: every problem is named, ``row N: column``
for CSV and ``OBX N: field`` for HL7, so one refusal shows everything to fix."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hl7apy.exceptions import HL7apyException
from hl7apy.parser import parse_message
from pydantic import ValidationError

from backend.labs.service import Incoming, refuse
from backend.lib.bounds import date_problem
from backend.lib.csv_rows import read_table
from shared.schemas.labs import LabResultCreate, Qualitative

COLUMNS = (
    "order_id",
    "analyte",
    "value",
    "unit",
    "ref_low",
    "ref_high",
    "critical_low",
    "critical_high",
    "qualitative",
    "cutoff",
    "resulted_at",
)
REQUIRED = ("order_id", "analyte", "unit")
NUMBERS = ("value", "ref_low", "ref_high", "critical_low", "critical_high", "cutoff")
MAX_RESULTS = 2000
CSV_TYPES = frozenset({"text/csv"})
HL7_TYPES = frozenset({"x-application/hl7-v2+er7", "application/hl7-v2"})
# How laboratories spell a screen's answer.
SCREEN_WORDS = {
    "positive": Qualitative.POSITIVE,
    "pos": Qualitative.POSITIVE,
    "detected": Qualitative.POSITIVE,
    "negative": Qualitative.NEGATIVE,
    "neg": Qualitative.NEGATIVE,
    "not detected": Qualitative.NEGATIVE,
    "none detected": Qualitative.NEGATIVE,
}
_HL7_TIME = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,4})?([+-]\d{4})?$"
)
DEFAULT_TIME = ("", "01", "01", "00", "00", "00")
_RANGE = re.compile(r"^(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)$")
_ONE_SIDE = re.compile(r"^([<>])=?\s*(-?\d+(?:\.\d+)?)$")

Problems = list[tuple[str, str]]


def text_of(body: bytes) -> str:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse([("body", "not UTF-8 text")]) from None
    if "\x00" in text:
        raise refuse([("body", "contains a NUL character")])
    if not text.strip():
        raise refuse([("body", "empty: send the results")])
    return text


def _number(cell: str, column: str, problems: Problems, name: Callable[[str], str]) -> Any:
    if not cell.strip():
        return None
    try:
        return float(cell)
    except ValueError:
        problems.append((name(column), f"“{cell}” is not a number"))
        return None


def _order_id(cell: str, problems: Problems, name: Callable[[str], str]) -> uuid.UUID | None:
    try:
        return uuid.UUID(cell.strip())
    except ValueError:
        problems.append((name("order_id"), f"“{cell}” is not a lab order id"))
        return None


def _result(fields: dict[str, Any], problems: Problems, name: Callable[[str], str]) -> Any:
    try:
        return LabResultCreate.model_validate(fields)
    except ValidationError as error:
        problems += [(name(str(e["loc"][0])), e["msg"]) for e in error.errors()]
        return None


def _when(cell: str, zone: ZoneInfo, problems: Problems, name: Callable[[str], str]) -> Any:
    """ISO 8601; a time without offset is the clinic's local time."""
    if not cell.strip():
        return None
    try:
        moment = datetime.fromisoformat(cell.strip())
    except ValueError:
        problems.append((name("resulted_at"), f"“{cell}” is not an ISO 8601 date and time"))
        return None
    if (problem := date_problem(moment)) is not None:
        problems.append((name("resulted_at"), problem))
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_csv(body: bytes, zone: ZoneInfo) -> list[Incoming]:
    table = read_table(text_of(body), lambda name: name.strip().lower())
    unknown = [
        (f"row 1: {h or '(blank)'}", "not a known column") for h in table.header if h not in COLUMNS
    ]
    missing = [(f"row 1: {c}", "column missing") for c in REQUIRED if c not in table.header]
    if unknown or missing:
        raise refuse(unknown + missing)
    if len(table.rows) + len(table.problems) > MAX_RESULTS:
        raise refuse([("body", f"at most {MAX_RESULTS} results per file")])
    by_row = {
        p.row: Incoming(
            f"row {p.row}: {{}}", None, None, problems=[(f"row {p.row}: {p.column}", p.message)]
        )
        for p in table.problems
    } | {row.number: _csv_row(row.number, row.cells, zone) for row in table.rows}
    if not by_row:
        raise refuse([("body", "no results after the header row")])
    return [by_row[number] for number in sorted(by_row)]


def _csv_row(line: int, cells: dict[str, str], zone: ZoneInfo) -> Incoming:
    label = f"row {line}: {{}}"
    problems: Problems = []
    name = label.format
    row = dict.fromkeys(COLUMNS, "") | cells
    fields: dict[str, Any] = {n: _number(row[n], n, problems, name) for n in NUMBERS}
    fields |= {
        "analyte": row["analyte"],
        "unit": row["unit"],
        "qualitative": SCREEN_WORDS.get(row["qualitative"].strip().lower(), row["qualitative"])
        or None,
        "resulted_at": _when(row["resulted_at"], zone, problems, name),
    }
    order_id = _order_id(row["order_id"], problems, name)
    return Incoming(label, order_id, _result(fields, problems, name), problems=problems)


def hl7_time(value: str, zone: ZoneInfo) -> datetime | None:
    """An HL7 TS (``YYYY[MM[DD[HH[MM[SS]]]]][+-ZZZZ]``); no offset means clinic time."""
    match = _HL7_TIME.match(value.strip())
    if not match:
        return None
    *parts, offset = match.groups()
    digits = "".join(p or default for p, default in zip(parts, DEFAULT_TIME, strict=True))
    try:
        if offset is None:
            return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=zone)
        return datetime.strptime(digits + offset, "%Y%m%d%H%M%S%z")
    except ValueError:
        return None


def parse_range(text: str) -> tuple[float | None, float | None]:
    """An HL7 OBX-7 reference range: ``0.6-1.2``, ``<5``, ``>=10``; anything else, none."""
    text = text.strip()
    if both := _RANGE.match(text):
        return float(both[1]), float(both[2])
    if one := _ONE_SIDE.match(text):
        bound = float(one[2])
        return (None, bound) if one[1] == "<" else (bound, None)
    return None, None


def _er7(segment: Any, name: str) -> str:
    return str(getattr(segment, name).to_er7())


def _component(value: str, index: int) -> str:
    parts = value.split("^")
    return parts[index] if index < len(parts) else ""


def read_hl7(body: bytes, zone: ZoneInfo) -> list[Incoming]:
    text = "\r".join(line for line in text_of(body).splitlines() if line.strip())
    try:
        message = parse_message(text, find_groups=False)
    except (HL7apyException, ValueError, IndexError) as error:
        raise refuse([("body", f"not an HL7 v2 message ({error})")]) from None
    kind = _er7(message.msh, "msh_9")
    if _component(kind, 0) != "ORU" or _component(kind, 1) != "R01":
        raise refuse([("MSH-9", f"only ORU^R01 result messages are accepted, not {kind}")])
    sent = hl7_time(_er7(message.msh, "msh_7"), zone)
    found: list[Incoming] = []
    order_label, order_id = "OBR 1: {}", None
    order_problems: Problems = [("OBR 1: order_id", "no OBR segment before the results")]
    reported_at: datetime | None = None
    requests = 0
    for segment in message.children:
        if segment.name == "OBR":
            requests += 1
            order_label, order_problems = f"OBR {requests}: {{}}", []
            placer = _component(_er7(segment, "obr_2"), 0)
            order_id = _order_id(placer, order_problems, order_label.format)
            reported_at = hl7_time(_er7(segment, "obr_22"), zone)
        elif segment.name == "OBX":
            label = f"OBX {len(found) + 1}: {{}}"
            problems = list(order_problems)
            result = _obx(segment, label.format, problems, zone, reported_at or sent)
            reported = _component(_er7(segment, "obx_8"), 0)
            found.append(
                Incoming(
                    label, order_id, result, reported, problems, order_label.format("order_id")
                )
            )
    if not found:
        raise refuse([("body", "no OBX results in the message")])
    if len(found) > MAX_RESULTS:
        raise refuse([("body", f"at most {MAX_RESULTS} results per message")])
    return found


def _obx(
    segment: Any,
    name: Callable[[str], str],
    problems: Problems,
    zone: ZoneInfo,
    default_time: datetime | None,
) -> Any:
    code = _er7(segment, "obx_3")
    raw = _er7(segment, "obx_5")
    value_type = _er7(segment, "obx_2").upper()
    fields: dict[str, Any] = {
        "analyte": _component(code, 1) or _component(code, 0),
        "unit": _component(_er7(segment, "obx_6"), 0),
    }
    comparator = _component(raw, 0) if value_type == "SN" else ""
    if value_type == "SN" and comparator not in ("", "="):
        fields["value_text"] = raw.replace("^", "")  # "<^0.5": a bound, not a value
    elif value_type in ("NM", "SN"):
        number = _component(raw, 1) if value_type == "SN" else raw
        fields["value"] = _number(number, "value", problems, name)
    else:
        coded = value_type in ("CE", "CWE")
        shown = (_component(raw, 1) or _component(raw, 0)) if coded else raw
        screen = SCREEN_WORDS.get(shown.strip().lower())
        fields["qualitative" if screen else "value_text"] = screen or shown
    fields["ref_low"], fields["ref_high"] = parse_range(_er7(segment, "obx_7"))
    fields["resulted_at"] = hl7_time(_er7(segment, "obx_14"), zone) or default_time
    return _result(fields, problems, name)
