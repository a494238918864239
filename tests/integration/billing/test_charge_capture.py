"""Charge capture from signed notes and attendance: IOP per-diem days (billed at three
hours, refused below with the reason), group codes per attendee, psychotherapy codes by
minutes, nothing for absent members or unsigned notes; the biller's queue."""

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from backend.billing import x12
from shared.enums import Role
from tests.conftest import sign_in
from tests.integration.conftest import document_attendees

pytestmark = pytest.mark.billing
DAY = date.today() - timedelta(days=1)


@pytest.fixture
async def iop(client: AsyncTestClient, make_user) -> dict[str, Any]:
    await make_user("root", Role.ADMIN)
    await make_user("coord", Role.COORDINATOR)
    cal = await make_user("cal", Role.CLINICIAN)
    await make_user("bill", Role.BILLER)
    root, coord, clinician = (
        await sign_in(client, "root"),
        await sign_in(client, "coord"),
        await sign_in(client, "cal"),
    )
    program = (
        await client.post(
            "/api/v1/programs",
            headers=root,
            json={"name": "IOP", "level_of_care": "iop", "per_diem_code": "H0015"},
        )
    ).json()
    members = []
    for given in ("Philomena", "Barnaby", "Wilhelmina"):
        body = {"given_name": given, "family_name": "Perdiem", "birth_date": "1982-02-02"}
        members.append((await client.post("/api/v1/patients", json=body, headers=clinician)).json())
    sessions = []
    for hour, name in ((9, "Skills"), (10, "Process"), (11, "Relapse Prevention")):
        group = (
            await client.post(
                "/api/v1/groups",
                headers=coord,
                json={
                    "name": f"IOP {name}",
                    "program_id": program["id"],
                    "facilitator_ids": [str(cal.id)],
                    "service_code": "90853" if hour == 9 else "",
                },
            )
        ).json()
        series = await client.post(
            "/api/v1/series",
            headers=coord,
            json={
                "group_id": group["id"],
                "rrule": "FREQ=DAILY;COUNT=1",
                "timezone": "America/New_York",
                "start_local": f"{DAY.isoformat()}T{hour:02d}:00",
                "duration_minutes": 60,
            },
        )
        assert series.status_code == 201, series.text
        sessions.append(series.json()["sessions"][0]["id"])
        for patient in members:
            await client.post(
                f"/api/v1/groups/{group['id']}/enrollments",
                headers=coord,
                json={"patient_id": patient["id"], "from_date": DAY.isoformat()},
            )
    return {
        "coord": coord,
        "cal": clinician,
        "bill": await sign_in(client, "bill"),
        "members": members,
        "sessions": sessions,
    }


async def _attend(
    client: AsyncTestClient,
    ctx: dict,
    session: str,
    patient: dict,
    status: str,
    minutes: int | None,
) -> None:
    body: dict[str, Any] = {"status": status} | (
        {"minutes": minutes} if minutes is not None else {}
    )
    mark = await client.put(
        f"/api/v1/sessions/{session}/attendance/{patient['id']}", headers=ctx["coord"], json=body
    )
    assert mark.status_code == 200, mark.text


async def _sign(client: AsyncTestClient, ctx: dict, session: str) -> None:
    """Sign with a complete sign-in sheet (a member the test did not mark was excused) and
    the entries signing asks of each member who came."""
    sheet = (
        await client.get(f"/api/v1/sessions/{session}/attendance", headers=ctx["coord"])
    ).json()
    for row in sheet["rows"]:
        if row["status"] is None:
            await _attend(client, ctx, session, {"id": row["patient_id"]}, "excused", None)
    note = await document_attendees(client, ctx["cal"], session)
    url = f"/api/v1/notes/{note['id']}"
    await client.patch(url, headers=ctx["cal"] | {"If-Match": '"1"'}, json={"topic": "Coping"})
    signed = await client.post(f"{url}/sign", headers=ctx["cal"])
    assert signed.status_code == 200, signed.text


async def _charges(client: AsyncTestClient, ctx: dict, patient: dict) -> list[tuple[str, int]]:
    rows = (
        await client.get(
            "/api/v1/billing/charges", headers=ctx["bill"], params={"patient_id": patient["id"]}
        )
    ).json()
    return sorted((c["code"], c["units"]) for c in rows)


