"""One network address cannot spray passwords across many usernames: after a number of
failed sign-ins (or refreshes) it gets 429 with Retry-After until its window ends, in every
API worker, while other addresses sign in as usual."""

from collections.abc import AsyncIterator
from dataclasses import replace

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.config import Settings
from shared.enums import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.reliability
TOKEN = "/api/v1/auth/token"
LIMIT = 5


@pytest.fixture
def limited(settings: Settings) -> Settings:
    """Five failures per address; the test client is the trusted proxy, so X-Forwarded-For
    names the client address as nginx (or the UI server) would."""
    return replace(settings, auth_failures_per_address=LIMIT, trusted_proxies=("testclient",))


@pytest.fixture
async def api(limited: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(limited)) as client:
        yield client


def source(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def spray(api: AsyncTestClient, address: str, count: int = LIMIT) -> list[int]:
    """``count`` wrong passwords from ``address``, each for a different username."""
    return [
        (
            await api.post(
                TOKEN,
                json={"username": f"victim{i}", "password": "Summer-2026!"},
                headers=source(address),
            )
        ).status_code
        for i in range(count)
    ]


async def test_spraying_usernames_from_one_address_is_refused(
    api: AsyncTestClient, make_user, database_url: str
):
    await make_user("rosa", Role.CLINICIAN)
    assert await spray(api, "203.0.113.7") == [401] * LIMIT
    # Even the right password of a real account is refused now, before it is checked.
    refused = await api.post(
        TOKEN, json={"username": "rosa", "password": PASSWORD}, headers=source("203.0.113.7")
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "network address" in refused.json()["detail"]
    assert 800 < int(refused.headers["retry-after"]) <= 901
    # Another address is not affected.
    other = await api.post(
        TOKEN, json={"username": "rosa", "password": PASSWORD}, headers=source("198.51.100.4")
    )
    assert other.status_code == 200
    conn = await asyncpg.connect(database_url)
    try:
        events = await conn.fetch(
            "SELECT ip, outcome FROM audit_event WHERE action = 'address_throttled'"
        )
    finally:
        await conn.close()
    # One audit event when the limit was reached, not one per refused request.
    assert [(e["ip"], e["outcome"]) for e in events] == [("203.0.113.7", "locked")]


async def test_the_limit_is_shared_by_every_api_worker(api: AsyncTestClient, limited: Settings):
    assert await spray(api, "203.0.113.8", LIMIT - 1) == [401] * (LIMIT - 1)
    async with AsyncTestClient(app=create_app(limited)) as second_worker:
        assert await spray(second_worker, "203.0.113.8", 2) == [401, 429]
    assert await spray(api, "203.0.113.8", 1) == [429]


async def test_forged_forwarding_headers_do_not_reset_the_count(settings: Settings, make_user):
    # Default trust: loopback only. The test client is not a trusted proxy, so the
    # X-Forwarded-For it sends is ignored and every try counts against its own address.
    untrusted = replace(settings, auth_failures_per_address=LIMIT)
    async with AsyncTestClient(app=create_app(untrusted)) as api:
        statuses = [
            (
                await api.post(
                    TOKEN,
                    json={"username": f"victim{i}", "password": "Summer-2026!"},
                    headers=source(f"192.0.2.{i}"),
                )
            ).status_code
            for i in range(LIMIT + 1)
        ]
    assert statuses == [401] * LIMIT + [429]


async def test_guessing_refresh_tokens_counts_too(api: AsyncTestClient):
    statuses = [
        (
            await api.post(
                "/api/v1/auth/refresh",
                json={"refresh_token": f"guess-{i}-" + "x" * 30},
                headers=source("203.0.113.9"),
            )
        ).status_code
        for i in range(LIMIT + 1)
    ]
    assert statuses == [401] * LIMIT + [429]
    assert await spray(api, "203.0.113.9", 1) == [429]


async def test_the_address_may_try_again_when_its_window_ends(
    api: AsyncTestClient, make_user, database_url: str
):
    await make_user("rosa", Role.CLINICIAN)
    assert await spray(api, "2001:db8:1:2::7", LIMIT + 1) == [401] * LIMIT + [429]
    # Another address in the same IPv6 /64 is the same client.
    assert await spray(api, "2001:db8:1:2::99", 1) == [429]
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE address_throttle SET window_started_at = now() - interval '16 minutes'"
        )
    finally:
        await conn.close()
    again = await api.post(
        TOKEN, json={"username": "rosa", "password": PASSWORD}, headers=source("2001:db8:1:2::7")
    )
    assert again.status_code == 200
    # The new window starts counting from one again.
    assert await spray(api, "2001:db8:1:2::7", LIMIT) == [401] * LIMIT
