"""Treatment plans: measurable objectives validated, a draft edited with If-Match (two
clinicians → one 412), activation by clinician + client signatures, active versions
immutable (API and database), revisions with a diff, reviews due by program interval, and
progress that arrives from group-note ratings."""

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from backend import admin
from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.plans


def objective(**changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "text": "Rates coping confidence 7 or more",
        "kind": "rating",
        "baseline": 3,
        "target": 7,
        "direction": "increase",
        "target_date": (date.today() + timedelta(days=60)).isoformat(),
        "interventions": [{"modality": "CBT", "frequency": "weekly"}],
    } | changes


def plan(*objectives: dict[str, Any], icd10: str | None = "F10.20") -> dict[str, Any]:
    return {
        "problems": [
            {
                "id": str(uuid.uuid4()),
                "description": "Alcohol use disorder, moderate",
                "icd10": icd10,
                "goals": [
                    {
                        "id": str(uuid.uuid4()),
                        "text": "I want to stay sober and keep my job",
                        "objectives": list(objectives),
                    }
                ],
            }
        ]
    }


@pytest.fixture
async def chart(client: AsyncTestClient, make_user) -> dict[str, Any]:
    await make_user("root", Role.ADMIN)
    await make_user("cleo", Role.CLINICIAN)
    await make_user("cody", Role.CLINICIAN)
    root, cleo = await sign_in(client, "root"), await sign_in(client, "cleo")
    program = await client.post(
        "/api/v1/programs", headers=root, json={"name": "IOP", "level_of_care": "iop"}
    )
    assert program.json()["plan_review_days"] == 30
    body = {"given_name": "Rosalind", "family_name": "Achterberg", "birth_date": "1988-03-03"}
    patient = (await client.post("/api/v1/patients", json=body, headers=cleo)).json()
    url = f"/api/v1/patients/{patient['id']}"
    admitted = await client.post(
        f"{url}/episodes",
        headers=cleo,
        json={"program_id": program.json()["id"], "admitted_on": date.today().isoformat()},
    )
    assert admitted.status_code == 201, admitted.text
    await client.post(f"{url}/diagnoses", headers=cleo, json={"code": "F10.20"})
    cody_id = (await admin_user(client, root, "cody"))["id"]
    await client.post(f"{url}/care-team", headers=cleo, json={"user_id": cody_id})
    return {"cleo": cleo, "cody": await sign_in(client, "cody"), "patient": patient, "url": url}


async def admin_user(client: AsyncTestClient, headers: dict, username: str) -> dict:
    users = (await client.get("/api/v1/users", headers=headers)).json()
    return next(u for u in users if u["username"] == username)


async def _activate(client: AsyncTestClient, ctx: dict, plan_id: str) -> dict:
    signed = await client.post(f"/api/v1/plans/{plan_id}/sign", headers=ctx["cleo"])
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "draft"  # still waiting for the client
    client_signed = await client.post(
        f"/api/v1/plans/{plan_id}/client-signature",
        headers=ctx["cleo"],
        json={"kind": "typed", "data": "Rosalind Achterberg"},
    )
    assert client_signed.status_code == 200, client_signed.text
    return dict(client_signed.json())


async def test_objectives_must_be_measurable_and_fields_are_named(
    client: AsyncTestClient, chart
) -> None:
    url = f"{chart['url']}/plans"
    cases = [
        (plan(objective(), icd10="F32.9"), "content.problems[0].icd10"),
        (plan(objective(target=2)), "content.problems[0].goals[0].objectives[0].target"),
        (plan(objective(baseline=12)), "content.problems[0].goals[0].objectives[0].baseline"),
        (
            plan(objective(kind="instrument", instrument="xyz", baseline=18, target=9)),
            "content.problems[0].goals[0].objectives[0].instrument",
        ),
    ]
    for content, field in cases:
        response = await client.post(url, headers=chart["cleo"], json={"content": content})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert (await client.get(url, headers=chart["cleo"])).json() == []


