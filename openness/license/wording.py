"""Where a text's wording departs from a catalog text, phrase by phrase, through fingerprints.

The catalog keeps a license text's sampled shingle hashes in text order, with the word each
starts at (rules/fingerprints.json; no prose). Aligning a text's own hashes with them leaves
the places where the two differ. Between two aligned shingles, the words of each side that no
aligned shingle covers hold the difference, and their counts say what it is: more words in the
text than in the catalog text, and no catalog hash lost, is an insertion (the added words are
found by taking words out until the catalog's sampling pattern holds, and quoted); fewer words
is a removal (its size is known, its words are not stored, except the words that grant a right,
which the catalog counts); the same count with catalog hashes lost is a change.

What each copy renders its own way is no difference: the fingerprint's reading drops labels,
markup, URL schemes and copyright lines; a title line added, and the catalog text's title lines
or appendix (its `optional` word ranges) left out, are not differences either.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

from openness.license.fingerprint import (
    SHINGLE,
    is_notice,
    sampled,
    shingles_of,
    word_lines,
    word_spans,
)
from openness.license.fingerprint import words as read_words
from openness.rules import CatalogLicense
from openness.sanitize import one_line

QUOTE = 160  # characters of a quoted passage
CONTEXT = 4  # words shown on each side of a removal
OFFSETS = 12  # places tried for the added words inside a difference
# words a title line is made of, besides the license's own name: an added title is not a change
TITLE_WORDS = frozenset(
    [
        "license",
        "licence",
        "licensed",
        "agreement",
        "terms",
        "conditions",
        "version",
        "the",
        "of",
        "and",
        "full",
        "text",
        "v",
    ]
)
_CLOSING = ".,;:!?)]\"'”’"


@dataclass(frozen=True)
class CatalogText:
    """What the catalog keeps of one license text (see tools/build_fingerprints.py)."""

    hashes: tuple[int, ...]
    starts: tuple[int, ...]  # the word each hash's shingle starts at
    words: int
    optional: tuple[tuple[int, int], ...]  # word ranges a faithful copy may leave out
    permissions: dict[str, int]  # words that grant a right, and how often the text has them

    def optional_shingle(self, start: int) -> bool:
        """The shingle starting at word `start` touches a part a copy may leave out."""
        return any(lo < start + SHINGLE and start < hi for lo, hi in self.optional)

    def optional_words(self, start: int, end: int) -> bool:
        """Words [start, end) lie in a part a copy may leave out."""
        return any(lo <= start and end <= hi for lo, hi in self.optional)


@cache
def catalog_texts(folders: tuple[Path, ...]) -> dict[str, CatalogText]:
    """The catalog texts of every fingerprints.json that keeps word positions (later folders
    override earlier ones; an entry without positions can only be compared as a whole)."""
    out: dict[str, CatalogText] = {}
    for folder in folders:
        path = folder / "fingerprints.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, entry in data.get("licenses", {}).items():
            if data.get("order") != "text" or "steps" not in entry:
                out.pop(key, None)
                continue
            starts, at = [], 0
            for step in entry["steps"]:
                at += step
                starts.append(at)
            out[key] = CatalogText(
                hashes=tuple(int(h, 16) for h in entry["shingles"]),
                starts=tuple(starts),
                words=int(entry["words"]),
                optional=tuple((int(a), int(b)) for a, b in entry.get("optional", [])),
                permissions={str(k): int(v) for k, v in entry.get("permissions", {}).items()},
            )
    return out


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed
    line: int
    text: str  # the difference as it is reported, one line


@dataclass
class _Text:
    """The text being compared, read the way the fingerprints read it."""

    source: str
    spans: list[tuple[int, int]]
    tokens: list[str]
    lines: list[int]

    @classmethod
    def read(cls, text: str, first_line: int) -> _Text:
        return cls(text, word_spans(text), read_words(text), word_lines(text, first_line))

    def quote(self, start: int, end: int) -> str:
        """The text's own words [start, end), with the punctuation that closes them."""
        lo, hi = self.spans[start][0], self.spans[end - 1][1]
        while hi < len(self.source) and self.source[hi] in _CLOSING:
            hi += 1
        return one_line(self.source[lo:hi], QUOTE)

    def line(self, index: int) -> int:
        return self.lines[min(max(index, 0), len(self.lines) - 1)]


