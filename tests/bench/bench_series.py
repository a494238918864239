"""Benchmark (a script, not a test): create a 16-week Mon/Wed/Fri series (48 sessions) with
conflict checking, against the real app and an embedded PostgreSQL, and compare with a
bare endpoint (GET /api/v1/health) measured in the same run.

    .venv/bin/python -m tests.bench.bench_series [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from litestar.testing import AsyncTestClient

from backend import admin
from backend.app import create_app
from backend.config import get_settings
from backend.db import migrate
from backend.db.embedded import start_embedded

PASSWORD = "Bench-Mark-2026!"


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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


async def main(url: str, rounds: int) -> None:
    await admin.create_user(url, "bench-coordinator", PASSWORD, ["coordinator"], "Bench")
    settings = replace(
        get_settings(),
        database_url=url,
        secret_key="b" * 48,
        mfa_required_roles=frozenset(),
        log_level="WARNING",
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        token = (
            await client.post(
                "/api/v1/auth/token", json={"username": "bench-coordinator", "password": PASSWORD}
            )
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        async def health(_: int) -> None:
            assert (await client.get("/api/v1/health")).status_code == 200

        created: list[float] = []

        async def series(i: int) -> None:
            room = (
                await client.post("/api/v1/rooms", json={"name": f"Room {i}"}, headers=auth)
            ).json()
            group = (
                await client.post("/api/v1/groups", json={"name": f"IOP {i}"}, headers=auth)
            ).json()
            body = {
                "group_id": group["id"],
                "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=48",
                "start_local": "2027-01-04T09:00",
                "timezone": "America/New_York",
                "duration_minutes": 180,
                "room_id": room["id"],
            }
            started = time.perf_counter()
            response = await client.post("/api/v1/series", json=body, headers=auth)
            created.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201 and len(response.json()["sessions"]) == 48

        bare = await _time(rounds, health)
        await _time(rounds, series)
        del created[0]  # the warm-up call

    for name, samples in (("GET /api/v1/health", bare), ("POST /api/v1/series (48)", created)):
        print(
            f"{name:<28} p50 {_percentile(samples, 0.5):8.2f} ms   "
            f"p99 {_percentile(samples, 0.99):8.2f} ms   n={len(samples)}"
        )
    ratio = statistics.median(created) / statistics.median(bare)
    print(f"ratio series/health (p50): {ratio:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    asyncio.run(main(prepare(), parser.parse_args().rounds))
