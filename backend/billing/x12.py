"""ANSI X12 837P professional claims, version 5010 (005010X222A1): a pure generator and a
structural validator. Neither touches the database or the disk; callers hand in frozen
dataclasses and get text (or a list of problems) back.

What a caller must know:
- ``build_837p`` raises ``ValueError`` for input a clearinghouse would reject outright
  (an NPI that is not 10 digits, a diagnosis pointer past the claim's diagnoses, a charge
  with fractions of a cent, …) rather than emit a file that fails downstream.
- Every subscriber is the patient (SBR02 ``18``, no 2000C loop) and the payer is primary
  (SBR01 ``P``); claims for the same subscriber and payer share one 2000B loop.
- X12 has no escape character, so separators (``* : ^ ~``) in free text become spaces
  (and are dropped from identifiers); names and addresses are folded to upper-case ASCII.
- ``validate_837p`` checks structure and arithmetic (see its docstring), not code sets
  or payer rules; an independent implementation-guide check is pyx12 (see docs/billing-x12.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
TERMINATOR = "~"
VERSION = "005010X222A1"
SEPARATORS = ELEMENT + COMPONENT + REPETITION + TERMINATOR
CENT = Decimal("0.01")
MAX_DIAGNOSES = 12
MAX_POINTERS = 4
MAX_MODIFIERS = 4
MAX_LINES = 50
#: SBR09 claim filing indicator codes allowed by 005010X222A1.
FILING_INDICATORS = frozenset(
    {"11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS"}
    | {"FI", "HM", "LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ"}
)
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ICD10 = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}")


@dataclass(frozen=True)
class Submitter:
    name: str
    id: str
    contact_name: str
    phone: str


@dataclass(frozen=True)
class Receiver:
    name: str
    id: str


@dataclass(frozen=True)
class BillingProvider:
    """``taxonomy`` (optional) is written as PRV*BI; many behavioural-health payers want it."""

    name: str
    npi: str
    tax_id: str
    address1: str
    city: str
    state: str
    zip: str
    taxonomy: str = ""


@dataclass(frozen=True)
class Subscriber:
    member_id: str
    last_name: str
    first_name: str
    birth_date: date
    sex: str
    address1: str
    city: str
    state: str
    zip: str
    group_number: str = ""


@dataclass(frozen=True)
class Payer:
    """``filing_indicator`` is SBR09: CI commercial, MB Medicare Part B, MC Medicaid,
    BL Blue Cross/Blue Shield, HM HMO, … (``FILING_INDICATORS``)."""

    name: str
    payer_id: str
    filing_indicator: str = "CI"


@dataclass(frozen=True)
class ServiceLine:
    """One 2400 loop. ``diagnosis_pointers`` are 1-based positions in the claim's
    ``diagnosis_codes``. The guide requires the rendering provider's name (2420A NM103)
    with the NPI, hence the name fields beside ``rendering_npi``."""

    code: str
    modifiers: tuple[str, ...]
    charge: Decimal
    units: int
    service_date: date
    place_of_service: str
    diagnosis_pointers: tuple[int, ...]
    rendering_npi: str | None = None
    rendering_last_name: str = ""
    rendering_first_name: str = ""


@dataclass(frozen=True)
class Claim:
    """``claim_id`` is the patient control number (CLM01, at most 20 characters);
    ``diagnosis_codes`` are ICD-10-CM, dotted or not, the principal one first."""

    claim_id: str
    subscriber: Subscriber
    payer: Payer
    diagnosis_codes: tuple[str, ...]
    place_of_service: str
    lines: tuple[ServiceLine, ...]


@dataclass(frozen=True)
class Batch:
    """One interchange: ``control_number`` (1–999999999) becomes ISA13, GS06 and ST02."""

    control_number: int
    created: datetime
    submitter: Submitter
    receiver: Receiver
    billing_provider: BillingProvider
    claims: tuple[Claim, ...]
    test: bool = False


def build_837p(batch: Batch) -> str:
    """The batch as one ISA/GS/ST interchange, one segment per line."""
    _check_batch(batch)
    number = batch.control_number
    st_control = f"{number:04d}"
    transaction = [_segment("ST", "837", st_control, VERSION), *_transaction_body(batch)]
    transaction.append(_segment("SE", str(len(transaction) + 1), st_control))
    sender, receiver = _id(batch.submitter.id), _id(batch.receiver.id)
    day, time = batch.created.strftime("%Y%m%d"), batch.created.strftime("%H%M")
    segments = [
        _isa(batch),
        _segment("GS", "HC", sender, receiver, day, time, str(number), "X", VERSION),
        *transaction,
        _segment("GE", "1", str(number)),
        _segment("IEA", "1", f"{number:09d}"),
    ]
    return "".join(f"{segment}{TERMINATOR}\n" for segment in segments)


def _check_batch(batch: Batch) -> None:
    problems = []
    if not 1 <= batch.control_number <= 999_999_999:
        problems.append("control number must be 1–999999999")
    if not batch.claims:
        problems.append("a batch needs at least one claim")
    for party_id in (batch.submitter.id, batch.receiver.id):
        if not 1 <= len(_id(party_id)) <= 15:
            problems.append(f"interchange id {party_id!r} must be 1–15 characters")
    provider = batch.billing_provider
    problems += _npi_problems(provider.npi)
    if not re.fullmatch(r"\d{9}", _digits(provider.tax_id)):
        problems.append("billing provider tax id must have 9 digits")
    for claim in batch.claims:
        problems += [f"claim {claim.claim_id}: {problem}" for problem in _claim_problems(claim)]
    if problems:
        raise ValueError("; ".join(problems))


def _claim_problems(claim: Claim) -> list[str]:
    problems = []
    if not 1 <= len(_id(claim.claim_id)) <= 20:
        problems.append("patient control number must be 1–20 characters")
    if claim.subscriber.sex not in ("M", "F", "U"):
        problems.append("subscriber sex must be M, F or U")
    if claim.payer.filing_indicator not in FILING_INDICATORS:
        problems.append(f"unknown claim filing indicator {claim.payer.filing_indicator!r}")
    if not 1 <= len(claim.diagnosis_codes) <= MAX_DIAGNOSES:
        problems.append(f"a claim needs 1–{MAX_DIAGNOSES} diagnosis codes")
    problems += [
        f"{code!r} is not an ICD-10-CM code"
        for code in claim.diagnosis_codes
        if not ICD10.fullmatch(_icd10(code))
    ]
    if not 1 <= len(claim.lines) <= MAX_LINES:
        problems.append(f"a claim needs 1–{MAX_LINES} service lines")
    for number, line in enumerate(claim.lines, start=1):
        problems += [
            f"line {number}: {problem}"
            for problem in _line_problems(line, len(claim.diagnosis_codes))
        ]
    return problems


def _line_problems(line: ServiceLine, diagnoses: int) -> list[str]:
    problems = []
    if line.charge < 0 or line.charge != line.charge.quantize(CENT):
        problems.append("charge must be a non-negative amount in whole cents")
    if line.units < 1:
        problems.append("units must be at least 1")
    if len(line.modifiers) > MAX_MODIFIERS:
        problems.append(f"at most {MAX_MODIFIERS} modifiers")
    if not 1 <= len(line.diagnosis_pointers) <= MAX_POINTERS:
        problems.append(f"a line needs 1–{MAX_POINTERS} diagnosis pointers")
    if any(not 1 <= pointer <= diagnoses for pointer in line.diagnosis_pointers):
        problems.append(f"diagnosis pointers must be 1–{diagnoses}")
    if line.rendering_npi is not None:
        problems += _npi_problems(line.rendering_npi)
        if not _text(line.rendering_last_name):
            problems.append("a rendering NPI needs the rendering provider's last name")
    return problems


def _npi_problems(npi: str) -> list[str]:
    return [] if re.fullmatch(r"\d{10}", npi) else [f"NPI {npi!r} must be 10 digits"]


def _transaction_body(batch: Batch) -> list[str]:
    submitter, provider = batch.submitter, batch.billing_provider
    day, time = batch.created.strftime("%Y%m%d"), batch.created.strftime("%H%M")
    body = [
        _segment("BHT", "0019", "00", str(batch.control_number), day, time, "CH"),
        _name("41", "2", submitter.name, "", "46", submitter.id),
        _segment("PER", "IC", _text(submitter.contact_name), "TE", _digits(submitter.phone)),
        _name("40", "2", batch.receiver.name, "", "46", batch.receiver.id),
        _segment("HL", "1", "", "20", "1"),
    ]
    if provider.taxonomy:
        body.append(_segment("PRV", "BI", "PXC", _id(provider.taxonomy)))
    body += [
        _name("85", "2", provider.name, "", "XX", provider.npi),
        *_address(provider.address1, provider.city, provider.state, provider.zip),
        _segment("REF", "EI", _digits(provider.tax_id)),
    ]
    by_subscriber: dict[tuple[Subscriber, Payer], list[Claim]] = {}
    for claim in batch.claims:
        by_subscriber.setdefault((claim.subscriber, claim.payer), []).append(claim)
    for hl_number, ((subscriber, payer), claims) in enumerate(by_subscriber.items(), start=2):
        body += _subscriber_loops(hl_number, subscriber, payer)
        for claim in claims:
            body += _claim_loops(claim)
    return body


def _subscriber_loops(hl_number: int, subscriber: Subscriber, payer: Payer) -> list[str]:
    group = _id(subscriber.group_number)
    return [
        _segment("HL", str(hl_number), "1", "22", "0"),
        _segment("SBR", "P", "18", group, "", "", "", "", "", payer.filing_indicator),
        _name("IL", "1", subscriber.last_name, subscriber.first_name, "MI", subscriber.member_id),
        *_address(subscriber.address1, subscriber.city, subscriber.state, subscriber.zip),
        _segment("DMG", "D8", subscriber.birth_date.strftime("%Y%m%d"), subscriber.sex),
        _name("PR", "2", payer.name, "", "PI", payer.payer_id),
    ]


def _claim_loops(claim: Claim) -> list[str]:
    total = sum((line.charge for line in claim.lines), Decimal(0))
    diagnoses = [
        COMPONENT.join(("ABF" if position else "ABK", _icd10(code)))
        for position, code in enumerate(claim.diagnosis_codes)
    ]
    facility = COMPONENT.join((_id(claim.place_of_service), "B", "1"))
    segments = [
        _segment("CLM", _id(claim.claim_id), _amount(total), "", "", facility, "Y", "A", "Y", "Y"),
        _segment("HI", *diagnoses),
    ]
    for number, line in enumerate(claim.lines, start=1):
        segments += _line_loops(number, line)
    return segments


def _line_loops(number: int, line: ServiceLine) -> list[str]:
    procedure = COMPONENT.join(("HC", _id(line.code), *(_id(mod) for mod in line.modifiers)))
    pointers = COMPONENT.join(str(pointer) for pointer in line.diagnosis_pointers)
    charge, place = _amount(line.charge), _id(line.place_of_service)
    segments = [
        _segment("LX", str(number)),
        _segment("SV1", procedure, charge, "UN", str(line.units), place, "", pointers),
        _segment("DTP", "472", "D8", line.service_date.strftime("%Y%m%d")),
    ]
    if line.rendering_npi is not None:
        last, first = line.rendering_last_name, line.rendering_first_name
        segments.append(_name("82", "1", last, first, "XX", line.rendering_npi))
    return segments


def _isa(batch: Batch) -> str:
    """Fixed width: no authorization or security information, mutually defined (ZZ) ids."""
    sender, receiver = _id(batch.submitter.id), _id(batch.receiver.id)
    blank = " " * 10
    stamp = batch.created.strftime("%y%m%d*%H%M")
    usage = "T" if batch.test else "P"
    return (
        f"ISA*00*{blank}*00*{blank}*ZZ*{sender:<15}*ZZ*{receiver:<15}*{stamp}*{REPETITION}"
        f"*00501*{batch.control_number:09d}*0*{usage}*{COMPONENT}"
    )


def _name(entity: str, kind: str, last: str, first: str, id_kind: str, identifier: str) -> str:
    return _segment(
        "NM1", entity, kind, _text(last), _text(first), "", "", "", id_kind, _id(identifier)
    )


def _address(street: str, city: str, state: str, zip_code: str) -> list[str]:
    return [
        _segment("N3", _text(street)),
        _segment("N4", _text(city), _id(state), _digits(zip_code)),
    ]


def _segment(tag: str, *elements: str) -> str:
    """Trailing empty elements are dropped, as X12 requires."""
    values = list(elements)
    while values and not values[-1]:
        values.pop()
    return ELEMENT.join((tag, *values))


def _text(value: str) -> str:
    """Free text as upper-case ASCII; separators and control characters become spaces."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    kept = "".join(ch if ch.isprintable() and ch not in SEPARATORS else " " for ch in ascii_text)
    return " ".join(kept.upper().split())


