"""The hash chain: SHA-256 over a canonical serialisation of each event plus the previous
event's hash. Pure functions, shared by the writer and ``emr audit verify``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "outcome",
    "ip",
    "user_agent",
    "detail",
    "prev_hash",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    return str(value)


def canonical(event: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTC timestamps: the same bytes on every machine."""
    fields = {name: _plain(event.get(name)) for name in CHAINED_FIELDS}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(str(event["prev_hash"]).encode() + canonical(event)).hexdigest()


def first_broken(events: Iterable[Mapping[str, Any]]) -> tuple[int, str] | None:
    """The id of the first event that breaks the chain, with why; None when intact.

    ``events`` must come in id order. A changed byte breaks that event's own hash; a
    deleted or inserted row breaks the id sequence or the next event's ``prev_hash``.
    """
    previous_hash, previous_id = GENESIS, 0
    for event in events:
        if event["id"] != previous_id + 1:
            return int(event["id"]), f"expected event {previous_id + 1} (rows missing)"
        if event["prev_hash"] != previous_hash:
            return int(event["id"]), "does not link to the previous event"
        if event_hash(event) != event["hash"]:
            return int(event["id"]), "content does not match its hash"
        previous_hash, previous_id = str(event["hash"]), int(event["id"])
    return None
