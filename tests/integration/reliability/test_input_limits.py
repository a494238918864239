"""Every piece of text a client can send has a size limit the API publishes and enforces.

The OpenAPI document the running app serves is walked: each string in a request body,
path or query must carry ``maxLength`` (or be an enum, a UUID, a date…), each list
``maxItems`` and each map ``maxProperties``, so a new field without a limit fails here.
Then single fields one character over their limit are refused with a 422 naming them."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from shared.enums import Role
from tests.conftest import sign_in

pytestmark = pytest.mark.reliability

BOUNDED_FORMATS = {"date", "date-time", "time", "uuid", "binary"}
SHAPED = {"enum", "const", "properties", "items", "additionalProperties"}  # not "any value"


class Walker:
    """Finds unbounded values in request schemas. Litestar writes an optional field's
    constraints beside its ``oneOf`` (``{"oneOf": [{"type": "string"}, {"type": "null"}],
    "maxLength": 100}``), where JSON Schema applies them to the string branch; an optional
    list's ``max_length`` comes out the same way, as ``maxLength``, and is accepted for it."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.components: dict[str, Any] = spec["components"]["schemas"]
        self.unbounded: set[str] = set()

    def walk(self, schema: dict[str, Any], where: str, inherited: dict[str, Any]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in where.split("."):
                self.walk(self.components[name], f"{where}.{name}", {})
            return
        schema = inherited | schema
        branches = [b for key in ("oneOf", "anyOf", "allOf") for b in schema.get(key, [])]
        limits: dict[str, Any] = {k: schema[k] for k in ("maxLength", "maxItems") if k in schema}
        for branch in branches:
            self.walk(branch, where, limits)
        types = schema.get("type")
        types = set(types) if isinstance(types, list) else {types}
        if not branches and types == {None} and not schema.keys() & SHAPED:
            self.unbounded.add(f"{where}: any value")
        if "string" in types and not self._bounded_string(schema):
            self.unbounded.add(f"{where}: string without maxLength")
        if "array" in types or "items" in schema:
            if "maxItems" not in schema and "maxLength" not in schema:
                self.unbounded.add(f"{where}: array without maxItems")
            if "items" in schema:
                self.walk(schema["items"], f"{where}[]", {})
        for name, sub in schema.get("properties", {}).items():
            self.walk(sub, f"{where}.{name}", {})
        extra = schema.get("additionalProperties")
        if extra is True or extra == {}:
            self.unbounded.add(f"{where}: free-form map")
        elif isinstance(extra, dict):
            if "maxProperties" not in schema:
                self.unbounded.add(f"{where}: map without maxProperties")
            self.walk(extra, f"{where}{{}}", {})

    @staticmethod
    def _bounded_string(schema: dict[str, Any]) -> bool:
        return (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in BOUNDED_FORMATS
        )


async def test_every_request_string_list_and_map_is_bounded(client: AsyncTestClient) -> None:
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    walker = Walker(spec)
    operations = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            operations += 1
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']}.{parameter['name']}"
                walker.walk(parameter["schema"], where, {})
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walker.walk(content["schema"], f"{method.upper()} {path} body", {})
    assert operations > 150  # the whole API was walked, not an empty document
    assert sorted(walker.unbounded) == []


def test_the_walker_flags_what_it_must() -> None:
    """The check above cannot pass vacuously: each kind of unbounded value is caught."""
    spec = {
        "components": {
            "schemas": {
                "Body": {
                    "properties": {
                        "name": {"type": "string"},
                        "nick": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                        "tags": {"type": "array", "items": {"type": "string", "maxLength": 9}},
                        "notes": {"type": "object", "additionalProperties": {"type": "string"}},
                        "blob": {},
                        "ok": {"oneOf": [{"type": "string"}, {"type": "null"}], "maxLength": 5},
                        "when": {"type": "string", "format": "date"},
                    }
                }
            }
        }
    }
    walker = Walker(spec)
    walker.walk({"$ref": "#/components/schemas/Body"}, "POST /x body", {})
    assert sorted(walker.unbounded) == [
        "POST /x body.Body.blob: any value",
        "POST /x body.Body.name: string without maxLength",
        "POST /x body.Body.nick: string without maxLength",
        "POST /x body.Body.notes: map without maxProperties",
        "POST /x body.Body.notes{}: string without maxLength",
        "POST /x body.Body.tags: array without maxItems",
    ]


PATIENT = {"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1985-05-05"}


async def _staff(client: AsyncTestClient, make_user: Any) -> dict[str, str]:
    await make_user("limits", Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN, Role.BILLER)
    return await sign_in(client, "limits")


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("field", "limit"),
    [("given_name", 100), ("middle_name", 100), ("pronouns", 40), ("email", 254)],
)
async def test_patient_field_at_its_limit_is_kept_one_over_is_refused(
    client: AsyncTestClient, make_user: Any, field: str, limit: int
) -> None:
    headers = await _staff(client, make_user)
    at_limit = (
        "a" * (limit - len("@example.org")) + "@example.org" if field == "email" else "é" * limit
    )
    created = await client.post(
        "/api/v1/patients", json=PATIENT | {field: at_limit}, headers=headers
    )
    assert created.status_code == 201, created.text
    patient_id = created.json()["id"]
    read = await client.get(f"/api/v1/patients/{patient_id}", headers=headers)
    assert read.json()[field] == at_limit

    over = await client.patch(
        f"/api/v1/patients/{patient_id}",
        json={field: at_limit + "a"},
        headers=headers | {"If-Match": read.headers["etag"]},
    )
    assert _fields(over) == [field]


async def test_list_items_and_query_strings_over_their_limits_are_named(
    client: AsyncTestClient, make_user: Any
) -> None:
    headers = await _staff(client, make_user)
    series = {
        "group_id": "00000000-0000-0000-0000-000000000000",
        "rrule": "FREQ=DAILY;COUNT=2",
        "start_local": "2030-01-07T09:00",
        "timezone": "America/New_York",
        "duration_minutes": 60,
        "exdates_local": ["2030-01-08T09:00", "2030-01-08T09:00:00"],
    }
    assert _fields(await client.post("/api/v1/series/preview", json=series, headers=headers)) == [
        "exdates_local.1"
    ]
    search = await client.get("/api/v1/patients", params={"q": "x" * 101}, headers=headers)
    assert _fields(search) == ["query.q"]
    rx = await client.get("/api/v1/billing/charges", params={"status": "p" * 21}, headers=headers)
    assert _fields(rx) == ["query.status"]


async def test_a_flood_of_progress_note_sections_is_refused_at_once(
    client: AsyncTestClient, make_user: Any
) -> None:
    headers = await _staff(client, make_user)
    patient = (await client.post("/api/v1/patients", json=PATIENT, headers=headers)).json()
    body = {
        "format": "dap",
        "service_start": "2030-01-07T09:00:00Z",
        "service_end": "2030-01-07T10:00:00Z",
        "sections": {f"s{i}": "x" for i in range(10_000)},
    }
    response = await client.post(
        f"/api/v1/patients/{patient['id']}/progress-notes", json=body, headers=headers
    )
    assert _fields(response) == ["sections"]
    assert len(response.content) < 2_000  # one error, not ten thousand
