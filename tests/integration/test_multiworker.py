"""The real ``emr api --workers 2``, as a deployment runs it: two worker processes share one
signing key and one database, so a user never notices which worker answers. A token works
in both, a logout ends the session in both, concurrent edits of one record give exactly one
success, and the audit chain stays whole (docs/deploy.md)."""

import asyncio
import os
import time
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from shared.enums import Role
from tests.conftest import PASSWORD
from tests.helpers import emr, free_port, running

pytestmark = pytest.mark.performance
WORKERS = 2
REQUESTS = 40
CONNECTIONS = 6  # at least this many, and at least one accepted by each worker
READY_SECONDS = 30  # a worker still starting accepts nothing; wait for it this long
ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
ESTABLISHED = "01"  # TCP state in /proc/net/tcp


def _children(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _workers(server_pid: int) -> set[int]:
    """The server's children that run uvicorn workers (not multiprocessing's helpers)."""
    workers = set()
    for child in _children(server_pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.add(child)
        except FileNotFoundError:
            continue
    return workers


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of accepted connections on ``port`` (server side, still open)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == ESTABLISHED:
                inodes.add(fields[9])
    return inodes


def _holding_connections(workers: set[int], port: int) -> set[int]:
    """The workers that hold at least one open client connection on ``port``."""
    inodes = _established_inodes(port)
    holding = set()
    for pid in workers:
        try:
            targets = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except FileNotFoundError:
            continue
        if any(t.startswith("socket:[") and t[8:-1] in inodes for t in targets):
            holding.add(pid)
    return holding


async def _connections_to_every_worker(
    base_url: str, server_pid: int, port: int, stack: AsyncExitStack
) -> tuple[list[httpx.AsyncClient], set[int]]:
    """Clients of one keep-alive connection each, opened one at a time (the kernel decides
    which worker accepts each) until every worker holds one of them; and the workers."""
    clients: list[httpx.AsyncClient] = []
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        http = httpx.AsyncClient(base_url=base_url, limits=ONE_CONNECTION, timeout=10)
        clients.append(await stack.enter_async_context(http))
        assert (await http.get("/api/v1/health")).status_code == 200
        workers = _workers(server_pid)
        if len(clients) >= CONNECTIONS and _holding_connections(workers, port) == workers:
            return clients, workers
        if len(clients) >= 5 * CONNECTIONS:
            await asyncio.sleep(0.2)
    pytest.fail(f"{len(clients)} connections, none accepted by some of {_workers(server_pid)}")


async def _burst(
    base_url: str, headers: dict[str, str], server_pid: int, port: int
) -> tuple[list[int], set[int]]:
    """The status codes of REQUESTS concurrent ``GET /auth/me`` spread over connections held
    by every worker (still held by each afterwards), and those workers."""
    async with AsyncExitStack() as stack:
        clients, workers = await _connections_to_every_worker(base_url, server_pid, port, stack)
        responses = await asyncio.gather(
            *(
                clients[n % len(clients)].get("/api/v1/auth/me", headers=headers)
                for n in range(REQUESTS)
            )
        )
        assert _holding_connections(workers, port) == workers, "a worker lost its connections"
    return [r.status_code for r in responses], workers


async def _sign_in(base_url: str, username: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        body = {"username": username, "password": PASSWORD}
        response = await http.post("/api/v1/auth/token", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _concurrent_edits(base_url: str, headers: dict[str, str], edits: int) -> list[int]:
    """Register a client, then send ``edits`` PATCHes at once, each on its own connection,
    all with the ETag of the registration."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        body = {"given_name": "Wilhelmina", "family_name": "Concurrent", "birth_date": "1980-01-01"}
        created = await http.post("/api/v1/patients", json=body, headers=headers)
    assert created.status_code == 201, created.text
    url = f"/api/v1/patients/{created.json()['id']}"
    if_match = headers | {"If-Match": created.headers["etag"]}
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=base_url, timeout=10))
            for _ in range(edits)
        ]
        responses = await asyncio.gather(
            *(
                http.patch(url, json={"preferred_name": f"Billie {n}"}, headers=if_match)
                for n, http in enumerate(clients)
            )
        )
    return sorted(r.status_code for r in responses)


async def test_two_workers_share_tokens_logouts_and_concurrency_control(
    project_env: dict[str, str], database_url: str, make_user
) -> None:
    await make_user("desk", Role.COORDINATOR)
    env = project_env | {
        "DATABASE_URL": database_url,
        "EMR_SECRET_KEY": "s" * 48,
        "EMR_MFA_REQUIRED_ROLES": "",
    }
    port = free_port()
    args = ["api", "--workers", str(WORKERS), "--port", str(port)]
    with running(args, env, port, timeout=60) as (base_url, server):
        desk = await _sign_in(base_url, "desk")
        statuses, workers = await _burst(base_url, desk, server.pid, port)
        assert len(workers) == WORKERS
        assert statuses == [200] * REQUESTS

        assert await _concurrent_edits(base_url, desk, edits=6) == [200] + [412] * 5

        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            logout = await http.post("/api/v1/auth/logout", headers=desk)
        assert logout.status_code == 204, logout.text
        statuses, workers_after = await _burst(base_url, desk, server.pid, port)
        assert statuses == [401] * REQUESTS
        assert workers_after == workers, "a worker was replaced"

    assert not any(map(_alive, workers)), "a worker outlived the server"
    verified = emr("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("ok ")
