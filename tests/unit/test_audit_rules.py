"""The audit chains' pure rules: keyed hashes, the walk ``emr audit verify`` runs, signed
heads and checkpoints, and how the keys are read from the environment."""

import hashlib
import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.audit import rules
from backend.config import Settings, _audit_keys, audit_key_fingerprint, audit_key_problems

pytestmark = pytest.mark.integrity

KEYS = {"a": "first-key-" + "x1y2z3" * 6, "b": "second-key-" + "p9q8r7" * 6}
WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
_ids = itertools.count(1)


def _event(chain: int, seq: int, prev_hash: str, key_id: str, **content: Any) -> dict[str, Any]:
    event = {
        "id": next(_ids),
        "chain": chain,
        "seq": seq,
        "key_id": key_id,
        "occurred_at": WHEN + timedelta(seconds=seq),
        "actor_id": None,
        "actor_username": "rosa",
        "action": "read",
        "entity": "patient",
        "entity_id": str(seq),
        "patient_id": None,
        "outcome": "success",
        "ip": "10.0.0.7",
        "user_agent": "tablet",
        "detail": {},
        "prev_hash": prev_hash,
    } | content
    return event | {"hash": rules.event_hash(event, KEYS)}


def _chain(length: int, chain: int = 1, key_id: str = "a", after: dict | None = None) -> list:
    events, prev, seq = [], after["hash"] if after else rules.GENESIS, after["seq"] if after else 0
    for _ in range(length):
        seq += 1
        events.append(_event(chain, seq, prev, key_id))
        prev = events[-1]["hash"]
    return events


def _head(events: list[dict], key_id: str = "a") -> rules.Head:
    last = events[-1]
    mac = rules.head_mac(last["chain"], last["seq"], last["hash"], KEYS[key_id])
    return rules.Head(last["chain"], last["seq"], last["hash"], key_id, mac)


def _walk(
    events: list[dict],
    heads: list[rules.Head],
    keys: dict[str, str] = KEYS,
    pins: dict[int, tuple[int, str]] | None = None,
) -> rules.Break | None:
    walk = rules.ChainWalk(keys, pins or {})
    for event in sorted(events, key=lambda e: (e["chain"], e["seq"])):
        broken = walk.step(event)
        if broken:
            return broken
    return walk.finish(heads)


def _sha256_rewrite(event: dict, prev_hash: str) -> dict:
    """What a superuser without the key can do: the public formula, as an unkeyed event."""
    forged = event | {"key_id": rules.LEGACY, "prev_hash": prev_hash}
    return forged | {"hash": rules.event_hash(forged, {})}


def test_intact_chains_with_signed_heads_verify() -> None:
    one, two = _chain(4, chain=1), _chain(3, chain=2)
    assert _walk(one + two, [_head(one), _head(two)]) is None


def test_reattributed_event_with_recomputed_sha256_hashes_is_caught() -> None:
    events = _chain(5)
    forged, prev = events[:1], events[0]["hash"]
    for event in events[1:]:
        changed = event | ({"actor_username": "sam"} if event["seq"] == 2 else {})
        forged.append(_sha256_rewrite(changed, prev))
        prev = forged[-1]["hash"]
    broken = _walk(forged, [_head(events)])
    assert broken and broken.event_id == events[1]["id"]
    assert broken.why == "unkeyed (sha256) event where only keyed events may be"


def test_recomputing_with_a_guessed_key_is_caught() -> None:
    events = _chain(3)
    guessed = {"a": "guessed-" + "k" * 40}
    changed = events[1] | {"outcome": "denied"}
    changed["hash"] = rules.event_hash(changed, guessed)
    broken = _walk([events[0], changed, events[2]], [_head(events)])
    assert broken and broken.event_id == events[1]["id"]
    assert broken.why == "content does not match its hash"


def test_a_missing_row_or_a_broken_link_names_the_next_event() -> None:
    events = _chain(4)
    gap = _walk(events[:1] + events[2:], [_head(events)])
    assert gap and gap.event_id == events[2]["id"] and "expected seq 2" in gap.why
    unlinked = [*events[:2], events[2] | {"prev_hash": "f" * 64}, *events[3:]]
    broken = _walk(unlinked, [_head(events)])
    assert broken and broken.event_id == events[2]["id"] and "does not link" in broken.why


def test_deleting_the_newest_events_shows_against_the_signed_head() -> None:
    events = _chain(5)
    broken = _walk(events[:3], [_head(events)])
    assert broken and broken.event_id is None and broken.chain == 1
    assert broken.why == (
        "its newest events were deleted: it ends at seq 3, its signed head records seq 5"
    )


def test_a_head_must_be_signed_with_a_configured_key() -> None:
    events = _chain(2)
    last = events[-1]
    unsigned = rules.Head(1, last["seq"], last["hash"], None, None)
    forged = rules.Head(1, last["seq"], last["hash"], "a", "0" * 64)
    under_b = _chain(2, key_id="b")
    found = [
        _walk(events, [unsigned]),
        _walk(events, [forged]),
        _walk(under_b, [_head(under_b, "a")], {"b": KEYS["b"]}),
    ]
    assert [b and b.why for b in found] == [
        "its head is not signed",
        "its head's signature does not match",
        "its head is signed with key id 'a', which is not configured "
        "(EMR_AUDIT_KEY, EMR_AUDIT_OLD_KEYS)",
    ]


def test_events_from_before_keying_verify_and_keyed_ones_may_follow_them() -> None:
    legacy = _chain(3, chain=0, key_id=rules.LEGACY)
    unsealed = rules.Head(0, 3, legacy[-1]["hash"], rules.LEGACY, None)
    assert _walk(legacy, [unsealed]) is None
    keyed = _chain(2, chain=0, after=legacy[-1])
    assert _walk(legacy + keyed, [_head(keyed)]) is None


