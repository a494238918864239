"""Series through the API: RFC 5545 occurrences in America/New_York across DST, field
errors, every conflict reported, and the database refusing double bookings under races."""

import asyncio
from datetime import date, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.scheduling import service as scheduling_service

pytestmark = pytest.mark.scheduling
NY = "America/New_York"


def _body(group: dict, rule: str, start: str, **extra: Any) -> dict[str, Any]:
    return {
        "group_id": group["id"],
        "rrule": rule,
        "start_local": start,
        "timezone": NY,
        "duration_minutes": 60,
    } | extra


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        ("FREQ=DAILY;COUNT=10", "1997-09-02T09:00", [(1997, 9, d) for d in range(2, 12)]),
        (
            "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
            "1997-09-02T09:00",
            [
                (1997, 9, 2),
                (1997, 9, 4),
                (1997, 9, 9),
                (1997, 9, 11),
                (1997, 9, 16),
                (1997, 9, 18),
                (1997, 9, 23),
                (1997, 9, 25),
                (1997, 9, 30),
                (1997, 10, 2),
            ],
        ),
        (
            "FREQ=MONTHLY;COUNT=6;BYDAY=1FR",
            "1997-09-05T09:00",
            [(1997, 9, 5), (1997, 10, 3), (1997, 11, 7), (1997, 12, 5), (1998, 1, 2), (1998, 2, 6)],
        ),
        (
            "FREQ=MONTHLY;COUNT=4;BYMONTHDAY=-3",
            "1997-09-28T09:00",
            [(1997, 9, 28), (1997, 10, 29), (1997, 11, 28), (1997, 12, 29)],
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
            "1997-08-05T09:00",
            [(1997, 8, 5), (1997, 8, 10), (1997, 8, 19), (1997, 8, 24)],
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
            "1997-08-05T09:00",
            [(1997, 8, 5), (1997, 8, 17), (1997, 8, 19), (1997, 8, 31)],
        ),
        (
            "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
            "1997-09-04T09:00",
            [(1997, 9, 4), (1997, 10, 7), (1997, 11, 6)],
        ),
    ],
)
async def test_rfc_examples_through_the_api(
    client: AsyncTestClient, coordinator, group, rule: str, start: str, expected: list
) -> None:
    response = await client.post(
        "/api/v1/series", json=_body(group, rule, start), headers=coordinator
    )
    assert response.status_code == 201, response.text
    starts = [datetime.fromisoformat(s["starts_at"]) for s in response.json()["sessions"]]
    assert [s.date() for s in starts] == [date(*d) for d in expected]
    assert {s.strftime("%H:%M") for s in starts} == {"09:00"}  # wall clock kept across DST


async def test_offsets_change_across_dst_but_local_time_does_not(
    client: AsyncTestClient, coordinator, group
) -> None:
    body = _body(group, "FREQ=WEEKLY;BYDAY=MO;COUNT=3", "2026-10-26T09:00")
    sessions = (await client.post("/api/v1/series", json=body, headers=coordinator)).json()[
        "sessions"
    ]
    assert [s["starts_at"] for s in sessions] == [
        "2026-10-26T09:00:00-04:00",
        "2026-11-02T09:00:00-05:00",
        "2026-11-09T09:00:00-05:00",
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rrule": "FREQ=SOMETIMES;COUNT=2"}, "rrule"),
        ({"rrule": "FREQ=HOURLY;COUNT=2"}, "rrule"),
        ({"timezone": "Atlantis/Capital"}, "timezone"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": -15}, "duration_minutes"),
        ({"rrule": "FREQ=DAILY;UNTIL=20200101T000000Z"}, "rrule"),
        ({"start_local": "07/09/2026 9am"}, "start_local"),
    ],
)
async def test_bad_series_is_422_naming_the_field(
    client: AsyncTestClient, coordinator, group, change: dict, field: str
) -> None:
    body = _body(group, "FREQ=DAILY;COUNT=2", "2026-09-07T09:00") | change
    for path in ("/api/v1/series", "/api/v1/series/preview"):
        response = await client.post(path, json=body, headers=coordinator)
        assert response.status_code == 422, (path, response.text)
        assert field in [e["field"] for e in response.json()["errors"]]
    listed = await client.get("/api/v1/sessions", headers=coordinator)
    assert listed.json() == []


