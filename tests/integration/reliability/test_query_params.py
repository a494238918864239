"""Every query parameter the OpenAPI document declares, sent hostile values for its type:
no answer is a 5xx, and every 4xx is problem+json naming the parameter.

The document is read from the running app, so a new parameter is covered the day it
ships. For each one the known edges are sent first (2**63, 2**64, -2**63-1, year 1 and
9999 with ±14:00 offsets, 10000-01-01, text over its limit…), then hypothesis draws more of
the declared type, derandomized so CI sees the same values each run. Path parameters
get real ids (one client, group, room and program); other parameters keep valid values,
so the one under test is the only thing wrong with the request. Operations that need a
request body (only ``POST /imports`` has query parameters and a body) are left to the
schema fuzzing of ``test_fuzz.py``."""

from __future__ import annotations

import asyncio
import string
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from litestar.testing import TestClient

from backend.admin import create_user
from backend.app import create_app
from backend.config import Settings
from shared.enums import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.integrity

EXAMPLES = 4  # drawn per parameter, after its edges
PROBLEM = "application/problem+json"
INT_EDGES = [2**63, 2**64, -(2**63) - 1, 2**63 - 1, -(2**63), 10**40, -1, 0, "1.5", "1e3", "0x10"]
DATE_EDGES = ["0001-01-01", "9999-12-31", "10000-01-01", "1899-12-31", "2201-01-01", "2024-02-30"]
DATETIME_EDGES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
    "10000-01-01T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "1900-01-01T00:00:00+14:00",
]
TEXT_EDGES = ["\u202eevil", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "'; DROP TABLE x;--", "%"]
UUID_EDGES = ["not-a-uuid", "0" * 40, "00000000-0000-0000-0000-000000000000"]
Case = tuple[str, str, dict[str, Any]]  # (method, path with ids, parameter and "valid")


