"""RFC 9457 problem details: every error leaves the API as ``application/problem+json``.

Business errors raise :class:`Problem`; framework errors (validation, unknown route,
oversize body, malformed JSON) are translated here, in one place. A database outage is a
503 with ``Retry-After`` (logged in one line, no trace). Unexpected errors become a 500
that names the request id and nothing else: no stack trace, no SQL.
"""

from __future__ import annotations

import logging
from typing import Any

from asyncpg import InterfaceError, PostgresError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from backend.db.session import DatabaseUnavailable, database_unavailable
from backend.lib.request_id import current_request_id

PROBLEM_JSON = "application/problem+json"
UNAVAILABLE_DETAIL = "The database is unavailable; retry shortly."
RETRY_AFTER_SECONDS = 5
TYPE_BASE = "https://emr.example.org/problems/"
log = logging.getLogger("emr.errors")

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Validation failed",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}

_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal",
    503: "unavailable",
}


class Problem(HTTPException):
    """A business error with a status, a human ``detail`` and optional extension members."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.slug = slug or _SLUGS.get(status, "error")
        self.title = title or _TITLES.get(status, "Error")
        self.extensions = extensions


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or _SLUGS.get(status, "error")),
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    body.update(extensions)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(extra: Any) -> list[dict[str, str]]:
    """Normalise Litestar's validation ``extra`` into ``[{"field", "message"}]``."""
    errors: list[dict[str, str]] = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or "")
        source = getattr(item.get("source"), "value", item.get("source"))  # ParamType enum
        field = key if source in (None, "body") else f"{source}.{key}" if key else str(source)
        errors.append({"field": field or "body", "message": str(item.get("message", ""))})
    return errors


def _validation_detail(exc: ValidationException, errors: list[dict[str, str]]) -> str:
    if errors:
        return "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return exc.detail or "The request is not valid."


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, Problem):
        return problem_response(
            exc.status_code,
            exc.detail,
            slug=exc.slug,
            title=exc.title,
            headers=exc.headers,
            **exc.extensions,
        )
    status = exc.status_code
    if isinstance(exc, ValidationException):
        errors = _field_errors(exc.extra)
        detail = _validation_detail(exc, errors)
        # Litestar reports malformed JSON as a 400 validation error; keep it 400.
        if status == 400 and not errors:
            return problem_response(400, f"Malformed request body: {detail}")
        return problem_response(422 if status == 400 else status, detail, errors=errors)
    detail = exc.detail
    if status == 400:
        detail = f"Malformed request body: {detail}"
    elif status == 404 and detail in ("Not Found", ""):
        detail = f"No resource at {request.method} {request.url.path}."
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
    elif status == 413:
        detail = "The request body exceeds the configured maximum size."
    return problem_response(status, detail or _TITLES.get(status, "Error"), headers=exc.headers)


# Database refusals that reach here are a missing check in a service; answer like one.
_INTEGRITY = {
    "23503": (422, "A referenced record does not exist."),
    "23505": (409, "This would duplicate an existing record."),
    "23P01": (409, "This overlaps an existing booking."),
}


# Check constraints (and triggers raising check_violation with CONSTRAINT =) that an area
# declares, by name: the request field each guards and what it requires. A write path that
# missed the service's own check then still answers 422 naming the field, never 500.
CHECK_FIELDS: dict[str, tuple[str, str]] = {}


def _check_refusal(exc: IntegrityError) -> tuple[str, str] | None:
    driver = getattr(exc.orig, "__cause__", None)
    return CHECK_FIELDS.get(str(getattr(driver, "constraint_name", None)))


def handle_integrity(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    code = getattr(exc.orig, "sqlstate", None)
    refusal = _check_refusal(exc) if code == "23514" else None
    if refusal is not None:
        log.warning("check refusal on %s %s", request.method, request.url.path)
        field, message = refusal
        return problem_response(
            422, f"{field}: {message}.", errors=[{"field": field, "message": message}]
        )
    if code in _INTEGRITY:
        log.warning("integrity refusal %s on %s %s", code, request.method, request.url.path)
        status, detail = _INTEGRITY[code]
        return problem_response(status, detail)
    return handle_unexpected(request, exc)


def handle_database_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Connection-level failures (server down, restarting, unreachable, pool exhausted) are
    the clinic's outage, not a bug: 503 and a hint when to retry. Anything else is a 500."""
    if not database_unavailable(exc):
        return handle_unexpected(request, exc)
    cause = exc.__cause__ or getattr(exc, "orig", None) or exc
    log.warning(
        "database unavailable on %s %s (%s)",
        request.method,
        request.url.path,
        type(cause).__name__,
    )
    return problem_response(
        503,
        UNAVAILABLE_DETAIL,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        database="unavailable",
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "An unexpected error occurred. Quote the request id when reporting it.",
    )


EXCEPTION_HANDLERS = {
    HTTPException: handle_http_exception,
    IntegrityError: handle_integrity,
    DBAPIError: handle_database_error,
    DatabaseUnavailable: handle_database_error,
    PoolTimeout: handle_database_error,
    TimeoutError: handle_database_error,
    # The driver's own errors, from the prepared statements of backend.db.driver.
    PostgresError: handle_database_error,
    InterfaceError: handle_database_error,
    ConnectionError: handle_database_error,
    Exception: handle_unexpected,
}