async def test_every_conflict_is_reported_and_nothing_saved(
    client: AsyncTestClient, coordinator, group, room
) -> None:
    mwf = _body(
        group,
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=36",
        "2026-09-07T09:00",
        duration_minutes=180,
        room_id=room["id"],
    )
    created = await client.post("/api/v1/series", json=mwf, headers=coordinator)
    assert created.status_code == 201
    assert created.json()["summary"] == "Mon, Wed, Fri 9:00–12:00 · 12 weeks · 36 sessions"

    other = (
        await client.post("/api/v1/groups", json={"name": "DBT skills"}, headers=coordinator)
    ).json()
    wednesdays = _body(
        other,
        "FREQ=WEEKLY;BYDAY=WE;COUNT=4",
        "2026-09-09T11:00",
        duration_minutes=90,
        room_id=room["id"],
    )
    preview = await client.post("/api/v1/series/preview", json=wednesdays, headers=coordinator)
    assert preview.status_code == 200
    assert len(preview.json()["sessions"]) == 4
    assert len(preview.json()["conflicts"]) == 4

    refused = await client.post("/api/v1/series", json=wednesdays, headers=coordinator)
    assert refused.status_code == 409
    conflicts = refused.json()["conflicts"]
    assert [c["starts_at"][:10] for c in conflicts] == [
        "2026-09-09",
        "2026-09-16",
        "2026-09-23",
        "2026-09-30",
    ]
    assert {(c["resource_kind"], c["resource_name"], c["other_group"]) for c in conflicts} == {
        ("room", "Room 1", "IOP Track A")
    }
    dbt = await client.get(
        "/api/v1/sessions", params={"group_id": other["id"]}, headers=coordinator
    )
    assert dbt.json() == []


async def test_facilitator_cannot_be_in_two_places(
    client: AsyncTestClient, coordinator, group, make_user
) -> None:
    from shared.enums import Role

    faye = await make_user("faye", Role.FACILITATOR)
    first = _body(group, "FREQ=DAILY;COUNT=2", "2026-09-07T09:00", facilitator_ids=[str(faye.id)])
    assert (await client.post("/api/v1/series", json=first, headers=coordinator)).status_code == 201
    other = (
        await client.post(
            "/api/v1/groups", json={"name": "Relapse prevention"}, headers=coordinator
        )
    ).json()
    clash = _body(other, "FREQ=DAILY;COUNT=1", "2026-09-08T09:30", facilitator_ids=[str(faye.id)])
    refused = await client.post("/api/v1/series", json=clash, headers=coordinator)
    assert refused.status_code == 409
    assert refused.json()["conflicts"][0]["resource_kind"] == "facilitator"
    mine = await client.get(
        "/api/v1/sessions", params={"facilitator_id": str(faye.id)}, headers=coordinator
    )
    assert len(mine.json()) == 2


async def test_twenty_concurrent_bookings_of_one_room_yield_exactly_one(
    client: AsyncTestClient, coordinator, group, room
) -> None:
    bodies = [
        _body(group, "FREQ=DAILY;COUNT=1", f"2026-09-07T09:{minute:02d}", room_id=room["id"])
        for minute in range(20)
    ]
    responses = await asyncio.gather(
        *[client.post("/api/v1/series", json=b, headers=coordinator) for b in bodies]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 19, [
        r.text for r in responses if r.status_code not in (201, 409)
    ]
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["conflicts"][0]["resource_name"] == "Room 1"
    assert len((await client.get("/api/v1/sessions", headers=coordinator)).json()) == 1


async def test_group_with_unknown_references_is_422(client: AsyncTestClient, coordinator) -> None:
    import uuid

    for field in ("program_id", "room_id"):
        response = await client.post(
            "/api/v1/groups",
            headers=coordinator,
            json={"name": f"Bad {field}", field: str(uuid.uuid4())},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field


async def test_exdate_and_rdate_through_the_api(
    client: AsyncTestClient, coordinator, group
) -> None:
    body = _body(
        group,
        "FREQ=DAILY;COUNT=5",
        "1997-09-02T09:00",
        exdates_local=["1997-09-03T09:00", "1997-09-05T09:00"],
        rdates_local=["1997-09-10T09:00"],
    )
    response = await client.post("/api/v1/series", json=body, headers=coordinator)
    assert response.status_code == 201, response.text
    assert [s["starts_at"] for s in response.json()["sessions"]] == [
        "1997-09-02T09:00:00-04:00",
        "1997-09-04T09:00:00-04:00",
        "1997-09-06T09:00:00-04:00",
        "1997-09-10T09:00:00-04:00",
    ]


async def test_a_range_too_wide_is_refused_rather_than_cut_short(
    client: AsyncTestClient, coordinator, group, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The ceiling is lowered for the test: creating 2,001 sessions would only slow it down.
    monkeypatch.setattr(scheduling_service, "MAX_SESSIONS", 4)
    body = _body(group, "FREQ=DAILY;COUNT=6", "2026-03-02T09:00")
    assert (await client.post("/api/v1/series", json=body, headers=coordinator)).status_code == 201
    wide = await client.get("/api/v1/sessions", headers=coordinator)
    assert wide.status_code == 422
    assert wide.headers["content-type"].startswith("application/problem+json")
    assert wide.json()["errors"][0]["field"] == "to"
    narrow = await client.get(
        "/api/v1/sessions",
        params={"from": "2026-03-02T00:00:00-05:00", "to": "2026-03-05T00:00:00-05:00"},
        headers=coordinator,
    )
    assert narrow.status_code == 200 and len(narrow.json()) == 3
