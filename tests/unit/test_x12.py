"""837P 5010 generation and structural validation: a realistic batch is clean, and each
kind of corruption is caught (proving the validator can fail)."""

import io
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from backend.billing.x12 import (
    Batch,
    BillingProvider,
    Claim,
    Payer,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
    build_837p,
    validate_837p,
)

pytestmark = pytest.mark.billing

PAYER = Payer("Blue Cross Blue Shield of Illinois", "BCBSIL", "BL")
ALVAREZ = Subscriber(
    "XYZ123456",
    "Alvarez",
    "Maria",
    date(1985, 3, 2),
    "F",
    "1 Elm St",
    "Springfield",
    "IL",
    "62702",
    group_number="GRP-77",
)
BROOKS = Subscriber(
    "ABC987654",
    "Brooks",
    "John",
    date(1990, 7, 9),
    "M",
    "2 Oak Ave",
    "Springfield",
    "IL",
    "62703",
)


def line(
    code: str,
    charge: str,
    pointers: tuple[int, ...] = (1,),
    modifiers: tuple[str, ...] = (),
    place: str = "11",
    **extra: Any,
) -> ServiceLine:
    return ServiceLine(
        code, modifiers, Decimal(charge), 1, date(2025, 1, 6), place, pointers, **extra
    )


def batch(*claims: Claim, test: bool = True) -> Batch:
    return Batch(
        control_number=42,
        created=datetime(2025, 1, 7, 9, 30),
        submitter=Submitter("Harbor Behavioral Health", "HARBOR01", "Dana Kim", "555-010-2000"),
        receiver=Receiver("Availity", "030240928"),
        billing_provider=BillingProvider(
            "Harbor Behavioral Health",
            "1234567893",
            "12-3456789",
            "100 Main St",
            "Springfield",
            "IL",
            "62701-1234",
            taxonomy="261QM0801X",
        ),
        claims=claims or THREE_CLAIMS,
        test=test,
    )


THREE_CLAIMS = (
    Claim(
        "PCN-1001",
        ALVAREZ,
        PAYER,
        ("F32.1", "F41.1"),
        "11",
        (
            line("90837", "150.00", (1, 2), ("HO",)),
            line("90853", "45.50", (2,), ("HQ",)),
        ),
    ),
    Claim(
        "PCN-1002",
        ALVAREZ,
        PAYER,
        ("F32.1",),
        "02",
        (line("90834", "120", (1,), ("95", "GT"), place="02"),),
    ),
    Claim(
        "PCN-2001",
        BROOKS,
        PAYER,
        ("F10.20", "F43.10", "Z63.0"),
        "57",
        (
            line("H0015", "210.25", (1, 2, 3), ("HF",), place="57"),
            line("90791", "200", (2,)),
            line("H0005", "35", (3, 1), ("HQ",), place="57"),
        ),
    ),
)


@pytest.fixture(scope="module")
def text() -> str:
    return build_837p(batch())


def segments(text: str, tag: str) -> list[str]:
    return [seg for seg in text.split("~\n") if seg.split("*")[0] == tag]


def without(text: str, segment: str) -> str:
    """``text`` less its first ``segment``, with SE01 kept right so only the gap shows."""
    assert f"\n{segment}~\n" in text
    shorter = text.replace(f"\n{segment}~\n", "\n", 1)
    return re.sub(r"SE\*(\d+)\*", lambda match: f"SE*{int(match[1]) - 1}*", shorter)


def test_a_batch_of_two_subscribers_and_three_claims_is_valid(text: str) -> None:
    assert validate_837p(text) == []
    assert len(segments(text, "CLM")) == 3
    assert segments(text, "HL") == ["HL*1**20*1", "HL*2*1*22*0", "HL*3*1*22*0"]
    assert [seg.split("*")[1] for seg in segments(text, "LX")] == ["1", "2", "1", "1", "2", "3"]


def test_the_envelope_is_fixed_width_and_counted(text: str) -> None:
    lines = text.splitlines()
    assert len(lines[0]) == 106
    assert lines[0] == (
        "ISA*00*          *00*          *ZZ*HARBOR01       *ZZ*030240928      "
        "*250107*0930*^*00501*000000042*0*T*:~"
    )
    assert lines[1] == "GS*HC*HARBOR01*030240928*20250107*0930*42*X*005010X222A1~"
    assert lines[2] == "ST*837*0042*005010X222A1~"
    st, se = lines.index("ST*837*0042*005010X222A1~"), len(lines) - 3
    assert lines[se] == f"SE*{se - st + 1}*0042~"
    assert lines[-2:] == ["GE*1*42~", "IEA*1*000000042~"]
    assert build_837p(batch(test=False)).splitlines()[0][102] == "P"


