"""SIGKILL of the API in the middle of concurrent note saves, signing, entry edits and
series creation leaves every request's writes all there or not at all.

Each request writes one recognisable token into every part it touches, so a partial write
shows as two tokens in one note (or one entry); series carry their own expected session
count in their rule. The database is checked directly after the last restart."""

from __future__ import annotations

import asyncio
import random
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

import asyncpg
import httpx
import pytest
from sqlmodel import select

from backend import admin
from backend.notes import service as notes
from backend.notes.models import GroupNote
from tests.helpers import emr, free_port, running, stop

pytestmark = pytest.mark.reliability
PASSWORD = "Power-Cut-2026!"
KILLS = 3
MEMBERS = 12
NOTE_WRITERS = 3
NOTES_PER_WRITER = 3
SERIES_WRITERS = 3


@dataclass
class Clinic:
    """What the setup made, by id."""

    notes: list[str]  # whole-note saves and signing
    patched_note: str  # one entry at a time
    group: str  # the group of the contended series
    rooms: list[str]
    facilitators: list[str]


@dataclass
class NoteLog:
    """Per note, the tokens sent in order, the last one acknowledged, and signing."""

    attempts: list[str] = field(default_factory=list)
    acked: str = ""
    signed: bool = False


class Writers:
    """Threads writing through the API; an answer-less request (the API was killed) is
    simply tried again with fresh data once the API is back."""

    def __init__(self, base_url: str, token: str, clinic: Clinic) -> None:
        self.base_url, self.token, self.clinic = base_url, token, clinic
        self.notes = {note_id: NoteLog() for note_id in clinic.notes}
        self.series: dict[str, int] = {}  # acknowledged series -> sessions it must have
        self.refused = 0  # series refused as conflicts
        self.successes = 0
        self.errors: list[str] = []  # unexpected answers; each ends its thread
        self._stop = threading.Event()
        self._lock = threading.Lock()
        per = NOTES_PER_WRITER
        jobs: list[Callable[[httpx.Client], None]] = [
            partial(self._save_notes, mine=clinic.notes[i * per : (i + 1) * per])
            for i in range(NOTE_WRITERS)
        ]
        jobs.append(self._patch_entries)
        jobs += [
            partial(self._create_series, rng=random.Random(seed)) for seed in range(SERIES_WRITERS)
        ]
        self._threads = [threading.Thread(target=self._run, args=(job,)) for job in jobs]

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def wait_for(self, successes: int, timeout: float = 30) -> None:
        target = self.successes + successes
        deadline = time.monotonic() + timeout
        while self.successes < target and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.successes >= target, f"the writers made no progress: {self.errors}"

    def _run(self, job: Callable[[httpx.Client], None]) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as api:
            while not self._stop.is_set():
                try:
                    job(api)
                except httpx.TransportError:
                    time.sleep(0.2)  # killed or restarting
                except AssertionError as error:
                    self.errors.append(str(error))
                    return

    def _ok(self, response: httpx.Response, *statuses: int) -> bool:
        assert response.status_code in statuses or response.status_code < 300, response.text
        if response.status_code < 300:
            with self._lock:
                self.successes += 1
            return True
        return False

    def _save_notes(self, api: httpx.Client, mine: list[str]) -> None:
        """Save a writer's notes whole, signing each now and then (the last stays a draft)."""
        note_id = next((n for n in mine if not self.notes[n].signed), mine[-1])
        note = api.get(f"/api/v1/notes/{note_id}").json()
        if note["status"] == "signed":
            self.notes[note_id].signed = True
            return
        log = self.notes[note_id]
        token = f"{note_id[:8]}-{len(log.attempts)}"
        log.attempts.append(token)
        body = {
            "version": note["version"],
            "shared": {"topic": token, "group_process": token},
            "entries": [
                {
                    "patient_id": e["patient_id"],
                    "version": e["version"],
                    "participation": "active",
                    "narrative": token,
                }
                for e in note["entries"]
            ],
        }
        if not self._ok(api.put(f"/api/v1/notes/{note_id}", json=body), 412):
            return
        log.acked = token
        signing = note_id != mine[-1] and random.random() < 0.2
        if signing and self._ok(api.post(f"/api/v1/notes/{note_id}/sign")):
            log.signed = True

    def _patch_entries(self, api: httpx.Client) -> None:
        note = api.get(f"/api/v1/notes/{self.clinic.patched_note}").json()
        for entry in note["entries"]:
            mark = random.randrange(10**6)
            response = api.patch(
                f"/api/v1/notes/{self.clinic.patched_note}/entries/{entry['patient_id']}",
                json={"affect": f"a{mark}", "behaviour": f"b{mark}", "narrative": f"n{mark}"},
                headers={"If-Match": f'"{entry["version"]}"'},
            )
            self._ok(response, 412)

    def _create_series(self, api: httpx.Client, rng: random.Random) -> None:
        """Series competing for two rooms and two facilitators: most overlap another."""
        count = rng.randint(2, 5)
        day = date.today() + timedelta(days=30 + rng.randrange(40))
        body = {
            "group_id": self.clinic.group,
            "rrule": f"FREQ=DAILY;COUNT={count}",
            "timezone": "America/New_York",
            "start_local": f"{day.isoformat()}T{rng.randint(8, 16):02d}:{rng.choice(['00', '30'])}",
            "duration_minutes": 90,
            "room_id": rng.choice(self.clinic.rooms),
            "facilitator_ids": rng.sample(self.clinic.facilitators, rng.randint(1, 2)),
        }
        response = api.post("/api/v1/series", json=body)
        if self._ok(response, 409):
            with self._lock:
                self.series[response.json()["id"]] = count
        else:
            self.refused += 1


