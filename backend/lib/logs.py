"""Structured logging: one JSON object per line, always with the request id.

Log lines must never carry patient data or credentials; callers log ids and outcomes, not
payloads. Two places would leak them if written naively, and are guarded here:

- an exception's *message* often quotes values (SQLAlchemy's errors end with the
  statement's parameters: names, birth dates, note text), so a logged trace keeps the
  frames and each exception's type, never its message;
- a request's raw path and query can name a patient (``?q=<name>``, a mistyped URL), so
  the request log names the route's template, never the path.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

from litestar.types import Message, Scope

from backend.lib.request_id import current_request_id

_requests = logging.getLogger("emr.requests")


def redacted_trace(error: BaseException) -> str:
    """The frames of ``error`` and of the exceptions it chains to, each headed by its type
    (and SQLSTATE, for a database error) but without its message."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    parts = []
    for exc in reversed(chain):
        kind = type(exc)
        sqlstate = getattr(getattr(exc, "orig", exc), "sqlstate", None)
        head = f"{kind.__module__}.{kind.__qualname__}" + (f" [{sqlstate}]" if sqlstate else "")
        frames = "".join(traceback.format_tb(exc.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{head} (message withheld)")
    return "\n\nwhich led to:\n\n".join(parts)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": current_request_id(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = type(record.exc_info[1]).__name__
            entry["trace"] = redacted_trace(record.exc_info[1])
        return json.dumps(entry, default=str)


async def log_response(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: one line per answer (method, route, status), which the
    formatter ties to the request id."""
    if message["type"] == "http.response.start":
        route = scope.get("path_template") or "(no route)"
        _requests.info("%s %s %s", scope.get("method", ""), route, message["status"])


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("emr")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
