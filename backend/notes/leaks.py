"""The name-leak matcher: where a text names a co-member of a group, folded so that the
usual ways of writing a name, number or date differently do not slip past it.

Text is folded character by character (NFKD, combining marks dropped, case folded) and
cut into words of letters and digits, each word remembering its span in the original
text, so every leak points at what the facilitator typed. An identifier is a sequence
of parts; it matches consecutive words either part for part (dates) or joined, whatever
separates or does not separate them ("Maria Lopez", "MariaLopez", "maria_lopez")."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

Severity = Literal["block", "confirm"]

# Names that are also everyday words: alone they only ask the facilitator to confirm.
# fmt: off
COMMON_WORDS = frozenset({
    "will", "hope", "grace", "joy", "faith", "may", "june", "april", "august", "art", "bill",
    "mark", "rose", "dawn", "sky", "summer", "autumn", "winter", "amber", "ruby", "pearl",
    "ivy", "holly", "lily", "daisy", "iris", "violet", "hazel", "rich", "frank", "grant",
    "sunny", "honey", "angel", "star", "river", "stone", "wade", "chase", "hunter", "miles",
    "major", "king", "bob", "pat", "sue", "jack", "carol", "destiny", "harmony", "melody",
    "patience", "prudence", "justice", "gene", "rob", "sandy", "dusty", "penny", "sterling",
    "rocky", "don", "guy", "ray",
})
MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
# fmt: on
MAX_GAP = 3  # separator characters allowed between the words of one identifier


@dataclass(frozen=True)
class Word:
    text: str  # folded
    start: int  # span in the original text
    end: int


@dataclass(frozen=True)
class Pattern:
    parts: tuple[str, ...]  # folded
    severity: Severity
    joinable: bool = True  # words may split or join the parts freely
    fuzzy: Severity | None = None  # severity of a one-typo match; None: exact only

    @property
    def joined(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class Identity:
    """Everything the chart holds that names one client."""

    given: str
    family: str
    middle: str = ""
    preferred: str = ""
    mrn: str = ""
    birth_date: date | None = None
    phones: tuple[str, ...] = ()
    email: str = ""


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    severity: Severity
    fuzzy: bool


def fold(text: str) -> str:
    """Case, accents and compatibility forms folded away (full-width "Z", "oë" → "zoe")."""
    return "".join(_fold_char(c) for c in text)


@functools.cache
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.cache
def _letters(char: str) -> str:
    return "".join(c for c in _fold_char(char) if c.isalnum())


def words(text: str) -> list[Word]:
    """Runs of letters and digits of the folded text, with their original spans."""
    result: list[Word] = []
    current, start = "", 0
    for index, char in enumerate(text):
        piece = _letters(char)
        if piece:
            if not current:
                start = index
            current += piece
        elif unicodedata.combining(char) and current:
            continue  # a combining mark (NFD text) belongs to the word it follows
        elif current:
            result.append(Word(current, start, index))
            current = ""
    if current:
        result.append(Word(current, start, len(text)))
    return result


def within_one_edit(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours turns a into b."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = sorted((a, b), key=len)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _name_parts(name: str) -> tuple[str, ...]:
    return tuple(w.text for w in words(name))


@functools.lru_cache(maxsize=4096)
def patterns(identity: Identity) -> tuple[Pattern, ...]:
    """Every way of writing this client the matcher knows, most certain first."""
    given, family = _name_parts(identity.given), _name_parts(identity.family)
    middle, preferred = _name_parts(identity.middle), _name_parts(identity.preferred)
    result: list[Pattern] = []
    for first in {given, preferred} - {()}:
        for full in (first + family, family + first, first + middle + family):
            result.append(Pattern(full, "block", fuzzy="block"))
        result.append(Pattern((first[0][0], *family), _soft(family)))
        result.append(Pattern((*first, family[0][0]) if family else first, _soft(first)))
    for name in {given, family, middle, preferred} - {()}:
        if len("".join(name)) >= 2:
            result.append(Pattern(name, _soft(name), fuzzy="confirm"))
    return tuple(result + _numbers(identity))


def _soft(name: tuple[str, ...]) -> Severity:
    return "confirm" if all(part in COMMON_WORDS for part in name) else "block"


def _numbers(identity: Identity) -> list[Pattern]:
    result = []
    if identity.mrn:
        result.append(Pattern(_name_parts(identity.mrn), "block"))
        digits = re.sub(r"\D", "", identity.mrn)
        if digits:
            result.append(Pattern((digits,), "block"))
    if identity.birth_date:
        result += [Pattern(p, "block", joinable=False) for p in date_forms(identity.birth_date)]
        result.append(Pattern((identity.birth_date.strftime("%Y%m%d"),), "block"))
    for phone in identity.phones:
        digits = re.sub(r"\D", "", phone)
        forms = {digits, digits[1:] if len(digits) == 11 and digits[0] == "1" else digits}
        if len(digits) == 10:
            forms.add("1" + digits)
        result += [Pattern((form,), "block") for form in forms if len(form) >= 7]
    if identity.email:
        result.append(Pattern(_name_parts(identity.email), "block"))
    return result


def date_forms(day: date) -> set[tuple[str, ...]]:
    """A date as people write it: ISO, US and European numerals (zero-padded or not, four-
    or two-digit year), and with the month's name or its abbreviation, either order."""
    y, yy = str(day.year), f"{day.year % 100:02d}"
    months = {str(day.month), f"{day.month:02d}"}
    days = {str(day.day), f"{day.day:02d}", _ordinal(day.day)}
    names = {MONTHS[day.month - 1], MONTHS[day.month - 1][:3]}
    if day.month == 9:
        names.add("sept")
    forms: set[tuple[str, ...]] = set()
    for m in months:
        for d in days - {_ordinal(day.day)}:
            forms |= {(y, m, d), (m, d, y), (d, m, y), (m, d, yy), (d, m, yy)}
    for name in names:
        for d in days:
            forms |= {(d, name, y), (name, d, y), (d, "of", name, y)}
    return forms


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class Text:
    """A text's words, indexed so that each identifier is looked up, not scanned for."""

    words: list[Word]
    at: dict[str, list[int]]  # word → its indexes
    near: dict[str, set[str]]  # a word (4+ letters) and each of its one-deletions → the word
    known: frozenset[str]  # the keys of ``at``, for set intersections
    close: frozenset[str]  # the keys of ``near``


