"""Individual appointments share the group machinery: bookings, conflicts, feeds."""

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.scheduling


async def test_individual_appointments_book_clinician_and_client(
    client: AsyncTestClient, coordinator, room, make_user
) -> None:
    doc = await make_user("dr-ames", Role.CLINICIAN)
    headers = await sign_in(client, "dr-ames")
    body = {"given_name": "Ira", "family_name": "Solo", "birth_date": "1977-07-07"}
    patient = (await client.post("/api/v1/patients", json=body, headers=headers)).json()
    weekly = {
        "patient_id": patient["id"],
        "clinician_id": str(doc.id),
        "room_id": room["id"],
        "start_local": "2027-02-01T14:00",
        "timezone": "America/Denver",
        "duration_minutes": 50,
        "rrule": "FREQ=WEEKLY;COUNT=6",
    }
    created = await client.post("/api/v1/appointments", json=weekly, headers=headers)
    assert created.status_code == 201, created.text
    assert [s["starts_at"] for s in created.json()["sessions"][:2]] == [
        "2027-02-01T14:00:00-07:00",
        "2027-02-08T14:00:00-07:00",
    ]
    assert "Solo" not in created.json()["sessions"][0]["group_name"]

    clash = weekly | {
        "start_local": "2027-02-08T14:30",
        "rrule": "FREQ=DAILY;COUNT=1",
        "room_id": None,
    }
    refused = await client.post("/api/v1/appointments", json=clash, headers=headers)
    assert refused.status_code == 409
    assert {c["resource_kind"] for c in refused.json()["conflicts"]} == {"facilitator", "client"}
    mine = await client.get(
        "/api/v1/sessions", params={"patient_id": patient["id"]}, headers=coordinator
    )
    assert len(mine.json()) == 6
