"""SQL-statement budgets of the benchmark's hot paths (issue 11), counted, not timed: each
request is measured twice, on a small and on a larger amount of the same data, and must
use the same number of statements (no query per row) within its budget. Counts include
everything the request does: the sign-in session check, access checks, the audit event
(with its chain lock) and the response.

The 12-member note save and the reports have their budgets beside their features
(tests/integration/notes/test_note_save.py, tests/integration/reports/test_reports.py)
and carry this marker too."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.config import Settings
from shared.enums import Role
from tests.conftest import sign_in
from tests.integration.statement_count import counted

pytestmark = pytest.mark.performance

ZONE = "America/New_York"
TODAY = date.today()


@pytest.fixture
async def app_client(settings: Settings) -> AsyncIterator[tuple[Any, AsyncTestClient]]:
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        yield app, client


async def twice(
    app: Any, request: Callable[[int], Awaitable[Any]], sizes: tuple[int, int]
) -> list[int]:
    """Statements of ``request(size)`` at each size (the data for it made beforehand)."""
    counts = []
    for size in sizes:
        async with counted(app) as statements:
            await request(size)
        counts.append(len(statements))
    return counts


async def _post(client: AsyncTestClient, headers: dict, path: str, body: dict) -> dict:
    response = await client.post(path, headers=headers, json=body)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def _patient(client: AsyncTestClient, headers: dict, given: str, family: str) -> str:
    body = {"given_name": given, "family_name": family, "birth_date": "1984-05-06"}
    return str(
        (await _post(client, headers, "/api/v1/patients", body | {"allow_duplicate": True}))["id"]
    )


@pytest.fixture
async def staff(app_client, make_user) -> dict[str, Any]:
    _, client = app_client
    await make_user("root", Role.ADMIN)
    user = await make_user("fran", Role.FACILITATOR, Role.COORDINATOR, Role.CLINICIAN)
    headers = await sign_in(client, "fran")
    program = await _post(
        client,
        await sign_in(client, "root"),
        "/api/v1/programs",
        {"name": "IOP", "level_of_care": "iop"},
    )
    return {"id": str(user.id), "headers": headers, "program": program["id"]}


def _plan(problems: int) -> dict[str, Any]:
    return {
        "problems": [
            {
                "id": str(uuid.uuid4()),
                "description": f"Problem {p}",
                "icd10": "F10.20",
                "goals": [
                    {
                        "id": str(uuid.uuid4()),
                        "text": f"Goal {p}",
                        "objectives": [
                            {
                                "id": str(uuid.uuid4()),
                                "text": f"Objective {p}.{o}",
                                "kind": "rating",
                                "baseline": 3,
                                "target": 7,
                                "direction": "increase",
                                "target_date": (TODAY + timedelta(days=60)).isoformat(),
                                "interventions": [{"modality": "CBT", "frequency": "weekly"}],
                            }
                            for o in range(3)
                        ],
                    }
                ],
            }
            for p in range(problems)
        ]
    }


async def _charted_client(client: AsyncTestClient, staff: dict, size: int) -> str:
    """A client admitted, with ``size`` diagnoses, allergies and plan problems."""
    h = staff["headers"]
    patient = await _patient(client, h, f"Chart{size}", "Budget")
    url = f"/api/v1/patients/{patient}"
    await _post(
        client, h, f"{url}/episodes", {"program_id": staff["program"], "admitted_on": str(TODAY)}
    )
    for code in ["F10.20", "F32.1", "F41.1", "F43.10", "F11.20", "F12.20"][:size]:
        await _post(client, h, f"{url}/diagnoses", {"code": code})
    for n in range(size):
        await _post(
            client, h, f"{url}/allergies", {"substance": f"Substance {n}", "reaction": "rash"}
        )
    await _post(client, h, f"{url}/plans", {"content": _plan(size)})
    return patient


async def test_plan_read_and_chart_summary_keep_their_budgets(app_client, staff) -> None:
    app, client = app_client
    h = staff["headers"]
    patients = {size: await _charted_client(client, staff, size) for size in (1, 6)}
    plans = {
        size: (await client.get(f"/api/v1/patients/{p}/plans", headers=h)).json()[0]["id"]
        for size, p in patients.items()
    }

    async def read_plan(size: int) -> None:
        response = await client.get(f"/api/v1/plans/{plans[size]}", headers=h)
        assert response.status_code == 200
        assert len(response.json()["content"]["problems"]) == size

    async def summary(size: int) -> None:
        response = await client.get(f"/api/v1/patients/{patients[size]}/summary", headers=h)
        assert response.status_code == 200
        assert len(response.json()["diagnoses"]) == size
        assert len(response.json()["allergies"]) == size

    plan_counts = await twice(app, read_plan, (1, 6))
    summary_counts = await twice(app, summary, (1, 6))
    assert plan_counts[0] == plan_counts[1] <= PLAN_READ_BUDGET, plan_counts
    assert summary_counts[0] == summary_counts[1] <= SUMMARY_BUDGET, summary_counts


async def _group(client: AsyncTestClient, staff: dict, name: str, members: int, day: date) -> str:
    h = staff["headers"]
    group = await _post(
        client,
        h,
        "/api/v1/groups",
        {"name": name, "facilitator_ids": [staff["id"]], "capacity": 12},
    )
    for n in range(members):
        patient = await _patient(client, h, f"{name.replace(' ', '')}", f"Member{n}")
        await _post(
            client,
            h,
            f"/api/v1/groups/{group['id']}/enrollments",
            {"patient_id": patient, "from_date": day.isoformat()},
        )
    return str(group["id"])


async def test_series_create_and_facilitator_week_keep_their_budgets(app_client, staff) -> None:
    app, client = app_client
    h = staff["headers"]
    monday = TODAY + timedelta(days=7 - TODAY.weekday())
    groups = {size: await _group(client, staff, f"Series {size}", size, monday) for size in (3, 12)}
    hours = {3: 9, 12: 14}

    async def create(size: int) -> None:
        count = 12 if size == 3 else 48
        created = await _post(
            client,
            h,
            "/api/v1/series",
            {
                "group_id": groups[size],
                "rrule": f"FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT={count}",
                "timezone": ZONE,
                "start_local": f"{monday.isoformat()}T{hours[size]:02d}:00",
                "duration_minutes": 180,
            },
        )
        assert len(created["sessions"]) == count

    series_counts = await twice(app, create, (3, 12))
    assert series_counts[0] == series_counts[1] <= SERIES_BUDGET, series_counts

    async def week(size: int) -> None:
        # The first week holds 6 sessions (both series), the fifth only the larger one's 3.
        start = monday + timedelta(weeks=0 if size == 6 else 4)
        response = await client.get(
            "/api/v1/sessions",
            headers=h,
            params={
                "facilitator_id": staff["id"],
                "from": f"{start.isoformat()}T00:00:00Z",
                "to": f"{(start + timedelta(days=7)).isoformat()}T00:00:00Z",
            },
        )
        assert response.status_code == 200
        assert len(response.json()) == size

    week_counts = await twice(app, week, (3, 6))
    assert week_counts[0] == week_counts[1] <= WEEK_BUDGET, week_counts


async def test_patient_search_keeps_its_budget(app_client, staff) -> None:
    app, client = app_client
    h = staff["headers"]
    for n in range(2):
        await _patient(client, h, "Margarethe", f"Oyelaran{n}")
    for n in range(20):
        await _patient(client, h, "Bartholomew", f"Vanderkamp{n}")

    async def search(size: int) -> None:
        q = "Margarete Oyelaran" if size == 2 else "Bartolomew Vanderkamp"
        response = await client.get("/api/v1/patients", headers=h, params={"q": q})
        assert response.status_code == 200
        assert len(response.json()["items"]) == size

    counts = await twice(app, search, (2, 20))
    assert counts[0] == counts[1] <= SEARCH_BUDGET, counts


# Session check, plan, care-team access, audit (the chain head, then the events).
PLAN_READ_BUDGET = 5
# Session check, access, patient, programs, episodes, transitions, audit (2), care team,
# diagnoses, allergies.
SUMMARY_BUDGET = 12
# Session check, group, closures, facilitators, one conflict query over every resource,
# then the series, its sessions and their bookings as three batched inserts (the bookings
# inside a savepoint that turns an exclusion violation into a 409), audit (2).
SERIES_BUDGET = 13
# Session check and one joined query (group names included).
WEEK_BUDGET = 2
# Session check, similarity threshold, one ranked query, audit (2).
SEARCH_BUDGET = 6
