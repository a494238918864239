"""Prescriptions: bad input named, allergy override required and audited, signing puts the
drug on the medication list, the MAR follows active prescriptions and stops at
discontinuation, transmission is refused honestly, the prescription prints."""

from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader
from sqlalchemy import text

from backend import admin
from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.medications


def lithium(**changes: Any) -> dict[str, Any]:
    return {
        "drug_name": "Lithium carbonate",
        "strength": "300 mg",
        "dose_form": "capsule",
        "dose_amount": 300,
        "dose_unit": "mg",
        "route": "PO",
        "frequency": "bid",
        "quantity": 60,
        "quantity_unit": "capsule",
        "refills": 2,
    } | changes


@pytest.fixture
async def resident(client: AsyncTestClient, make_user) -> dict[str, Any]:
    await make_user("root", Role.ADMIN)
    await make_user("doc", Role.CLINICIAN)
    root, doc = await sign_in(client, "root"), await sign_in(client, "doc")
    program = await client.post(
        "/api/v1/programs",
        headers=root,
        json={"name": "Residential", "level_of_care": "residential"},
    )
    body = {"given_name": "Ottoline", "family_name": "Brackenbury", "birth_date": "1975-07-07"}
    patient = (await client.post("/api/v1/patients", json=body, headers=doc)).json()
    url = f"/api/v1/patients/{patient['id']}"
    admitted = await client.post(
        f"{url}/episodes",
        headers=doc,
        json={"program_id": program.json()["id"], "admitted_on": date.today().isoformat()},
    )
    assert admitted.status_code == 201, admitted.text
    return {"doc": doc, "patient": patient, "url": url}


async def test_invalid_prescriptions_name_the_field_and_store_nothing(
    client: AsyncTestClient, resident
) -> None:
    url = f"{resident['url']}/prescriptions"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"dose_amount": -1}, "dose_amount"),
        ({"quantity": -60}, "quantity"),
        ({"dose_unit": "scoops"}, "dose_unit"),
        ({"frequency": "whenever"}, "frequency"),
        ({"schedule": "II", "refills": 3}, "refills"),
    ]
    for changes, field in cases:
        response = await client.post(url, headers=resident["doc"], json=lithium(**changes))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]]
    assert (await client.get(url, headers=resident["doc"])).json() == []


