"""The audit trail against a database superuser: events keyed with a secret kept outside
the database, chains whose newest events cannot vanish unnoticed against a checkpoint,
rotated keys, events from before keying, and writers that do not queue behind one lock.

The attacker here connects as the database's owner (a superuser in the tests), turns the
triggers off and uses the hash formula published in docs/access.md."""

import asyncio
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from backend import admin
from backend.audit.service import record
from backend.db import migrate
from shared.enums import Role
from tests.conftest import sign_in
from tests.helpers import emr

pytestmark = pytest.mark.integrity

CONTENT = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "outcome",
    "ip",
    "user_agent",
    "detail",
)
SHA256_FIELDS = ("id", *CONTENT, "prev_hash")  # the formula before keying, still public
KEYED_FIELDS = ("chain", "seq", "key_id", *CONTENT, "prev_hash")
GENESIS = "0" * 64


def _canonical(row: dict[str, Any], fields: tuple[str, ...]) -> bytes:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat(timespec="microseconds")
        if isinstance(value, uuid.UUID):
            return str(value)
        return value

    document = {name: plain(row.get(name)) for name in fields}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sha256(row: dict[str, Any]) -> str:
    return hashlib.sha256(row["prev_hash"].encode() + _canonical(row, SHA256_FIELDS)).hexdigest()


async def _superuser(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await conn.execute("SET session_replication_role = replica")  # no triggers
    return conn


async def _rows(conn: asyncpg.Connection, where: str = "true", *args: Any) -> list[dict]:
    order = "chain, seq" if await _keyed_schema(conn) else "id"
    rows = await conn.fetch(f"SELECT * FROM audit_event WHERE {where} ORDER BY {order}", *args)  # noqa: S608
    return [dict(r) | {"detail": json.loads(r["detail"])} for r in rows]


async def _keyed_schema(conn: asyncpg.Connection) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'audit_event' AND column_name = 'chain'"
        )
    )


async def _history(client: AsyncTestClient, make_user, reads: int = 8) -> str:
    """A clinician registers a client and opens the chart ``reads`` times."""
    await make_user("rosa", Role.CLINICIAN)
    rosa = await sign_in(client, "rosa")
    body = {"given_name": "Jamie", "family_name": "Rivera", "birth_date": "1988-04-02"}
    patient = (await client.post("/api/v1/patients", json=body, headers=rosa)).json()["id"]
    for _ in range(reads):
        assert (await client.get(f"/api/v1/patients/{patient}", headers=rosa)).status_code == 200
    return str(patient)


@pytest.mark.parametrize("formula", ["public sha256", "guessed key"])
async def test_superuser_who_reattributes_an_event_and_rehashes_is_caught(
    client: AsyncTestClient,
    make_user,
    database_url: str,
    project_env: dict[str, str],
    formula: str,
) -> None:
    await _history(client, make_user)
    env = project_env | {"DATABASE_URL": database_url}
    assert emr("audit", "verify", env=env).returncode == 0

    conn = await _superuser(database_url)
    try:
        keyed = await _keyed_schema(conn)
        target = await conn.fetchrow(
            "SELECT id FROM audit_event WHERE action = 'read' AND entity = 'patient' "
            "ORDER BY id LIMIT 1"
        )
        chain = "chain = (SELECT chain FROM audit_event WHERE id = $1)" if keyed else "$1 > 0"
        rows = await _rows(conn, chain, target["id"])
        prev = GENESIS
        for row in rows:
            if row["id"] >= target["id"]:
                if row["id"] == target["id"]:
                    row["actor_username"] = "mallory"
                row["prev_hash"] = prev
                if formula == "public sha256":
                    row["key_id"] = "sha256"
                    row["hash"] = _sha256(row)
                else:
                    guess = b"guessed-" + b"k" * 40
                    row["hash"] = hmac.new(
                        guess, _canonical(row, KEYED_FIELDS), hashlib.sha256
                    ).hexdigest()
                columns = "actor_username = $2, prev_hash = $3, hash = $4"
                values = [row["id"], row["actor_username"], row["prev_hash"], row["hash"]]
                if keyed:
                    columns += ", key_id = $5"
                    values.append(row["key_id"])
                await conn.execute(f"UPDATE audit_event SET {columns} WHERE id = $1", *values)  # noqa: S608
            prev = row["hash"]
        if keyed:
            await conn.execute(
                "UPDATE audit_chain_head SET hash = $2 WHERE chain = $1", rows[0]["chain"], prev
            )
    finally:
        await conn.close()

    broken = emr("audit", "verify", env=env)
    assert broken.returncode == 1, broken.stdout
    assert broken.stdout.startswith(f"BROKEN at event {target['id']}: "), broken.stdout


