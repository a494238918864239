"""Deny by default, proved from the OpenAPI document against the reviewed table in
route_table.py: every operation has a row and every row an operation; each route's
declared roles are the row's; unauthenticated → 401; wrong role → 403; an allowed role →
neither. Then the relationship dimension: clinical staff without a treatment relationship
are refused a client's chart routes and see rosters without that client."""

import re
import uuid
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.config import Settings
from backend.lib.policy import has_policy
from shared.enums import CLINICAL_ROLES, Role
from tests.conftest import sign_in
from tests.integration.access.route_table import CASELOAD, CHART, ROUTES

pytestmark = [pytest.mark.access, pytest.mark.integrity]

TABLE = {(path, method): (roles, needs) for method, path, roles, needs in ROUTES}
YESTERDAY = date.today() - timedelta(days=1)


def _policies(app: Litestar) -> dict[tuple[str, str], dict[str, Any]]:
    table = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", ()):
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
                table[(path, method)] = handler.opt
    return table


def _operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _roles(written: str) -> frozenset[Role] | None:
    """The row's roles; None for a public route."""
    if written == "PUBLIC":
        return None
    return frozenset(Role) if written == "ANYONE" else frozenset(map(Role, written.split()))


def _concrete(path: str, patient_id: str) -> str:
    path = path.replace("{patient_id}", patient_id)
    return re.sub(r"\{\w+\}", str(uuid.uuid4()), path)


@pytest.fixture
async def matrix_client(settings: Settings):
    app = create_app(replace(settings, mfa_required_roles=frozenset()))
    async with AsyncTestClient(app=app) as client:
        yield app, client


async def test_every_operation_has_a_row_and_every_row_an_operation(matrix_client) -> None:
    app, client = matrix_client
    document = (await client.get("/api/schema/openapi.json")).json()
    operations = set(_operations(document))
    assert len(operations) >= 15
    assert not operations - set(TABLE), f"add a row to route_table.py: {operations - set(TABLE)}"
    assert not set(TABLE) - operations, f"rows for routes that are gone: {set(TABLE) - operations}"
    assert len(ROUTES) == len(TABLE), "a route has two rows"
    policies = _policies(app)
    for operation, (roles, _) in TABLE.items():
        opt = policies[operation]
        assert has_policy(opt), f"{operation} has no access policy"
        declared = None if opt.get("public") else opt["roles"]
        assert declared == _roles(roles), f"{operation}: the route and its row disagree"


async def _patient_everyone_treats(client, database_url: str) -> str:
    """A patient with every test user on the care team, so the matrix tests roles alone."""
    headers = await sign_in(client, "user-clinician")
    body = {"given_name": "Test", "family_name": "Patient", "birth_date": "1990-01-01"}
    patient_id = (await client.post("/api/v1/patients", json=body, headers=headers)).json()["id"]
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO care_team_member (id, patient_id, user_id, role, added_at)"
            " SELECT gen_random_uuid(), $1, id, 'clinician', now() FROM app_user"
            " ON CONFLICT DO NOTHING",
            uuid.UUID(patient_id),
        )
    finally:
        await conn.close()
    return str(patient_id)


async def test_role_by_route_matrix(matrix_client, make_user, database_url: str) -> None:
    _, client = matrix_client
    for role in Role:
        await make_user(f"user-{role.value}", role)
    patient_id = await _patient_everyone_treats(client, database_url)

    headers: dict[Role, dict[str, str]] = {}
    checked = 0
    for (path, method), (written, _) in TABLE.items():
        allowed = _roles(written)
        if allowed is None:
            continue
        url = _concrete(path, patient_id)
        anonymous = await client.request(method, url, json={})
        assert anonymous.status_code == 401, (method, path)
        for role in Role:
            if role not in headers:
                headers[role] = await sign_in(client, f"user-{role.value}")
            response = await client.request(method, url, json={}, headers=headers[role])
            if path == "/api/v1/auth/logout":
                headers.pop(role)
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role, response.text)
            else:
                assert response.status_code == 403, (method, path, role)
            checked += 1
    assert checked >= 8 * len(Role)


