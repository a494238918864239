"""Issue 18's name-leak promise, end to end: a group of members with distinctive
identifiers; every identifier of a co-member, in every variant the matcher knows, written
into every text field and addendum path the API offers, is refused with its spans; what
is finally signed and added reaches member A's chart notes, export, PDF, FHIR bundle and
Part 2 disclosure with nothing of anyone else in it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient
from pypdf import PdfReader
from sqlalchemy import text

from backend import admin
from backend.app import create_app
from backend.config import get_settings
from backend.notes import leaks
from backend.notes.leaks import Identity
from shared.enums import Role
from tests.conftest import PASSWORD, TEMPLATE, _admin, _with_database

pytestmark = [pytest.mark.integrity, pytest.mark.asyncio(loop_scope="module")]

PEOPLE: dict[str, dict[str, Any]] = {
    "a": {"given_name": "Ottoline", "family_name": "Fairweather", "birth_date": "1979-06-14"},
    "b": {
        "given_name": "Zoë",
        "middle_name": "Beatrix",
        "family_name": "Quartermaine",
        "preferred_name": "Zee",
        "birth_date": "1987-03-09",
        "phones": [{"number": "(555) 201-7788"}],
        "email": "zoe.q@example.org",
    },
    "c": {
        "given_name": "María",
        "family_name": "López",
        "birth_date": "1990-11-23",
        "phones": [{"number": "555 310 4242"}],
        "email": "maria.lopez@example.net",
    },
    "d": {"given_name": "Will", "family_name": "Thistlewood", "birth_date": "1984-01-30"},
}


def _variants(mrns: dict[str, str]) -> list[str]:
    """Ways of naming B or C that must never reach A's notes."""
    b, c = mrns["b"], mrns["c"]
    return [
        "Zoë Quartermaine",
        "Zoe\u0308 Quartermaine",  # NFD
        "\uff3a\uff4f\uff45",  # full-width
        "ZOE",
        "ZoeQuartermaine",
        "Zoe_Q",
        "Z. Quartermaine",
        "Quartermain",  # one typo
        "Zee",
        "Beatrix",
        b,
        f"MRN {b[3:]}",
        f"#{b[3:]}",
        "1987-03-09",
        "3/9/1987",
        "03/09/1987",
        "9 March 1987",
        "March 9, 1987",
        "555.201.7788",
        "+1 (555) 201 7788",
        "zoe.q@example.org",
        "Maria Lopez",
        "MariaLopez",
        "Maria_L",
        "Maria-L",
        "M. Lopez",
        "M Lopez",
        "Lopez, Maria",
        c,
        c[3:],
        "23/11/1990",
        "Nov 23, 1990",
        "5553104242",
        "MARIA.LOPEZ@EXAMPLE.NET",
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(pg_admin_url: str, template_url: str) -> AsyncIterator[dict[str, Any]]:
    name = f"emr_leak_{os.getpid()}"
    await _admin(pg_admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    url = _with_database(pg_admin_url, name)
    settings = replace(
        get_settings(), database_url=url, secret_key="k" * 48, mfa_required_roles=frozenset()
    )
    try:
        async with AsyncTestClient(app=create_app(settings)) as client:
            yield await _build(client, url)
    finally:
        await _admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _headers(client: AsyncTestClient, username: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD}
    response = await client.post("/api/v1/auth/token", json=body)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _build(client: AsyncTestClient, url: str) -> dict[str, Any]:
    cal = await admin.create_user(url, "cal", PASSWORD, [Role.CLINICIAN.value], "")
    await admin.create_user(url, "coord", PASSWORD, [Role.COORDINATOR.value], "")
    coord, staff = await _headers(client, "coord"), await _headers(client, "cal")
    group = await client.post(
        "/api/v1/groups",
        headers=coord,
        json={"name": "Relapse Prevention", "facilitator_ids": [str(cal.id)]},
    )
    yesterday = date.today() - timedelta(days=1)
    series = await client.post(
        "/api/v1/series",
        headers=coord,
        json={
            "group_id": group.json()["id"],
            "rrule": "FREQ=DAILY;COUNT=1",
            "timezone": "America/New_York",
            "start_local": f"{yesterday.isoformat()}T10:00",
            "duration_minutes": 90,
        },
    )
    session_id = series.json()["sessions"][0]["id"]
    patients = {}
    for key, body in PEOPLE.items():
        created = await client.post("/api/v1/patients", json=body, headers=staff)
        assert created.status_code == 201, created.text
        patients[key] = created.json()
        await client.post(
            f"/api/v1/groups/{group.json()['id']}/enrollments",
            headers=coord,
            json={"patient_id": patients[key]["id"], "from_date": yesterday.isoformat()},
        )
        await client.put(
            f"/api/v1/sessions/{session_id}/attendance/{patients[key]['id']}",
            headers=coord,
            json={"status": "present"},
        )
    note = await client.post(f"/api/v1/sessions/{session_id}/note", headers=staff)
    assert note.status_code == 200, note.text
    world = {
        "client": client,
        "url": url,
        "staff": staff,
        "patients": patients,
        "note": f"/api/v1/notes/{note.json()['id']}",
        "variants": _variants({k: p["mrn"] for k, p in patients.items()}),
    }
    world["refusals"] = await _write_everywhere(world)
    await _sign_and_add_clean_text(world)
    return world


def _span(variant: str) -> str:
    """What a refusal points at: a "#" or "+" before a number is not part of it."""
    return variant[1:] if variant[0] in "#+" else variant


def _joined(variants: list[str]) -> str:
    return " ; ".join(f"said {v} today" for v in variants)


async def _write_everywhere(world: dict[str, Any]) -> dict[str, Any]:
    """Every variant in every field: the drafts take it, signing and addenda refuse it."""
    client, staff, note = world["client"], world["staff"], world["note"]
    a, b = world["patients"]["a"]["id"], world["patients"]["b"]["id"]
    variants, everything = world["variants"], _joined(world["variants"])
    saved = await client.put(
        note,
        headers=staff,
        json={
            "version": 1,
            "shared": {"topic": variants[0], "interventions": everything[:4000]},
            "entries": [{"patient_id": a, "version": 1, "narrative": everything}],
        },
    )
    assert saved.status_code == 200, saved.text
    await client.patch(
        note, headers=staff | {"If-Match": '"2"'}, json={"group_process": everything}
    )
    await client.patch(
        f"{note}/entries/{a}",
        headers=staff | {"If-Match": '"2"'},
        json={"behaviour": _joined(variants[:12]), "affect": variants[1]},
    )
    for key, version in (("a", "3"), ("b", "1"), ("c", "1"), ("d", "1")):
        ready = {"participation": "active"} | ({} if key == "a" else {"narrative": "Took part"})
        done = await client.patch(
            f"{note}/entries/{world['patients'][key]['id']}",
            headers=staff | {"If-Match": f'"{version}"'},
            json=ready,
        )
        assert done.status_code == 200, done.text  # ready to sign but for the leaks
    refusals = {"sign": await client.post(f"{note}/sign", headers=staff)}
    for key, patient_id in (("addenda", None), (f"addenda.{a}", a), (f"addenda.{b}", b)):
        for variant in variants:
            body = {"reason": "Late detail", "text": f"said {variant} today"}
            refusals[f"{key}.text/{variant}"] = body | {"patient_id": patient_id}
            refusals[f"{key}.reason/{variant}"] = {
                "reason": f"about {variant}",
                "text": "Late detail",
                "patient_id": patient_id,
            }
    return refusals


async def _sign_and_add_clean_text(world: dict[str, Any]) -> None:
    """A clean note, once an everyday word the check asks about is confirmed."""
    client, staff, note = world["client"], world["staff"], world["note"]
    a, b = world["patients"]["a"]["id"], world["patients"]["b"]["id"]
    clean = "Members named three triggers; the group will meet weekly"
    await client.put(
        note,
        headers=staff,
        json={
            "version": 3,
            "shared": {
                "topic": "Triggers",
                "interventions": "Urge surfing",
                "group_process": clean,
            },
            "entries": [
                {
                    "patient_id": a,
                    "version": 4,
                    "narrative": "Ottoline Fairweather named her triggers",
                    "behaviour": "Engaged",
                    "affect": "Bright",
                }
            ],
        },
    )
    world["asked"] = await client.post(f"{note}/sign", headers=staff)
    world["confirm_block"] = await client.post(
        f"{note}/leak-confirmations",
        headers=staff,
        json={"field": "shared.group_process", "text": "Zoe Quartermaine"},
    )
    world["confirm_unknown"] = await client.post(
        f"{note}/leak-confirmations",
        headers=staff,
        json={"field": "shared.summary", "text": "will"},
    )
    world["confirmed"] = await client.post(
        f"{note}/leak-confirmations",
        headers=staff,
        json={"field": "shared.group_process", "text": "will"},
    )
    world["signed"] = await client.post(f"{note}/sign", headers=staff)
    for key, variant in list(world["refusals"].items())[1:]:
        world["refusals"][key] = await client.post(f"{note}/addenda", headers=staff, json=variant)
    world["addenda"] = [
        await client.post(f"{note}/addenda", headers=staff, json=body)
        for body in (
            {"reason": "Late detail", "text": "Group ran ten minutes over."},
            {"reason": "For Ottoline", "text": "Ottoline asked for a referral.", "patient_id": a},
            {
                "reason": "For Zoë",
                "text": "Zoë Quartermaine (MRN on file) left early.",
                "patient_id": b,
            },
        )
    ]


async def test_signing_refuses_every_variant_in_every_field_with_its_span(world) -> None:
    refused = world["refusals"]["sign"]
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("name-leak")
    spans = refused.json()["leaks"]
    assert all(set(leak) == {"field", "start", "end", "text", "severity"} for leak in spans)
    a = world["patients"]["a"]["id"]
    texts = {
        "shared.group_process": _joined(world["variants"]),
        f"entries.{a}.narrative": _joined(world["variants"]),
    }
    for field, written in texts.items():
        found = {(s["start"], s["end"]) for s in spans if s["field"] == field}
        for variant in map(_span, world["variants"]):
            start = written.index(f"{variant} today")
            assert any(s <= start and start + len(variant) <= e for s, e in found), (field, variant)
    named = {s["field"] for s in spans}
    assert {"shared.topic", "shared.interventions", f"entries.{a}.behaviour"} <= named
    assert f"entries.{a}.affect" in named


@pytest.mark.parametrize("path", ["addenda", "addenda.a", "addenda.b"])
@pytest.mark.parametrize("part", ["text", "reason"])
async def test_every_addendum_path_refuses_every_variant_with_its_span(world, path, part) -> None:
    prefix = path.replace(".a", f".{world['patients']['a']['id']}")
    prefix = prefix.replace(".b", f".{world['patients']['b']['id']}")
    for variant in world["variants"]:
        if path == "addenda.b" and variant in world["variants"][:21]:
            continue  # B's own addendum may name B
        refused = world["refusals"][f"{prefix}.{part}/{variant}"]
        assert refused.status_code == 422, (variant, refused.text)
        (leak,) = refused.json()["leaks"]
        assert (leak["field"], leak["text"]) == (f"{prefix}.{part}", _span(variant))


async def test_an_everyday_word_is_confirmed_once_and_audited_but_a_name_cannot_be(world) -> None:
    asked = world["asked"].json()
    assert world["asked"].status_code == 422
    assert [(s["text"], s["severity"]) for s in asked["leaks"]] == [("will", "confirm")]
    assert world["confirm_block"].status_code == 422
    assert [e["field"] for e in world["confirm_block"].json()["errors"]] == ["text"]
    assert [e["field"] for e in world["confirm_unknown"].json()["errors"]] == ["field"]
    assert world["confirmed"].status_code == 201
    assert world["signed"].status_code == 200, world["signed"].text
    assert [r.status_code for r in world["addenda"]] == [201, 201, 201]
    async with admin.transaction(world["url"]) as session:
        rows = await session.execute(
            text("SELECT detail FROM audit_event WHERE action = 'confirm-not-member'")
        )
        assert [r[0] for r in rows] == [{"field": "shared.group_process", "text": "will"}]


async def _outputs(world: dict[str, Any]) -> dict[str, str]:
    client, staff = world["client"], world["staff"]
    base = f"/api/v1/patients/{world['patients']['a']['id']}"
    disclosure = await client.post(
        f"{base}/disclosures",
        headers=staff,
        json={
            "recipient": "St. Mary ED",
            "purpose": "treatment",
            "categories": ["group_notes"],
            "exception": "medical_emergency",
            "exception_detail": "Unresponsive on arrival; ED needs the group notes",
        },
    )
    assert disclosure.status_code == 200, disclosure.text
    pdf = await client.get(f"{base}/notes.pdf", headers=staff)
    return {
        "chart": (await client.get(f"{base}/group-notes", headers=staff)).text,
        "export": (await client.get(f"{base}/notes/export", headers=staff)).text,
        "pdf": _pdf_text(pdf.content),
        "fhir": (await client.get(f"{base}/export.fhir", headers=staff)).text,
        "disclosure": _pdf_text(disclosure.content),
    }


def _pdf_text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(document)).pages)


@pytest.mark.parametrize("output", ["chart", "export", "pdf", "fhir", "disclosure"])
async def test_nothing_of_another_member_reaches_member_a(world, output) -> None:
    if "outputs" not in world:
        world["outputs"] = await _outputs(world)
    rendered = world["outputs"][output]
    own = "Fairweather" if output == "fhir" else "Ottoline asked for a referral"
    assert own in " ".join(rendered.split())
    for key in ("b", "c", "d"):
        person = PEOPLE[key] | {"mrn": world["patients"][key]["mrn"]}
        identity = Identity(
            given=person["given_name"],
            family=person["family_name"],
            middle=person.get("middle_name", ""),
            preferred=person.get("preferred_name", ""),
            mrn=person["mrn"],
            birth_date=date.fromisoformat(person["birth_date"]),
            phones=tuple(p["number"] for p in person.get("phones", [])),
            email=person.get("email", ""),
        )
        found = [
            rendered[hit.start : hit.end]
            for hit in leaks.find(rendered, identity, fuzzy=False)
            if leaks.fold(rendered[hit.start : hit.end]) != "will"  # confirmed: not Will
        ]
        assert found == [], (output, key)