def index(text: str) -> Text:
    found = words(text)
    at: dict[str, list[int]] = {}
    near: dict[str, set[str]] = {}
    for i, word in enumerate(found):
        at.setdefault(word.text, []).append(i)
    for known in at:
        if len(known) >= 4:
            for variant in {known} | _deletions(known):
                near.setdefault(variant, set()).add(known)
    return Text(found, at, near, frozenset(at), frozenset(near))


@functools.lru_cache(maxsize=65536)
def _deletions(word: str) -> frozenset[str]:
    return frozenset(word[:i] + word[i + 1 :] for i in range(len(word)))


@functools.lru_cache(maxsize=65536)
def _prefixes(target: str) -> frozenset[str]:
    return frozenset(target[:k] for k in range(1, len(target) + 1))


@functools.lru_cache(maxsize=65536)
def _suffixes(target: str) -> frozenset[str]:
    return frozenset(target[k:] for k in range(1, len(target)))


def _starts(text: Text, target: str) -> Iterator[int]:
    """Indexes of the words that begin ``target``. Identifiers are looked up by set
    intersection: a 12-member note runs thousands of these."""
    for prefix in _prefixes(target) & text.known:
        yield from text.at[prefix]


def _run(text: Text, i: int, longest: int) -> Iterator[int]:
    """Word indexes j from i on while the joined words i..j stay short and close enough."""
    size = 0
    for j in range(i, len(text.words)):
        if j > i and text.words[j].start - text.words[j - 1].end > MAX_GAP:
            return
        size += len(text.words[j].text)
        if size > longest:
            return
        yield j


def _joined(text: Text, i: int, j: int) -> str:
    return "".join(w.text for w in text.words[i : j + 1])