async def test_iop_per_diem_day_at_and_below_the_minimum(client: AsyncTestClient, iop) -> None:
    full, short, absent = iop["members"]
    for i, session in enumerate(iop["sessions"]):
        await _attend(client, iop, session, full, "present", 60)
        await _attend(
            client, iop, session, short, "left_early" if i == 2 else "present", 55 if i == 2 else 60
        )
        await _attend(client, iop, session, absent, "absent", None)
    await _sign(client, iop, iop["sessions"][0])
    # Only one signed session so far: one hour is below the IOP minimum.
    assert await _charges(client, iop, full) == [("90853", 1)]
    for session in iop["sessions"][1:]:
        await _sign(client, iop, session)

    assert await _charges(client, iop, full) == [("90853", 1), ("H0015", 1)]
    assert await _charges(client, iop, short) == [("90853", 1)]
    assert await _charges(client, iop, absent) == []
    days = await client.get(
        f"/api/v1/patients/{short['id']}/per-diem-days",
        headers=iop["bill"],
        params={"from": DAY.isoformat(), "to": DAY.isoformat()},
    )
    (decision,) = days.json()
    assert decision["billed"] is False and decision["minutes"] == 175
    assert "2 h 55 min" in decision["reason"] and "180 min" in decision["reason"]


async def test_unsigned_notes_bill_nothing(client: AsyncTestClient, iop) -> None:
    member = iop["members"][0]
    for session in iop["sessions"]:
        await _attend(client, iop, session, member, "present", 60)
    await client.post(f"/api/v1/sessions/{iop['sessions'][0]}/note", headers=iop["cal"])
    assert await _charges(client, iop, member) == []


async def test_psychotherapy_code_follows_minutes(client: AsyncTestClient, iop) -> None:
    patient = iop["members"][0]
    codes = []
    for minutes in (15, 16, 37, 38, 52, 53):
        start = datetime.now(UTC) - timedelta(days=1, minutes=minutes)
        sections = {"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"}
        note = (
            await client.post(
                f"/api/v1/patients/{patient['id']}/progress-notes",
                headers=iop["cal"],
                json={
                    "format": "soap",
                    "sections": sections,
                    "service_start": start.isoformat(),
                    "service_end": (start + timedelta(minutes=minutes)).isoformat(),
                },
            )
        ).json()
        signed = await client.post(f"/api/v1/progress-notes/{note['id']}/sign", headers=iop["cal"])
        assert signed.status_code == 200, signed.text
        charges = (
            await client.get(
                "/api/v1/billing/charges", headers=iop["bill"], params={"patient_id": patient["id"]}
            )
        ).json()
        found = [c["code"] for c in charges if c["source_id"] == note["id"]]
        codes.append(found[0] if found else None)
    assert codes == [None, "90832", "90832", "90834", "90834", "90837"]


async def test_biller_reviews_corrects_and_balances(client: AsyncTestClient, iop) -> None:
    member = iop["members"][0]
    await _attend(client, iop, iop["sessions"][0], member, "present", 60)
    await _sign(client, iop, iop["sessions"][0])
    (charge,) = (
        await client.get(
            "/api/v1/billing/charges", headers=iop["bill"], params={"status": "pending"}
        )
    ).json()
    assert charge["fee"] in ("40.00", 40, "40")
    held = await client.post(
        f"/api/v1/billing/charges/{charge['id']}/hold",
        headers=iop["bill"],
        json={"reason": "Check auth"},
    )
    assert held.json()["status"] == "held"
    corrected = await client.patch(
        f"/api/v1/billing/charges/{charge['id']}",
        headers=iop["bill"] | {"If-Match": held.headers["etag"]},
        json={"code": "H0005", "reason": "Payer wants HCPCS for SUD groups"},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["code"] == "H0005" and corrected.json()["status"] == "pending"
    stale = await client.patch(
        f"/api/v1/billing/charges/{charge['id']}",
        headers=iop["bill"] | {"If-Match": held.headers["etag"]},
        json={"units": 2, "reason": "again"},
    )
    assert stale.status_code == 412
    approved = await client.post(
        f"/api/v1/billing/charges/{charge['id']}/approve", headers=iop["bill"]
    )
    assert approved.json()["status"] == "approved"
    balance = await client.post(
        f"/api/v1/patients/{member['id']}/payments",
        headers=iop["bill"],
        json={
            "kind": "payment",
            "source": "client",
            "amount": "10.00",
            "received_on": date.today().isoformat(),
        },
    )
    assert balance.status_code == 201, balance.text
    assert float(balance.json()["balance"]) == 25.0  # H0005 at 35.00, minus 10.00
    csv = await client.get("/api/v1/billing/charges.csv", headers=iop["bill"])
    assert "H0005" in csv.text and "Philomena Perdiem" in csv.text
    printed = await client.get(
        f"/api/v1/patients/{member['id']}/superbill.pdf",
        headers=iop["bill"],
        params={"from": DAY.isoformat(), "to": date.today().isoformat()},
    )
    assert printed.status_code == 200, printed.text
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(printed.content)).pages)
    assert "Philomena Perdiem" in text and "H0005" in text and "balance 25.00" in text


