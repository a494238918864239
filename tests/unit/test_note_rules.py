import pytest

from backend.notes.leaks import Identity
from backend.notes.rules import Member, check_note, content_hash, find_leaks

pytestmark = pytest.mark.notes

ANA = Member("a", Identity("Ana", "Lopez", preferred="Annie", mrn="MRN100001"))
BO = Member("b", Identity("Bo", "Zhang", mrn="MRN100002"))


def test_names_and_mrns_are_found_case_insensitively_on_word_boundaries() -> None:
    text = "annie shared; later BO ZHANG and MRN100002 joined. Bob and Analysis are fine."
    found = [(leak.text, leak.member_id) for leak in find_leaks("f", text, [ANA, BO])]
    assert found == [("annie", "a"), ("BO ZHANG", "b"), ("MRN100002", "b")]


def test_shared_section_may_name_nobody_and_entries_only_their_member() -> None:
    leaks = check_note(
        {"topic": "Coping with cravings", "process": "Ana led the check-in"},
        {"a": {"narrative": "Ana spoke about her week"}, "b": {"narrative": "Responded to Ana"}},
        [ANA, BO],
    )
    assert [(leak.field, leak.text) for leak in leaks] == [
        ("entries.b.narrative", "Ana"),
        ("shared.process", "Ana"),
    ]


def test_hash_is_stable_under_key_order_and_changes_with_content() -> None:
    assert content_hash({"a": 1, "b": "x"}) == content_hash({"b": "x", "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