async def test_deleting_the_newest_events_is_caught_by_the_chain_heads(
    client: AsyncTestClient, make_user, database_url: str, project_env: dict[str, str]
) -> None:
    await _history(client, make_user)
    conn = await _superuser(database_url)
    try:
        await conn.execute(
            "DELETE FROM audit_event WHERE id IN "
            "(SELECT id FROM audit_event ORDER BY id DESC LIMIT 3)"
        )
    finally:
        await conn.close()
    broken = emr("audit", "verify", env=project_env | {"DATABASE_URL": database_url})
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN at chain "), broken.stdout
    assert "its newest events were deleted" in broken.stdout


async def test_deleting_the_newest_events_is_caught_against_a_checkpoint(
    client: AsyncTestClient,
    make_user,
    database_url: str,
    project_env: dict[str, str],
    tmp_path: Path,
) -> None:
    """A careful superuser keeps a copy of the head rows and puts it back after deleting
    the events written since: the chains then end where they did, and only a checkpoint
    kept elsewhere knows they went further."""
    patient = await _history(client, make_user, reads=3)
    env = project_env | {"DATABASE_URL": database_url}
    earlier, later = tmp_path / "earlier.json", tmp_path / "later.json"
    made = emr("audit", "checkpoint", "--out", str(earlier), env=env)
    assert made.returncode == 0, made.stderr
    conn = await asyncpg.connect(database_url)
    try:
        last_id = await conn.fetchval("SELECT max(id) FROM audit_event")
        heads = await conn.fetch("SELECT * FROM audit_chain_head")
    finally:
        await conn.close()

    rosa = await sign_in(client, "rosa")
    for _ in range(6):
        assert (await client.get(f"/api/v1/patients/{patient}", headers=rosa)).status_code == 200
    assert emr("audit", "checkpoint", "--out", str(later), env=env).returncode == 0
    document = json.loads(later.read_text())
    assert document["events"] > json.loads(earlier.read_text())["events"]
    assert {"taken_at", "key_id", "chains", "mac"} <= set(document)

    conn = await _superuser(database_url)
    try:
        await conn.execute("DELETE FROM audit_event WHERE id > $1", last_id)
        for head in heads:
            await conn.execute(
                "UPDATE audit_chain_head SET seq = $2, hash = $3, key_id = $4, mac = $5 "
                "WHERE chain = $1",
                *head.values(),
            )
    finally:
        await conn.close()

    caught = emr("audit", "verify", "--checkpoint", str(later), env=env)
    assert caught.returncode == 1, caught.stdout
    assert caught.stdout.startswith("BROKEN at chain "), caught.stdout
    assert "the checkpoint saw seq" in caught.stdout and "events were deleted" in caught.stdout
    still = emr("audit", "verify", "--checkpoint", str(earlier), env=env)
    assert still.returncode == 0, still.stdout
    assert still.stdout.startswith("ok ") and "every chain reaches the checkpoint" in still.stdout

    forged = document | {"events": 1}
    later.write_text(json.dumps(forged))
    refused = emr("audit", "verify", "--checkpoint", str(later), env=env)
    assert refused.returncode == 1 and "is not authentic" in refused.stderr, refused.stderr


def _keyed_env(project_env: dict[str, str], url: str, **keys: str) -> dict[str, str]:
    env = {k: v for k, v in project_env.items() if not k.startswith("EMR_AUDIT_")}
    return env | {"DATABASE_URL": url} | {f"EMR_AUDIT_{k.upper()}": v for k, v in keys.items()}


async def test_rotated_keys_verify_with_the_old_key_and_fail_without_it(
    database_url: str, project_env: dict[str, str]
) -> None:
    old, new = "Gm4Xq9Rz2Lv7Tn5Bw8Kc3Hd6Fj1Ps0Ya-Ue", "Pz8Wn2Kq5Tx9Lr3Vb7Mc1Hg6Dj4Fs0Ey-Ua"

    def create(username: str, env: dict[str, str]) -> None:
        made = emr("users", "create", f"--username={username}", "--password=Correct-Horse-42",
                   "--role=clinician", env=env)  # fmt: skip
        assert made.returncode == 0, made.stderr

    await asyncio.to_thread(
        create, "ulla", _keyed_env(project_env, database_url, key=old, key_id="2026-06")
    )
    rotated = _keyed_env(
        project_env, database_url, key=new, key_id="2026-12", old_keys=f"2026-06:{old}"
    )
    await asyncio.to_thread(create, "vera", rotated)
    conn = await asyncpg.connect(database_url)
    try:
        used = {r[0] for r in await conn.fetch("SELECT DISTINCT key_id FROM audit_event")}
    finally:
        await conn.close()
    assert used == {"2026-06", "2026-12"}

    verified = emr("audit", "verify", env=rotated)
    assert verified.returncode == 0 and verified.stdout.startswith("ok "), verified.stdout
    forgotten = emr("audit", "verify", env=rotated | {"EMR_AUDIT_OLD_KEYS": ""})
    assert forgotten.returncode == 1
    assert "hashed with audit key id '2026-06', which is not configured" in forgotten.stdout