def match(text: Text, pattern: Pattern) -> Iterator[Match]:
    """Where the pattern occurs among the words."""
    target, found = pattern.joined, text.words
    if not pattern.joinable:
        size = len(pattern.parts)
        for i in text.at.get(pattern.parts[0], []):
            window = found[i : i + size]
            if tuple(w.text for w in window) == pattern.parts and _close(window):
                yield Match(found[i].start, window[-1].end, pattern.severity, False)
        return
    for i in _starts(text, target):
        for j in _run(text, i, len(target)):
            if _joined(text, i, j) == target:
                yield Match(found[i].start, found[j].end, pattern.severity, False)
    if pattern.fuzzy and len(target) >= 5:
        for i, j in _typo_candidates(text, target):
            if all(len(w.text) > 1 for w in found[i : j + 1]) and within_one_edit(
                _joined(text, i, j), target
            ):
                yield Match(found[i].start, found[j].end, pattern.fuzzy, True)


def _typo_candidates(text: Text, target: str) -> set[tuple[int, int]]:
    """Single words one edit from the target, and pairs of neighbouring words of which one
    is exactly where the target begins or ends ("Zoe Quartermain", "Zoa Quartermaine")."""
    spans: set[tuple[int, int]] = set()
    for key in (_deletions(target) | {target}) & text.close:
        for word in text.near[key] - {target}:
            spans |= {(i, i) for i in text.at[word]}
    last = len(text.words) - 1
    spans |= {(i, i + 1) for i in _starts(text, target) if i < last}
    for suffix in _suffixes(target) & text.known:
        spans |= {(j - 1, j) for j in text.at[suffix] if j > 0}
    return {(i, j) for i, j in spans if _close(text.words[i : j + 1])}


def _close(window: list[Word]) -> bool:
    return all(b.start - a.end <= MAX_GAP for a, b in itertools.pairwise(window))


def find(text: str | Text, identity: Identity, *, fuzzy: bool = True) -> list[Match]:
    """Every place the text names this client. A typo match only counts beyond the exact
    ones; the longest match wins where they overlap, and a block beats a confirm."""
    indexed = index(text) if isinstance(text, str) else text
    anchors, near = _anchors(identity)
    if indexed.known.isdisjoint(anchors) and indexed.close.isdisjoint(near):
        return []
    hits = [hit for pattern in patterns(identity) for hit in match(indexed, pattern)]
    exact = [hit for hit in hits if not hit.fuzzy]
    typos = [hit for hit in hits if hit.fuzzy and fuzzy and not _covered(hit, exact)]
    return _widest(exact + typos)


@functools.lru_cache(maxsize=4096)
def _anchors(identity: Identity) -> tuple[frozenset[str], frozenset[str]]:
    """The words (and one-deletion neighbours) at least one of which a text must hold for
    any pattern of this client to match: most texts name nobody, and skip at once."""
    anchors: set[str] = set()
    near: set[str] = set()
    for pattern in patterns(identity):
        target = pattern.joined
        anchors |= _prefixes(target) if pattern.joinable else {pattern.parts[0]}
        if pattern.fuzzy and len(target) >= 5:
            anchors |= _suffixes(target)
            near |= _deletions(target) | {target}
    return frozenset(anchors), frozenset(near)


def _covered(hit: Match, others: Iterable[Match]) -> bool:
    return any(other.start <= hit.start and hit.end <= other.end for other in others)


def overlaps(hit: Match, others: Iterable[Match]) -> bool:
    return any(hit.start < other.end and other.start < hit.end for other in others)


def _widest(hits: Iterable[Match]) -> list[Match]:
    ranked = sorted(
        hits, key=lambda m: (m.start, -(m.end - m.start), m.severity != "block", m.fuzzy)
    )
    kept: list[Match] = []
    for hit in ranked:
        if kept and hit.start < kept[-1].end:
            if hit.severity == "block" and kept[-1].severity == "confirm":
                kept[-1] = Match(kept[-1].start, max(kept[-1].end, hit.end), "block", False)
            continue
        kept.append(hit)
    return kept
