"""Shared integration fixtures. ``documented_group``: a group of three members with
distinctive names, one 90-minute session yesterday, attendance marked (present, late for 70
minutes, absent)."""

from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

MEMBERS = [("Zebulon", "Quartermaine"), ("Marisol", "Okonkwo-Vance"), ("Thaddeus", "Brightwater")]


@pytest.fixture
async def documented_group(client: AsyncTestClient, make_user) -> dict[str, Any]:
    fay = await make_user("fay", Role.FACILITATOR)
    cal = await make_user("cal", Role.CLINICIAN)
    await make_user("coord", Role.COORDINATOR)
    coordinator = await sign_in(client, "coord")
    intake = await sign_in(client, "cal")
    group = (
        await client.post(
            "/api/v1/groups",
            headers=coordinator,
            json={"name": "Relapse Prevention", "facilitator_ids": [str(fay.id), str(cal.id)]},
        )
    ).json()
    yesterday = date.today() - timedelta(days=1)
    series = (
        await client.post(
            "/api/v1/series",
            headers=coordinator,
            json={
                "group_id": group["id"],
                "rrule": "FREQ=DAILY;COUNT=1",
                "timezone": "America/New_York",
                "start_local": f"{yesterday.isoformat()}T10:00",
                "duration_minutes": 90,
            },
        )
    ).json()
    session_id = series["sessions"][0]["id"]
    patients = []
    for given, family in MEMBERS:
        body = {"given_name": given, "family_name": family, "birth_date": "1985-05-05"}
        patient = (await client.post("/api/v1/patients", json=body, headers=intake)).json()
        patients.append(patient)
        await client.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=coordinator,
            json={"patient_id": patient["id"], "from_date": yesterday.isoformat()},
        )
    for patient, status in zip(patients, ["present", "late", "absent"], strict=True):
        mark = await client.put(
            f"/api/v1/sessions/{session_id}/attendance/{patient['id']}",
            headers=coordinator,
            json={"status": status, "minutes": 70 if status == "late" else None},
        )
        assert mark.status_code == 200, mark.text
    return {
        "session_id": session_id,
        "patients": patients,
        "fay": await sign_in(client, "fay"),
        "cal": intake,
    }


ATTENDED = ("present", "late", "left_early")


async def document_attendees(
    client: AsyncTestClient, headers: dict[str, str], session_id: str
) -> dict[str, Any]:
    """Fill what signing asks of each member who came (the default template's entry
    fields: participation and narrative), keeping whatever the test wrote already."""
    note = (await client.post(f"/api/v1/sessions/{session_id}/note", headers=headers)).json()
    note_id = note["id"]
    entries = [
        {
            "patient_id": e["patient_id"],
            "version": e["version"],
            "participation": e["participation"] or "moderate",
            "narrative": e["narrative"] or "Took part in the skills practice.",
        }
        for e in note["entries"]
        if e["attendance"] in ATTENDED
    ]
    saved = await client.put(
        f"/api/v1/notes/{note_id}",
        headers=headers,
        json={"version": note["version"], "entries": entries},
    )
    assert saved.status_code == 200, saved.text
    return dict(saved.json())
