"""The scenarios of ``emr bench`` and its two baselines. Each scenario picks its records
from the seeded clinic (or makes its own through the API, untimed) and returns one
simulated user per connection. Every call checks its status: a wrong answer is an error,
never a fast sample."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg

from backend.bench.http import Connection
from backend.bench.load import Call, Scenario

ZONE = "America/New_York"


@dataclass
class Target:
    """Where the API is, who signs in, and the seeded records the scenarios read."""

    host: str
    port: int
    tokens: dict[str, str]  # bench role → access token
    plans: list[str] = field(default_factory=list)  # the clinician's active plan ids
    patients: list[str] = field(default_factory=list)  # the clinician's clients
    names: list[str] = field(default_factory=list)  # misspelled client names
    facilitator_id: str = ""
    staff_id: str = ""

    def connection(self, role: str) -> Connection:
        return Connection(self.host, self.port, {"Authorization": f"Bearer {self.tokens[role]}"})


async def expect(conn: Connection, method: str, path: str, status: int, body: Any = None) -> Any:
    response = await conn.request(method, path, body)
    if response.status != status:
        raise AssertionError(f"{method} {path} → {response.status}: {response.body[:200]!r}")
    return response.json() if response.body else None


def _round_robin(conn: Connection, paths: list[str]) -> Call:
    async def call(i: int) -> None:
        await expect(conn, "GET", paths[i % len(paths)], 200)

    return call


def plan_read(target: Target) -> Scenario:
    async def user(k: int) -> Call:
        paths = [f"/api/v1/plans/{p}" for p in target.plans[k::3] or target.plans]
        return _round_robin(target.connection("clinician"), paths)

    return Scenario("read a treatment plan", user, goal_p50_ms=8, goal_rps=400)


def chart_summary(target: Target) -> Scenario:
    async def user(k: int) -> Call:
        paths = [f"/api/v1/patients/{p}/summary" for p in target.patients[k::3] or target.patients]
        return _round_robin(target.connection("clinician"), paths)

    return Scenario("chart summary", user)


def facilitator_week(target: Target, monday: date) -> Scenario:
    async def user(k: int) -> Call:
        weeks = [monday - timedelta(weeks=w) for w in range(4)]
        paths = [
            f"/api/v1/sessions?facilitator_id={target.facilitator_id}"
            f"&from={m.isoformat()}T00:00:00Z&to={(m + timedelta(days=7)).isoformat()}T00:00:00Z"
            for m in weeks
        ]
        return _round_robin(target.connection("facilitator"), paths)

    return Scenario("a facilitator's week", user)


def patient_search(target: Target) -> Scenario:
    async def user(k: int) -> Call:
        paths = [f"/api/v1/patients?q={name}" for name in target.names[k::3] or target.names]
        conn = target.connection("clinician")

        async def call(i: int) -> None:
            found = await expect(conn, "GET", paths[i % len(paths)], 200)
            if not found["items"]:
                raise AssertionError(f"no match for {paths[i % len(paths)]}")

        return call

    return Scenario("fuzzy patient search", user, goal_p50_ms=15)


def report(target: Target, last: date) -> Scenario:
    async def user(k: int) -> Call:
        month = (last - timedelta(days=29)).isoformat()
        path = f"/api/v1/reports/attendance?from={month}&to={last.isoformat()}"
        return _round_robin(target.connection("supervisor"), [path])

    return Scenario("report: attendance, 30 days", user)


async def _group_of_twelve(conn: Connection, target: Target, label: str, day: date) -> str:
    """A new group with twelve new clients enrolled from ``day`` (setup, not timed)."""
    group = await expect(
        conn,
        "POST",
        "/api/v1/groups",
        201,
        {"name": f"Bench {label}", "facilitator_ids": [target.staff_id], "capacity": 12},
    )
    for n in range(12):
        patient = await expect(
            conn,
            "POST",
            "/api/v1/patients",
            201,
            {
                "given_name": f"Bench{label}",
                "family_name": f"Member{n}",
                "birth_date": "1990-01-01",
                "allow_duplicate": True,
            },
        )
        await expect(
            conn,
            "POST",
            f"/api/v1/groups/{group['id']}/enrollments",
            201,
            {"patient_id": patient["id"], "from_date": day.isoformat()},
        )
    return str(group["id"])


def note_save(target: Target, yesterday: date) -> Scenario:
    async def user(k: int) -> Call:
        conn = target.connection("staff")
        label = f"note {uuid.uuid4().hex[:8]}"
        group_id = await _group_of_twelve(conn, target, label, yesterday)
        series = await expect(
            conn,
            "POST",
            "/api/v1/series",
            201,
            {
                "group_id": group_id,
                "rrule": "FREQ=DAILY;COUNT=1",
                "timezone": ZONE,
                "start_local": f"{yesterday.isoformat()}T{6 + k % 12:02d}:05",
                "duration_minutes": 50,
            },
        )
        session_id = series["sessions"][0]["id"]
        note = await expect(conn, "POST", f"/api/v1/sessions/{session_id}/note", 200)
        path = f"/api/v1/notes/{note['id']}"

        async def call(i: int) -> None:
            nonlocal note
            body = {
                "version": note["version"],
                "shared": {"topic": f"Coping skills, round {i}", "group_process": "Engaged"},
                "entries": [
                    {
                        "patient_id": e["patient_id"],
                        "version": e["version"],
                        "narrative": f"Round {i}: shared a coping plan and practised it.",
                        "participation": "active",
                    }
                    for e in note["entries"]
                ],
            }
            note = await expect(conn, "PUT", path, 200, body)

        return call

    return Scenario("save a 12-member group note", user, goal_p50_ms=25)


def series_create(target: Target) -> Scenario:
    dates = itertools.count()
    first = date(2031, 1, 6)  # a Monday, clear of the seeded clinic

    async def user(k: int) -> Call:
        conn = target.connection("staff")
        group_id = await _group_of_twelve(conn, target, f"series {uuid.uuid4().hex[:8]}", first)

        async def call(i: int) -> None:
            start = first + timedelta(weeks=17 * next(dates))
            created = await expect(
                conn,
                "POST",
                "/api/v1/series",
                201,
                {
                    "group_id": group_id,
                    "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=48",
                    "timezone": ZONE,
                    "start_local": f"{start.isoformat()}T09:00",
                    "duration_minutes": 180,
                },
            )
            if len(created["sessions"]) != 48:
                raise AssertionError(f"{len(created['sessions'])} sessions, not 48")

        return call

    return Scenario("create a 48-session series", user, goal_p50_ms=60)


def bare_litestar(host: str, port: int) -> Scenario:
    async def user(k: int) -> Call:
        return _round_robin(Connection(host, port), ["/bare"])

    return Scenario("baseline: bare Litestar JSON", user, kind="baseline")


def asyncpg_pk(url: str, ids: list[str]) -> Scenario:
    async def user(k: int) -> Call:
        conn = await asyncpg.connect(url)
        keys = [uuid.UUID(i) for i in ids]

        async def call(i: int) -> None:
            row = await conn.fetchrow(
                "SELECT id, given_name, family_name, birth_date FROM patient WHERE id = $1",
                keys[i % len(keys)],
            )
            if row is None:
                raise AssertionError("patient not found")

        return call

    return Scenario("baseline: asyncpg primary-key query", user, kind="baseline")
