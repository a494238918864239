"""The served OpenAPI document says what every error really is: RFC 9457 problem details.

Litestar documents a ``400`` as plain JSON and nothing else; every error of this API leaves
as ``application/problem+json`` (backend/lib/problems.py) with any status a client must
handle (401, 403, 404, 409, 412, 413, 422, 428, 429, 503). Each operation therefore gets
its errors, and a ``default`` response, documented as ``ProblemDetails``.
"""

from __future__ import annotations

import copy
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin

from backend.lib.problems import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "One entry per refused field",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_PROBLEM_CONTENT = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` whose error responses are problem details."""
    document = copy.deepcopy(schema)
    document.setdefault("components", {}).setdefault("schemas", {})["ProblemDetails"] = (
        PROBLEM_SCHEMA
    )
    for path_item in document.get("paths", {}).values():
        for method in _METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = copy.deepcopy(_PROBLEM_CONTENT)
            responses["default"] = {
                "description": "An error, as RFC 9457 problem details",
                "content": copy.deepcopy(_PROBLEM_CONTENT),
            }
    return document


class ProblemDocumentedJson(JsonRenderPlugin):
    """``/api/schema/openapi.json``, with :func:`document_problems` applied once."""

    def __init__(self) -> None:
        super().__init__()
        self._source: dict[str, Any] | None = None
        self._rendered = b""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if openapi_schema is not self._source:
            self._rendered = self.render_json(request, document_problems(openapi_schema))
            self._source = openapi_schema
        return self._rendered
