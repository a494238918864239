"""The API's platform behaviour: health, OpenAPI, offline docs, problem+json errors."""

import io
import json
import logging
from collections.abc import AsyncGenerator
from dataclasses import replace

import pytest
from litestar import post
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.config import Settings
from backend.lib.logs import JsonFormatter
from backend.lib.policy import PUBLIC

pytestmark = pytest.mark.platform
PROBLEM = "application/problem+json"


async def test_health_reports_database_ok(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    assert response.headers["x-request-id"]


async def test_health_is_503_problem_when_database_is_down(settings: Settings, tmp_path) -> None:
    unreachable = f"postgresql://postgres@/emr?host={tmp_path}"
    async with AsyncTestClient(app=create_app(replace(settings, database_url=unreachable))) as c:
        response = await c.get("/api/v1/health")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 503
    assert "database" in body["detail"].lower()


async def test_openapi_document_is_3_1_and_lists_health(client: AsyncTestClient) -> None:
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/health" in document["paths"]


async def test_interactive_docs_use_only_self_hosted_assets(client: AsyncTestClient) -> None:
    page = await client.get("/api/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "docs-init.js"):
        response = await client.get(f"/api/docs/assets/{asset}")
        assert response.status_code == 200, asset
        assert len(response.content) > 20


async def test_unknown_route_is_problem_json_naming_the_path(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert "/api/v1/no-such-thing" in body["detail"]


async def test_wrong_method_is_problem_json(client: AsyncTestClient) -> None:
    response = await client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM)


@post("/api/v1/_boom", opt=PUBLIC, sync_to_thread=False)
def _boom() -> None:
    raise RuntimeError("SELECT secret FROM patient WHERE name = 'Jane Doe'")


@pytest.fixture
async def small_body_client(settings: Settings) -> AsyncGenerator[AsyncTestClient, None]:
    """The real app with a 1 KiB body limit, plus one route that fails unexpectedly."""
    app = create_app(replace(settings, max_body_bytes=1024))
    app.register(_boom)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


TOKEN = "/api/v1/auth/token"


async def test_malformed_json_is_400_problem(small_body_client: AsyncTestClient) -> None:
    response = await small_body_client.post(
        TOKEN, content=b'{"username": "x", ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "malformed" in response.json()["detail"].lower()


async def test_wrong_field_type_is_422_naming_the_field(small_body_client: AsyncTestClient) -> None:
    response = await small_body_client.post(TOKEN, json={"username": "x", "password": 12})
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in body["errors"]] == ["password"]
    assert "password" in body["detail"]


async def test_missing_field_is_422_naming_it(small_body_client: AsyncTestClient) -> None:
    response = await small_body_client.post(TOKEN, json={"username": "x"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["password"]


async def test_oversize_body_is_413_problem(small_body_client: AsyncTestClient) -> None:
    response = await small_body_client.post(TOKEN, json={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "size" in response.json()["detail"]


async def test_unexpected_error_hides_internals_but_gives_request_id(
    small_body_client: AsyncTestClient,
) -> None:
    response = await small_body_client.post(
        "/api/v1/_boom", headers={"x-request-id": "req-12345678"}
    )
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["request_id"] == "req-12345678"
    assert "SELECT" not in response.text and "Traceback" not in response.text
    assert "Jane" not in response.text


async def test_logs_are_json_lines_carrying_the_request_id(
    small_body_client: AsyncTestClient,
) -> None:
    (handler,) = [
        h for h in logging.getLogger("emr").handlers if isinstance(h.formatter, JsonFormatter)
    ]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    await small_body_client.post("/api/v1/_boom", headers={"x-request-id": "req-logline-1"})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    errors = [line for line in lines if line["level"] == "error"]
    assert errors and errors[0]["request_id"] == "req-logline-1"
    assert errors[0]["error"] == "RuntimeError"


async def test_nul_characters_are_refused_naming_the_field(
    client: AsyncTestClient, make_user
) -> None:
    from shared.enums import Role
    from tests.conftest import sign_in

    await make_user("nul-coordinator", Role.COORDINATOR, Role.CLINICIAN)
    headers = await sign_in(client, "nul-coordinator")
    body = {"given_name": "Ana", "family_name": "Lo\u0000pez", "birth_date": "1990-01-01"}
    response = await client.post("/api/v1/patients", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "family_name"
    nested = {"name": "Room", "capacity": 3} | {"name": "R\u0000"}
    assert (await client.post("/api/v1/rooms", json=nested, headers=headers)).status_code == 422
    query = await client.get("/api/v1/patients", params={"q": "a\u0000"}, headers=headers)
    assert query.status_code == 422
    assert query.json()["errors"][0]["field"] == "query.q"