def _id(value: str) -> str:
    return _text(value).replace(" ", "")


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _icd10(code: str) -> str:
    return _id(code).replace(".", "")


def _amount(value: Decimal) -> str:
    """Plain decimal, no trailing zeros past the point: 150, 150.5, 150.25."""
    text = f"{value.quantize(CENT):f}"
    return text.rstrip("0").rstrip(".")


Segment = list[str]

#: Which loops may follow which, for the loops this validator tracks. Optional loops
#: (2010AB pay-to, 2010AC pay-to plan, 2000C/2010CA patient) are allowed where they sit.
NEXT_LOOP: dict[str, frozenset[str]] = {
    "ST": frozenset({"1000A"}),
    "1000A": frozenset({"1000B"}),
    "1000B": frozenset({"2000A"}),
    "2000A": frozenset({"2010AA"}),
    "2010AA": frozenset({"2010AB", "2010AC", "2000B"}),
    "2010AB": frozenset({"2010AC", "2000B"}),
    "2010AC": frozenset({"2000B"}),
    "2000B": frozenset({"2010BA"}),
    "2010BA": frozenset({"2010BB"}),
    "2010BB": frozenset({"2300", "2000C"}),
    "2000C": frozenset({"2010CA"}),
    "2010CA": frozenset({"2300"}),
    "2300": frozenset({"2400"}),
    "2400": frozenset({"2400", "2300", "2000A", "2000B", "2000C", "SE"}),
}
HL_LOOPS = {"20": "2000A", "22": "2000B", "23": "2000C"}
HL_PARENT_LEVEL = {"22": "20", "23": "22"}
NM1_LOOPS = {
    "41": "1000A",
    "40": "1000B",
    "85": "2010AA",
    "87": "2010AB",
    "PE": "2010AC",
    "IL": "2010BA",
    "PR": "2010BB",
    "QC": "2010CA",
}
DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})
PRINCIPAL_QUALIFIERS = frozenset({"ABK", "BK"})