@dataclass(frozen=True)
class _Gap:
    """One place where the alignment breaks: the words between two aligned shingles, in the
    text and in the catalog text, and the catalog's sampled shingles there."""

    start: int  # first word of the text not covered by the aligned shingle before
    end: int  # first word of the aligned shingle after (the text's length at the end)
    before: int | None  # start of the aligned shingle before, in the text
    after: bool  # an aligned shingle follows
    catalog_start: int  # the same two places in the catalog text
    catalog_end: int
    catalog_before: int | None
    expected: dict[int, int]  # catalog word -> hash of the sampled shingle starting there
    lost: bool  # a catalog shingle outside the optional parts is not in the text

    @property
    def words(self) -> int:
        return max(0, self.end - self.start)

    @property
    def catalog_words(self) -> int:
        return max(0, self.catalog_end - self.catalog_start)

    @property
    def at_edge(self) -> bool:
        return self.before is None or not self.after


def changes(
    text: str, lic: CatalogLicense, catalog: CatalogText, first_line: int = 1, edges: bool = True
) -> list[Change]:
    """The places where `text` departs from the catalog text of `lic`, in text order. With
    `edges` false (the license is part of a larger text), words before or after it are the
    rest of that text, not additions."""
    read = _Text.read(text, first_line)
    ours = shingles_of(read.tokens)
    matcher = SequenceMatcher(None, catalog.hashes, [h for h, _ in ours], autojunk=False)
    out: list[Change] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        gap = _gap(catalog, ours, len(read.tokens), (a1, a2), (b1, b2))
        if gap.at_edge and not edges:
            change = _edge_of_a_larger_text(read, lic, gap)
        else:
            change = _judge(read, lic, catalog, gap)
        if change is not None:
            out.append(change)
    return _with_permissions(out, read.tokens, lic, catalog)


def _gap(
    catalog: CatalogText,
    ours: list[tuple[int, int]],
    size: int,
    a: tuple[int, int],
    b: tuple[int, int],
) -> _Gap:
    (a1, a2), (b1, b2) = a, b
    first = (a1, b1) == (0, 0)
    after = a2 < len(catalog.hashes) and b2 < len(ours)
    before = None if first else ours[b1 - 1][1]
    catalog_before = None if first else catalog.starts[a1 - 1]
    lost = [catalog.starts[i] for i in range(a1, a2)]
    around = range(max(0, a1 - 1), min(len(catalog.hashes), a2 + 1))
    return _Gap(
        start=0 if before is None else before + SHINGLE,
        end=ours[b2][1] if after else size,
        before=before,
        after=after,
        catalog_start=0 if catalog_before is None else catalog_before + SHINGLE,
        catalog_end=catalog.starts[a2] if after else catalog.words,
        catalog_before=catalog_before,
        expected={catalog.starts[i]: catalog.hashes[i] for i in around},
        lost=any(not catalog.optional_shingle(p) for p in lost),
    )


def _judge(read: _Text, lic: CatalogLicense, catalog: CatalogText, gap: _Gap) -> Change | None:
    extra = gap.words - gap.catalog_words
    inside = gap.catalog_before is not None and gap.after
    if inside and catalog.optional_words(gap.catalog_before, gap.catalog_end + SHINGLE):
        return None  # an edit within the title lines or the appendix (filled in, reworded)
    if extra > 0:
        place = _inserted(read.tokens, gap, extra)
        if place is not None:
            return _added(read, lic, place, place + extra)
    if not gap.lost and (extra <= 0 or catalog.optional_words(gap.catalog_start, gap.catalog_end)):
        return None  # a part a copy may leave out (title lines, appendix) left out or reworded
    if extra < 0:
        return _removed(read, lic, gap, -extra)
    if gap.words == 0:
        return None
    here = read.quote(gap.start, gap.end)
    line = read.line(gap.start)
    return Change("changed", line, f'line {line}: changed: "{here}" differs from the {lic.id} text')


