"""The range of numbers and dates the API accepts from outside, checked where they enter.

Python's ``date`` ends at 9999-12-31 and PostgreSQL's ``bigint`` at 2**63-1, so a report
"to 9999-12-31" (whose next day does not exist), a time at year 1 with a +14:00 offset, or
an offset of 2**64 used to fail deep inside a handler with a 500. Every integer and date a
client sends in a query string is checked here against the handler's declared type first:
integers must fit 64 bits, dates and times must fall in the clinical calendar (years
1900 to 2200, far from both edges, so a day either side is still a date). Out of range is
a 422 naming the parameter (docs/api.md).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin

from litestar import Request
from litestar.handlers.base import BaseRouteHandler
from litestar.params import ParameterKwarg
from litestar.typing import FieldDefinition

from backend.lib.problems import Problem

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
FIRST_YEAR, LAST_YEAR = 1900, 2200
INTEGER_MESSAGE = f"must be a whole number from {INT64_MIN} to {INT64_MAX}"
DATE_MESSAGE = f"must be a date between the years {FIRST_YEAR} and {LAST_YEAR}"


def integer_problem(value: int) -> str | None:
    return None if INT64_MIN <= value <= INT64_MAX else INTEGER_MESSAGE


def date_problem(value: date) -> str | None:
    """``value`` may be a ``datetime``: its own (local) year is the one the client meant."""
    return None if FIRST_YEAR <= value.year <= LAST_YEAR else DATE_MESSAGE


def raw_problem(kind: type, raw: str) -> str | None:
    """The problem with a query value meant as ``kind``; None also when it does not parse
    (the framework then names the wrong type itself)."""
    try:
        if kind is int:
            return integer_problem(int(raw))
        if kind is datetime:
            return date_problem(datetime.fromisoformat(raw.strip()))
        return date_problem(date.fromisoformat(raw.strip()))
    except ValueError:
        return None


def _scalar(annotation: Any) -> type | None:
    """int, datetime or date if ``annotation`` is one of them (optional or in a list)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        found = {_scalar(arg) for arg in get_args(annotation)} - {None}
        return found.pop() if len(found) == 1 else None
    if not isinstance(annotation, type) or issubclass(annotation, bool):
        return None
    return next((t for t in (datetime, date, int) if issubclass(annotation, t)), None)


def _parameters(handler: BaseRouteHandler) -> Iterator[FieldDefinition]:
    yield from handler.parsed_fn_signature.parameters.values()
    for provider in handler.resolve_dependencies().values():
        if provider.parsed_fn_signature is not None:
            yield from provider.parsed_fn_signature.parameters.values()


def checked_types(handler: BaseRouteHandler) -> dict[str, type]:
    """Query name -> int, date or datetime, for the parameters of ``handler`` and of its
    dependencies (a report's shared filter) that need a range check."""
    found = {}
    for field in _parameters(handler):
        kind = _scalar(field.annotation)
        if kind is not None:
            kwarg = field.kwarg_definition
            alias = kwarg.query if isinstance(kwarg, ParameterKwarg) else None
            found[alias or field.name] = kind
    return found


def screen_query(request: Request[Any, Any, Any]) -> None:
    """Refuse (422) every out-of-range query value at once, each named ``query.<name>``."""
    if not request.query_params:
        return
    kinds = checked_types(request.route_handler)
    errors = []
    for name, raw in request.query_params.multi_items():
        message = raw_problem(kinds[name], raw) if name in kinds else None
        if message is not None:
            errors.append({"field": f"query.{name}", "message": message})
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise Problem(422, detail, errors=errors)
