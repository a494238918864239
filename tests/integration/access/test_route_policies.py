"""Deny by default, proved from the OpenAPI document: every route has a policy;
unauthenticated → 401; wrong role → 403; an allowed role → neither."""

import re
import uuid
from dataclasses import replace
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.config import Settings
from backend.lib.policy import has_policy
from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.access


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


def _concrete(path: str, patient_id: str) -> str:
    path = path.replace("{patient_id}", patient_id)
    return re.sub(r"\{\w+\}", str(uuid.uuid4()), path)


@pytest.fixture
async def matrix_client(settings: Settings):
    app = create_app(replace(settings, mfa_required_roles=frozenset()))
    async with AsyncTestClient(app=app) as client:
        yield app, client


async def test_every_documented_route_declares_a_policy(matrix_client) -> None:
    app, client = matrix_client
    document = (await client.get("/api/schema/openapi.json")).json()
    policies = _policies(app)
    operations = _operations(document)
    assert len(operations) >= 15
    for operation in operations:
        assert operation in policies, operation
        assert has_policy(policies[operation]), f"{operation} has no access policy"


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
    app, client = matrix_client
    document = (await client.get("/api/schema/openapi.json")).json()
    policies = _policies(app)
    for role in Role:
        await make_user(f"user-{role.value}", role)
    patient_id = await _patient_everyone_treats(client, database_url)

    headers: dict[Role, dict[str, str]] = {}
    checked = 0
    for path, method in _operations(document):
        opt = policies[(path, method)]
        url = _concrete(path, patient_id)
        if opt.get("public"):
            continue
        anonymous = await client.request(method, url, json={})
        assert anonymous.status_code == 401, (method, path)
        for role in Role:
            if role not in headers:
                headers[role] = await sign_in(client, f"user-{role.value}")
            response = await client.request(method, url, json={}, headers=headers[role])
            if path == "/api/v1/auth/logout":
                headers.pop(role)
            if role in opt["roles"]:
                assert response.status_code not in (401, 403), (method, path, role, response.text)
            else:
                assert response.status_code == 403, (method, path, role)
            checked += 1
    assert checked >= 8 * len(Role)
