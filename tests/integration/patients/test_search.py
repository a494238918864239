"""Finding patients: fuzzy names with exact matches first, MRN, birth date, phone,
keyset pagination, and every listed patient audited as read."""

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.patients
PATIENTS = "/api/v1/patients"


async def test_misspelled_name_finds_the_patient_exact_first(
    client: AsyncTestClient, clinician, register
) -> None:
    smith = await register("John", "Smith", "1970-01-01")
    smyth = await register("Jon", "Smyth", "1982-03-04")
    await register("Maria", "Gonzalez", "1990-01-01")
    fuzzy = (await client.get(PATIENTS, params={"q": "Jon Smyth"}, headers=clinician)).json()
    ids = [p["id"] for p in fuzzy["items"]]
    assert ids[0] == smyth["id"]  # the exact match ranks first
    assert smith["id"] in ids  # "Jon Smyth" also finds "John Smith"
    assert len(ids) == 2


async def test_search_by_mrn_and_birth_date(client: AsyncTestClient, clinician, register) -> None:
    ana = await register("Ana", "Lopez", "1990-02-03")
    await register("Bea", "Lopez", "1991-02-03")
    by_mrn = (await client.get(PATIENTS, params={"mrn": ana["mrn"]}, headers=clinician)).json()
    assert [p["id"] for p in by_mrn["items"]] == [ana["id"]]
    by_dob = await client.get(PATIENTS, params={"birth_date": "1990-02-03"}, headers=clinician)
    assert [p["id"] for p in by_dob.json()["items"]] == [ana["id"]]
    bad = await client.get(PATIENTS, params={"mrn": "abc"}, headers=clinician)
    assert bad.status_code == 422


async def test_keyset_pages_cover_every_match_once(
    client: AsyncTestClient, clinician, register
) -> None:
    created = {
        (await register(f"Pat{i:02d}", "Keyset", f"19{50 + i}-01-01"))["id"] for i in range(23)
    }
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"q": "keyset", "limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(PATIENTS, params=params, headers=clinician)).json()
        seen += [p["id"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == created


async def test_search_results_are_audited_as_reads(
    client: AsyncTestClient, clinician, register, database_url: str
) -> None:
    ana = await register("Ana", "Audit")
    await client.get(PATIENTS, params={"q": "audit"}, headers=clinician)
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT actor_username, patient_id FROM audit_event WHERE entity = 'patient_search'"
        )
    finally:
        await conn.close()
    assert [(r["actor_username"], str(r["patient_id"])) for r in rows] == [("dr-reyes", ana["id"])]
