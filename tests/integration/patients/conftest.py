from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in


@pytest.fixture
async def clinician(client: AsyncTestClient, make_user) -> dict[str, str]:
    await make_user("dr-reyes", Role.CLINICIAN)
    return await sign_in(client, "dr-reyes")


@pytest.fixture
async def admin(client: AsyncTestClient, make_user) -> dict[str, str]:
    await make_user("root", Role.ADMIN)
    return await sign_in(client, "root")


@pytest.fixture
def register(client: AsyncTestClient, clinician) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def make(given: str, family: str, birth_date: str = "1985-06-15", **extra: Any) -> dict:
        body = {"given_name": given, "family_name": family, "birth_date": birth_date} | extra
        response = await client.post("/api/v1/patients", json=body, headers=clinician)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


@pytest.fixture
async def programs(client: AsyncTestClient, admin) -> dict[str, str]:
    ids = {}
    for name, level, part2 in [
        ("Residential", "residential", True),
        ("IOP", "iop", True),
        ("Outpatient", "outpatient", False),
    ]:
        response = await client.post(
            "/api/v1/programs",
            headers=admin,
            json={"name": name, "level_of_care": level, "part2": part2},
        )
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return ids
