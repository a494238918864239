"""Registration, validation that writes nothing, duplicates, concurrency, and names."""

import asyncio

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.patients
PATIENTS = "/api/v1/patients"


async def _count(database_url: str, table: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608 - test tables
    finally:
        await conn.close()


async def test_minimal_registration_gets_an_id_and_mrn(client: AsyncTestClient, clinician) -> None:
    response = await client.post(
        PATIENTS,
        json={"given_name": "Ana", "family_name": "Lopez", "birth_date": "1990-02-03"},
        headers=clinician,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["id"] and body["mrn"].startswith("MRN")
    assert body["status"] == "active"
    assert response.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"email": "not-an-email"}, "email"),
        ({"phones": [{"kind": "mobile", "number": "call me"}]}, "phones.0.number"),
        ({"sex_at_birth": "sometimes"}, "sex_at_birth"),
    ],
)
async def test_invalid_fields_get_422_naming_the_field_and_write_nothing(
    client: AsyncTestClient, clinician, database_url: str, extra: dict, field: str
) -> None:
    body = {"given_name": "Ana", "family_name": "Lopez", "birth_date": "1990-02-03"} | extra
    response = await client.post(PATIENTS, json=body, headers=clinician)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]
    assert await _count(database_url, "patient") == 0


async def test_possible_duplicate_is_refused_until_overridden(
    client: AsyncTestClient, clinician, register
) -> None:
    first = await register("John", "Smith", "1970-01-01")
    near = {"given_name": "Jon", "family_name": "Smith", "birth_date": "1970-01-01"}
    refused = await client.post(PATIENTS, json=near, headers=clinician)
    assert refused.status_code == 409
    assert [c["mrn"] for c in refused.json()["candidates"]] == [first["mrn"]]
    other_birthday = near | {"birth_date": "1971-01-01"}
    assert (await client.post(PATIENTS, json=other_birthday, headers=clinician)).status_code == 201
    forced = await client.post(PATIENTS, json=near | {"allow_duplicate": True}, headers=clinician)
    assert forced.status_code == 201


async def test_concurrent_updates_with_one_etag_keep_the_winner(
    client: AsyncTestClient, clinician, register, database_url: str
) -> None:
    patient = await register("Ria", "Patel")
    url = f"{PATIENTS}/{patient['id']}"
    headers = clinician | {"If-Match": '"1"'}
    first, second = await asyncio.gather(
        client.patch(url, json={"preferred_name": "Winner A"}, headers=headers),
        client.patch(url, json={"preferred_name": "Winner B"}, headers=headers),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 412]
    winner = first if first.status_code == 200 else second
    stored = (await client.get(url, headers=clinician)).json()
    assert stored["preferred_name"] == winner.json()["preferred_name"]
    assert stored["version"] == 2


async def test_update_requires_if_match(client: AsyncTestClient, clinician, register) -> None:
    patient = await register("Ria", "Patel")
    url = f"{PATIENTS}/{patient['id']}"
    assert (
        await client.patch(url, json={"pronouns": "she/her"}, headers=clinician)
    ).status_code == 428


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Zoë", "Ó Súilleabháin"),
        ("D'Arcy", "O'Brien-Smythe"),
        ("美咲", "山田"),
        ("Алексей", "Иванов"),
        ("Sam 🌈", "Lee-Nguyễn"),
    ],
)
async def test_names_round_trip_exactly(
    client: AsyncTestClient, clinician, register, given: str, family: str
) -> None:
    created = await register(given, family, preferred_name=f"{given}!")
    read = (await client.get(f"{PATIENTS}/{created['id']}", headers=clinician)).json()
    assert (read["given_name"], read["family_name"], read["preferred_name"]) == (
        given,
        family,
        f"{given}!",
    )
    found = await client.get(PATIENTS, params={"q": family}, headers=clinician)
    assert created["id"] in [p["id"] for p in found.json()["items"]]


async def test_full_demographics_are_stored(client: AsyncTestClient, clinician, register) -> None:
    created = await register(
        "Kai",
        "Moana",
        pronouns="they/them",
        sex_at_birth="female",
        gender_identity="non-binary",
        email="kai@example.org",
        phones=[{"kind": "mobile", "number": "+1 (555) 010-2030"}],
        address={"line1": "1 Harbor Rd", "city": "Hilo", "state": "HI", "postal_code": "96720"},
        emergency_contacts=[
            {"name": "Lani Moana", "relationship": "sister", "phone": "555-010-9999"}
        ],
        insurance=[{"payer": "Aloha Health", "member_id": "AH123", "subscriber": "self"}],
        external_ids=[{"system": "legacy-emr", "value": "A-77"}],
    )
    assert created["address"]["city"] == "Hilo"
    assert created["insurance"][0]["member_id"] == "AH123"
    by_phone = await client.get(PATIENTS, params={"phone": "555-010-2030"}, headers=clinician)
    assert [p["id"] for p in by_phone.json()["items"]] == [created["id"]]
