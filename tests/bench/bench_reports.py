"""Benchmark (a script, not a test): seed one year of a 500-client clinic with the
``emr seed scale`` generator (backend.scale: programs, groups meeting two to five times a
week, attendance, group and progress notes, assessments, plans, charges), then time every
report through the API against GET /api/v1/health in the same run.

    .venv/bin/python -m tests.bench.bench_reports [--rounds 10] [--clients 500] [--groups 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.bench.load import percentile as _percentile
from backend.config import get_settings
from backend.db import migrate
from backend.db.embedded import start_embedded
from backend.scale import SCALE_PASSWORD, seed_scale

ZONE = "America/New_York"
CLIENTS_PER_GROUP = 25  # as in the 5,000-client, 200-group organisation
# Generated staff (backend.scale); this clinician facilitates ten groups.
SUPERVISOR, BILLER, CLINICIAN = "scale-supervisor-001", "scale-biller-001", "scale-clinician-001"


async def _time(rounds: int, call: Callable[[int], Awaitable[None]]) -> list[float]:
    await call(-1)  # warm-up
    samples = []
    for i in range(rounds):
        started = time.perf_counter()
        await call(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def prepare() -> str:
    """A fresh embedded database at the newest migration (synchronous: before the loop)."""
    url = start_embedded(Path(tempfile.mkdtemp(prefix="emr-bench-")))
    migrate.upgrade(url)
    return url


def calls(last: date) -> list[tuple[str, str, str, dict[str, str]]]:
    """(label, user, path under /api/v1/reports, query) of every timed call."""
    month = (last - timedelta(days=29)).isoformat()
    return [
        ("attendance by group", SUPERVISOR, "attendance", {}),
        ("attendance by client", SUPERVISOR, "attendance", {"by": "client"}),
        ("attendance, last 30 days", SUPERVISOR, "attendance", {"from": month}),
        ("census", SUPERVISOR, "census", {}),
        ("unsigned-notes", SUPERVISOR, "unsigned-notes", {}),
        ("plans-due", SUPERVISOR, "plans-due", {}),
        ("assessments-due", SUPERVISOR, "assessments-due", {}),
        ("outcomes", SUPERVISOR, "outcomes", {}),
        ("billable-units", BILLER, "billable-units", {}),
        ("charges-by-status", BILLER, "charges-by-status", {}),
        ("attendance.csv by client", SUPERVISOR, "attendance.csv", {"by": "client"}),
        ("attendance (a clinician)", CLINICIAN, "attendance", {}),
        ("outcomes (a clinician)", CLINICIAN, "outcomes", {}),
    ]


async def main(url: str, rounds: int, clients: int, groups: int) -> None:
    started = time.perf_counter()
    counts = await seed_scale(url, clients=clients, groups=groups, weeks=52, timezone=ZONE)
    seeded = time.perf_counter() - started
    print(f"seeded in {seeded:.1f} s: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    last = date.today() - timedelta(days=1)

    settings = replace(
        get_settings(),
        database_url=url,
        secret_key="b" * 48,
        audit_keys={"bench": "a" * 48},
        audit_key_id="bench",
        mfa_required_roles=frozenset(),
        log_level="WARNING",
        timezone=ZONE,
    )
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        headers = {}
        for username in (SUPERVISOR, BILLER, CLINICIAN):
            body = {"username": username, "password": SCALE_PASSWORD}
            token = (await client.post("/api/v1/auth/token", json=body)).json()["access_token"]
            headers[username] = {"Authorization": f"Bearer {token}"}

        async def health(_: int) -> None:
            assert (await client.get("/api/v1/health")).status_code == 200

        results = [("GET /api/v1/health", await _time(rounds, health), 0)]
        for label, username, path, params in calls(last):
            rows: list[int] = []

            async def report(
                _: int,
                path: str = path,
                params: dict[str, str] = params,
                who: str = username,
                rows: list[int] = rows,
            ) -> None:
                response = await client.get(
                    f"/api/v1/reports/{path}", params=params, headers=headers[who]
                )
                assert response.status_code == 200, response.text
                csv = path.endswith(".csv")
                rows.append(response.text.count("\n") - 1 if csv else len(response.json()))

            results.append((label, await _time(rounds, report), rows[-1]))

    bare = statistics.median(results[0][1])
    print(f"{'call':<28} {'p50 ms':>9} {'p99 ms':>9} {'rows':>6} {'/ health':>9}")
    for label, samples, found in results:
        p50 = _percentile(samples, 0.5)
        print(
            f"{label:<28} {p50:9.2f} {_percentile(samples, 0.99):9.2f} {found:6d}"
            f" {statistics.median(samples) / bare:8.1f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--groups", type=int, help="default: one per 25 clients")
    arguments = parser.parse_args()
    groups = arguments.groups or max(1, arguments.clients // CLIENTS_PER_GROUP)
    asyncio.run(main(prepare(), arguments.rounds, arguments.clients, groups))