async def test_claim_batch_is_a_valid_837p_and_bills_the_charges(
    client: AsyncTestClient, iop
) -> None:
    member = iop["members"][0]
    chart = f"/api/v1/patients/{member['id']}"
    await client.post(f"{chart}/diagnoses", headers=iop["cal"], json={"code": "F10.20"})
    payer = (
        await client.post(
            "/api/v1/billing/payers",
            headers=iop["bill"],
            json={"name": "Blue Harbor Health", "payer_code": "BHH01"},
        )
    ).json()
    covered = await client.post(
        f"{chart}/coverage",
        headers=iop["bill"],
        json={"payer_id": payer["id"], "member_id": "XJH-1234567", "start_date": "2026-01-01"},
    )
    assert covered.status_code == 201, covered.text
    for session in iop["sessions"]:
        await _attend(client, iop, session, member, "present", 60)
        await _sign(client, iop, session)
    found = (await client.get("/api/v1/billing/charges", headers=iop["bill"])).json()
    assert sorted(c["code"] for c in found) == ["90853", "H0015"]
    for charge in found:
        assert charge["diagnosis_codes"] == ["F10.20"]
        await client.post(f"/api/v1/billing/charges/{charge['id']}/approve", headers=iop["bill"])
    batch = await client.post(
        "/api/v1/billing/claim-batches", headers=iop["bill"], json={"payer_id": payer["id"]}
    )
    assert batch.status_code == 201, batch.text
    assert batch.json()["claims"] == 1 and float(batch.json()["total"]) == 190.0
    text = (
        await client.get(
            f"/api/v1/billing/claim-batches/{batch.json()['id']}/837", headers=iop["bill"]
        )
    ).text
    assert x12.validate_837p(text) == []
    segments = [s.strip() for s in text.split("~") if s.strip()]
    assert sum(s.startswith("SV1*HC:") for s in segments) == 2
    assert any(s.startswith("NM1*IL*1*PERDIEM*PHILOMENA") for s in segments)
    assert any(s.startswith("HI*ABK:F1020") for s in segments)
    billed = (
        await client.get(
            "/api/v1/billing/charges", headers=iop["bill"], params={"status": "billed"}
        )
    ).json()
    assert len(billed) == 2
    again = await client.post(
        "/api/v1/billing/claim-batches", headers=iop["bill"], json={"payer_id": payer["id"]}
    )
    assert again.status_code == 409


@pytest.mark.integrity
async def test_billing_counts_only_minutes_that_agree_with_attendance(
    client: AsyncTestClient, iop
) -> None:
    """A 60-minute group: "absent, 60 minutes" and "late, 200 minutes" are refused, so the
    charges carry the whole session for the present member, the minutes of the late one and
    nothing for the absent one."""
    present, late, absent = iop["members"]
    session = iop["sessions"][0]
    url = f"/api/v1/sessions/{session}/attendance"
    for patient, body in (
        (absent, {"status": "absent", "minutes": 60}),
        (late, {"status": "late", "minutes": 200}),
    ):
        refused = await client.put(f"{url}/{patient['id']}", headers=iop["coord"], json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "minutes"
    await _attend(client, iop, session, present, "present", None)
    await _attend(client, iop, session, late, "late", 45)
    await _attend(client, iop, session, absent, "absent", None)
    await _sign(client, iop, session)
    charged = {}
    for patient in iop["members"]:
        rows = (
            await client.get(
                "/api/v1/billing/charges", headers=iop["bill"], params={"patient_id": patient["id"]}
            )
        ).json()
        charged[patient["given_name"]] = [(c["code"], c["minutes"]) for c in rows]
    assert charged == {
        "Philomena": [("90853", 60)],
        "Barnaby": [("90853", 45)],
        "Wilhelmina": [],
    }