@dataclass
class _Line:
    position: int
    number: str
    service: Segment | None = None
    dated: bool = False


@dataclass
class _ClaimView:
    position: int
    clm: Segment
    diagnoses: list[str] = field(default_factory=list)
    lines: list[_Line] = field(default_factory=list)


def validate_837p(text: str) -> list[str]:
    """Structural problems in an 837P interchange; empty when it is sound.

    Checks: the ISA is 106 characters with fixed-width fields; ISA/IEA, GS/GE and ST/SE
    pair up with matching control numbers and counts (IEA01 groups, GE01 transactions,
    SE01 segments from ST to SE); within each transaction the required loops appear in
    order (1000A, 1000B, 2000A, 2010AA, 2000B, 2010BA, 2010BB, 2300, 2400); HL numbers run
    1, 2, 3… with each parent the latest HL of the level above and HL04 matching whether
    children follow; each CLM02 equals the sum of its SV102 charges; each claim has
    diagnoses (principal first) and every SV107 pointer names one; LX restarts at 1 in
    each claim; each service line has SV1 and a DTP*472 date.
    """
    document = text.lstrip()
    if not document.startswith("ISA") or len(document) < 106:
        return ["document does not start with a complete ISA segment"]
    element, isa_end = document[3], _nth(document, document[3], 16)
    if isa_end < 0 or isa_end + 2 >= len(document):
        return ["ISA segment has fewer than 16 elements"]
    component, terminator = document[isa_end + 1], document[isa_end + 2]
    segments = [raw.strip().split(element) for raw in document.split(terminator)]
    segments = [segment for segment in segments if segment != [""]]
    problems = _isa_problems(segments[0], isa_end + 3)
    return problems + _envelope_problems(segments, component)


