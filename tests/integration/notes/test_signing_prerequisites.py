"""Signing only what happened: no note for a session that has not started, none while an
expected member has no attendance, none while a member who came lacks the template's
entry fields; every missing item is listed in one refusal."""

from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in
from tests.integration.conftest import document_attendees

pytestmark = [pytest.mark.notes, pytest.mark.integrity]


async def _group_session(
    client: AsyncTestClient,
    make_user,
    day: date,
    members: list[str],
    note_template: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One 60-minute session on ``day`` at 10:00 New York, its members enrolled."""
    user = await make_user("fran", Role.CLINICIAN, Role.COORDINATOR)
    headers = await sign_in(client, "fran")
    group = (
        await client.post(
            "/api/v1/groups",
            headers=headers,
            json={"name": "Seeking Safety", "facilitator_ids": [str(user.id)]}
            | ({"note_template": note_template} if note_template else {}),
        )
    ).json()
    session_id = (
        await client.post(
            "/api/v1/series",
            headers=headers,
            json={
                "group_id": group["id"],
                "rrule": "FREQ=DAILY;COUNT=1",
                "timezone": "America/New_York",
                "start_local": f"{day.isoformat()}T10:00",
                "duration_minutes": 60,
            },
        )
    ).json()["sessions"][0]["id"]
    patients = {}
    for given in members:
        body = {"given_name": given, "family_name": "Signwell", "birth_date": "1979-09-09"}
        patient = (await client.post("/api/v1/patients", json=body, headers=headers)).json()
        enrolled = await client.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=headers,
            json={"patient_id": patient["id"], "from_date": min(day, date.today()).isoformat()},
        )
        assert enrolled.status_code == 201, enrolled.text
        patients[given] = patient["id"]
    note = (await client.post(f"/api/v1/sessions/{session_id}/note", headers=headers)).json()
    url = f"/api/v1/notes/{note['id']}"
    topic = await client.patch(
        url, headers=headers | {"If-Match": '"1"'}, json={"topic": "Grounding"}
    )
    assert topic.status_code == 200
    return {"headers": headers, "session_id": session_id, "note": note, "url": url} | patients


async def _attend(client: AsyncTestClient, ctx: dict, who: str, status: str, **body: Any) -> None:
    mark = await client.put(
        f"/api/v1/sessions/{ctx['session_id']}/attendance/{ctx[who]}",
        headers=ctx["headers"],
        json={"status": status} | body,
    )
    assert mark.status_code == 200, mark.text


def _fields(refused: Any) -> list[str]:
    assert refused.status_code == 422, refused.text
    return [e["field"] for e in refused.json()["errors"]]


async def test_a_note_for_a_session_that_has_not_started_is_not_signed(
    client: AsyncTestClient, make_user
) -> None:
    ctx = await _group_session(client, make_user, date.today() + timedelta(days=1), ["Ottoline"])
    await _attend(client, ctx, "Ottoline", "present")
    await document_attendees(client, ctx["headers"], ctx["session_id"])
    refused = await client.post(f"{ctx['url']}/sign", headers=ctx["headers"])
    assert _fields(refused) == ["session.starts_at"]
    assert "has not started yet" in refused.json()["detail"]
    assert "EST" in refused.json()["detail"]  # the start, in the session's own zone
    note = (await client.get(ctx["url"], headers=ctx["headers"])).json()
    assert note["status"] == "draft"


async def test_signing_lists_every_member_without_attendance_until_it_is_recorded(
    client: AsyncTestClient, make_user
) -> None:
    yesterday = date.today() - timedelta(days=1)
    ctx = await _group_session(client, make_user, yesterday, ["Augustin", "Bronwen", "Cosima"])
    await _attend(client, ctx, "Cosima", "present")
    refused = await client.post(f"{ctx['url']}/sign", headers=ctx["headers"])
    assert _fields(refused) == [
        f"entries.{ctx['Augustin']}.attendance",
        f"entries.{ctx['Bronwen']}.attendance",
        f"entries.{ctx['Cosima']}.participation",
        f"entries.{ctx['Cosima']}.narrative",
    ]
    detail = refused.json()["detail"]
    assert "Augustin Signwell: attendance required" in detail
    assert "Bronwen Signwell: attendance required" in detail

    await _attend(client, ctx, "Augustin", "absent")
    await _attend(client, ctx, "Bronwen", "late", minutes=40)
    refused = await client.post(f"{ctx['url']}/sign", headers=ctx["headers"])
    assert _fields(refused) == [
        f"entries.{ctx['Bronwen']}.participation",
        f"entries.{ctx['Bronwen']}.narrative",
        f"entries.{ctx['Cosima']}.participation",
        f"entries.{ctx['Cosima']}.narrative",
    ]
    await document_attendees(client, ctx["headers"], ctx["session_id"])
    signed = await client.post(f"{ctx['url']}/sign", headers=ctx["headers"])
    assert signed.status_code == 200, signed.text
    # Attendance recorded after the note was opened is what the signed note holds.
    assert [e["attendance"] for e in signed.json()["entries"]] == ["absent", "late", "present"]


async def test_signing_asks_each_attending_member_for_the_templates_entry_fields(
    client: AsyncTestClient, documented_group
) -> None:
    ctx = documented_group
    note = (
        await client.post(f"/api/v1/sessions/{ctx['session_id']}/note", headers=ctx["fay"])
    ).json()
    url = f"/api/v1/notes/{note['id']}"
    await client.patch(url, headers=ctx["fay"] | {"If-Match": '"1"'}, json={"topic": "Triggers"})
    zeb, mari, absent = (p["id"] for p in ctx["patients"])
    await client.patch(
        f"{url}/entries/{zeb}",
        headers=ctx["fay"] | {"If-Match": '"1"'},
        json={"narrative": "Named three triggers", "participation": "active"},
    )
    refused = await client.post(f"{url}/sign", headers=ctx["fay"])
    assert _fields(refused) == [f"entries.{mari}.participation", f"entries.{mari}.narrative"]
    assert absent not in refused.text  # absent: attendance only
    await client.patch(
        f"{url}/entries/{mari}",
        headers=ctx["fay"] | {"If-Match": '"1"'},
        json={"narrative": "Arrived late, settled quickly", "participation": "moderate"},
    )
    assert (await client.post(f"{url}/sign", headers=ctx["fay"])).status_code == 200


async def test_a_groups_template_chooses_the_entry_fields(
    client: AsyncTestClient, make_user
) -> None:
    yesterday = date.today() - timedelta(days=1)
    template = {"required": ["topic"], "entry_required": ["affect", "risk"]}
    ctx = await _group_session(client, make_user, yesterday, ["Dorothea"], template)
    await _attend(client, ctx, "Dorothea", "left_early", minutes=35)
    refused = await client.post(f"{ctx['url']}/sign", headers=ctx["headers"])
    assert _fields(refused) == [
        f"entries.{ctx['Dorothea']}.affect",
        f"entries.{ctx['Dorothea']}.risk",
    ]
    await client.patch(
        f"{ctx['url']}/entries/{ctx['Dorothea']}",
        headers=ctx["headers"] | {"If-Match": '"1"'},
        json={"affect": "anxious", "risk": "low"},
    )
    assert (await client.post(f"{ctx['url']}/sign", headers=ctx["headers"])).status_code == 200


async def test_a_progress_note_for_an_appointment_not_yet_held_is_not_signed(
    client: AsyncTestClient, make_user
) -> None:
    cleo = await make_user("cleo", Role.CLINICIAN)
    headers = await sign_in(client, "cleo")
    body = {"given_name": "Leocadia", "family_name": "Ahead", "birth_date": "1990-02-03"}
    patient = (await client.post("/api/v1/patients", json=body, headers=headers)).json()
    day = date.today() + timedelta(days=2)
    appointment = await client.post(
        "/api/v1/appointments",
        headers=headers,
        json={
            "patient_id": patient["id"],
            "clinician_id": str(cleo.id),
            "start_local": f"{day.isoformat()}T14:00",
            "timezone": "America/New_York",
        },
    )
    assert appointment.status_code == 201, appointment.text
    sections = {"data": "Discussed sleep.", "assessment": "Stable.", "plan": "Weekly."}
    note = await client.post(
        f"/api/v1/patients/{patient['id']}/progress-notes",
        headers=headers,
        json={
            "format": "dap",
            "session_id": appointment.json()["sessions"][0]["id"],
            "sections": sections,
        },
    )
    assert note.status_code == 201, note.text
    url = f"/api/v1/progress-notes/{note.json()['id']}/sign"
    assert _fields(await client.post(url, headers=headers)) == ["session.starts_at"]
