"""The name-leak matcher: every way a co-member's identifiers can be written that it must
catch, the spans it reports (in the text as typed), what it lets pass, and what blocks
versus what asks the facilitator to confirm."""

from datetime import date

import pytest

from backend.notes.leaks import Identity, date_forms, fold, within_one_edit, words
from backend.notes.rules import Member, find_in_part, find_leaks, unconfirmed

pytestmark = pytest.mark.integrity

ZOE = Member(
    "z",
    Identity(
        given="Zoë",
        family="Quartermaine",
        middle="Beatrix",
        preferred="Zee",
        mrn="MRN100234",
        birth_date=date(1987, 3, 9),
        phones=("(555) 201-7788",),
        email="zoe.q@example.org",
    ),
)
MARIA = Member("m", Identity("María", "López", mrn="MRN100235", birth_date=date(1990, 11, 23)))
WILL = Member("w", Identity("Will", "Brightwater", mrn="MRN100236"))
OTHERS = [ZOE, MARIA, WILL]


def _found(text: str) -> list[tuple[str, str]]:
    return [(leak.text, leak.severity) for leak in find_leaks("f", text, OTHERS)]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("zoe arrived late", "zoe"),
        ("ZOË arrived late", "ZOË"),
        ("Zoe\u0308 arrived late", "Zoe\u0308"),  # NFD: e + combining diaeresis
        ("\uff3a\uff4f\uff45 arrived late", "\uff3a\uff4f\uff45"),  # full-width
        ("then MariaLopez spoke", "MariaLopez"),
        ("then Maria_Lopez spoke", "Maria_Lopez"),
        ("then maria-l spoke", "maria-l"),
        ("then Maria_L spoke", "Maria_L"),
        ("then M. Lopez spoke", "M. Lopez"),
        ("then M Lopez spoke", "M Lopez"),
        ("then Lopez, Maria spoke", "Lopez, Maria"),
        ("then Zoe Quartermain spoke", "Zoe Quartermain"),  # whole name with a typo
        ("Zee was quiet", "Zee"),
        ("Beatrix was quiet", "Beatrix"),
        ("ref MRN100234.", "MRN100234"),
        ("ref mrn 100234.", "mrn 100234"),
        ("ref MRN-100234.", "MRN-100234"),
        ("ref #100234.", "100234"),
        ("born 1987-03-09.", "1987-03-09"),
        ("born 3/9/1987.", "3/9/1987"),
        ("born 03/09/1987.", "03/09/1987"),
        ("born 3-9-87.", "3-9-87"),
        ("born 9 March 1987.", "9 March 1987"),
        ("born March 9, 1987.", "March 9, 1987"),
        ("born Mar 9th 1987.", "Mar 9th 1987"),
        ("born 9th of March, 1987.", "9th of March, 1987"),
        ("born 19870309.", "19870309"),
        ("born 23.11.1990.", "23.11.1990"),
        ("call 555-201-7788 now", "555-201-7788"),
        ("call (555) 201 7788 now", "555) 201 7788"),
        ("call +1 555.201.7788 now", "1 555.201.7788"),
        ("call 5552017788 now", "5552017788"),
        ("mail ZOE.Q@EXAMPLE.ORG today", "ZOE.Q@EXAMPLE.ORG"),
        ("WILL BRIGHTWATER joined", "WILL BRIGHTWATER"),
    ],
)
def test_every_way_of_writing_a_co_member_is_a_block(text: str, span: str) -> None:
    assert _found(text) == [(span, "block")]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Quartermain was quiet", "Quartermain"),  # one letter dropped
        ("Quartremaine was quiet", "Quartremaine"),  # neighbours swapped
        ("Quartermaina was quiet", "Quartermaina"),  # one letter changed
        ("Brightwaters was quiet", "Brightwaters"),  # one letter added
        ("Lopes was quiet", "Lopes"),  # five letters: one typo still counts
        ("the group will meet again", "will"),  # an everyday word that is a name
        ("Will arrived", "Will"),
    ],
)
def test_a_typo_or_an_everyday_word_asks_to_confirm(text: str, span: str) -> None:
    assert _found(text) == [(span, "confirm")]


@pytest.mark.parametrize(
    "text",
    [
        "Zoology and Analysis were the topics",
        "a quarter of the group, lopsided",
        "in 1987 and on March 9 we met",  # a year alone, a day without its year
        "room 1002345, extension 201-7788",
        "Zoey and Zo",  # names under five letters are matched exactly only
    ],
)
def test_ordinary_words_and_partial_numbers_pass(text: str) -> None:
    assert _found(text) == []


def test_spans_index_the_text_as_typed_not_the_folded_text() -> None:
    text = "\uff2e\uff4f\uff54\uff45: \uff21\u0301ngel said Zoe\u0308 and M. López left; Zoë too"
    leaks = find_leaks("f", text, OTHERS)
    assert [(text[leak.start : leak.end], leak.start) for leak in leaks] == [
        ("Zoe\u0308", text.index("Zoe")),
        ("M. López", text.index("M.")),
        ("Zoë", text.rindex("Zoë")),
    ]


def test_a_members_own_part_keeps_what_names_them_even_if_a_co_member_shares_it() -> None:
    sister = Member("s", Identity("Ines", "López", birth_date=date(1990, 11, 23)))
    found = find_in_part(
        {"entries.s.narrative": "Ines López (born 23/11/1990) spoke of María"},
        [sister, MARIA],
        "s",
    )
    assert [leak.text for leak in found] == ["María"]
    shared = find_in_part({"shared.topic": "Ines López"}, [sister, MARIA], None)
    assert [leak.text for leak in shared] == ["Ines López"]


def test_only_an_unconfirmed_everyday_word_or_a_block_still_stops_the_note() -> None:
    found = find_leaks("shared.group_process", "Will said he will call MRN100234", OTHERS)
    assert [(leak.text, leak.severity) for leak in found] == [
        ("Will", "confirm"),
        ("will", "confirm"),
        ("MRN100234", "block"),
    ]
    confirmed = {("shared.group_process", "will"), ("shared.group_process", "mrn100234")}
    assert [leak.text for leak in unconfirmed(found, confirmed)] == ["MRN100234"]
    assert len(unconfirmed(found, {("shared.topic", "will")})) == 3


def test_folding_and_words() -> None:
    assert fold("\uff3a\uff2fË Straße \ufb01ne") == "zoe strasse fine"
    assert [(w.text, w.start, w.end) for w in words("Zoe\u0308_L.")] == [
        ("zoe", 0, 4),
        ("l", 5, 6),
    ]


def test_one_edit_means_one_insertion_deletion_substitution_or_swap() -> None:
    assert within_one_edit("lopez", "lopes") and within_one_edit("lopez", "lopz")
    assert within_one_edit("lopez", "olpez") and within_one_edit("lopez", "lopezz")
    assert not within_one_edit("lopez", "lpoze") and not within_one_edit("lopez", "lo")


def test_a_birth_date_is_known_in_the_common_formats() -> None:
    forms = {" ".join(f) for f in date_forms(date(2001, 9, 4))}
    assert {
        "2001 09 04",
        "2001 9 4",
        "9 4 2001",
        "09 04 2001",
        "4 9 2001",
        "9 4 01",
        "4 sept 2001",
        "september 4th 2001",
        "sep 04 2001",
        "4th of september 2001",
    } <= forms
