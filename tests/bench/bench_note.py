"""Benchmark (a script, not a test): save a whole 12-member group note (shared section and
every entry, one transaction) against GET /api/v1/health in the same run.

    .venv/bin/python -m tests.bench.bench_note [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import replace
from datetime import date, timedelta

from litestar.testing import AsyncTestClient

from backend import admin
from backend.app import create_app
from backend.config import get_settings
from tests.bench.bench_series import PASSWORD, _percentile, _time, prepare


async def main(url: str, rounds: int) -> None:
    await admin.create_user(
        url, "bench-facilitator", PASSWORD, ["facilitator", "coordinator", "clinician"], "Bench"
    )
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
                "/api/v1/auth/token", json={"username": "bench-facilitator", "password": PASSWORD}
            )
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        me = (await client.get("/api/v1/auth/me", headers=auth)).json()
        group = (
            await client.post(
                "/api/v1/groups",
                headers=auth,
                json={"name": "Bench group", "facilitator_ids": [me["id"]], "capacity": 20},
            )
        ).json()
        day = date.today() - timedelta(days=1)
        session_id = (
            await client.post(
                "/api/v1/series",
                headers=auth,
                json={
                    "group_id": group["id"],
                    "rrule": "FREQ=DAILY;COUNT=1",
                    "timezone": "America/New_York",
                    "start_local": f"{day.isoformat()}T10:00",
                    "duration_minutes": 90,
                },
            )
        ).json()["sessions"][0]["id"]
        for i in range(12):
            body = {
                "given_name": f"Bench{i}",
                "family_name": "Member",
                "birth_date": "1990-01-01",
                "allow_duplicate": True,
            }
            patient = (await client.post("/api/v1/patients", json=body, headers=auth)).json()
            await client.post(
                f"/api/v1/groups/{group['id']}/enrollments",
                headers=auth,
                json={"patient_id": patient["id"], "from_date": day.isoformat()},
            )
        note_id = (await client.post(f"/api/v1/sessions/{session_id}/note", headers=auth)).json()[
            "id"
        ]
        saved: list[float] = []

        async def health(_: int) -> None:
            assert (await client.get("/api/v1/health")).status_code == 200

        async def save(i: int) -> None:
            note = (await client.get(f"/api/v1/notes/{note_id}", headers=auth)).json()
            body = {
                "version": note["version"],
                "shared": {"topic": f"Round {i}"},
                "entries": [
                    {
                        "patient_id": e["patient_id"],
                        "version": e["version"],
                        "narrative": f"Round {i}: engaged",
                        "participation": "active",
                    }
                    for e in note["entries"]
                ],
            }
            started = time.perf_counter()
            response = await client.put(f"/api/v1/notes/{note_id}", json=body, headers=auth)
            saved.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text

        bare = await _time(rounds, health)
        await _time(rounds, save)
        del saved[0]  # the warm-up call

    for name, samples in (("GET /api/v1/health", bare), ("PUT /api/v1/notes/{id} (12)", saved)):
        print(
            f"{name:<28} p50 {_percentile(samples, 0.5):8.2f} ms   "
            f"p99 {_percentile(samples, 0.99):8.2f} ms   n={len(samples)}"
        )
    print(
        f"ratio note save/health (p50): {statistics.median(saved) / statistics.median(bare):.1f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    asyncio.run(main(prepare(), parser.parse_args().rounds))