# Chart routes reached with the client's id alone; other chart routes (a plan's, a
# consent's id) are refused the same way in their areas' tests.
PROBES = {
    ("/api/fhir/{kind}/{resource_id}", "GET"): "/api/fhir/Patient/{patient_id}",
    ("/api/fhir/{kind}", "GET"): "/api/fhir/Condition?patient={patient_id}",
    ("/api/v1/sessions", "GET"): "/api/v1/sessions?patient_id={patient_id}",
}
# What the chart routes require besides the id (the others ignore it).
QUERY = {"from": YESTERDAY.isoformat(), "to": date.today().isoformat(), "analyte": "Lithium"}


def _chart_probes() -> list[tuple[str, str, frozenset[Role]]]:
    probes = []
    for (path, method), (written, needs) in TABLE.items():
        if needs != CHART or method != "GET":
            continue
        url = PROBES.get((path, method)) or path
        if re.sub(r"\{patient_id\}", "", url.split("?")[0]).count("{"):
            continue
        roles = (_roles(written) or frozenset()) & CLINICAL_ROLES
        probes.append((url, method, roles))
    return probes


async def _stranger_in_a_group(client, make_user) -> dict[str, Any]:
    """A client nobody has a relationship with, enrolled in a group with a session
    yesterday that none of the role users facilitates."""
    await make_user("front", Role.COORDINATOR)
    desk = await sign_in(client, "front")
    body = {"given_name": "Nadia", "family_name": "Strangeways", "birth_date": "1988-08-08"}
    patient = (await client.post("/api/v1/patients", json=body, headers=desk)).json()
    group = (await client.post("/api/v1/groups", json={"name": "Night IOP"}, headers=desk)).json()
    series = {
        "group_id": group["id"],
        "rrule": "FREQ=DAILY;COUNT=1",
        "timezone": "America/New_York",
        "start_local": f"{YESTERDAY.isoformat()}T10:00",
        "duration_minutes": 60,
    }
    session = (await client.post("/api/v1/series", json=series, headers=desk)).json()
    enrolment = {"patient_id": patient["id"], "from_date": YESTERDAY.isoformat()}
    enrolled = await client.post(
        f"/api/v1/groups/{group['id']}/enrollments", json=enrolment, headers=desk
    )
    assert enrolled.status_code == 201, enrolled.text
    return {
        "patient_id": patient["id"],
        "group_id": group["id"],
        "session_id": session["sessions"][0]["id"],
    }


async def test_without_a_relationship_a_client_is_refused_or_left_out(
    matrix_client, make_user
) -> None:
    _, client = matrix_client
    world = await _stranger_in_a_group(client, make_user)
    staff = {}
    for role in CLINICAL_ROLES:
        await make_user(f"user-{role.value}", role)
        staff[role] = await sign_in(client, f"user-{role.value}")

    probes = _chart_probes()
    assert len(probes) >= 20
    for url, method, roles in probes:
        for role in roles:
            path, _, query = url.format(**world).partition("?")
            params = dict(p.split("=") for p in query.split("&") if p)
            if path.startswith("/api/v1/patients/"):  # e.g. per-diem days' range
                params |= QUERY
            answer = await client.request(method, path, params=params, headers=staff[role])
            assert answer.status_code == 403, (url, role, answer.status_code)
            assert answer.json()["type"].endswith("no-patient-relationship"), (url, role)

    caseload = {path for (path, _), (_, needs) in TABLE.items() if needs == CASELOAD}
    mark = "/api/v1/sessions/{session_id}/attendance/{patient_id}"
    assert caseload == {
        "/api/v1/groups/{group_id}/enrollments",
        "/api/v1/sessions/{session_id}/attendance",
        mark,
        "/api/v1/appointments",
    }
    for role, headers in staff.items():
        for path in (
            "/api/v1/groups/{group_id}/enrollments",
            "/api/v1/sessions/{session_id}/attendance",
        ):
            listed = await client.get(path.format(**world), headers=headers)
            assert listed.status_code == 200, (path, role)
            assert world["patient_id"] not in listed.text, (path, role)
        marked = await client.put(mark.format(**world), json={"status": "present"}, headers=headers)
        assert marked.status_code == 403, (mark, role)