async def test_writers_do_not_queue_behind_one_lock_and_no_chain_forks(
    client: AsyncTestClient, make_user, database_url: str, project_env: dict[str, str]
) -> None:
    """While one transaction holds its chain (an audited change not yet committed), other
    audited requests on other connections still complete; afterwards every chain verifies."""
    patient = await _history(client, make_user, reads=0)
    rosa = await sign_in(client, "rosa")

    async def read() -> int:
        return (await client.get(f"/api/v1/patients/{patient}", headers=rosa)).status_code

    async def write_alone(n: int) -> None:
        async with admin.transaction(database_url) as session:
            await record(session, admin.cli_actor(), "read", "test", entity_id=n)

    async with admin.transaction(database_url) as held:
        await record(held, admin.cli_actor(), "update", "test", entity_id="held")
        await record(held, admin.cli_actor(), "update", "test", entity_id="held again")
        statuses = await asyncio.wait_for(
            asyncio.gather(*(read() for _ in range(24)), *(write_alone(n) for n in range(6))),
            timeout=60,
        )
        assert statuses[:24] == [200] * 24

    conn = await asyncpg.connect(database_url)
    try:
        chains = await conn.fetchval(
            "SELECT count(DISTINCT chain) FROM audit_event WHERE action = 'read'"
        )
        held_events = await conn.fetch(
            "SELECT chain, seq FROM audit_event WHERE action = 'update' ORDER BY seq"
        )
    finally:
        await conn.close()
    assert chains > 1
    # One transaction's events stay together in its chain.
    (first, second) = held_events
    assert first["chain"] == second["chain"] and second["seq"] == first["seq"] + 1
    verified = emr("audit", "verify", env=project_env | {"DATABASE_URL": database_url})
    assert verified.returncode == 0, verified.stdout


async def test_events_from_before_keying_still_verify_and_cannot_be_appended(
    database_url: str, project_env: dict[str, str]
) -> None:
    """A database written before migration 0012: its unkeyed events verify after the
    upgrade, keyed events follow them, and an unkeyed event added later is refused."""
    await asyncio.to_thread(_migrate, database_url, "0011")
    conn = await asyncpg.connect(database_url)
    try:
        prev = GENESIS
        for event_id in (1, 2, 3):
            row: dict[str, Any] = {
                "id": event_id,
                "occurred_at": datetime(2026, 11, 1, 9, event_id, tzinfo=UTC),
                "actor_id": None,
                "actor_username": "cli:ops",
                "action": "user_create",
                "entity": "user",
                "entity_id": f"u{event_id}",
                "patient_id": None,
                "outcome": "success",
                "ip": "local",
                "user_agent": "emr",
                "detail": {"roles": ["clinician"]},
                "prev_hash": prev,
            }
            row["hash"] = prev = _sha256(row)
            await _insert(conn, row)
    finally:
        await conn.close()
    await asyncio.to_thread(_migrate, database_url, "head")
    # One chain, so the keyed events follow the old ones in chain 0.
    env = project_env | {"DATABASE_URL": database_url, "EMR_AUDIT_CHAINS": "1"}
    assert emr("audit", "verify", env=env).stdout.strip() == "ok 3 events"
    made = emr("users", "create", "--username=wes", "--password=Correct-Horse-42",
               "--role=clinician", env=env)  # fmt: skip
    assert made.returncode == 0, made.stderr
    verified = emr("audit", "verify", env=env)
    assert verified.returncode == 0 and int(verified.stdout.split()[1]) > 3, verified.stdout

    conn = await _superuser(database_url)
    try:
        last = (await _rows(conn, "chain = 0" if await _keyed_schema(conn) else "true"))[-1]
        forged = last | {
            "id": await conn.fetchval("SELECT max(id) + 1 FROM audit_event"),
            "actor_username": "mallory",
            "occurred_at": datetime(2026, 10, 1, tzinfo=UTC),
            "prev_hash": last["hash"],
        }
        forged |= {"seq": last.get("seq", 0) + 1, "key_id": "sha256", "hash": _sha256(forged)}
        await _insert(conn, forged)
        if await _keyed_schema(conn):
            await conn.execute(
                "UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE chain = 0",
                forged["seq"],
                forged["hash"],
            )
    finally:
        await conn.close()
    broken = emr("audit", "verify", env=env)
    assert broken.returncode == 1
    assert f"BROKEN at event {forged['id']}: unkeyed" in broken.stdout, broken.stdout


async def _insert(conn: asyncpg.Connection, row: dict[str, Any]) -> None:
    """Any row, whatever the schema (columns it lacks are ignored)."""
    await conn.execute(
        "INSERT INTO audit_event SELECT * FROM jsonb_populate_record(null::audit_event, $1)",
        json.dumps(row, default=str),
    )


def _migrate(url: str, revision: str) -> None:
    from alembic import command

    config = migrate.alembic_config(url)
    if revision == "head":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)
