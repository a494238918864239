"""A rating a facilitator gives in a group note for a member's objective becomes a
progress point on that objective, with no further action; ratings for objectives that
are not the member's are refused."""

import uuid
from datetime import date, timedelta

import pytest
from litestar.testing import AsyncTestClient

from tests.integration.conftest import document_attendees
from tests.integration.plans.test_plans import objective, plan

pytestmark = pytest.mark.plans


async def test_group_note_rating_becomes_a_progress_point(
    client: AsyncTestClient, documented_group
) -> None:
    ctx = documented_group
    zeb, mari = ctx["patients"][0], ctx["patients"][1]
    chart = f"/api/v1/patients/{zeb['id']}"
    await client.post(f"{chart}/diagnoses", headers=ctx["cal"], json={"code": "F10.20"})
    draft = (
        await client.post(f"{chart}/plans", headers=ctx["cal"], json={"content": plan(objective())})
    ).json()
    await client.post(f"/api/v1/plans/{draft['id']}/sign", headers=ctx["cal"])
    activated = await client.post(
        f"/api/v1/plans/{draft['id']}/client-signature",
        headers=ctx["cal"],
        json={"kind": "typed", "data": "Zebulon Quartermaine"},
    )
    assert activated.json()["status"] == "active", activated.text
    objective_id = draft["content"]["problems"][0]["goals"][0]["objectives"][0]["id"]

    note = (
        await client.post(f"/api/v1/sessions/{ctx['session_id']}/note", headers=ctx["fay"])
    ).json()
    entries = {e["patient_id"]: e for e in note["entries"]}
    assert [o["id"] for o in entries[zeb["id"]]["objectives"]] == [objective_id]
    assert entries[mari["id"]]["objectives"] == []
    url = f"/api/v1/notes/{note['id']}"
    wrong = await client.patch(
        f"{url}/entries/{mari['id']}",
        headers=ctx["fay"] | {"If-Match": '"1"'},
        json={"objective_ratings": [{"objective_id": objective_id, "rating": 5}]},
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == f"entries.{mari['id']}.objective_ratings"
    unknown = await client.patch(
        f"{url}/entries/{zeb['id']}",
        headers=ctx["fay"] | {"If-Match": '"1"'},
        json={"objective_ratings": [{"objective_id": str(uuid.uuid4()), "rating": 5}]},
    )
    assert unknown.status_code == 422
    rated = await client.patch(
        f"{url}/entries/{zeb['id']}",
        headers=ctx["fay"] | {"If-Match": '"1"'},
        json={"objective_ratings": [{"objective_id": objective_id, "rating": 5}]},
    )
    assert rated.status_code == 200, rated.text
    assert [o["id"] for o in rated.json()["objectives"]] == [objective_id]  # still offered
    await client.patch(url, headers=ctx["fay"] | {"If-Match": '"1"'}, json={"topic": "Coping"})
    progress = f"{chart}/objectives"
    assert (await client.get(progress, headers=ctx["cal"])).json()[0]["points"] == []
    await document_attendees(client, ctx["fay"], ctx["session_id"])
    assert (await client.post(f"{url}/sign", headers=ctx["fay"])).status_code == 200

    shown = (await client.get(progress, headers=ctx["cal"])).json()[0]
    assert [(p["value"], p["source"], p["source_id"]) for p in shown["points"]] == [
        (5, "group_note", note["id"])
    ]
    assert shown["points"][0]["recorded_at"][:10] == (date.today() - timedelta(days=1)).isoformat()
    assert shown["status"] == "on track"  # 5 on the way from 3 to 7 on day one