def _setup(api: httpx.Client, facilitators: list[str]) -> Clinic:
    me = api.get("/api/v1/auth/me").json()
    group = api.post(
        "/api/v1/groups",
        json={"name": "Crash group", "facilitator_ids": [me["id"]], "capacity": 20},
    ).json()
    start = date.today() - timedelta(days=12)
    sessions = api.post(
        "/api/v1/series",
        json={
            "group_id": group["id"],
            "rrule": f"FREQ=DAILY;COUNT={NOTE_WRITERS * NOTES_PER_WRITER + 1}",
            "timezone": "America/New_York",
            "start_local": f"{start.isoformat()}T10:00",
            "duration_minutes": 60,
        },
    ).json()["sessions"]
    for i in range(MEMBERS):
        body = {
            "given_name": f"Member{chr(65 + i)}",
            "family_name": "Crash",
            "birth_date": "1990-01-01",
            "allow_duplicate": True,
        }
        patient = api.post("/api/v1/patients", json=body).json()
        enrolled = api.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            json={
                "patient_id": patient["id"],
                "from_date": (start - timedelta(days=1)).isoformat(),
            },
        )
        assert enrolled.status_code < 300, enrolled.text
        for s in sessions:  # signing needs every member's attendance
            mark = api.put(
                f"/api/v1/sessions/{s['id']}/attendance/{patient['id']}",
                json={"status": "present"},
            )
            assert mark.status_code == 200, mark.text
    notes = [str(api.post(f"/api/v1/sessions/{s['id']}/note").json()["id"]) for s in sessions]
    contended = api.post("/api/v1/groups", json={"name": "Contended", "capacity": 20}).json()
    rooms = [api.post("/api/v1/rooms", json={"name": f"Room {n}"}).json()["id"] for n in "AB"]
    return Clinic(notes[:-1], notes[-1], contended["id"], rooms, facilitators)


def _token(api: httpx.Client, username: str = "crasher") -> str:
    signed = api.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return str(signed.json()["access_token"])


def _check_notes_through_api(api: httpx.Client, writers: Writers) -> None:
    for note_id, log in writers.notes.items():
        note = api.get(f"/api/v1/notes/{note_id}").json()
        assert len(note["entries"]) == MEMBERS
        tokens = {note["topic"], note["group_process"]} | {e["narrative"] for e in note["entries"]}
        assert len(tokens) == 1, f"a partial save of note {note_id}: {tokens}"
        (token,) = tokens
        acked_at = log.attempts.index(log.acked) if log.acked else 0
        assert token in ([""] if not log.acked else []) + log.attempts[acked_at:], (
            f"note {note_id} lost an acknowledged save: {token} (acked {log.acked})"
        )
        if log.signed:
            assert note["status"] == "signed"
        signed = note["status"] == "signed"
        assert signed == all((note["signed_by"], note["signed_at"], note["content_hash"]))
    patched = api.get(f"/api/v1/notes/{writers.clinic.patched_note}").json()
    for entry in patched["entries"]:
        marks = {entry["affect"][1:], entry["behaviour"][1:], entry["narrative"][1:]}
        assert len(marks) == 1, f"a partial entry edit: {entry}"


