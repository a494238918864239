"""Orchestration of ``emr bench``: a fresh embedded database with the clinic-scale seed,
the API and the bare baseline each served by ``uvicorn --workers N``, every scenario
measured, one table printed and the results written as JSON."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote_plus

import asyncpg
import httpx

from backend import admin
from backend.bench import scenarios
from backend.bench.http import Connection
from backend.bench.load import Result, Scenario, measure

PASSWORD = "Bench-Mark-2026!"  # noqa: S105 - set on bench accounts only
# Fresh accounts each run (a reused database keeps its earlier runs' bookings apart).
RUN = secrets.token_hex(3)
BENCH_USERS = {
    "staff": (f"bench-staff-{RUN}", ["facilitator", "coordinator", "clinician"]),
    "supervisor": (f"bench-supervisor-{RUN}", ["supervisor"]),
}


@dataclass(frozen=True)
class Options:
    workers: int = 2
    concurrency: int = 8
    seconds: float = 5.0
    rounds: int = 200
    warmup: int = 20
    host: str = "127.0.0.1"
    only: str = ""  # run the scenarios whose name contains this (baselines always run)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(command: list[str], env: dict[str, str], health_url: str) -> Iterator[None]:
    """Run a server until the block ends; wait until ``health_url`` answers 200."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[:3]} exited with {process.returncode}")
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{health_url} did not answer in 120 s")
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


async def _sign_in(host: str, port: int, username: str) -> str:
    conn = Connection(host, port)
    body = {"username": username, "password": PASSWORD}
    response = await conn.request("POST", "/api/v1/auth/token", body)
    await conn.close()
    if response.status != 200:
        raise RuntimeError(f"sign-in of {username}: {response.status} {response.body[:200]!r}")
    return str(response.json()["access_token"])


async def _seeded_people(url: str) -> dict[str, tuple[str, str]]:
    """The seeded clinician with the most clients and the busiest facilitator."""
    conn = await asyncpg.connect(url)
    try:
        clinician = await conn.fetchrow(
            """SELECT u.username, u.id::text FROM app_user u
               JOIN care_team_member ct ON ct.user_id = u.id
               WHERE 'clinician' = ANY(u.roles) AND u.username !~ '^bench-(staff|supervisor)-'
               GROUP BY u.username, u.id ORDER BY count(*) DESC, u.username LIMIT 1"""
        )
        facilitator = await conn.fetchrow(
            """SELECT u.username, u.id::text FROM app_user u
               JOIN therapy_group g ON u.id = ANY(g.facilitator_ids)
               WHERE u.username !~ '^bench-(staff|supervisor)-'
               GROUP BY u.username, u.id ORDER BY count(*) DESC, u.username LIMIT 1"""
        )
    finally:
        await conn.close()
    if clinician is None or facilitator is None:
        raise RuntimeError("the bench database holds no seeded clinician or facilitator")
    return {
        "clinician": (clinician[0], clinician[1]),
        "facilitator": (facilitator[0], facilitator[1]),
    }


async def _records(url: str, clinician_id: str) -> tuple[list[str], list[str], list[str]]:
    """The clinician's active plans and clients, and misspelled names of seeded clients."""
    conn = await asyncpg.connect(url)
    try:
        plans = await conn.fetch(
            """SELECT tp.id::text FROM treatment_plan tp
               JOIN care_team_member ct ON ct.patient_id = tp.patient_id
               WHERE ct.user_id = $1::uuid AND tp.status = 'active' ORDER BY tp.id LIMIT 300""",
            clinician_id,
        )
        patients = await conn.fetch(
            """SELECT patient_id::text FROM care_team_member WHERE user_id = $1::uuid
               ORDER BY patient_id LIMIT 300""",
            clinician_id,
        )
        names = await conn.fetch(
            "SELECT given_name, family_name FROM patient ORDER BY id LIMIT 300"
        )
    finally:
        await conn.close()
    # A typo a user makes: one letter of the family name dropped.
    typos = [quote_plus(f"{g} {f[:2] + f[3:] if len(f) > 4 else f}") for g, f in names]
    return [r[0] for r in plans], [r[0] for r in patients], typos