def test_unkeyed_events_are_refused_after_keyed_ones_and_outside_chain_zero() -> None:
    keyed = _chain(2, chain=0)
    late = _chain(1, chain=0, key_id=rules.LEGACY, after=keyed[-1])
    broken = _walk(keyed + late, [_head(keyed)])
    assert broken and broken.event_id == late[0]["id"] and "unkeyed" in broken.why
    elsewhere = _walk(_chain(1, chain=4, key_id=rules.LEGACY), [])
    assert elsewhere and "unkeyed" in elsewhere.why


def test_the_unsigned_head_of_old_events_is_refused_once_keyed_events_exist() -> None:
    """Else a superuser could rewrite chain 0 entirely as unkeyed events."""
    legacy = _chain(3, chain=0, key_id=rules.LEGACY)
    unsealed = rules.Head(0, 3, legacy[-1]["hash"], rules.LEGACY, None)
    other = _chain(1, chain=5)
    broken = _walk(legacy + other, [unsealed, _head(other)])
    assert broken and broken.chain == 0 and "not signed" in broken.why


def test_rotated_keys_verify_with_the_old_key_configured_and_fail_without() -> None:
    old = _chain(2, key_id="a")
    new = _chain(2, key_id="b", after=old[-1])
    assert _walk(old + new, [_head(new, "b")]) is None
    broken = _walk(old + new, [_head(new, "b")], {"b": KEYS["b"]})
    assert broken and broken.event_id == old[0]["id"]
    assert "audit key id 'a', which is not configured" in broken.why


def test_checkpoint_pins_each_chain_and_catches_deletion_and_rollback() -> None:
    events = _chain(4, chain=1) + _chain(2, chain=3)
    walk = rules.ChainWalk(KEYS)
    for event in events:
        assert walk.step(event) is None
    document = json.loads(json.dumps(rules.checkpoint(walk.tips, WHEN, "a", KEYS["a"])))
    assert document["events"] == 6
    assert [(c["chain"], c["seq"]) for c in document["chains"]] == [(1, 4), (3, 2)]
    pins = rules.checkpoint_pins(document, KEYS)
    heads = [_head(events[:4]), _head(events[4:])]
    assert _walk(events, heads, pins=pins) is None

    shortened = events[:2] + events[4:]
    broken = _walk(shortened, [_head(events[:2]), heads[1]], pins=pins)
    assert broken and broken.chain == 1
    assert broken.why == "events were deleted: it ends at seq 2, the checkpoint saw seq 4"

    other = _chain(4, chain=1)
    other[-1] = _event(1, 4, other[2]["hash"], "a", action="export")
    broken = _walk(other + events[4:], [_head(other), heads[1]], pins=pins)
    assert broken and broken.event_id == other[-1]["id"] and "checkpoint" in broken.why


def test_a_checkpoint_must_be_authentic() -> None:
    document = rules.checkpoint({1: rules.Tip(4, 4, "ab" * 32, True)}, WHEN, "a", KEYS["a"])
    edited = json.loads(json.dumps(document))
    edited["chains"][0]["seq"] = 2
    with pytest.raises(rules.CheckpointError, match="not authentic"):
        rules.checkpoint_pins(edited, KEYS)
    with pytest.raises(rules.CheckpointError, match="'a', which is not configured"):
        rules.checkpoint_pins(document, {"b": KEYS["b"]})
    with pytest.raises(rules.CheckpointError, match="not an audit checkpoint"):
        rules.checkpoint_pins({"events": 3}, KEYS)


def test_keys_come_from_the_environment_with_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMR_AUDIT_KEY", "current-secret")
    monkeypatch.setenv("EMR_AUDIT_KEY_ID", "2026-12")
    monkeypatch.setenv("EMR_AUDIT_OLD_KEYS", "2026-06:older-secret, 2025-12:oldest-secret")
    keys, current = _audit_keys()
    assert current == "2026-12"
    assert keys == {
        "2026-12": "current-secret",
        "2026-06": "older-secret",
        "2025-12": "oldest-secret",
    }
    monkeypatch.delenv("EMR_AUDIT_KEY_ID")
    expected = hashlib.sha256(b"emr audit key id\ncurrent-secret").hexdigest()[:12]
    assert _audit_keys()[1] == audit_key_fingerprint("current-secret") == "k" + expected
    monkeypatch.setenv("EMR_AUDIT_OLD_KEYS", "no-colon-here")
    with pytest.raises(ValueError, match="id:secret"):
        _audit_keys()


def test_key_problems_name_what_to_fix(tmp_path) -> None:
    base = Settings(
        database_url=None,
        data_dir=tmp_path,
        api_url="",
        max_body_bytes=1,
        log_level="INFO",
        secret_key="",
        access_token_minutes=5,
        idle_timeout_minutes=15,
        mfa_required_roles=frozenset(),
        timezone="UTC",
    )
    assert audit_key_problems(base) == ["EMR_AUDIT_KEY is not set"]
    reserved = replace(base, audit_keys={"sha256": "s" * 40}, audit_key_id="sha256")
    assert any("reserved" in p for p in audit_key_problems(reserved))
    spaced = replace(base, audit_keys={"my key": "s" * 40}, audit_key_id="my key")
    assert any("letters, digits" in p for p in audit_key_problems(spaced))
    many = replace(base, audit_keys={"a": "s" * 40}, audit_key_id="a", audit_chains=65)
    assert audit_key_problems(many) == ["EMR_AUDIT_CHAINS must be between 1 and 64"]
