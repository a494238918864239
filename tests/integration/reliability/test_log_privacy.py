"""The server's log carries request ids and outcomes, never patient data or credentials:
the real `emr api` at DEBUG level, driven through reads, searches, updates and errors."""

import logging
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from backend.lib.logs import JsonFormatter
from tests.helpers import emr, free_port, running

pytestmark = pytest.mark.reliability
PASSWORD = "Quiet-Ledger-7731!"
# Distinctive values: any of them in the log is a leak.
GIVEN, FAMILY, NEW_FAMILY = "Wilhelmina", "Zanzibarova", "Quillfeatherton"
BIRTH_DATE = "1961-07-19"
EMAIL = "wilhelmina.z@private-mail.example"
PHONE = "6175550199"
NOTE = "Disclosed relapse after the custody hearing"
GROUP = f"Log privacy {uuid.uuid4().hex[:6]}"


def _leaks(log: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value.lower() in log.lower()]


def _exercise(api: httpx.Client, found: dict[str, str]) -> list[httpx.Response]:
    """Sign in, register, read, search, update, write a note and provoke refusals."""
    pair = api.post("/api/v1/auth/token", json={"username": "logan", "password": PASSWORD})
    found["access token"] = pair.json()["access_token"]
    found["refresh token"] = pair.json()["refresh_token"]
    auth = {"Authorization": f"Bearer {found['access token']}"}
    body = {
        "given_name": GIVEN,
        "family_name": FAMILY,
        "birth_date": BIRTH_DATE,
        "email": EMAIL,
        "phones": [{"number": PHONE}],
    }
    created = api.post("/api/v1/patients", json=body, headers=auth)
    patient = created.json()
    found["MRN"] = patient["mrn"]
    url = f"/api/v1/patients/{patient['id']}"
    start = datetime.now(UTC) - timedelta(hours=2)
    note = {
        "format": "dap",
        "sections": {"data": NOTE},
        "service_start": start.isoformat(),
        "service_end": (start + timedelta(hours=1)).isoformat(),
    }
    me = api.get("/api/v1/auth/me", headers=auth).json()
    return [
        created,
        api.get(url, headers=auth),
        api.get("/api/v1/patients", params={"q": FAMILY}, headers=auth),
        api.get("/api/v1/patients", params={"mrn": patient["mrn"]}, headers=auth),
        api.get("/api/v1/patients", params={"phone": PHONE}, headers=auth),
        api.post(f"{url}/progress-notes", json=note, headers=auth),
        # 409: a possible duplicate, named back to the caller but not to the log.
        api.post("/api/v1/patients", json=body, headers=auth),
        api.patch(url, json={"family_name": NEW_FAMILY}, headers=auth | {"If-Match": '"1"'}),
        # 412: a stale version.
        api.patch(url, json={"given_name": GIVEN + "x"}, headers=auth | {"If-Match": '"1"'}),
        # 422: invalid fields, their values quoted in the answer.
        api.post("/api/v1/patients", json=body | {"email": f"{GIVEN} at nowhere"}, headers=auth),
        api.post("/api/v1/patients", json=body | {"birth_date": "2999-01-01"}, headers=auth),
        # 404: no such chart; and a name where an id belongs, which no route matches.
        api.get(f"/api/v1/patients/{uuid.uuid4()}", headers=auth),
        api.get(f"/api/v1/patients/{FAMILY}/summary", headers=auth),
        # Six requests at once for one group name: one wins, the others are refused by the
        # service's check or, if one slips past it, by the database's unique constraint.
        *_at_once(api, "/api/v1/groups", {"name": GROUP, "facilitator_ids": [me["id"]]}, auth),
        # A wrong password, a forged token, a refresh.
        api.post("/api/v1/auth/token", json={"username": "logan", "password": PASSWORD + "!"}),
        api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {FAMILY}.x.y"}),
        api.post("/api/v1/auth/refresh", json={"refresh_token": found["refresh token"]}),
    ]


def _at_once(
    api: httpx.Client, path: str, body: dict, headers: dict, times: int = 6
) -> list[httpx.Response]:
    with ThreadPoolExecutor(times) as pool:
        futures = [pool.submit(api.post, path, json=body, headers=headers) for _ in range(times)]
        return [f.result() for f in futures]


def test_the_server_log_names_requests_not_patients(project_env: dict[str, str]) -> None:
    env = project_env | {"EMR_MFA_REQUIRED_ROLES": "", "EMR_LOG_LEVEL": "DEBUG"}
    created = emr(
        "users", "create", "--username", "logan", "--password", PASSWORD,
        "--role", "clinician", "--role", "coordinator", env=env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    port = free_port()
    found: dict[str, str] = {}
    with running(["api", "--port", str(port)], env, port, timeout=90) as (url, _):
        api = httpx.Client(base_url=url, timeout=30)
        responses = _exercise(api, found)
        api.close()
    statuses = [r.status_code for r in responses]
    assert statuses[:13] == [201, 200, 200, 200, 200, 201, 409, 200, 412, 422, 422, 404, 404]
    assert sorted(statuses[13:19]) == [201] + [409] * 5
    assert statuses[19:] == [401, 401, 200]
    log = (Path(env["EMR_DATA_DIR"]).parent / f"emr-{port}.log").read_text()
    secrets = {
        "given name": GIVEN,
        "family name": FAMILY,
        "new family name": NEW_FAMILY,
        "birth date": BIRTH_DATE,
        "email": EMAIL,
        "phone": PHONE,
        "note text": NOTE,
        "password": PASSWORD,
    } | found
    assert _leaks(log, secrets) == []
    # Each answer is logged by its route and status, under its request id.
    for response in responses:
        if "x-request-id" in response.headers:
            assert f'"request_id": "{response.headers["x-request-id"]}"' in log
    assert "GET /api/v1/patients/{patient_id} 404" in log
    assert "GET (no route) 404" in log


def test_an_unexpected_error_is_logged_without_the_values_it_quotes() -> None:
    """SQLAlchemy's errors quote the statement's parameters: a 500's trace keeps the frames
    and the error's type, never its message."""
    try:
        raise DBAPIError(
            "INSERT INTO patient (given_name, birth_date) VALUES ($1, $2)",
            (GIVEN, BIRTH_DATE),
            ValueError(f"invalid input for query argument $1: {FAMILY!r}"),
        )
    except DBAPIError:
        record = logging.LogRecord(
            "emr.errors", logging.ERROR, __file__, 1, "unhandled error on %s %s",
            ("POST", "/api/v1/patients"), sys.exc_info(),
        )  # fmt: skip
    line = JsonFormatter().format(record)
    assert _leaks(line, {"given": GIVEN, "family": FAMILY, "birth date": BIRTH_DATE}) == []
    assert "unhandled error on POST /api/v1/patients" in line
    assert "DBAPIError" in line and "test_an_unexpected_error_is_logged" in line
