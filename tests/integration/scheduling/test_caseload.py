"""The caseload rule on rosters, sign-in sheets, attendance and billing days: the group's
facilitators and the front desk see every member; other staff see only their own clients
(the rest left out of the list) and cannot mark anyone else's attendance."""

from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.integrity


def _names(rows: list[dict[str, Any]]) -> set[str]:
    return {r["patient_name"] for r in rows}


async def _roster_and_sheet(
    client: AsyncTestClient, world: dict[str, Any], headers: dict[str, str]
) -> tuple[set[str], set[str]]:
    sheet = await client.get(f"/api/v1/sessions/{world['session_id']}/attendance", headers=headers)
    assert sheet.status_code == 200, sheet.text
    group_id = sheet.json()["session"]["group_id"]
    roster = await client.get(f"/api/v1/groups/{group_id}/enrollments", headers=headers)
    assert roster.status_code == 200, roster.text
    return _names(roster.json()), _names(sheet.json()["rows"])


async def test_staff_outside_the_group_see_only_their_own_clients(
    client: AsyncTestClient, documented_group, make_user
) -> None:
    everyone = {f"{p['given_name']} {p['family_name']}" for p in documented_group["patients"]}
    mine = documented_group["patients"][1]
    await make_user("out", Role.CLINICIAN)
    await make_user("sup", Role.SUPERVISOR)
    outsider, supervisor = await sign_in(client, "out"), await sign_in(client, "sup")
    assert await _roster_and_sheet(client, documented_group, outsider) == (set(), set())
    assert await _roster_and_sheet(client, documented_group, supervisor) == (set(), set())

    out_id = (await client.get("/api/v1/auth/me", headers=outsider)).json()["id"]
    added = await client.post(
        f"/api/v1/patients/{mine['id']}/care-team",
        headers=documented_group["cal"],
        json={"user_id": out_id},
    )
    assert added.status_code in (200, 201), added.text
    own = {f"{mine['given_name']} {mine['family_name']}"}
    assert await _roster_and_sheet(client, documented_group, outsider) == (own, own)

    for facilitator in (documented_group["fay"], await sign_in(client, "coord")):
        assert await _roster_and_sheet(client, documented_group, facilitator) == (
            everyone,
            everyone,
        )


async def test_attendance_of_another_clinicians_client_is_refused(
    client: AsyncTestClient, documented_group, make_user
) -> None:
    session_id = documented_group["session_id"]
    theirs = documented_group["patients"][0]
    await make_user("out", Role.CLINICIAN)
    outsider = await sign_in(client, "out")
    refused = await client.put(
        f"/api/v1/sessions/{session_id}/attendance/{theirs['id']}",
        headers=outsider,
        json={"status": "absent"},
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("no-patient-relationship")
    sheet = await client.get(
        f"/api/v1/sessions/{session_id}/attendance", headers=documented_group["fay"]
    )
    assert {r["patient_id"]: r["status"] for r in sheet.json()["rows"]}[theirs["id"]] == "present"

    marked = await client.put(
        f"/api/v1/sessions/{session_id}/attendance/{theirs['id']}",
        headers=documented_group["fay"],
        json={"status": "late", "minutes": 60},
    )
    assert marked.status_code == 200, marked.text


async def test_billing_days_need_chart_access_except_for_billers(
    client: AsyncTestClient, documented_group, make_user
) -> None:
    patient_id = documented_group["patients"][0]["id"]
    today = date.today()
    params = {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    url = f"/api/v1/patients/{patient_id}/per-diem-days"
    await make_user("out", Role.CLINICIAN)
    await make_user("bill", Role.BILLER)
    refused = await client.get(url, params=params, headers=await sign_in(client, "out"))
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("no-patient-relationship")
    for reader in (documented_group["cal"], await sign_in(client, "bill")):
        assert (await client.get(url, params=params, headers=reader)).status_code == 200


async def test_a_clinician_books_appointments_for_their_own_clients_only(
    client: AsyncTestClient, documented_group, make_user
) -> None:
    out = await make_user("out", Role.CLINICIAN)
    outsider = await sign_in(client, "out")
    body = {
        "clinician_id": str(out.id),
        "start_local": "2027-02-01T14:00",
        "timezone": "America/Denver",
        "duration_minutes": 50,
        "rrule": "FREQ=WEEKLY;COUNT=2",
    }
    theirs = documented_group["patients"][0]["id"]
    refused = await client.post(
        "/api/v1/appointments", json=body | {"patient_id": theirs}, headers=outsider
    )
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("no-patient-relationship")
    mine = {"given_name": "Ira", "family_name": "Solo", "birth_date": "1977-07-07"}
    own = (await client.post("/api/v1/patients", json=mine, headers=outsider)).json()["id"]
    booked = await client.post(
        "/api/v1/appointments", json=body | {"patient_id": own}, headers=outsider
    )
    assert booked.status_code == 201, booked.text
