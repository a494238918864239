"""The audit chains: pure functions shared by the writer and ``emr audit verify``.

Events are spread over several chains (each with its own lock, so audited writes do not
queue behind one another). Within a chain each event names its ``seq`` and the previous
event's hash, and its own hash is HMAC-SHA256 under a key kept outside the database, so
nobody without the key can change an event and recompute the hashes after it. Each
chain's head row (its newest seq and hash) is signed with the key too, and a signed
checkpoint kept elsewhere pins every chain's length: deleting the newest events is then
caught as well.

Events written before the chains were keyed (migration 0014) form the start of chain 0,
hashed with plain SHA-256 and marked with key id ``sha256``; no other event may use it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from backend.config import LEGACY_AUDIT_KEY_ID as LEGACY

GENESIS = "0" * 64
CHECKPOINT_FORMAT = "emr-audit-checkpoint/1"
CONTENT_FIELDS = (
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
)
# What each kind of hash covers. The global ``id`` only orders events for display; a
# keyed event's place is its (chain, seq).
LEGACY_FIELDS = ("id", *CONTENT_FIELDS, "prev_hash")
KEYED_FIELDS = ("chain", "seq", "key_id", *CONTENT_FIELDS, "prev_hash")
NOT_CONFIGURED = "which is not configured (EMR_AUDIT_KEY, EMR_AUDIT_OLD_KEYS)"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    return str(value)


def _json(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical(event: Mapping[str, Any], fields: tuple[str, ...]) -> bytes:
    """Sorted keys, no whitespace, UTC timestamps: the same bytes on every machine."""
    return _json({name: _plain(event.get(name)) for name in fields})


def _mac(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def event_hash(event: Mapping[str, Any], keys: Mapping[str, str]) -> str:
    """The hash ``event`` must carry: HMAC-SHA256 under the key its ``key_id`` names, or
    SHA-256(prev_hash ‖ canonical JSON) for the events from before keying. Raises
    ``KeyError`` when the key is not in ``keys``."""
    if event["key_id"] == LEGACY:
        message = str(event["prev_hash"]).encode() + canonical(event, LEGACY_FIELDS)
        return hashlib.sha256(message).hexdigest()
    return _mac(keys[event["key_id"]], canonical(event, KEYED_FIELDS))


def head_mac(chain: int, seq: int, last_hash: str, key: str) -> str:
    """The signature of a chain's head row (a message no event's JSON can equal)."""
    return _mac(key, f"audit chain head\n{chain}\n{seq}\n{last_hash}".encode())


@dataclass
class Tip:
    """How far a chain reaches: its number of events, newest seq and newest hash."""

    events: int = 0
    seq: int = 0
    hash: str = GENESIS
    keyed: bool = False  # a keyed event has been seen in this chain


@dataclass(frozen=True)
class Head:
    """A chain's head row as stored; ``mac`` is None until a keyed write signs it."""

    chain: int
    seq: int
    hash: str
    key_id: str | None
    mac: str | None


@dataclass(frozen=True)
class Break:
    """Where verification stopped: an event (by id), or a chain whose end is wrong."""

    chain: int
    why: str
    event_id: int | None = None


