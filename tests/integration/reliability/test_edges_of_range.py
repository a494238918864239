"""Numbers and dates at the edges of what a computer holds, and CSV rows wider than their
header, are refused with a 422 naming the field (or the row and column): never a 500.

The limits (docs/api.md): integers in a query string fit 64 bits; dates and times fall in
the years 1900 to 2200; an MRN fits its column."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.integrity

PROBLEM = "application/problem+json"


@pytest.fixture
async def staff(client: AsyncTestClient, make_user: Any) -> dict[str, str]:
    await make_user("edgar", Role.ADMIN, Role.CLINICIAN, Role.COORDINATOR, Role.AUDITOR)
    return await sign_in(client, "edgar")


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text[:500]
    assert response.headers["content-type"].startswith(PROBLEM)
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("path", "name", "value", "field", "message"),
    [
        ("/api/v1/audit/events", "offset", str(2**64), "query.offset", "whole number"),
        ("/api/v1/audit/events", "offset", str(2**63), "query.offset", "whole number"),
        ("/api/v1/patients", "mrn", "MRN99999999999999", "mrn", "not an MRN"),
        ("/api/v1/patients", "mrn", "MRN1²", "mrn", "not an MRN"),
        ("/api/v1/reports/attendance", "to", "9999-12-31", "query.to", "1900"),
        ("/api/v1/reports/census.csv", "from", "0001-01-01", "query.from", "1900"),
        ("/api/v1/sessions", "from", "0001-01-01T00:00:00+14:00", "query.from", "1900"),
        ("/api/v1/sessions", "to", "0001-01-01T00:00:00Z", "query.to", "1900"),
        ("/api/v1/audit/events", "since", "9999-12-31T23:59:59-14:00", "query.since", "1900"),
        ("/api/v1/audit/events.csv", "until", "0001-01-01T00:00:00+14:00", "query.until", "1900"),
        ("/api/v1/mar", "on", "9999-12-31", "query.on", "1900"),
    ],
)
async def test_query_values_beyond_their_range_are_named(
    client: AsyncTestClient,
    staff: dict[str, str],
    path: str,
    name: str,
    value: str,
    field: str,
    message: str,
) -> None:
    response = await client.get(path, params={name: value}, headers=staff)
    assert _fields(response) == [field]
    assert message in response.json()["errors"][0]["message"]


async def test_a_fhir_identifier_beyond_any_mrn_finds_nobody(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    response = await client.get(
        "/api/fhir/Patient", params={"identifier": "MRN" + "9" * 30}, headers=staff
    )
    assert response.status_code == 200, response.text[:500]
    assert response.json()["total"] == 0


async def test_dates_inside_the_clinical_calendar_still_answer(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    edges = {"from": "1900-01-01", "to": "2200-12-31"}
    assert (await client.get("/api/v1/reports/attendance", params=edges, headers=staff)).is_success
    window = {"from": "1900-01-01T00:00:00+14:00", "to": "2200-12-31T23:59:00-14:00"}
    assert (await client.get("/api/v1/sessions", params=window, headers=staff)).is_success


async def test_a_series_at_the_end_of_the_calendar_is_named(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    group = await client.post("/api/v1/groups", json={"name": "Edge"}, headers=staff)
    series = {
        "group_id": group.json()["id"],
        "rrule": "FREQ=DAILY;COUNT=3",
        "start_local": "9999-12-31T23:00",
        "timezone": "Pacific/Kiritimati",
        "duration_minutes": 90,
    }
    preview = await client.post("/api/v1/series/preview", json=series, headers=staff)
    assert _fields(preview) == ["start_local"]


CSV_PATIENTS = (
    "source_id,given_name,family_name,birth_date\n"
    "P1,Wanda,Wider,1980-01-01\n"
    "P2,Xavier,Extra,1981-02-02,surplus,cells\n"
)


async def test_a_client_csv_row_wider_than_its_header_names_row_and_column(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/imports",
        params={"source_system": "legacy", "dry_run": "true"},
        json={"files": {"patients.csv": CSV_PATIENTS}},
        headers=staff,
    )
    assert response.status_code in (200, 422), response.text[:500]
    report = response.json()
    assert report["ok"] is False
    assert report["problems"] == [
        {
            "file": "patients.csv",
            "row": 3,
            "field": "column 5",
            "problem": "6 cells, but the header names 4 columns",
        }
    ]


async def test_an_imported_session_at_year_one_is_named(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    sessions = (
        "source_id,group_name,starts_at,duration_minutes\nS1,Early,0001-01-01T00:00+14:00,60\n"
    )
    response = await client.post(
        "/api/v1/imports",
        params={"source_system": "legacy", "dry_run": "false"},
        json={"files": {"sessions.csv": sessions}},
        headers=staff,
    )
    assert response.status_code == 422, response.text[:500]
    [problem] = response.json()["problems"]
    assert (problem["row"], problem["field"]) == (2, "starts_at")


async def test_a_lab_csv_row_wider_than_its_header_names_row_and_column(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    body = {"given_name": "Lena", "family_name": "Labwide", "birth_date": "1980-01-01"}
    patient = (await client.post("/api/v1/patients", json=body, headers=staff)).json()
    csv = f"order_id,analyte,value,unit\n{uuid.uuid4()},Lithium,0.9,mmol/L,extra\n"
    response = await client.post(
        f"/api/v1/patients/{patient['id']}/lab-results/import",
        content=csv.encode(),
        headers=staff | {"Content-Type": "text/csv"},
    )
    assert _fields(response) == ["row 2: column 5"]
