"""Editing what is scheduled: move and cancel one session, split a series ("this and
following"), closures, and documented sessions that never silently move or vanish."""

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.scheduling
NY = "America/New_York"


async def _series(
    client: AsyncTestClient, headers: dict, group: dict, rule: str, start: str, **extra: Any
) -> dict:
    body = {
        "group_id": group["id"],
        "rrule": rule,
        "start_local": start,
        "timezone": NY,
        "duration_minutes": 180,
    } | extra
    response = await client.post("/api/v1/series", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_move_one_session_needs_if_match_and_checks_conflicts(
    client: AsyncTestClient, coordinator, group, room
) -> None:
    series = await _series(
        client,
        coordinator,
        group,
        "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4",
        "2027-01-04T09:00",
        room_id=room["id"],
    )
    monday, wednesday = series["sessions"][0], series["sessions"][1]
    url = f"/api/v1/sessions/{monday['id']}"
    assert (
        await client.patch(url, json={"start_local": "2027-01-05T13:00"}, headers=coordinator)
    ).status_code == 428
    clash = await client.patch(
        url, json={"start_local": "2027-01-06T10:00"}, headers=coordinator | {"If-Match": '"1"'}
    )
    assert clash.status_code == 409
    assert clash.json()["conflicts"][0]["other_session_id"] == wednesday["id"]
    moved = await client.patch(
        url, json={"start_local": "2027-01-05T13:00"}, headers=coordinator | {"If-Match": '"1"'}
    )
    assert moved.status_code == 200
    assert moved.json()["starts_at"] == "2027-01-05T13:00:00-05:00"
    assert moved.json()["ends_at"] == "2027-01-05T16:00:00-05:00"


async def test_cancel_frees_the_room(client: AsyncTestClient, coordinator, group, room) -> None:
    series = await _series(
        client, coordinator, group, "FREQ=DAILY;COUNT=1", "2027-01-04T09:00", room_id=room["id"]
    )
    session_id = series["sessions"][0]["id"]
    cancelled = await client.post(
        f"/api/v1/sessions/{session_id}/cancel",
        json={"reason": "Facilitator ill"},
        headers=coordinator,
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    other = (
        await client.post("/api/v1/groups", json={"name": "Make-up"}, headers=coordinator)
    ).json()
    await _series(
        client, coordinator, other, "FREQ=DAILY;COUNT=1", "2027-01-04T09:00", room_id=room["id"]
    )


async def test_split_this_and_following_keeps_earlier_sessions(
    client: AsyncTestClient, coordinator, group
) -> None:
    series = await _series(
        client, coordinator, group, "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=12", "2027-01-04T09:00"
    )
    pivot = series["sessions"][6]
    split = await client.post(
        f"/api/v1/series/{series['id']}/split",
        headers=coordinator,
        json={
            "from_session_id": pivot["id"],
            "group_id": group["id"],
            "timezone": NY,
            "rrule": "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4",
            "start_local": "2027-01-19T10:00",
            "duration_minutes": 120,
        },
    )
    assert split.status_code == 200, split.text
    listed = (
        await client.get("/api/v1/sessions", params={"group_id": group["id"]}, headers=coordinator)
    ).json()
    starts = [s["starts_at"] for s in listed]
    assert starts[:6] == [s["starts_at"] for s in series["sessions"][:6]]
    assert starts[6:] == [
        "2027-01-19T10:00:00-05:00",
        "2027-01-21T10:00:00-05:00",
        "2027-01-26T10:00:00-05:00",
        "2027-01-28T10:00:00-05:00",
    ]
    assert len({s["series_id"] for s in listed}) == 2


async def test_documented_sessions_are_kept_and_reported(
    client: AsyncTestClient, coordinator, clinician_patient, group
) -> None:
    patient_id = clinician_patient
    series = await _series(client, coordinator, group, "FREQ=DAILY;COUNT=5", "2020-03-02T09:00")
    enrolled = await client.post(
        f"/api/v1/groups/{group['id']}/enrollments",
        headers=coordinator,
        json={"patient_id": patient_id, "from_date": "2020-03-01"},
    )
    assert enrolled.status_code == 201, enrolled.text
    third = series["sessions"][2]["id"]
    mark = await client.put(
        f"/api/v1/sessions/{third}/attendance/{patient_id}",
        json={"status": "present", "minutes": 180},
        headers=coordinator,
    )
    assert mark.status_code == 200, mark.text
    refused = await client.post(
        f"/api/v1/sessions/{third}/cancel", json={"reason": "oops"}, headers=coordinator
    )
    assert refused.status_code == 409
    split = await client.post(
        f"/api/v1/series/{series['id']}/split",
        headers=coordinator,
        json={
            "from_session_id": series["sessions"][1]["id"],
            "group_id": group["id"],
            "timezone": NY,
            "rrule": "FREQ=DAILY;COUNT=4",
            "start_local": "2020-03-03T14:00",
            "duration_minutes": 60,
        },
    )
    assert split.status_code == 200, split.text
    assert [k["id"] for k in split.json()["kept_documented"]] == [third]


async def test_closure_lists_then_cancels_and_new_series_skip_it(
    client: AsyncTestClient, coordinator, group
) -> None:
    await _series(client, coordinator, group, "FREQ=DAILY;COUNT=3", "2027-07-03T09:00")
    ask = await client.post(
        "/api/v1/closures",
        json={"on": "2027-07-05", "name": "Independence Day (observed)"},
        headers=coordinator,
    )
    assert ask.status_code == 200
    assert ask.json()["saved"] is False
    assert [s["starts_at"][:10] for s in ask.json()["affected"]] == ["2027-07-05"]
    done = await client.post(
        "/api/v1/closures",
        json={"on": "2027-07-05", "name": "Independence Day (observed)", "confirm": True},
        headers=coordinator,
    )
    assert done.json()["saved"] is True
    listed = (
        await client.get("/api/v1/sessions", params={"group_id": group["id"]}, headers=coordinator)
    ).json()
    assert [s["status"] for s in listed] == ["scheduled", "scheduled", "cancelled"]
    other = (
        await client.post("/api/v1/groups", json={"name": "Summer IOP"}, headers=coordinator)
    ).json()
    preview = await client.post(
        "/api/v1/series/preview",
        headers=coordinator,
        json={
            "group_id": other["id"],
            "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=6",
            "start_local": "2027-06-28T09:00",
            "timezone": NY,
            "duration_minutes": 180,
        },
    )
    assert (
        preview.json()["summary"]
        == "Mon, Wed, Fri 9:00–12:00 · 2 weeks · 5 sessions · 1 holiday skipped"
    )
