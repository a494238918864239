"""Hostile input gets a clear 4xx problem, never a 500, a hang or a file it should not see:
JSON nested a hundred thousand levels deep, bodies over the size limit (sent whole or
chunked), text PostgreSQL cannot store, path traversal in upload names and URLs. Text
that is merely unusual (emoji, RTL, combining marks, SQL and HTML) is kept exactly."""

from __future__ import annotations

import socket
import time
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in
from tests.helpers import free_port, serving

pytestmark = pytest.mark.reliability

LIMIT = 1_048_576  # EMR_MAX_BODY_BYTES default
QUICK = 5.0  # seconds; a refusal that takes longer is a denial of service
PROBLEM = "application/problem+json"
DEEP = 100_000

HOSTILE_NAMES = {
    "combining (NFD)": unicodedata.normalize("NFD", "Zoë Amélie"),
    "precomposed (NFC)": unicodedata.normalize("NFC", "Zoë Amélie"),
    "emoji with ZWJ": "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 Family",
    "right-to-left": "\u0645\u0631\u064a\u0645 \u202eevil",
    "astral plane": "\U0001d56c\U0001d589\U0001d586 \U0002070e",
    "BOM inside": "\ufeffAda",
    "SQL": "'; DROP TABLE patient;--",
    "SQL or": "' OR 1=1 --",
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def staff(client: AsyncTestClient, make_user: Any) -> dict[str, str]:
    await make_user("mallory", Role.ADMIN, Role.CLINICIAN, Role.COORDINATOR, Role.AUDITOR)
    return await sign_in(client, "mallory")


NESTED = {
    "arrays": "[" * DEEP + "]" * DEEP,
    "objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "with NUL": '{"given_name":"\\u0000","x":' + "[" * DEEP + "]" * DEEP + "}",
    "with surrogate": '{"given_name":"\\ud800","x":' + "[" * DEEP + "]" * DEEP + "}",
    "just over the limit": '{"x":' + "[" * 64 + "]" * 64 + "}",
}
NESTED_TARGETS = [
    ("/api/v1/patients", "application/json"),
    ("/api/v1/patients", "text/plain"),  # the handler would still parse it as JSON
    ("/api/v1/imports?source_system=x", "application/fhir+json"),
    ("/api/v1/auth/token", "application/json"),
]