def _nth(text: str, char: str, count: int) -> int:
    position = -1
    for _ in range(count):
        position = text.find(char, position + 1)
        if position < 0:
            return -1
    return position


def _isa_problems(isa: Segment, length: int) -> list[str]:
    problems = [] if length == 106 else [f"ISA is {length} characters; expected 106"]
    for number, (value, width) in enumerate(zip(isa[1:], ISA_WIDTHS, strict=False), start=1):
        if len(value) != width:
            problems.append(f"ISA{number:02d} is {len(value)} characters; expected {width}")
    if _el(isa, 15) not in ("T", "P"):
        problems.append("ISA15 must be T or P")
    return problems


def _el(segment: Segment, number: int) -> str:
    return segment[number] if number < len(segment) else ""


def _envelope_problems(segments: list[Segment], component: str) -> list[str]:
    problems: list[str] = []
    isa: Segment | None = None
    gs: Segment | None = None
    st_index: int | None = None
    groups = transactions = 0
    for index, segment in enumerate(segments):
        tag, where = segment[0], f"segment {index + 1} ({segment[0]})"
        if tag == "ISA":
            if isa is not None:
                problems.append(f"{where}: ISA before the previous IEA")
            isa, groups = segment, 0
        elif tag == "IEA":
            if isa is None:
                problems.append(f"{where}: IEA without ISA")
                continue
            problems += _count_and_control(where, segment, groups, _el(isa, 13), "ISA13")
            isa = None
        elif tag == "GS":
            if isa is None or gs is not None:
                problems.append(f"{where}: GS outside an open interchange")
            gs, groups, transactions = segment, groups + 1, 0
        elif tag == "GE":
            if gs is None:
                problems.append(f"{where}: GE without GS")
                continue
            problems += _count_and_control(where, segment, transactions, _el(gs, 6), "GS06")
            gs = None
        elif tag == "ST":
            if gs is None or st_index is not None:
                problems.append(f"{where}: ST outside an open functional group")
            st_index, transactions = index, transactions + 1
        elif tag == "SE":
            if st_index is None:
                problems.append(f"{where}: SE without ST")
                continue
            st = segments[st_index]
            problems += _count_and_control(where, segment, index - st_index + 1, _el(st, 2), "ST02")
            problems += _transaction_problems(segments[st_index : index + 1], st_index, component)
            st_index = None
        elif st_index is None:
            problems.append(f"{where}: segment outside a transaction set")
    for opened, closer in ((isa, "IEA"), (gs, "GE"), (st_index, "SE")):
        if opened is not None:
            problems.append(f"missing {closer} at the end of the document")
    return problems


