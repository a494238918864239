"""PostgreSQL stops, crashes or hangs under load: the API answers 503 problem+json within
its timeouts (never hangs, never a 500), and serves again by itself when the database is
back, on the same process."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from backend import admin
from tests.helpers import free_port, running
from tests.integration.reliability.postgres import own_postgres

pytestmark = pytest.mark.reliability
PASSWORD = "Outage-Drill-2026!"
SLOWEST_ANSWER = 10.0  # seconds; the timeouts below allow at most about 6
RECOVERY = 20.0  # seconds after the database is back
GRACE = 0.5  # seconds
USER = "nightshift"
TIMEOUTS = {
    "EMR_DB_CONNECT_TIMEOUT": "2",
    "EMR_DB_COMMAND_TIMEOUT": "3",
    "EMR_DB_POOL_TIMEOUT": "2",
}
# How the database goes away, for how long (seconds): a clean shutdown ends every session
# at once; a crash skips the checkpoint (recovery on start); a frozen server (SIGSTOP)
# neither refuses nor closes anything, so only the API's own timeouts end the wait.
OUTAGES = [("fast", 1.5), ("immediate", 1.5), ("hang", 6.0)]


@dataclass
class Answer:
    kind: str
    started: float
    ended: float
    status: int  # 0: no HTTP answer at all
    content_type: str = ""
    retry_after: str = ""
    detail: str = ""


class Load:
    """Threads reading and writing through the API until stopped; every answer recorded."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url, self.token = base_url, token
        self.answers: list[Answer] = []
        self.written: dict[str, str] = {}  # patient id -> family name, for 201s only
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._names = itertools.count()
        self._threads = [
            threading.Thread(target=self._loop, args=(kind, pause), daemon=True)
            for kind, pause in (
                ("search", 0.05),
                ("search", 0.05),
                ("me", 0.05),
                ("write", 0.05),
                ("write", 0.05),
                ("write", 0.05),
                ("sign-in", 0.5),
            )
        ]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def wait_for_answers(self, count: int, timeout: float = 20) -> None:
        """Block until the threads have had ``count`` answers (starting them takes a while)."""
        deadline = time.monotonic() + timeout
        while len(self.answers) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.answers) >= count, "the load did not start"

    def _loop(self, kind: str, pause: float) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as api:
            while not self._stop.is_set():
                self._one(kind, api)
                time.sleep(pause)

    def _one(self, kind: str, api: httpx.Client) -> None:
        family = f"Load{next(self._names)}"
        calls: dict[str, Callable[[], httpx.Response]] = {
            "search": lambda: api.get("/api/v1/patients", params={"q": "Before"}),
            "me": lambda: api.get("/api/v1/auth/me"),
            "write": lambda: api.post("/api/v1/patients", json=_patient("Under", family)),
            "sign-in": lambda: api.post(
                "/api/v1/auth/token", json={"username": USER, "password": PASSWORD}
            ),
        }
        started = time.monotonic()
        try:
            response = calls[kind]()
        except httpx.HTTPError as error:
            answer = Answer(kind, started, time.monotonic(), 0, detail=repr(error))
        else:
            answer = Answer(
                kind,
                started,
                time.monotonic(),
                response.status_code,
                response.headers.get("content-type", ""),
                response.headers.get("retry-after", ""),
                _detail(response),
            )
            if kind == "write" and response.status_code == 201:
                with self._lock:
                    self.written[response.json()["id"]] = family
        with self._lock:
            self.answers.append(answer)


def _patient(given: str, family: str) -> dict[str, object]:
    return {
        "given_name": given,
        "family_name": family,
        "birth_date": "1980-05-05",
        "allow_duplicate": True,
    }


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", ""))
    except ValueError:
        return response.text[:200]


def _wait_until_served(api: httpx.Client, deadline: float) -> float:
    while time.monotonic() < deadline:
        if api.get("/api/v1/patients", params={"q": "Before"}).status_code == 200:
            return time.monotonic()
        time.sleep(0.2)
    raise AssertionError(f"the API did not serve again within {RECOVERY} s")


def _check_outage(
    load: Load, stopping: float, down: float, restarting: float, served: float
) -> None:
    answers = load.answers
    assert not [a for a in answers if a.status == 0], "every request must get an HTTP answer"
    slow = [a for a in answers if a.ended - a.started > SLOWEST_ANSWER]
    assert not slow, f"{len(slow)} requests took longer than {SLOWEST_ANSWER} s"
    assert {a.status for a in answers} <= {200, 201, 503}, {a.status for a in answers}
    healthy = [a for a in answers if a.ended < stopping]
    assert healthy and {a.status for a in healthy} <= {200, 201}

    # Answered while the database was away (a request whose last statement ran just before
    # may still succeed a moment later, hence the grace).
    during = [a for a in answers if down + GRACE <= a.ended <= restarting]
    assert len(during) >= 5, f"only {len(during)} requests during the outage"
    assert {"search", "write"} <= {a.kind for a in during}
    for answer in during:
        assert answer.status == 503, answer
        assert answer.content_type.startswith("application/problem+json"), answer
        assert answer.retry_after.isdigit(), answer
    unavailable = [a for a in answers if a.status == 503]
    assert {a.kind for a in unavailable} == {"search", "me", "write", "sign-in"}
    assert {a.detail for a in unavailable} == {"The database is unavailable; retry shortly."}

    after = [a for a in answers if a.started >= served]
    assert after, "load ran after the recovery"
    assert {a.status for a in after} <= {200, 201}, [a for a in after if a.status >= 300][:3]


def test_database_outages_under_load_are_503_and_heal_without_restart(
    tmp_path: Path, project_env: dict[str, str]
) -> None:
    with own_postgres(tmp_path / "db") as postgres:
        env = project_env | {
            "DATABASE_URL": postgres.create_migrated(),
            "EMR_MFA_REQUIRED_ROLES": "",
            **TIMEOUTS,
        }
        roles = ["coordinator", "clinician"]
        asyncio.run(admin.create_user(env["DATABASE_URL"], USER, PASSWORD, roles, "Night Shift"))
        port = free_port()
        with running(["api", "--port", str(port)], env, port, timeout=60) as (url, process):
            api = httpx.Client(base_url=url, timeout=30)
            signed = api.post("/api/v1/auth/token", json={"username": USER, "password": PASSWORD})
            token = signed.json()["access_token"]
            api.headers["Authorization"] = f"Bearer {token}"
            kept = {}
            for i in range(5):
                created = api.post("/api/v1/patients", json=_patient("Before", f"Kept{i}"))
                assert created.status_code == 201, created.text
                kept[created.json()["id"]] = f"Kept{i}"

            for mode, seconds in OUTAGES:
                with Load(url, token) as load:
                    load.wait_for_answers(10)
                    stopping = time.monotonic()
                    postgres.pause() if mode == "hang" else postgres.stop(mode)
                    down = time.monotonic()
                    time.sleep(seconds)
                    restarting = time.monotonic()
                    postgres.resume() if mode == "hang" else postgres.start()
                    served = _wait_until_served(api, restarting + RECOVERY)
                    time.sleep(0.5)
                _check_outage(load, stopping, down, restarting, served)
                kept |= load.written
            assert process.poll() is None, "the API process must survive the outages"

            for patient_id, family in kept.items():
                read = api.get(f"/api/v1/patients/{patient_id}")
                assert read.status_code == 200, read.text
                assert read.json()["family_name"] == family
            api.close()
        log = (tmp_path / f"emr-{port}.log").read_text()
    assert "Traceback" not in log
    assert "database unavailable on" in log
