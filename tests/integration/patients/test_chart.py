"""Episodes across programs, care team access, diagnoses, allergies, the summary."""

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.patients


async def test_residential_to_iop_is_one_continuous_timeline(
    client: AsyncTestClient, clinician, register, programs
) -> None:
    patient = await register("Lee", "Park")
    base = f"/api/v1/patients/{patient['id']}"
    admitted = await client.post(
        f"{base}/episodes",
        headers=clinician,
        json={"program_id": programs["Residential"], "admitted_on": "2026-09-01"},
    )
    assert admitted.status_code == 201, admitted.text
    episode = admitted.json()
    assert episode["level_of_care"] == "residential"
    again = await client.post(
        f"{base}/episodes",
        headers=clinician,
        json={"program_id": programs["IOP"], "admitted_on": "2026-09-02"},
    )
    assert again.status_code == 409
    moved = await client.post(
        f"/api/v1/episodes/{episode['id']}/transitions",
        headers=clinician,
        json={
            "occurred_on": "2026-10-01",
            "to_program_id": programs["IOP"],
            "reason": "Completed residential phase; step down",
        },
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["level_of_care"] == "iop"

    summary = (await client.get(f"{base}/summary", headers=clinician)).json()
    assert summary["current_episode"]["program"] == "IOP"
    assert [(t["kind"], t["level_of_care"]) for t in summary["timeline"]] == [
        ("admission", "residential"),
        ("transition", "iop"),
    ]
    assert summary["timeline"][1]["from_level"] == "residential"

    discharged = await client.post(
        f"/api/v1/episodes/{episode['id']}/discharge",
        headers=clinician,
        json={"discharged_on": "2026-11-20", "disposition": "Completed treatment"},
    )
    assert discharged.status_code == 201
    timeline = (await client.get(f"{base}/summary", headers=clinician)).json()["timeline"]
    assert [t["kind"] for t in timeline] == ["admission", "transition", "discharge"]


async def _count(database_url: str, table: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608
    finally:
        await conn.close()


async def test_unknown_program_is_422_naming_the_field(
    client: AsyncTestClient, clinician, register, database_url: str
) -> None:
    import uuid

    patient = await register("Lee", "Park")
    response = await client.post(
        f"/api/v1/patients/{patient['id']}/episodes",
        headers=clinician,
        json={"program_id": str(uuid.uuid4()), "admitted_on": "2026-09-01"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "program_id"
    assert await _count(database_url, "episode") == 0


async def test_care_team_grants_access_and_shows_in_summary(
    client: AsyncTestClient, clinician, register, make_user
) -> None:
    facilitator = await make_user("fran", Role.FACILITATOR)
    fran = await sign_in(client, "fran")
    patient = await register("Noor", "Haddad")
    url = f"/api/v1/patients/{patient['id']}"
    assert (await client.get(f"{url}/summary", headers=fran)).status_code == 403
    added = await client.post(
        f"{url}/care-team",
        headers=clinician,
        json={"user_id": str(facilitator.id), "role": "facilitator"},
    )
    assert added.status_code == 201
    summary = await client.get(f"{url}/summary", headers=fran)
    assert summary.status_code == 200
    team = {(m["username"], m["role"]) for m in summary.json()["care_team"]}
    assert team == {("dr-reyes", "primary_clinician"), ("fran", "facilitator")}


async def test_diagnoses_are_validated_icd10_and_allergies_recorded(
    client: AsyncTestClient, clinician, register, database_url: str
) -> None:
    patient = await register("Ivy", "Chen")
    url = f"/api/v1/patients/{patient['id']}"
    bad = await client.post(f"{url}/diagnoses", json={"code": "X99.9.9"}, headers=clinician)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "code"
    assert await _count(database_url, "diagnosis") == 0
    ok = await client.post(f"{url}/diagnoses", json={"code": "f331"}, headers=clinician)
    assert ok.status_code == 201
    assert ok.json()["code"] == "F33.1"
    assert "recurrent, moderate" in ok.json()["description"]
    allergy = await client.post(
        f"{url}/allergies",
        headers=clinician,
        json={"substance": "Penicillin", "reaction": "Hives", "severity": "moderate"},
    )
    assert allergy.status_code == 201
    summary = (await client.get(f"{url}/summary", headers=clinician)).json()
    assert [d["code"] for d in summary["diagnoses"]] == ["F33.1"]
    assert summary["allergies"][0]["substance"] == "Penicillin"
    assert summary["age"] >= 41


async def test_icd10_search_finds_common_codes(client: AsyncTestClient, clinician) -> None:
    hits = (
        await client.get("/api/v1/icd10", params={"q": "alcohol dependence"}, headers=clinician)
    ).json()
    assert "F10.20" in [h["code"] for h in hits]
