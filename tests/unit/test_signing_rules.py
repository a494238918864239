"""What keeps a group note from being signed, listed at once (``unmet_before_signing``)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.notes.rules import unmet_before_signing

pytestmark = [pytest.mark.notes, pytest.mark.integrity]


YESTERDAY = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def _unmet(**overrides: Any) -> list[str]:
    given: dict[str, Any] = {
        "starts_at": YESTERDAY,
        "now": NOW,
        "shared": {"topic": "Grounding"},
        "required": ["topic"],
        "attendance": {"a": "present", "b": "absent"},
        "entries": {"a": {"participation": "active", "narrative": "Practised"}, "b": {}},
        "entry_required": ["participation", "narrative"],
    } | overrides
    return [item["field"] for item in unmet_before_signing(**given)]


def test_a_complete_note_of_a_past_session_is_ready() -> None:
    assert _unmet() == []


def test_every_missing_item_is_listed_at_once() -> None:
    assert _unmet(
        starts_at=NOW + timedelta(minutes=1),
        shared={"topic": " "},
        attendance={"a": "late", "b": None, "c": "left_early"},
        entries={"a": {"participation": "", "narrative": "x"}, "c": {}},
    ) == [
        "session.starts_at",
        "topic",
        "entries.a.participation",
        "entries.b.attendance",
        "entries.c.participation",
        "entries.c.narrative",
    ]


def test_absent_members_need_only_their_attendance() -> None:
    assert _unmet(attendance={"a": "excused", "b": "absent"}, entries={}) == []