async def test_draft_edits_collide_activation_locks_and_revisions_diff(
    client: AsyncTestClient, chart, database_url: str
) -> None:
    first = objective()
    created = await client.post(
        f"{chart['url']}/plans", headers=chart["cleo"], json={"content": plan(first)}
    )
    assert created.status_code == 201, created.text
    draft = created.json()
    url = f"/api/v1/plans/{draft['id']}"
    content = draft["content"]
    content["problems"][0]["goals"][0]["objectives"][0]["target"] = 8
    one = await client.put(url, headers=chart["cleo"] | {"If-Match": '"1"'}, json=content)
    two = await client.put(url, headers=chart["cody"] | {"If-Match": '"1"'}, json=content)
    assert (one.status_code, two.status_code) == (200, 412)

    active = await _activate(client, chart, draft["id"])
    assert active["status"] == "active" and active["number"] == 1
    assert active["review_due"] == (date.today() + timedelta(days=30)).isoformat()
    refused = await client.put(url, headers=chart["cleo"] | {"If-Match": "*"}, json=content)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    async with admin.transaction(database_url) as session:
        with pytest.raises(Exception, match="immutable"):
            async with session.begin_nested():
                await session.execute(
                    text("UPDATE treatment_plan SET content = '{}' WHERE id = :id"),
                    {"id": draft["id"]},
                )

    revision = await client.post(
        f"{chart['url']}/plans", headers=chart["cleo"], json={"revise": True}
    )
    assert revision.status_code == 201, revision.text
    second = revision.json()
    assert second["number"] == 2 and second["content"] == active["content"]
    changed = second["content"]
    goal = changed["problems"][0]["goals"][0]
    goal["objectives"][0]["target"] = 9
    goal["objectives"].append(
        objective(text="Attends 3 groups a week", kind="count", baseline=1, target=3)
    )
    saved = await client.put(
        f"/api/v1/plans/{second['id']}", headers=chart["cleo"] | {"If-Match": '"1"'}, json=changed
    )
    assert saved.status_code == 200, saved.text
    diff = (await client.get(f"/api/v1/plans/{second['id']}/diff", headers=chart["cleo"])).json()
    summary = {(d["change"], d["node"], tuple(d["fields"])) for d in diff}
    assert ("changed", "objective", ("target",)) in summary
    assert ("added", "objective", ()) in summary and ("added", "intervention", ()) in summary
    assert not any(d["change"] == "removed" for d in diff)
    await _activate(client, chart, second["id"])
    versions = (await client.get(f"{chart['url']}/plans", headers=chart["cleo"])).json()
    assert [(v["number"], v["status"]) for v in versions] == [(2, "active"), (1, "superseded")]


async def test_plan_review_due_list(client: AsyncTestClient, chart, database_url: str) -> None:
    draft = (
        await client.post(
            f"{chart['url']}/plans", headers=chart["cleo"], json={"content": plan(objective())}
        )
    ).json()
    await _activate(client, chart, draft["id"])
    assert (await client.get("/api/v1/plans/due", headers=chart["cleo"])).json() == []
    async with admin.transaction(database_url) as session:
        await session.execute(
            text("UPDATE treatment_plan SET review_due = :due WHERE id = :id"),
            {"due": date.today() - timedelta(days=1), "id": draft["id"]},
        )
    due = (await client.get("/api/v1/plans/due", headers=chart["cleo"])).json()
    assert [(d["patient_name"], d["overdue"]) for d in due] == [("Rosalind Achterberg", True)]


async def test_manual_points_give_a_status(client: AsyncTestClient, chart) -> None:
    draft = (
        await client.post(
            f"{chart['url']}/plans", headers=chart["cleo"], json={"content": plan(objective())}
        )
    ).json()
    await _activate(client, chart, draft["id"])
    objective_id = draft["content"]["problems"][0]["goals"][0]["objectives"][0]["id"]
    progress = f"{chart['url']}/objectives"
    assert (await client.get(progress, headers=chart["cleo"])).json()[0]["status"] == "no data"
    point = f"{progress}/{objective_id}/progress"
    too_high = await client.post(point, headers=chart["cleo"], json={"value": 11})
    assert too_high.status_code == 422 and too_high.json()["errors"][0]["field"] == "value"
    assert (await client.post(point, headers=chart["cleo"], json={"value": 7})).status_code == 201
    shown = (await client.get(progress, headers=chart["cleo"])).json()[0]
    assert shown["status"] == "met" and [p["value"] for p in shown["points"]] == [7]
    review = await client.get(f"/api/v1/plans/{draft['id']}/review", headers=chart["cleo"])
    assert review.status_code == 200, review.text
    (item,) = review.json()["objectives"]
    assert (item["first"], item["latest"], item["points"], item["status"]) == (7, 7, 1, "met")
    assert "from 7 to 7" in item["summary"] and "met" in item["summary"]