async def test_allergy_needs_an_override_reason_which_is_audited(
    client: AsyncTestClient, resident, make_user
) -> None:
    await client.post(
        f"{resident['url']}/allergies",
        headers=resident["doc"],
        json={"substance": "Penicillin", "reaction": "hives", "severity": "moderate"},
    )
    amoxicillin = lithium(
        drug_name="Amoxicillin", strength="500 mg", frequency="tid", quantity=30, refills=0
    )
    url = f"{resident['url']}/prescriptions"
    refused = await client.post(url, headers=resident["doc"], json=amoxicillin)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "allergy_override_reason"
    assert refused.json()["conflicts"][0]["allergy"] == "Penicillin"
    assert (await client.get(url, headers=resident["doc"])).json() == []
    reason = "Tolerated amoxicillin in 2024 without reaction"
    accepted = await client.post(
        url, headers=resident["doc"], json=amoxicillin | {"allergy_override_reason": reason}
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["allergy_override_reason"] == reason
    await make_user("audra", Role.AUDITOR)
    events = await client.get(
        "/api/v1/audit/events",
        headers=await sign_in(client, "audra"),
        params={"patient_id": resident["patient"]["id"], "action": "allergy-override"},
    )
    assert events.status_code == 200, events.text
    (event,) = events.json()["items"]
    assert event["detail"]["reason"] == reason and event["detail"]["drug"] == "Amoxicillin"


async def test_mar_follows_active_prescriptions_until_discontinued(
    client: AsyncTestClient, resident, database_url: str
) -> None:
    today = datetime.now(ZoneInfo("America/New_York")).date()  # the clinic's day
    yesterday = today - timedelta(days=1)
    doc = resident["doc"]
    written = await client.post(
        f"{resident['url']}/prescriptions",
        headers=doc,
        json=lithium(start_date=yesterday.isoformat(), times=["00:00", "23:59"]),
    )
    rx = written.json()
    assert rx["sig"] == "300 mg PO bid" and rx["status"] == "draft"
    mar = f"/api/v1/mar?on={today.isoformat()}"
    assert (await client.get(mar, headers=doc)).json() == []  # drafts give no doses
    signed = await client.post(
        f"/api/v1/prescriptions/{rx['id']}/sign", headers=doc | {"If-Match": '"1"'}
    )
    assert signed.status_code == 200, signed.text
    async with admin.transaction(database_url) as session:  # as if signed yesterday morning
        await session.execute(
            text("UPDATE prescription SET signed_at = now() - interval '1 day' WHERE id = :id"),
            {"id": rx["id"]},
        )
    meds = (await client.get(f"{resident['url']}/medications", headers=doc)).json()
    assert [(m["name"], m["status"], m["source"]) for m in meds] == [
        ("Lithium carbonate", "active", "prescribed_here")
    ]
    tomorrow = f"/api/v1/mar?on={(today + timedelta(days=1)).isoformat()}"
    (row,) = (await client.get(tomorrow, headers=doc)).json()
    assert row["patient_name"] == "Ottoline Brackenbury" and len(row["doses"]) == 2
    again = (await client.get(tomorrow, headers=doc)).json()
    assert [d["id"] for d in again[0]["doses"]] == [d["id"] for d in row["doses"]]  # idempotent

    (today_row,) = (await client.get(mar, headers=doc)).json()
    dose = today_row["doses"][0]  # 00:00 today
    given = await client.put(
        f"/api/v1/mar/doses/{dose['id']}",
        headers=doc | {"If-Match": '"1"'},
        json={"status": "given"},
    )
    assert given.status_code == 200 and given.json()["recorded_by"] is not None
    held = await client.put(
        f"/api/v1/mar/doses/{today_row['doses'][1]['id']}",
        headers=doc | {"If-Match": '"1"'},
        json={"status": "held"},
    )
    assert held.status_code == 422 and held.json()["errors"][0]["field"] == "note"

    stopped = await client.post(
        f"/api/v1/prescriptions/{rx['id']}/discontinue",
        headers=doc,
        json={"reason": "Lithium level 1.6: toxicity risk"},
    )
    assert stopped.status_code == 200, stopped.text
    assert (await client.get(tomorrow, headers=doc)).json() == []
    (kept,) = (await client.get(mar, headers=doc)).json()
    assert [d["status"] for d in kept["doses"]] == ["given"]  # the record of what was given stays
    meds = (await client.get(f"{resident['url']}/medications", headers=doc)).json()
    assert meds[0]["status"] == "stopped"


async def test_transmission_is_refused_and_the_prescription_prints(
    client: AsyncTestClient, resident, make_user
) -> None:
    doc = resident["doc"]
    rx = (await client.post(f"{resident['url']}/prescriptions", headers=doc, json=lithium())).json()
    await client.post(f"/api/v1/prescriptions/{rx['id']}/sign", headers=doc | {"If-Match": '"1"'})
    sent = await client.post(f"/api/v1/prescriptions/{rx['id']}/transmit", headers=doc)
    assert sent.status_code == 503
    assert "not_transmitted" in sent.json()["detail"]
    listed = (await client.get(f"{resident['url']}/prescriptions", headers=doc)).json()
    assert listed[0]["transmission"] == "not_transmitted"
    await make_user("audra", Role.AUDITOR)
    attempts = await client.get(
        "/api/v1/audit/events",
        headers=await sign_in(client, "audra"),
        params={"patient_id": resident["patient"]["id"], "action": "transmit"},
    )
    assert [e["outcome"] for e in attempts.json()["items"]] == ["refused"]
    printed = await client.get(f"/api/v1/prescriptions/{rx['id']}/pdf", headers=doc)
    assert printed.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(printed.content)).pages)
    assert "Ottoline Brackenbury" in text and "300 mg PO bid" in text
    assert "Refills: 2" in text


async def test_reported_medication_keeps_its_start_date(client: AsyncTestClient, resident) -> None:
    added = await client.post(
        f"{resident['url']}/medications",
        headers=resident["doc"],
        json={"name": "Sertraline", "strength": "50 mg", "start_date": "2026-01-15"},
    )
    assert added.status_code == 201, added.text
    assert added.json()["start_date"] == "2026-01-15"
    assert added.json()["source"] == "client_reported"
