"""Structured logging: one JSON object per line, always with the request id.

Log lines must never carry patient data; callers log ids and outcomes, not payloads.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from backend.lib.request_id import current_request_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": current_request_id(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["trace"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("emr")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