async def test_deeply_nested_json_is_a_quick_400(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    for label, body in NESTED.items():
        for path, content_type in NESTED_TARGETS:
            started = time.monotonic()
            response = await client.post(
                path, content=body.encode(), headers=staff | {"content-type": content_type}
            )
            assert time.monotonic() - started < QUICK, (label, path)
            detail = _problem(response, 400)["detail"]
            assert "nested deeper than 64 levels" in detail, (label, path, detail)
    at_the_limit = '{"given_name":"Deep","x":' + "[" * 63 + "]" * 63 + "}"
    response = await client.post(
        "/api/v1/patients",
        content=at_the_limit,
        headers=staff | {"content-type": "application/json"},
    )
    assert response.status_code == 422  # parsed, then refused for what it lacks


async def test_text_postgresql_cannot_store_is_refused_naming_the_field(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    def post(raw: bytes) -> Any:
        return client.post(
            "/api/v1/patients", content=raw, headers=staff | {"content-type": "application/json"}
        )

    body = b'{"given_name":"Ada","family_name":"%s","birth_date":"1990-01-01"}'
    for text in (b"\\ud800", b"x\\udfff", b"\\ud83d"):  # lone halves; a pair is fine
        problem = _problem(await post(body % text), 422)
        assert problem["errors"][0]["field"] == "family_name"
        assert "surrogate" in problem["errors"][0]["message"]
    assert (await post(body % b"\\ud83d\\ude00")).status_code == 201
    assert "UTF-8" in _problem(await post(body % b"\xff\xfe"), 400)["detail"]
    bom = _problem(await post(b"\xef\xbb\xbf" + body % b"Bom"), 400)
    assert "byte order mark" in bom["detail"]


async def test_hostile_text_is_stored_and_returned_verbatim(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    ids: dict[str, str] = {}
    for label, name in HOSTILE_NAMES.items():
        body = {
            "given_name": name,
            "family_name": f"Hostile {len(ids)}",
            "birth_date": "1990-01-01",
            "preferred_name": name,
            "allow_duplicate": True,
        }
        created = await client.post("/api/v1/patients", json=body, headers=staff)
        assert created.status_code == 201, (label, created.text)
        ids[label] = created.json()["id"]
    for label, name in HOSTILE_NAMES.items():
        read = (await client.get(f"/api/v1/patients/{ids[label]}", headers=staff)).json()
        assert (read["given_name"], read["preferred_name"]) == (name, name), label
    # Stored as sent: the NFD and NFC spellings stay distinct code points...
    nfd = (await client.get(f"/api/v1/patients/{ids['combining (NFD)']}", headers=staff)).json()
    assert nfd["given_name"] != HOSTILE_NAMES["precomposed (NFC)"]
    # ...while search folds both, so either spelling finds both.
    found = await client.get(
        "/api/v1/patients", params={"q": HOSTILE_NAMES["precomposed (NFC)"]}, headers=staff
    )
    assert {ids["combining (NFD)"], ids["precomposed (NFC)"]} <= {
        item["id"] for item in found.json()["items"]
    }
    for label, name in HOSTILE_NAMES.items():
        search = await client.get("/api/v1/patients", params={"q": name}, headers=staff)
        assert search.status_code == 200, (label, search.text)
    for label in ("SQL", "SQL or", "script", "img"):
        search = await client.get(
            "/api/v1/patients", params={"q": HOSTILE_NAMES[label]}, headers=staff
        )
        assert [item["id"] for item in search.json()["items"]][:1] == [ids[label]], label
    everyone = await client.get("/api/v1/patients", params={"limit": 100}, headers=staff)
    assert len(everyone.json()["items"]) == len(HOSTILE_NAMES)  # the table is still there


async def test_note_narrative_with_hostile_text_round_trips(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    body = {"given_name": "Nora", "family_name": "Narrative", "birth_date": "1990-01-01"}
    patient = (await client.post("/api/v1/patients", json=body, headers=staff)).json()
    narrative = "\n".join(HOSTILE_NAMES.values()) + "\n\ttabbed\r\nCRLF line"
    start = datetime.now(UTC) - timedelta(hours=2)
    created = await client.post(
        f"/api/v1/patients/{patient['id']}/progress-notes",
        headers=staff,
        json={
            "format": "dap",
            "service_start": start.isoformat(),
            "service_end": (start + timedelta(minutes=50)).isoformat(),
            "sections": {"data": narrative, "plan": HOSTILE_NAMES["script"]},
        },
    )
    assert created.status_code == 201, created.text
    read = await client.get(f"/api/v1/progress-notes/{created.json()['id']}", headers=staff)
    sections = read.json()["sections"]
    assert (sections["data"], sections["plan"]) == (narrative, HOSTILE_NAMES["script"])


def hostile_plan(text: str) -> dict[str, Any]:
    """A one-objective plan whose every free-text field is ``text``."""
    objective = {
        "text": text,
        "kind": "rating",
        "baseline": 3,
        "target": 7,
        "direction": "increase",
        "target_date": (date.today() + timedelta(days=60)).isoformat(),
        "interventions": [{"modality": "CBT", "frequency": text, "description": text}],
    }
    goal = {"text": text, "objectives": [objective]}
    return {"problems": [{"description": text, "goals": [goal]}]}


async def test_plan_text_with_hostile_content_round_trips(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    body = {"given_name": "Pia", "family_name": "Planner", "birth_date": "1990-01-01"}
    patient = (await client.post("/api/v1/patients", json=body, headers=staff)).json()
    text = HOSTILE_NAMES["img"] + " " + HOSTILE_NAMES["SQL"] + " " + HOSTILE_NAMES["emoji with ZWJ"]
    created = await client.post(
        f"/api/v1/patients/{patient['id']}/plans",
        headers=staff,
        json={"content": hostile_plan(text)},
    )
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    assert (await client.post(f"/api/v1/plans/{plan_id}/sign", headers=staff)).status_code == 200
    signature = {"kind": "typed", "data": HOSTILE_NAMES["script"]}
    signed = await client.post(
        f"/api/v1/plans/{plan_id}/client-signature", headers=staff, json=signature
    )
    assert signed.status_code == 200, signed.text
    read = (await client.get(f"/api/v1/plans/{plan_id}", headers=staff)).json()
    assert read["status"] == "active"
    problem = read["content"]["problems"][0]
    objective = problem["goals"][0]["objectives"][0]
    assert [problem["description"], problem["goals"][0]["text"], objective["text"]] == [text] * 3
    assert objective["interventions"][0]["description"] == text


async def test_bodies_over_the_limit_are_413_for_json_and_uploads(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    filler = "x" * (LIMIT + 1)
    body = {"given_name": "Lab", "family_name": "Upload", "birth_date": "1990-01-01"}
    patient = (await client.post("/api/v1/patients", json=body, headers=staff)).json()
    cases: list[tuple[str, dict[str, Any]]] = [
        (
            f"/api/v1/patients/{patient['id']}/lab-results/import",
            {"content": filler.encode(), "headers": {"content-type": "text/csv"}},
        ),
        ("/api/v1/patients", {"json": {"given_name": filler}}),
        ("/api/v1/imports?source_system=x", {"json": {"files": {"patients.csv": filler}}}),
        (
            "/api/v1/imports?source_system=x",
            {"files": {"patients.csv": ("patients.csv", filler.encode(), "text/csv")}},
        ),
        (
            "/api/v1/imports?source_system=x",
            {"content": filler.encode(), "headers": {"content-type": "application/fhir+json"}},
        ),
    ]
    for path, request in cases:
        headers = staff | request.pop("headers", {})
        started = time.monotonic()
        response = await client.post(path, headers=headers, **request)
        assert time.monotonic() - started < QUICK
        assert "maximum size" in _problem(response, 413)["detail"], path


async def test_upload_names_are_never_paths(client: AsyncTestClient, staff: dict[str, str]) -> None:
    csv = b"source_id,given_name,family_name,birth_date\n1,Pat,Path,1990-01-01\n"
    for name in ("../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/shadow"):
        response = await client.post(
            "/api/v1/imports?source_system=x&dry_run=true",
            files={"upload": (name, csv, "text/csv")},
            headers=staff,
        )
        assert response.status_code == 200, response.text
        files = [problem["file"] for problem in response.json()["problems"]]
        assert files and not any("/" in f or "\\" in f or ".." in f for f in files), files
    accepted = await client.post(
        "/api/v1/imports?source_system=x&dry_run=true",
        files={"upload": ("C:\\Users\\me\\patients.csv", csv, "text/csv")},
        headers=staff,
    )
    assert accepted.json()["problems"] == [] and accepted.json()["ok"], accepted.text
    latin1 = await client.post(
        "/api/v1/imports?source_system=x",
        files={"upload": ("patients.csv", "Zoë".encode("latin-1"), "text/csv")},
        headers=staff,
    )
    assert _problem(latin1, 422)["errors"][0]["field"] == "patients.csv"


async def test_download_names_are_plain_file_names(
    client: AsyncTestClient, staff: dict[str, str]
) -> None:
    body = {"given_name": '"; evil', "family_name": "\r\nX-Evil: 1", "birth_date": "1990-01-01"}
    patient = (await client.post("/api/v1/patients", json=body, headers=staff)).json()
    for path in (
        f"/api/v1/patients/{patient['id']}/notes.pdf",
        "/api/v1/audit/events.csv",
        "/api/v1/reports/census.csv",
    ):
        response = await client.get(path, headers=staff)
        assert response.status_code == 200, (path, response.text[:300])
        disposition = response.headers["content-disposition"]
        name = disposition.removeprefix('attachment; filename="').removesuffix('"')
        assert name.replace("-", "").replace(".", "").isalnum(), disposition
        assert "x-evil" not in response.headers


def _raw_get(port: int, target: str) -> tuple[int, bytes]:
    """A request line sent exactly as written: HTTP clients would normalise the dots."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65_536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


def _chunked_post(port: int, path: str, chunks: list[bytes]) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        sock.sendall(head.encode())
        try:
            for chunk in chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the whole body is sent
        data = b""
        try:
            while chunk := sock.recv(65_536):
                data += chunk
        except ConnectionResetError:
            pass
    return int(data.split(b" ", 2)[1]), data


def test_the_real_server_refuses_chunked_floods_and_path_traversal(
    project_env: dict[str, str],
) -> None:
    port = free_port()
    with serving(["api", "--port", str(port)], project_env, port, timeout=60):
        started = time.monotonic()
        status, answer = _chunked_post(port, "/api/v1/auth/token", [b" " * 65_536] * 20)
        assert status == 413 and PROBLEM.encode() in answer, answer[:400]
        assert time.monotonic() - started < QUICK
        status, answer = _chunked_post(port, "/api/v1/auth/token", [b"[" * 50_000, b"]" * 50_000])
        assert status == 400 and b"nested deeper" in answer, answer[:400]

        status, answer = _raw_get(port, "/api/docs/assets/swagger-ui.css")
        assert status == 200
        for target in (
            "/api/docs/assets/../../../../../../etc/passwd",
            "/api/docs/assets/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
            "/api/docs/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/api/docs/assets/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
            "/api/docs/assets/..%5c..%5c..%5c..%5cetc%5cpasswd",
            "/api/docs/assets/../../../backend/config.py",
            "/api/docs/../../etc/passwd",
            "/api/docs/assets//etc/passwd",
        ):
            status, answer = _raw_get(port, target)
            assert status in (400, 404), (target, answer[:300])
            assert b"root:" not in answer and b"EMR_SECRET_KEY" not in answer, target