def _count_and_control(
    where: str, trailer: Segment, count: int, control: str, opener: str
) -> list[str]:
    problems = []
    if _el(trailer, 1) != str(count):
        problems.append(f"{where}: count is {_el(trailer, 1)!r}; expected {count}")
    if _el(trailer, 2) != control:
        problems.append(
            f"{where}: control number {_el(trailer, 2)!r} does not match {opener} {control!r}"
        )
    return problems


def _transaction_problems(transaction: list[Segment], offset: int, component: str) -> list[str]:
    claims = _claims(transaction, offset)
    return (
        _loop_order_problems(transaction, offset)
        + _hierarchy_problems(transaction, offset)
        + [problem for claim in claims for problem in _claim_view_problems(claim, component)]
    )


def _loop_order_problems(transaction: list[Segment], offset: int) -> list[str]:
    problems = []
    current = "ST"
    for index, segment in enumerate(transaction[1:], start=offset + 2):
        loop = _loop_started(segment, current)
        if loop is None:
            continue
        expected = NEXT_LOOP.get(current, frozenset())
        if loop not in expected:
            found = "the end of the transaction" if loop == "SE" else f"loop {loop}"
            wanted = " or ".join(sorted(expected)) or "nothing"
            problems.append(
                f"segment {index} ({segment[0]}): {found} after loop {current}; expected {wanted}"
            )
        if loop in NEXT_LOOP:
            current = loop
    return problems


def _loop_started(segment: Segment, current: str) -> str | None:
    tag = segment[0]
    if tag == "HL":
        return HL_LOOPS.get(_el(segment, 3), f"HL level {_el(segment, 3)!r}")
    if tag == "NM1" and current not in ("2300", "2400"):
        return NM1_LOOPS.get(_el(segment, 1), f"NM1*{_el(segment, 1)}")
    return {"CLM": "2300", "LX": "2400", "SE": "SE"}.get(tag)


