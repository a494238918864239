"""Screen request bodies before any handler parses them: text PostgreSQL cannot store (NUL,
lone UTF-16 surrogates) is refused naming the field that carries it, and JSON that would
exhaust the parser's recursion (``[[[[…`` within the body limit) or is not UTF-8 is refused
as a bad request, instead of a 500 from the driver or a ``RecursionError``.

The hook decodes JSON through ``request.json()``, which Litestar caches, so the handler's
own parsing costs nothing extra."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException

from backend.lib.bounds import screen_query
from backend.lib.problems import Problem

NUL = "\x00"
NUL_MESSAGE = "contains a NUL character (\\u0000), which cannot be stored"
# No request body of this API nests deeper than a FHIR Bundle (about 12 levels).
MAX_DEPTH = 64
BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _has_nul(text: str) -> bool:
    return NUL in text


def _has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _first(value: Any, path: str, bad: Callable[[str], bool]) -> str | None:
    """The dotted path of the first string (key or value) that ``bad`` flags."""
    if isinstance(value, str):
        return path if bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first(key, path, bad) or _first(item, f"{path}.{key}" if path else key, bad)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first(item, f"{path}.{index}" if path else str(index), bad)
            if found is not None:
                return found
    return None


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _refuse(field: str, message: str) -> Problem:
    return Problem(422, f"{field}: {message}.", errors=[{"field": field, "message": message}])


def _too_deep() -> Problem:
    return Problem(400, f"Malformed request body: JSON nested deeper than {MAX_DEPTH} levels.")


def _lone_surrogate_problem(body: bytes) -> Problem | None:
    """msgspec refuses ``"\\ud800"`` as malformed; name the field instead, like NUL."""
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        parsed = json.loads(body)
    except RecursionError:
        return _too_deep()
    except ValueError:
        return None
    if isinstance(parsed, dict | list) and _deeper_than(parsed, MAX_DEPTH):
        return _too_deep()
    field = _first(parsed, "", _has_lone_surrogate)
    if field is None:
        return None
    return _refuse(field or "body", "contains a lone UTF-16 surrogate, which is not a character")


async def _parsed_json(request: Request[Any, Any, Any], body: bytes) -> Any:
    try:
        return await request.json()
    except RecursionError as error:
        raise _too_deep() from error
    except UnicodeDecodeError as error:
        raise Problem(400, "Malformed request body: not valid UTF-8.") from error
    except SerializationException as error:
        problem = _lone_surrogate_problem(body)
        if problem is not None:
            raise problem from None
        raise Problem(400, f"Malformed request body: {error.detail or 'not valid JSON'}.") from None


async def screen_request(request: Request[Any, Any, Any]) -> None:
    """App-level ``before_request`` hook. Screens the query string (NUL; numbers and dates
    out of range, see :mod:`backend.lib.bounds`) and every body that starts like JSON,
    whatever its content type: Litestar parses a handler's ``data`` as JSON regardless."""
    for key, value in request.query_params.multi_items():
        if NUL in key or NUL in value:
            raise _refuse(f"query.{key}", NUL_MESSAGE)
    screen_query(request)
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return
    body = await request.body()
    if body.removeprefix(BOM).lstrip()[:1] not in (b"{", b"["):
        return
    if body.startswith(BOM):
        raise Problem(400, "Malformed request body: JSON must not start with a byte order mark.")
    parsed = await _parsed_json(request, body)
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _deeper_than(parsed, MAX_DEPTH):
        raise _too_deep()
    if b"\\u0000" in body or b"\x00" in body:
        field = _first(parsed, "", _has_nul)
        if field is not None:
            raise _refuse(field or "body", NUL_MESSAGE)
