"""iCalendar feeds parse with the `icalendar` package; a client's feed holds only their
own sessions and no other member's name."""

from datetime import date, datetime, timedelta

import icalendar
import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.scheduling


async def test_client_group_and_facilitator_feeds(
    client: AsyncTestClient, coordinator, room, make_user
) -> None:
    faye = await make_user("faye", Role.FACILITATOR)
    group = (
        await client.post(
            "/api/v1/groups",
            headers=coordinator,
            json={
                "name": "Seeking Safety",
                "room_id": room["id"],
                "facilitator_ids": [str(faye.id)],
            },
        )
    ).json()
    start = (date.today() + timedelta(days=2)).isoformat()
    series = (
        await client.post(
            "/api/v1/series",
            headers=coordinator,
            json={
                "group_id": group["id"],
                "rrule": "FREQ=WEEKLY;COUNT=3",
                "start_local": f"{start}T17:30",
                "timezone": "America/Chicago",
                "duration_minutes": 90,
            },
        )
    ).json()
    await make_user("intake", Role.CLINICIAN)
    intake = await sign_in(client, "intake")
    ids = []
    for given in ("Quinn", "Marisol"):
        body = {"given_name": given, "family_name": "Feedtest", "birth_date": "1992-02-02"}
        patient = (await client.post("/api/v1/patients", json=body, headers=intake)).json()
        ids.append(patient["id"])
        enrolled = await client.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=coordinator,
            json={"patient_id": patient["id"], "from_date": date.today().isoformat()},
        )
        assert enrolled.status_code == 201

    feed = await client.get(f"/api/v1/calendar/patients/{ids[0]}/sessions.ics", headers=coordinator)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "Marisol" not in feed.text
    events = icalendar.Calendar.from_ical(feed.text).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Seeking Safety"] * 3
    assert [str(e["LOCATION"]) for e in events] == ["Room 1"] * 3
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == [datetime.fromisoformat(s["starts_at"]) for s in series["sessions"]]

    mine = await client.get("/api/v1/sessions", params={"patient_id": ids[0]}, headers=coordinator)
    assert [s["id"] for s in mine.json()] == [s["id"] for s in series["sessions"]]

    for path in (
        f"/api/v1/calendar/groups/{group['id']}/sessions.ics",
        f"/api/v1/calendar/facilitators/{faye.id}/sessions.ics",
    ):
        response = await client.get(path, headers=coordinator)
        assert len(icalendar.Calendar.from_ical(response.text).walk("VEVENT")) == 3