async def _measure_all(
    url: str, options: Options, api_port: int, bare_port: int
) -> tuple[list[Result], scenarios.Target, dict[str, str]]:
    people = await _seeded_people(url)
    for username, _ in people.values():
        await admin.reset_password(url, username, PASSWORD)
    tokens = {
        role: await _sign_in(options.host, api_port, name) for role, (name, _) in people.items()
    }
    for role, (username, _) in BENCH_USERS.items():
        tokens[role] = await _sign_in(options.host, api_port, username)
    staff = await Connection(
        options.host, api_port, {"Authorization": f"Bearer {tokens['staff']}"}
    ).request("GET", "/api/v1/auth/me")
    plans, patients, names = await _records(url, people["clinician"][1])
    target = scenarios.Target(
        host=options.host,
        port=api_port,
        tokens=tokens,
        plans=plans,
        patients=patients,
        names=names,
        facilitator_id=people["facilitator"][1],
        staff_id=str(staff.json()["id"]),
    )
    yesterday = date.today() - timedelta(days=1)
    monday = date.today() - timedelta(days=date.today().weekday())
    runs: list[Scenario] = [
        scenarios.bare_litestar(options.host, bare_port),
        scenarios.asyncpg_pk(url, patients),
        scenarios.plan_read(target),
        scenarios.chart_summary(target),
        scenarios.facilitator_week(target, monday),
        scenarios.note_save(target, yesterday),
        scenarios.series_create(target),
        scenarios.patient_search(target),
        scenarios.report(target, yesterday),
    ]
    if options.only:
        runs = [r for r in runs if r.kind == "baseline" or options.only in r.name]
    results = []
    for scenario in runs:
        print(f"… {scenario.name}", file=sys.stderr, flush=True)
        results.append(
            await measure(
                scenario,
                rounds=options.rounds,
                warmup=options.warmup,
                concurrency=options.concurrency,
                seconds=options.seconds,
            )
        )
    usernames = {role: name for role, (name, _) in people.items()}
    usernames |= {role: name for role, (name, _) in BENCH_USERS.items()}
    return results, target, usernames