def test_header_loops_carry_submitter_receiver_and_billing_provider(text: str) -> None:
    assert (
        "NM1*41*2*HARBOR BEHAVIORAL HEALTH*****46*HARBOR01~\nPER*IC*DANA KIM*TE*5550102000~" in text
    )
    assert "NM1*40*2*AVAILITY*****46*030240928~" in text
    assert (
        "HL*1**20*1~\nPRV*BI*PXC*261QM0801X~\n"
        "NM1*85*2*HARBOR BEHAVIORAL HEALTH*****XX*1234567893~\n"
        "N3*100 MAIN ST~\nN4*SPRINGFIELD*IL*627011234~\nREF*EI*123456789~"
    ) in text


def test_subscriber_loop_has_member_id_birth_date_and_payer(text: str) -> None:
    assert (
        "HL*2*1*22*0~\nSBR*P*18*GRP-77******BL~\n"
        "NM1*IL*1*ALVAREZ*MARIA****MI*XYZ123456~\nN3*1 ELM ST~\nN4*SPRINGFIELD*IL*62702~\n"
        "DMG*D8*19850302*F~\nNM1*PR*2*BLUE CROSS BLUE SHIELD OF ILLINOIS*****PI*BCBSIL~\n"
        "CLM*PCN-1001*"
    ) in text
    assert "SBR*P*18*******BL~" in text


def test_claim_total_is_the_sum_of_its_lines_without_trailing_zeros(text: str) -> None:
    assert segments(text, "CLM") == [
        "CLM*PCN-1001*195.5***11:B:1*Y*A*Y*Y",
        "CLM*PCN-1002*120***02:B:1*Y*A*Y*Y",
        "CLM*PCN-2001*445.25***57:B:1*Y*A*Y*Y",
    ]


def test_diagnoses_lose_their_dot_principal_first(text: str) -> None:
    assert segments(text, "HI") == [
        "HI*ABK:F321*ABF:F411",
        "HI*ABK:F321",
        "HI*ABK:F1020*ABF:F4310*ABF:Z630",
    ]


def test_modifiers_place_of_service_and_pointers_sit_in_sv1(text: str) -> None:
    assert segments(text, "SV1") == [
        "SV1*HC:90837:HO*150*UN*1*11**1:2",
        "SV1*HC:90853:HQ*45.5*UN*1*11**2",
        "SV1*HC:90834:95:GT*120*UN*1*02**1",
        "SV1*HC:H0015:HF*210.25*UN*1*57**1:2:3",
        "SV1*HC:90791*200*UN*1*11**2",
        "SV1*HC:H0005:HQ*35*UN*1*57**3:1",
    ]
    assert "LX*1~\nSV1*HC:90837:HO*150*UN*1*11**1:2~\nDTP*472*D8*20250106~\nLX*2~" in text


def test_separators_and_accents_in_free_text_are_stripped() -> None:
    tricky = replace(ALVAREZ, last_name="O*Brien~Jr:", first_name="José^Ana", address1="1\nElm")
    claim = replace(THREE_CLAIMS[1], subscriber=tricky, claim_id="PCN*9~")
    text = build_837p(batch(claim))
    assert "NM1*IL*1*O BRIEN JR*JOSE ANA****MI*XYZ123456~" in text
    assert "N3*1 ELM~" in text
    assert "CLM*PCN9*" in text
    assert validate_837p(text) == []