@dataclass
class ChainWalk:
    """Verification as a fold: feed every event in (chain, seq) order to :meth:`step`, then
    the head rows to :meth:`finish`. ``pins`` are a checkpoint's (seq, hash) per chain,
    which the chain must still reach with the same hash."""

    keys: Mapping[str, str]
    pins: Mapping[int, tuple[int, str]] = field(default_factory=dict)
    tips: dict[int, Tip] = field(default_factory=dict)
    checked: int = 0

    def step(self, event: Mapping[str, Any]) -> Break | None:
        chain, seq, key_id = int(event["chain"]), int(event["seq"]), event["key_id"]
        tip = self.tips.setdefault(chain, Tip())
        self.checked += 1

        def broken(why: str) -> Break:
            return Break(chain, why, int(event["id"]))

        if seq != tip.seq + 1:
            return broken(f"expected seq {tip.seq + 1} of chain {chain} (rows missing)")
        if event["prev_hash"] != tip.hash:
            return broken(f"does not link to the previous event of chain {chain}")
        if key_id == LEGACY and (chain != 0 or tip.keyed):
            return broken("unkeyed (sha256) event where only keyed events may be")
        if key_id != LEGACY and key_id not in self.keys:
            return broken(f"hashed with audit key id {key_id!r}, {NOT_CONFIGURED}")
        if not hmac.compare_digest(event_hash(event, self.keys), str(event["hash"])):
            return broken("content does not match its hash")
        pinned = self.pins.get(chain)
        if pinned and pinned[0] == seq and pinned[1] != event["hash"]:
            return broken(f"differs from the checkpoint's event at seq {seq} of chain {chain}")
        tip.events, tip.seq, tip.hash = tip.events + 1, seq, str(event["hash"])
        tip.keyed = tip.keyed or key_id != LEGACY
        return None

    def finish(self, heads: Iterable[Head]) -> Break | None:
        """Each chain's end against its signed head row and the checkpoint's pins."""
        for chain, (seq, _) in sorted(self.pins.items()):
            reached = self.tips.get(chain, Tip()).seq
            if reached < seq:
                return Break(
                    chain,
                    f"events were deleted: it ends at seq {reached}, the checkpoint saw seq {seq}",
                )
        by_chain = {head.chain: head for head in heads}
        any_keyed = any(tip.keyed for tip in self.tips.values())
        for chain in sorted(set(by_chain) | set(self.tips)):
            problem = self._head_problem(chain, by_chain.get(chain), any_keyed)
            if problem:
                return Break(chain, problem)
        return None

    def _head_problem(self, chain: int, head: Head | None, any_keyed: bool) -> str | None:
        tip = self.tips.get(chain, Tip())
        if head is None:
            return "it has events but no head row" if tip.events else None
        if head.seq > tip.seq:
            return (
                f"its newest events were deleted: it ends at seq {tip.seq}, its signed head "
                f"records seq {head.seq}"
            )
        if head.seq != tip.seq or head.hash != tip.hash:
            return "its head does not match its newest event"
        if head.mac is None:
            # Unsigned: a chain never written, or the pre-keying events of a database
            # that has no keyed event yet (`emr` signs that head when it starts).
            if tip.events == 0 or (chain == 0 and not any_keyed):
                return None
            return "its head is not signed"
        key = self.keys.get(head.key_id or "")
        if key is None:
            return f"its head is signed with key id {head.key_id!r}, {NOT_CONFIGURED}"
        if not hmac.compare_digest(head_mac(chain, head.seq, head.hash, key), head.mac):
            return "its head's signature does not match"
        return None


class CheckpointError(ValueError):
    """A checkpoint file that cannot be trusted or read; the message says why."""


def checkpoint(
    tips: Mapping[int, Tip], taken_at: datetime, key_id: str, key: str
) -> dict[str, Any]:
    """A signed record of how far every chain reached: kept elsewhere, it lets
    ``emr audit verify --checkpoint`` catch deleted newest events and a database rolled
    back to an older copy."""
    body: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT,
        "taken_at": _plain(taken_at),
        "key_id": key_id,
        "events": sum(tip.events for tip in tips.values()),
        "chains": [
            {"chain": chain, "events": tip.events, "seq": tip.seq, "hash": tip.hash}
            for chain, tip in sorted(tips.items())
            if tip.events
        ],
    }
    return body | {"mac": _mac(key, b"audit checkpoint\n" + _json(body))}


def checkpoint_pins(document: Any, keys: Mapping[str, str]) -> dict[int, tuple[int, str]]:
    """The (seq, hash) a checkpoint pins per chain, once its signature is checked."""
    if not isinstance(document, dict) or document.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"is not an audit checkpoint ({CHECKPOINT_FORMAT})")
    body = {name: value for name, value in document.items() if name != "mac"}
    key = keys.get(str(body.get("key_id")))
    if key is None:
        raise CheckpointError(
            f"is signed with audit key id {body.get('key_id')!r}, {NOT_CONFIGURED}"
        )
    expected = _mac(key, b"audit checkpoint\n" + _json(body))
    if not hmac.compare_digest(expected, str(document.get("mac"))):
        raise CheckpointError("is not authentic: its signature does not match its content")
    try:
        return {int(c["chain"]): (int(c["seq"]), str(c["hash"])) for c in body["chains"]}
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"is malformed: {error}") from error