def table(results: list[Result]) -> str:
    bare = next(r for r in results if r.name.startswith("baseline: bare"))
    floor = next(r for r in results if r.name.startswith("baseline: asyncpg"))
    head = (
        f"{'scenario':<36}{'p50 ms':>8}{'p99 ms':>8}{'req/s':>8}"
        f"{'x bare':>7}{'x db':>7}{'errors':>7}  goal"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        goal = []
        if r.goal_p50_ms is not None:
            goal.append(f"p50 ≤ {r.goal_p50_ms:g} ms")
        if r.goal_rps is not None:
            goal.append(f"≥ {r.goal_rps:g} req/s")
        verdict = "" if r.goal_met is None else ("met: " if r.goal_met else "MISSED: ")
        lines.append(
            f"{r.name:<36}{r.p50_ms:8.2f}{r.p99_ms:8.2f}{r.rps:8.0f}"
            f"{r.p50_ms / bare.p50_ms:7.1f}{r.p50_ms / floor.p50_ms:7.1f}{r.errors:7d}"
            f"  {verdict}{', '.join(goal)}"
        )
    return "\n".join(lines)


def run(url: str, options: Options, results_path: Path, *, explain: bool = False) -> list[Result]:
    """Serve the API and the bare baseline against ``url`` (already seeded) and measure."""
    for username, roles in BENCH_USERS.values():
        asyncio.run(admin.create_user(url, username, PASSWORD, roles, username))
    env = os.environ | {
        "DATABASE_URL": url,
        "EMR_SECRET_KEY": secrets.token_urlsafe(48),
        "EMR_MFA_REQUIRED_ROLES": "",
        "EMR_ACCESS_TOKEN_MINUTES": "120",
        "EMR_IDLE_TIMEOUT_MINUTES": "120",
        "EMR_LOG_LEVEL": "WARNING",
    }
    api_port, bare_port = free_port(), free_port()
    emr = str(Path(sys.executable).with_name("emr"))
    workers = str(options.workers)
    api = [emr, "api", "--host", options.host, "--port", str(api_port), "--workers", workers]
    bare = [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.bench.bare:app",
        "--host",
        options.host,
        "--port",
        str(bare_port),
        "--workers",
        workers,
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with (
        serving(api, env, f"http://{options.host}:{api_port}/api/v1/health"),
        serving(bare, env, f"http://{options.host}:{bare_port}/bare"),
    ):
        results, target, usernames = asyncio.run(_measure_all(url, options, api_port, bare_port))
        report(results, options, results_path)
        if explain:  # while the API still runs: the note scenario's draft is read through it
            plans_path = results_path.with_name("plans.md")
            plans_path.write_text(asyncio.run(_explain(url, target, usernames)))
            print(f"query plans written to {plans_path}")
    return results


def report(results: list[Result], options: Options, results_path: Path) -> None:
    """Print the table and the errors; write the results as JSON."""
    print(table(results))
    for r in results:
        if r.errors:
            print(f"{r.name}: {r.errors} errors, first: {r.first_error}")
    results_path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "options": asdict(options),
        "cpus": os.cpu_count(),
        "results": [
            {k: v for k, v in asdict(r).items() if k != "samples_ms"} | {"goal_met": r.goal_met}
            for r in results
        ],
    }
    results_path.write_text(json.dumps(document, indent=2))
    print(f"results written to {results_path}", flush=True)


def bench_database(data_dir: Path, *, reuse: bool) -> tuple[str, bool]:
    """The bench's own embedded server (apart from the working database) and a fresh
    ``emr_bench`` database at the newest migration; with ``reuse``, an existing one is
    kept. Returns its URL and whether it still needs the seed."""
    from backend.db import migrate
    from backend.db.embedded import start_embedded

    admin_url = start_embedded(data_dir, database="postgres")

    async def recreate() -> bool:
        conn = await asyncpg.connect(admin_url)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = 'emr_bench'")
            if exists and reuse:
                return False
            await conn.execute("DROP DATABASE IF EXISTS emr_bench WITH (FORCE)")
            await conn.execute("CREATE DATABASE emr_bench")
            return True
        finally:
            await conn.close()

    fresh = asyncio.run(recreate())
    url = start_embedded(data_dir, database="emr_bench")
    if fresh:
        migrate.upgrade(url)
    return url, fresh


async def _explain(url: str, target: scenarios.Target, usernames: dict[str, str]) -> str:
    """One representative request per scenario, its reads under EXPLAIN (ANALYZE, BUFFERS)."""
    from backend.bench import explain

    async def sign_in(client: httpx.AsyncClient, role: str) -> str:
        body = {"username": usernames[role], "password": PASSWORD}
        return str((await client.post("/api/v1/auth/token", json=body)).json()["access_token"])

    monday = date.today() - timedelta(days=date.today().weekday())
    month = (date.today() - timedelta(days=30)).isoformat()
    week = (
        f"/api/v1/sessions?facilitator_id={target.facilitator_id}&from={monday}T00:00:00Z"
        f"&to={monday + timedelta(days=7)}T00:00:00Z"
    )
    conn = await asyncpg.connect(url)
    try:  # the newest draft the note scenario saved, as the UI would send it back
        mine = await conn.fetchrow(
            """SELECT n.id::text, s.group_id::text FROM group_note n
               JOIN group_session s ON s.id = n.session_id
               WHERE n.status = 'draft' AND $1::uuid = ANY(s.facilitator_ids)
               ORDER BY n.created_at DESC LIMIT 1""",
            target.staff_id,
        )
    finally:
        await conn.close()
    requests: list[tuple[str, explain.Request]] = [
        ("clinician", ("read a treatment plan", "GET", f"/api/v1/plans/{target.plans[0]}", None)),
        (
            "clinician",
            ("chart summary", "GET", f"/api/v1/patients/{target.patients[0]}/summary", None),
        ),
        ("facilitator", ("a facilitator's week", "GET", week, None)),
        (
            "clinician",
            ("fuzzy patient search", "GET", f"/api/v1/patients?q={target.names[0]}", None),
        ),
        (
            "supervisor",
            (
                "report: attendance, 30 days",
                "GET",
                f"/api/v1/reports/attendance?from={month}",
                None,
            ),
        ),
    ]
    if mine is not None:  # the draft the note scenario saved (absent with --only)
        note_id, group_id = mine
        api = target.connection("staff")
        note = (await api.request("GET", f"/api/v1/notes/{note_id}")).json()
        await api.close()
        save = {
            "version": note["version"],
            "shared": {"topic": "Explained"},
            "entries": [
                {"patient_id": e["patient_id"], "version": e["version"], "narrative": "Explained"}
                for e in note["entries"]
            ],
        }
        series = {
            "group_id": group_id,
            "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=48",
            "timezone": scenarios.ZONE,
            "start_local": "2600-01-05T09:00",  # clear of the series scenario's dates
            "duration_minutes": 180,
        }
        save_note = ("save a 12-member group note", "PUT", f"/api/v1/notes/{note_id}", save)
        requests[3:3] = [
            ("staff", save_note),
            ("staff", ("create a 48-session series", "POST", "/api/v1/series", series)),
        ]
    return await explain.plans(url, requests, sign_in)


def settle(url: str) -> None:
    """VACUUM (ANALYZE) after the seed: measure the steady state of a clinic, not
    autovacuum catching up with 1.6 million fresh rows during the first scenarios."""

    async def vacuum() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("VACUUM (ANALYZE)")
        finally:
            await conn.close()

    asyncio.run(vacuum())