async def _check_database(url: str, writers: Writers) -> None:
    async with admin.transaction(url) as session:
        signed = (await session.exec(select(GroupNote).where(GroupNote.status == "signed"))).all()
        for note in signed:
            assert await notes.verify(session, note), f"note {note.id} no longer matches its hash"
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            """SELECT se.id, se.rrule, se.room_id, se.facilitator_ids, count(s.id) AS sessions
               FROM series se LEFT JOIN group_session s ON s.series_id = se.id GROUP BY se.id"""
        )
        for row in rows:
            count = re.search(r"COUNT=(\d+)", row["rrule"])
            assert count and row["sessions"] == int(count[1]), f"half a series: {dict(row)}"
        kept = {str(row["id"]) for row in rows}
        assert set(writers.series) <= kept, "an acknowledged series was lost"
        orphans = await conn.fetchval(
            "SELECT count(*) FROM group_session s LEFT JOIN series se ON se.id = s.series_id"
            " WHERE se.id IS NULL"
        )
        assert orphans == 0, "sessions without their series"
        unbooked = await conn.fetch(
            """SELECT s.id FROM group_session s
               WHERE (SELECT count(*) FROM booking b
                      WHERE b.session_id = s.id AND b.during = tstzrange(s.starts_at, s.ends_at))
                     <> (s.room_id IS NOT NULL)::int + cardinality(s.facilitator_ids)"""
        )
        assert not unbooked, f"sessions missing bookings: {unbooked[:3]}"
        doubles = await conn.fetch(
            """SELECT a.id, b.id FROM booking a JOIN booking b
               ON a.resource_id = b.resource_id AND a.id < b.id AND a.during && b.during"""
        )
        assert not doubles, f"double bookings: {doubles[:3]}"
    finally:
        await conn.close()


def _kill_under_load(
    writers: Writers, process: subprocess.Popen[bytes], rng: random.Random
) -> None:
    writers.wait_for(10)
    time.sleep(rng.uniform(0.05, 0.5))
    stop(process, signal.SIGKILL)


def test_killing_the_api_under_load_leaves_no_partial_writes(
    project_env: dict[str, str], database_url: str
) -> None:
    env = project_env | {"DATABASE_URL": database_url, "EMR_MFA_REQUIRED_ROLES": ""}
    roles = ["facilitator", "coordinator", "clinician"]
    asyncio.run(admin.create_user(database_url, "crasher", PASSWORD, roles, "Crash Tester"))
    facilitators = [
        str(
            asyncio.run(
                admin.create_user(database_url, f"fac{n}", PASSWORD, ["facilitator"], "")
            ).id
        )
        for n in "xy"
    ]
    port = free_port()
    serve = ["api", "--port", str(port)]
    rng = random.Random(3)
    # Each restart runs inside the block of the process it replaces (killed by then).
    with running(serve, env, port, timeout=60) as (url, process):
        api = httpx.Client(base_url=url, timeout=30)
        token = _token(api)
        api.headers["Authorization"] = f"Bearer {token}"
        with Writers(url, token, _setup(api, facilitators)) as writers:
            _kill_under_load(writers, process, rng)
            for _ in range(KILLS - 1):
                with running(serve, env, port, timeout=60) as (_, process):
                    _kill_under_load(writers, process, rng)
            with running(serve, env, port, timeout=60):
                writers.wait_for(10)
                writers.stop()
                _check_notes_through_api(api, writers)
        api.close()
    assert not writers.errors, writers.errors
    assert writers.series and writers.refused, "the series must have competed for resources"
    assert any(log.signed for log in writers.notes.values())
    asyncio.run(_check_database(database_url, writers))
    verified = emr("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
