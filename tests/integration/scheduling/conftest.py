from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in


@pytest.fixture
async def coordinator(client: AsyncTestClient, make_user) -> dict[str, str]:
    await make_user("coord", Role.COORDINATOR)
    return await sign_in(client, "coord")


@pytest.fixture
async def room(client: AsyncTestClient, coordinator) -> dict[str, Any]:
    response = await client.post("/api/v1/rooms", json={"name": "Room 1"}, headers=coordinator)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
async def group(client: AsyncTestClient, coordinator) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/groups", json={"name": "IOP Track A"}, headers=coordinator
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
async def clinician_patient(client: AsyncTestClient, make_user) -> str:
    await make_user("doc", Role.CLINICIAN)
    headers = await sign_in(client, "doc")
    body = {"given_name": "Rae", "family_name": "Member", "birth_date": "1990-01-01"}
    response = await client.post("/api/v1/patients", json=body, headers=headers)
    assert response.status_code == 201
    return str(response.json()["id"])