def _schema(parameter: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The parameter's own schema: optional's ``oneOf`` folded, a ``$ref`` resolved."""
    schema = dict(parameter["schema"])
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    branches = [b for b in schema.get("oneOf", []) if b.get("type") != "null"]
    if branches:
        schema = branches[0] | {k: v for k, v in schema.items() if k != "oneOf"}
    return schema


def _valid(schema: dict[str, Any], ids: dict[str, str], name: str) -> str:
    if "enum" in schema:
        return str(schema["enum"][0])
    kind, form = schema.get("type"), schema.get("format")
    if kind == "integer":
        return str(schema.get("default", schema.get("minimum", 1))).split(".")[0]
    if kind == "boolean":
        return "false"
    if form == "uuid":
        return ids.get(name, ids["patient_id"])
    if form == "date":
        return date.today().isoformat()
    if form == "date-time":
        return datetime.now(UTC).isoformat()
    return "a"


def _offsets() -> st.SearchStrategy[timezone]:
    return st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def _hostile(schema: dict[str, Any]) -> tuple[list[str], st.SearchStrategy[str]]:
    """The edges to send first, and a strategy for more, for the declared type."""
    kind, form = schema.get("type"), schema.get("format")
    noise = st.text(max_size=40)
    if kind == "integer":
        numbers = st.integers() | st.integers(min_value=2**62).map(lambda n: -n if n % 2 else n)
        floats = st.floats(allow_nan=True, allow_infinity=True).map(repr)
        return [str(v) for v in INT_EDGES], numbers.map(str) | floats | noise
    if form == "date":
        dates = st.dates().map(date.isoformat)
        return DATE_EDGES, dates | noise
    if form == "date-time":
        moments = st.datetimes(timezones=_offsets()).map(datetime.isoformat)
        return DATETIME_EDGES, moments | st.datetimes().map(datetime.isoformat) | noise
    if form == "uuid":
        return UUID_EDGES, st.uuids().map(str) | noise
    if kind == "boolean":
        return ["maybe", "2", ""], noise
    longest = int(schema.get("maxLength", 200))
    over = "é" * (longest + 1)
    return [over, *TEXT_EDGES], st.text(max_size=longest + 5) | st.text(string.digits, min_size=20)


def _cases(spec: dict[str, Any], ids: dict[str, str]) -> Iterator[tuple[Case, dict[str, str]]]:
    """Every (operation, query parameter), with valid values for the other required ones."""
    components = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "requestBody" in operation:
                continue
            parameters = operation.get("parameters", [])
            in_path = {p["name"]: ids.get(p["name"], ids["patient_id"]) for p in parameters}
            url = path.format(**in_path)
            query = []
            for p in parameters:
                if p["in"] == "query":
                    schema = _schema(p, components)
                    query.append(p | {"schema": schema, "valid": _valid(schema, ids, p["name"])})
            for parameter in query:
                others = {
                    p["name"]: p["valid"]
                    for p in query
                    if p.get("required") and p["name"] != parameter["name"]
                }
                yield (method.upper(), url, parameter), others


def _named(response: Any, name: str, value: str, baseline: int) -> str | None:
    """Why ``response`` breaks the rule for parameter ``name``, or None if it keeps it.

    A 404 may name the missing record by the id sent instead; an operation that refuses
    even a valid value (``POST /imports`` without its body: ``baseline``) need only
    answer without a 5xx, as problem+json."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:200]}"
    if response.status_code < 400:
        return None
    if not response.headers.get("content-type", "").startswith(PROBLEM):
        return f"{response.status_code} is not problem+json"
    body = response.json()
    fields = {str(e.get("field", "")).removeprefix("query.") for e in body.get("errors", [])}
    detail = str(body.get("detail", ""))
    if name in fields or name in detail or baseline >= 400:
        return None
    if response.status_code == 404 and value.strip() and value.strip() in detail:
        return None
    return f"{response.status_code} does not name {name}: {response.text[:200]}"


def _probe(
    client: TestClient[Any], headers: dict[str, str], case: Case, others: dict[str, str]
) -> Callable[[str], str | None]:
    method, url, parameter = case
    name = parameter["name"]

    def status(value: str) -> Any:
        return client.request(method, url, params=others | {name: value}, headers=headers)

    baseline = status(parameter["valid"]).status_code

    def send(value: str) -> str | None:
        wrong = _named(status(value), name, value, baseline)
        return None if wrong is None else f"{method} {url} ?{name}={value[:80]!r}: {wrong}"

    return send


def _failures(send: Callable[[str], str | None], schema: dict[str, Any]) -> list[str]:
    edges, more = _hostile(schema)
    found = [wrong for wrong in map(send, edges) if wrong]

    @examples(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(more)
    def drawn(value: str) -> None:
        wrong = send(value)
        if wrong:
            found.append(wrong)

    drawn()
    return found


def _world(client: TestClient[Any], headers: dict[str, str], user_id: str) -> dict[str, str]:
    """Real ids for the path and query parameters that name a record."""

    def made(path: str, body: dict[str, Any]) -> str:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    patient = {"given_name": "Quinn", "family_name": "Querystring", "birth_date": "1980-01-01"}
    return {
        "patient_id": made("/api/v1/patients", patient),
        "group_id": made("/api/v1/groups", {"name": "Query group"}),
        "room_id": made("/api/v1/rooms", {"name": "Query room"}),
        "facilitator_id": user_id,
        "clinician_id": user_id,
    }


def test_every_query_parameter_survives_hostile_values(
    settings: Settings, database_url: str
) -> None:
    user = asyncio.run(create_user(database_url, "quinn", PASSWORD, [r.value for r in Role], ""))
    with TestClient(app=create_app(settings)) as client:
        token = client.post("/api/v1/auth/token", json={"username": "quinn", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        ids = _world(client, headers, str(user.id))
        spec = client.get("/api/schema/openapi.json").json()
        cases = list(_cases(spec, ids))
        failures = [
            wrong
            for case, others in cases
            for wrong in _failures(_probe(client, headers, case, others), case[2]["schema"])
        ]
    assert len(cases) > 100  # the whole document was walked
    assert failures == [], "\n".join(failures)