def test_a_rendering_provider_follows_the_line_it_rendered() -> None:
    rendered = line(
        "90837",
        "150",
        rendering_npi="1598765432",
        rendering_last_name="Nguyen",
        rendering_first_name="Lan",
    )
    text = build_837p(batch(replace(THREE_CLAIMS[1], lines=(rendered,))))
    assert "DTP*472*D8*20250106~\nNM1*82*1*NGUYEN*LAN****XX*1598765432~\nSE*" in text
    assert validate_837p(text) == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (line("90837", "150", pointers=(3,)), "diagnosis pointers must be 1–1"),
        (line("90837", "150", pointers=(1, 1, 1, 1, 1)), "1–4 diagnosis pointers"),
        (line("90837", "150.005"), "whole cents"),
        (line("90837", "150", modifiers=("HO", "95", "GT", "HQ", "HF")), "at most 4 modifiers"),
        (line("90837", "150", rendering_npi="1598765432"), "rendering provider's last name"),
        (line("90837", "150", rendering_npi="15987"), "must be 10 digits"),
    ],
)
def test_the_builder_refuses_claims_a_clearinghouse_would_reject(
    bad: ServiceLine, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_837p(batch(replace(THREE_CLAIMS[1], lines=(bad,))))


def test_the_builder_refuses_a_diagnosis_that_is_not_icd10() -> None:
    with pytest.raises(ValueError, match="not an ICD-10-CM code"):
        build_837p(batch(replace(THREE_CLAIMS[1], diagnosis_codes=("296.2",))))


PAYER_NAME = "NM1*PR*2*BLUE CROSS BLUE SHIELD OF ILLINOIS*****PI*BCBSIL"


def swap(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, 1)


def drop(segment: str) -> Callable[[str], str]:
    return lambda text: without(text, segment)


CORRUPTIONS: list[tuple[str, Callable[[str], str], str]] = [
    ("wrong SE count", swap("SE*50*", "SE*49*"), "count is '49'; expected 50"),
    ("SE02 differs from ST02", swap("SE*50*0042", "SE*50*0043"), "ST02"),
    ("GE02 differs from GS06", swap("GE*1*42", "GE*1*43"), "GS06"),
    ("IEA02 differs from ISA13", swap("IEA*1*000000042", "IEA*1*000000043"), "ISA13"),
    ("GE01 miscounts", swap("GE*1*42", "GE*2*42"), "count is '2'; expected 1"),
    ("IEA01 miscounts", swap("IEA*1*", "IEA*3*"), "count is '3'; expected 1"),
    ("ISA not 106", swap("HARBOR01       *", "HARBOR01        *"), "ISA is 107"),
    ("CLM off by a cent", swap("CLM*PCN-1001*195.5", "CLM*PCN-1001*195.51"),
     "CLM02 is 195.51; its SV102 charges add up to 195.5"),
    ("SV1 off by a cent", swap("*45.5*UN", "*45.49*UN"), "add up to 195.49"),
    ("dangling pointer", swap("*11**2~\nDTP", "*11**3~\nDTP"),
     "pointer '3' names none of the claim's 2 diagnoses"),
    ("missing 2010BB", drop(PAYER_NAME), "loop 2300 after loop 2010BA; expected 2010BB"),
    ("missing 1000B", drop("NM1*40*2*AVAILITY*****46*030240928"),
     "loop 2000A after loop 1000A; expected 1000B"),
    ("claim without lines", swap("LX*1~\nSV1*HC:90834", "SV1*HC:90834"),
     "loop 2000B after loop 2300; expected 2400"),
    ("HL parent wrong", swap("HL*3*1*22*0", "HL*3*2*22*0"), "parent is '2'; expected '1'"),
    ("HL numbers skip", swap("HL*3*1*", "HL*4*1*"), "HL01 is '4'; expected 3"),
    ("LX does not restart", swap("LX*1~\nSV1*HC:90834", "LX*3~\nSV1*HC:90834"),
     "LX numbers are ['3']; expected 1 to 1"),
    ("HI loses its principal", swap("HI*ABK:F321~", "HI*ABF:F321~"), "principal"),
    ("line without date", swap("DTP*472*D8*20250106~\nLX*2", "LX*2"), "DTP*472"),
    ("missing IEA", swap("IEA*1*000000042~\n", ""), "missing IEA"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "message"),
    [pytest.param(mutate, message, id=name) for name, mutate, message in CORRUPTIONS],
)
def test_each_corruption_is_reported(text: str, mutate: Callable[[str], str], message: str) -> None:
    corrupted = mutate(text)
    assert corrupted != text
    problems = validate_837p(corrupted)
    assert any(message in problem for problem in problems), problems


def test_the_validator_reads_a_file_without_line_breaks(text: str) -> None:
    assert validate_837p(text.replace("~\n", "~")) == []


@pytest.mark.parametrize("junk", ["", "hello", "ISA*00*", "GS*HC~" * 30])
def test_the_validator_reports_junk_instead_of_raising(junk: str) -> None:
    assert validate_837p(junk)


def pyx12_errors(text: str) -> tuple[bool, list[dict[str, Any]]]:
    """pyx12's verdict on ``text`` against its 005010X222A1 map, with every error it lists."""
    params = pytest.importorskip(
        "pyx12.params", reason="pyx12 is not installed (pyx12>=4.0,<5 in the dev extras)"
    )
    document = pytest.importorskip("pyx12.x12n_document")
    report = io.StringIO()
    valid = document.x12n_document(
        param=params.ParamsBase(),
        src_file=io.StringIO(text),
        fd_997=None,
        fd_html=None,
        fd_json=report,
    )
    errors: list[dict[str, Any]] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            errors.extend(node.get("errors", []))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(json.loads(report.getvalue()))
    return valid, errors


def test_pyx12_accepts_our_output_against_the_implementation_guide(text: str) -> None:
    assert pyx12_errors(text) == (True, [])


def test_pyx12_is_not_a_rubber_stamp(text: str) -> None:
    valid, errors = pyx12_errors(without(text, PAYER_NAME))
    assert not valid
    assert any("2010BB" in error["err_str"] for error in errors)
