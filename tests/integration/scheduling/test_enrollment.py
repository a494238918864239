"""Enrolment mid-series touches future sessions only; capacity, waitlist and offers;
closed groups; client double-booking; attendance and the sign-in sheet."""

from datetime import UTC, date, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.scheduling
NY = "America/New_York"


async def _patients(client: AsyncTestClient, make_user, count: int) -> list[str]:
    await make_user("intake", Role.CLINICIAN)
    headers = await sign_in(client, "intake")
    ids = []
    for i in range(count):
        body = {
            "given_name": f"Client{i}",
            "family_name": "Roster",
            "birth_date": f"198{i % 10}-01-01",
            "allow_duplicate": True,
        }
        ids.append((await client.post("/api/v1/patients", json=body, headers=headers)).json()["id"])
    return ids


async def _mwf(client: AsyncTestClient, coordinator, group: dict, start: str) -> list[dict]:
    body = {
        "group_id": group["id"],
        "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=12",
        "start_local": start,
        "timezone": NY,
        "duration_minutes": 180,
    }
    response = await client.post("/api/v1/series", json=body, headers=coordinator)
    assert response.status_code == 201
    return list(response.json()["sessions"])


def _monday_weeks_ago(weeks: int) -> date:
    today = date.today()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks)


async def test_mid_series_enrolment_books_future_sessions_only(
    client: AsyncTestClient, coordinator, group, make_user
) -> None:
    (patient,) = await _patients(client, make_user, 1)
    start = _monday_weeks_ago(2)
    sessions = await _mwf(client, coordinator, group, f"{start.isoformat()}T09:00")
    now = datetime.now(UTC)
    future = [s for s in sessions if datetime.fromisoformat(s["starts_at"]) > now]
    enrolled = await client.post(
        f"/api/v1/groups/{group['id']}/enrollments",
        headers=coordinator,
        json={"patient_id": patient, "from_date": start.isoformat()},
    )
    assert enrolled.status_code == 201
    assert enrolled.json()["status"] == "enrolled"
    assert enrolled.json()["sessions_booked"] == len(future)
    assert 0 < len(future) < 12


async def test_capacity_waitlist_and_offer(client: AsyncTestClient, coordinator, make_user) -> None:
    small = (
        await client.post(
            "/api/v1/groups", json={"name": "Small", "capacity": 2}, headers=coordinator
        )
    ).json()
    await _mwf(
        client, coordinator, small, f"{(date.today() + timedelta(days=7)).isoformat()}T09:00"
    )
    first, second, third, fourth = await _patients(client, make_user, 4)
    url = f"/api/v1/groups/{small['id']}/enrollments"
    statuses = []
    for patient in (first, second, third, fourth):
        response = await client.post(
            url,
            headers=coordinator,
            json={"patient_id": patient, "from_date": date.today().isoformat()},
        )
        statuses.append(response.json()["status"])
    assert statuses == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    roster = (await client.get(url, headers=coordinator)).json()
    first_enrollment = next(r for r in roster if r["patient_id"] == first)
    ended = await client.post(
        f"/api/v1/enrollments/{first_enrollment['id']}/end",
        headers=coordinator,
        json={"to_date": date.today().isoformat()},
    )
    assert ended.json()["status"] == "ended"
    roster = {r["patient_id"]: r for r in (await client.get(url, headers=coordinator)).json()}
    assert roster[third]["status"] == "offered"
    assert roster[fourth]["status"] == "waitlisted"
    accepted = await client.post(
        f"/api/v1/enrollments/{roster[third]['id']}/accept",
        headers=coordinator,
        json={"to_date": date.today().isoformat()},
    )
    assert accepted.json()["status"] == "enrolled"
    assert accepted.json()["sessions_booked"] == 12


async def test_closed_group_refuses_mid_series_enrolment_unless_overridden(
    client: AsyncTestClient, coordinator, make_user
) -> None:
    closed = (
        await client.post(
            "/api/v1/groups",
            json={"name": "Closed cohort", "open_enrollment": False},
            headers=coordinator,
        )
    ).json()
    await _mwf(client, coordinator, closed, f"{_monday_weeks_ago(1).isoformat()}T09:00")
    (patient,) = await _patients(client, make_user, 1)
    url = f"/api/v1/groups/{closed['id']}/enrollments"
    body = {"patient_id": patient, "from_date": date.today().isoformat()}
    refused = await client.post(url, json=body, headers=coordinator)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("closed-group")
    assert (
        await client.post(url, json=body | {"override_closed": True}, headers=coordinator)
    ).status_code == 201


async def test_a_client_cannot_be_in_two_groups_at_once(
    client: AsyncTestClient, coordinator, group, make_user
) -> None:
    (patient,) = await _patients(client, make_user, 1)
    later = (date.today() + timedelta(days=14)).isoformat()
    await _mwf(client, coordinator, group, f"{later}T09:00")
    other = (
        await client.post("/api/v1/groups", json={"name": "Other"}, headers=coordinator)
    ).json()
    await _mwf(client, coordinator, other, f"{later}T10:00")
    body = {"patient_id": patient, "from_date": later}
    ok = await client.post(
        f"/api/v1/groups/{group['id']}/enrollments", json=body, headers=coordinator
    )
    assert ok.status_code == 201
    clash = await client.post(
        f"/api/v1/groups/{other['id']}/enrollments", json=body, headers=coordinator
    )
    assert clash.status_code == 409
    assert len(clash.json()["conflicts"]) == 12
    assert {c["resource_kind"] for c in clash.json()["conflicts"]} == {"client"}


async def test_sign_in_sheet_and_attendance(
    client: AsyncTestClient, coordinator, group, make_user
) -> None:
    a, b = await _patients(client, make_user, 2)
    sessions = await _mwf(
        client, coordinator, group, f"{(date.today() + timedelta(days=3)).isoformat()}T09:00"
    )
    for patient in (a, b):
        await client.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=coordinator,
            json={"patient_id": patient, "from_date": date.today().isoformat()},
        )
    first = sessions[0]["id"]
    late = await client.put(
        f"/api/v1/sessions/{first}/attendance/{a}",
        headers=coordinator,
        json={"status": "late", "minutes": 150},
    )
    assert late.status_code == 200
    bad = await client.put(
        f"/api/v1/sessions/{first}/attendance/{b}", headers=coordinator, json={"status": "asleep"}
    )
    assert bad.status_code == 422
    sheet = (await client.get(f"/api/v1/sessions/{first}/attendance", headers=coordinator)).json()
    assert [(r["patient_name"], r["status"], r["minutes"]) for r in sheet["rows"]] == [
        ("Client0 Roster", "late", 150),
        ("Client1 Roster", None, None),
    ]