def _edge_of_a_larger_text(read: _Text, lic: CatalogLicense, gap: _Gap) -> Change | None:
    """Before or after a license inside a larger text, the text's own words are the rest of
    that text; only the catalog text's own start or end missing is a difference."""
    if not gap.lost:
        return None
    count = max(1, gap.catalog_words - (SHINGLE - 1))
    where = "at the start" if gap.before is None else "at the end"
    noun = "word" if count == 1 else "words"
    return Change(
        "removed", read.line(gap.end), f"removed {where}: about {count} {noun} of the {lic.id} text"
    )


def _inserted(tokens: list[str], gap: _Gap, count: int) -> int | None:
    """Where the `count` words the text has beyond the catalog text start: the place from
    which taking them out gives, between the aligned shingles, exactly the catalog's sampled
    shingles. None when no place does (words were changed too, not only added)."""
    lo = 0 if gap.before is None else gap.before
    hi = gap.end + SHINGLE if gap.after else len(tokens)
    shift = 0 if gap.catalog_before is None else gap.catalog_before  # rest[0] in the catalog
    for offset in range(min(gap.words - count, OFFSETS) + 1):
        cut = gap.start + offset
        rest = tokens[lo:cut] + tokens[cut + count : hi]
        if all(
            sampled(rest[r : r + SHINGLE]) == gap.expected.get(r + shift)
            for r in range(len(rest) - SHINGLE + 1)
        ):
            return cut
    return None


def _title_words(lic: CatalogLicense) -> set[str]:
    own = [lic.id, lic.name, lic.family, lic.version or "", *lic.titles]
    return set(TITLE_WORDS).union(*(read_words(t.replace("-", " ")) for t in own))


def _added(read: _Text, lic: CatalogLicense, start: int, end: int) -> Change | None:
    if end <= start or set(read.tokens[start:end]) <= _title_words(lic):
        return None  # a title line naming the license is no addition to it
    quoted = read.quote(start, end)
    if is_notice(quoted):
        return None  # a copyright line run into the text
    line = read.line(start)
    return Change("added", line, f'line {line}: added "{quoted}"')


def _removed(read: _Text, lic: CatalogLicense, gap: _Gap, count: int) -> Change:
    if gap.start == 0 and gap.before is None:
        where = "at the start"
    elif not gap.after:
        where = f"at the end (after line {read.line(len(read.tokens) - 1)})"
    else:
        lo, hi = max(0, gap.start - CONTEXT), min(len(read.tokens), gap.end + CONTEXT)
        where = f'after line {read.line(gap.start - 1)} (here: "{read.quote(lo, hi)}")'
    noun = "word" if count == 1 else "words"
    return Change(
        "removed", read.line(gap.start), f"removed {where}: {count} {noun} of the {lic.id} text"
    )


def _with_permissions(
    found: list[Change], tokens: list[str], lic: CatalogLicense, catalog: CatalogText
) -> list[Change]:
    """Name the words that grant a right which the text has fewer of than the catalog text:
    with the one removal when there is one, else on a line of their own."""
    counts = Counter(t for t in tokens if t in catalog.permissions)
    fewer = [w for w, n in catalog.permissions.items() if counts[w] < n]
    if not fewer:
        return found
    named = ", ".join(f'"{w}"' for w in fewer)
    removals = [i for i, c in enumerate(found) if c.kind in ("removed", "changed")]
    if len(removals) == 1:
        i = removals[0]
        found[i] = Change(found[i].kind, found[i].line, f"{found[i].text}, including {named}")
        return found
    gone = ", ".join(f'"{w}" ({counts[w]} of {catalog.permissions[w]})' for w in fewer)
    return [
        *found,
        Change("removed", 0, f"words of the {lic.id} text that grant a right, fewer here: {gone}"),
    ]
