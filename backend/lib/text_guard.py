"""Refuse NUL characters before they reach PostgreSQL, which cannot store them in text,
naming the field that carries one (instead of a 500 from the database driver)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

from backend.lib.problems import Problem

NUL = "\x00"


def _first_nul(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_nul(key, path) or _first_nul(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_nul(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _refuse(field: str) -> Problem:
    message = "contains a NUL character (\\u0000), which cannot be stored"
    return Problem(422, f"{field}: {message}.", errors=[{"field": field, "message": message}])


async def refuse_nul_characters(request: Request[Any, Any, Any]) -> None:
    """App-level ``before_request`` hook."""
    for key, value in request.query_params.multi_items():
        if NUL in key or NUL in value:
            raise _refuse(f"query.{key}")
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return
    if "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()
    if b"\\u0000" not in body and b"\x00" not in body:
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        return  # malformed JSON is reported by the normal parser
    field = _first_nul(parsed, "")
    if field is not None:
        raise _refuse(field or "body")
