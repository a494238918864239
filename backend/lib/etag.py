"""Optimistic concurrency: resources carry a version; writes must send it back.

GET answers ``ETag: "<version>"``; PATCH/PUT/DELETE need ``If-Match`` with that value:
missing → 428, stale → 412. Nobody silently overwrites someone else's change.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from backend.lib.problems import Problem


def etag(version: int) -> str:
    return f'"{version}"'


def require_if_match(request: Request[Any, Any, Any], version: int) -> None:
    header = request.headers.get("if-match")
    if not header:
        raise Problem(428, "Send If-Match with the ETag you last read, so no change is lost.")
    sent = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if etag(version) not in sent and "*" not in sent:
        raise Problem(
            412,
            "This record changed since you read it: reload, reapply your edit, and save again.",
            current_etag=etag(version),
        )