def _hierarchy_problems(transaction: list[Segment], offset: int) -> list[str]:
    problems = []
    latest: dict[str, str] = {}
    declared: dict[str, str] = {}
    parents: set[str] = set()
    expected = 1
    for index, segment in enumerate(transaction, start=offset + 1):
        if segment[0] != "HL":
            continue
        number, parent, level = _el(segment, 1), _el(segment, 2), _el(segment, 3)
        where = f"segment {index} (HL*{number})"
        if number != str(expected):
            problems.append(f"{where}: HL01 is {number!r}; expected {expected}")
        expected += 1
        parent_level = HL_PARENT_LEVEL.get(level)
        wanted_parent = latest.get(parent_level, "") if parent_level else ""
        if parent != wanted_parent:
            problems.append(f"{where}: parent is {parent!r}; expected {wanted_parent!r}")
        parents.add(parent)
        latest[level] = number
        declared[number] = _el(segment, 4)
    for number, child_code in declared.items():
        has_children = "1" if number in parents else "0"
        if child_code != has_children:
            problems.append(f"HL*{number}: HL04 is {child_code!r}; its children say {has_children}")
    return problems


def _claims(transaction: list[Segment], offset: int) -> list[_ClaimView]:
    claims: list[_ClaimView] = []
    claim: _ClaimView | None = None
    for index, segment in enumerate(transaction, start=offset + 1):
        tag = segment[0]
        if tag in ("HL", "SE"):
            claim = None
        elif tag == "CLM":
            claim = _ClaimView(index, segment)
            claims.append(claim)
        elif claim is None:
            continue
        elif tag == "HI" and not claim.lines:
            claim.diagnoses += segment[1:]
        elif tag == "LX":
            claim.lines.append(_Line(index, _el(segment, 1)))
        elif tag == "SV1" and claim.lines:
            claim.lines[-1].service = segment
        elif tag == "DTP" and claim.lines and _el(segment, 1) == "472":
            claim.lines[-1].dated = True
    return claims


def _claim_view_problems(claim: _ClaimView, component: str) -> list[str]:
    where = f"segment {claim.position} (CLM*{_el(claim.clm, 1)})"
    qualifiers = [code.split(component)[0] for code in claim.diagnoses]
    diagnoses = sum(qualifier in DIAGNOSIS_QUALIFIERS for qualifier in qualifiers)
    problems = []
    if not qualifiers or qualifiers[0] not in PRINCIPAL_QUALIFIERS:
        problems.append(f"{where}: HI must start with the principal diagnosis (ABK)")
    if not claim.lines:
        problems.append(f"{where}: claim has no service lines")
    numbers = [line.number for line in claim.lines]
    if numbers != [str(number) for number in range(1, len(numbers) + 1)]:
        problems.append(f"{where}: LX numbers are {numbers}; expected 1 to {len(numbers)}")
    for line in claim.lines:
        problems += [
            f"segment {line.position} (LX*{line.number}): {problem}"
            for problem in _service_problems(line, diagnoses, component)
        ]
    charges = [_decimal(_el(line.service, 2)) for line in claim.lines if line.service]
    total = _decimal(_el(claim.clm, 2))
    if total is None:
        problems.append(f"{where}: CLM02 {_el(claim.clm, 2)!r} is not an amount")
    elif None not in charges:
        line_sum = sum((charge for charge in charges if charge is not None), Decimal(0))
        if total != line_sum:
            problems.append(f"{where}: CLM02 is {total}; its SV102 charges add up to {line_sum}")
    return problems


def _service_problems(line: _Line, diagnoses: int, component: str) -> list[str]:
    if line.service is None:
        return ["service line has no SV1"]
    problems = [] if line.dated else ["service line has no DTP*472 service date"]
    if _decimal(_el(line.service, 2)) is None:
        problems.append(f"SV102 {_el(line.service, 2)!r} is not an amount")
    pointers = _el(line.service, 7).split(component) if _el(line.service, 7) else []
    if not 1 <= len(pointers) <= MAX_POINTERS:
        problems.append(f"SV107 has {len(pointers)} pointers; expected 1 to {MAX_POINTERS}")
    problems += [
        f"SV107 pointer {pointer!r} names none of the claim's {diagnoses} diagnoses"
        for pointer in pointers
        if not pointer.isdigit() or not 1 <= int(pointer) <= diagnoses
    ]
    return problems


def _decimal(value: str) -> Decimal | None:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None
