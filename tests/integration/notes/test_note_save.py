"""Saving a whole 12-member note is one transaction with a fixed SQL-statement budget:
no query per member. A stale part refuses the whole save."""

from datetime import date, timedelta

import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.config import Settings
from shared.enums import Role
from tests.conftest import sign_in
from tests.integration.statement_count import counted

pytestmark = pytest.mark.notes
# Whole request: auth, locks, one batched entry update, audit, the response (including one
# read of every member's rateable objectives). The same for 3 members as for 12.
STATEMENT_BUDGET = 15


async def _note_with(client: AsyncTestClient, make_user, size: int, tag: str) -> tuple[dict, dict]:
    fac = await make_user(f"fac-{tag}", Role.FACILITATOR, Role.COORDINATOR, Role.CLINICIAN)
    headers = await sign_in(client, f"fac-{tag}")
    group = (
        await client.post(
            "/api/v1/groups",
            headers=headers,
            json={"name": f"Group {tag}", "facilitator_ids": [str(fac.id)], "capacity": 20},
        )
    ).json()
    yesterday = date.today() - timedelta(days=1)
    session_id = (
        await client.post(
            "/api/v1/series",
            headers=headers,
            json={
                "group_id": group["id"],
                "rrule": "FREQ=DAILY;COUNT=1",
                "timezone": "America/New_York",
                "start_local": f"{yesterday.isoformat()}T10:00",
                "duration_minutes": 60,
            },
        )
    ).json()["sessions"][0]["id"]
    for i in range(size):
        body = {
            "given_name": f"M{tag}{i}",
            "family_name": "Budget",
            "birth_date": "1990-01-01",
            "allow_duplicate": True,
        }
        patient = (await client.post("/api/v1/patients", json=body, headers=headers)).json()
        await client.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=headers,
            json={"patient_id": patient["id"], "from_date": yesterday.isoformat()},
        )
    note = (await client.post(f"/api/v1/sessions/{session_id}/note", headers=headers)).json()
    return note, headers


def _body(note: dict) -> dict:
    return {
        "version": note["version"],
        "shared": {"topic": "Budgeting"},
        "entries": [
            {
                "patient_id": e["patient_id"],
                "version": e["version"],
                "participation": "active",
                "narrative": f"Entry {i}",
            }
            for i, e in enumerate(note["entries"])
        ],
    }


@pytest.mark.performance
async def test_note_save_uses_the_same_statements_for_3_or_12_members(
    settings: Settings, make_user
) -> None:
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        counts = []
        for size, tag in ((3, "s"), (12, "l")):
            note, headers = await _note_with(client, make_user, size, tag)
            async with counted(app) as statements:
                saved = await client.put(
                    f"/api/v1/notes/{note['id']}", json=_body(note), headers=headers
                )
            assert saved.status_code == 200, saved.text
            assert [e["narrative"] for e in saved.json()["entries"]] == [
                f"Entry {i}" for i in range(size)
            ]
            counts.append(len(statements))
        assert counts[0] == counts[1] <= STATEMENT_BUDGET, counts


async def test_a_stale_part_refuses_the_whole_save(client: AsyncTestClient, make_user) -> None:
    note, headers = await _note_with(client, make_user, 3, "x")
    first = note["entries"][0]
    url = f"/api/v1/notes/{note['id']}"
    bumped = await client.patch(
        f"{url}/entries/{first['patient_id']}",
        json={"affect": "calm"},
        headers=headers | {"If-Match": '"1"'},
    )
    assert bumped.status_code == 200
    refused = await client.put(url, json=_body(note), headers=headers)
    assert refused.status_code == 412
    assert refused.json()["stale"] == [first["patient_id"]]
    after = (await client.get(url, headers=headers)).json()
    assert after["topic"] == "" and all(e["narrative"] == "" for e in after["entries"])
