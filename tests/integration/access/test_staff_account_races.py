"""Admins editing one staff account with the same If-Match at the same moment: one wins,
the others are told the account changed (412), and no change is silently overwritten.

"The same moment" is made certain rather than hoped for: the test holds the account's row
while every request is sent, and lets go only once all of them wait on the database."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.integrity

EDITS: list[dict[str, object]] = [
    {"full_name": "Nadia Voss (edited by A)"},
    {"full_name": "Nadia Voss (edited by B)"},
    {"roles": ["supervisor"]},
    {"disabled": True},
    {"roles": ["clinician", "facilitator"]},
]
WAITING = """SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'"""


@asynccontextmanager
async def holding_user_row(
    database_url: str, user_id: uuid.UUID
) -> AsyncIterator[asyncpg.Connection]:
    """Lock the account's row (as a slow concurrent writer would) until the block ends."""
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            await conn.execute("SELECT 1 FROM app_user WHERE id = $1 FOR NO KEY UPDATE", user_id)
            yield conn
    finally:
        await conn.close()


async def waiting(conn: asyncpg.Connection) -> int:
    """Backends of this database waiting on a lock now (not as of this transaction's start:
    activity statistics are a snapshot per transaction unless cleared)."""
    await conn.execute("SELECT pg_stat_clear_snapshot()")
    return int(await conn.fetchval(WAITING))


async def all_at_once(
    database_url: str, user_id: uuid.UUID, requests: list[Awaitable[httpx.Response]]
) -> list[httpx.Response]:
    """Send ``requests`` while the row is held; release it once each waits on a lock."""
    async with holding_user_row(database_url, user_id) as conn:
        sent = [asyncio.ensure_future(r) for r in requests]
        deadline = time.monotonic() + 10
        while await waiting(conn) < len(sent):
            assert time.monotonic() < deadline, "the requests never reached the database"
            await asyncio.sleep(0.02)
    return await asyncio.gather(*sent)


@pytest.fixture
async def nadia(live_client: httpx.AsyncClient, make_user) -> tuple[uuid.UUID, dict[str, str]]:
    """Nadia's account (a clinician, version 1) and the headers of Wes, an admin."""
    await make_user("wes", Role.ADMIN)
    target = await make_user("nadia", Role.CLINICIAN)
    return target.id, await sign_in(live_client, "wes")


async def test_concurrent_edits_with_one_etag_keep_exactly_one(
    live_client: httpx.AsyncClient, nadia: tuple[uuid.UUID, dict[str, str]], database_url: str
) -> None:
    target_id, admin = nadia
    url = f"/api/v1/users/{target_id}"
    stale = admin | {"If-Match": '"1"'}
    answers = await all_at_once(
        database_url, target_id, [live_client.patch(url, json=e, headers=stale) for e in EDITS]
    )
    statuses = [a.status_code for a in answers]
    assert sorted(statuses) == [200] + [412] * (len(EDITS) - 1), statuses
    winner = EDITS[statuses.index(200)]
    stored = (await live_client.get(url, headers=admin)).json()
    assert stored["version"] == 2
    unchanged: dict[str, object] = {"full_name": "", "roles": ["clinician"], "disabled": False}
    assert {k: stored[k] for k in unchanged} == unchanged | winner


async def test_password_reset_beside_an_edit_moves_the_version_twice(
    live_client: httpx.AsyncClient, nadia: tuple[uuid.UUID, dict[str, str]], database_url: str
) -> None:
    """A reset changes the account too: an ETag read before it must no longer match."""
    target_id, admin = nadia
    url = f"/api/v1/users/{target_id}"
    edit, reset = await all_at_once(
        database_url,
        target_id,
        [
            live_client.patch(
                url, json={"full_name": "N. Voss"}, headers=admin | {"If-Match": '"1"'}
            ),
            live_client.post(
                f"{url}/password", json={"new_password": "Fresh-2026-Start"}, headers=admin
            ),
        ],
    )
    assert reset.status_code == 204, reset.text
    assert edit.status_code in (200, 412)
    stored = (await live_client.get(url, headers=admin)).json()
    assert stored["version"] == 1 + 1 + (edit.status_code == 200)
