"""Clause detection: run the rules' patterns over bounded segments of a text.

Segments are paragraphs (split further at sentence ends past MAX_SEGMENT characters), with
whitespace folded, so each regex sees at most MAX_SEGMENT characters: matching time grows
linearly with the text, whatever it holds.

Two rules look at the sentence a match is in: a pattern's `unless` cancels the match when it
matches the same sentence, and a kind's `yields_to` (in clauses.yaml) drops the match when a
kind it names matches the same sentence (or, when ", and" joins a second restriction to the
first, the same part of it), so one restriction is filed under one kind: a ban on training
other models with outputs is `no_train_other_models`, not also `output_restrictions`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from openness.report import Clause
from openness.rules import ClauseKind, Rules
from openness.sanitize import one_line

MAX_SEGMENT = 2000
EXCERPT = 300
_SENTENCE_END = re.compile(r"(?<=[.;:])\s")
_MULTIPLIERS = {"thousand": 10**3, "million": 10**6, "m": 10**6, "billion": 10**9, "b": 10**9}


@dataclass(frozen=True)
class Segment:
    text: str  # whitespace-folded
    first_line: int  # 1-based line of the text's first character
    line_starts: tuple[int, ...]  # offsets in `text` where each following line begins

    def line_at(self, offset: int) -> int:
        return self.first_line + bisect.bisect_right(self.line_starts, offset)


def segments(text: str, first_line: int = 1) -> Iterator[Segment]:
    """Paragraphs of `text`, each at most MAX_SEGMENT characters, with their line numbers."""
    parts: list[str] = []
    starts: list[int] = []
    start_line = first_line
    size = 0
    for number, raw in enumerate(text.split("\n"), start=first_line):
        line = " ".join(raw.split())
        if not line:
            if parts:
                yield from _bounded(parts, starts, start_line)
            parts, starts, size = [], [], 0
            start_line = number + 1
            continue
        if parts:
            starts.append(size + 1)
            size += 1
        parts.append(line)
        size += len(line)
    if parts:
        yield from _bounded(parts, starts, start_line)


def _bounded(parts: list[str], starts: list[int], first_line: int) -> Iterator[Segment]:
    joined = " ".join(parts)
    if len(joined) <= MAX_SEGMENT:
        yield Segment(joined, first_line, tuple(starts))
        return
    # Too long: cut at sentence ends (or hard at MAX_SEGMENT), keeping line numbers right.
    whole = Segment(joined, first_line, tuple(starts))
    begin = 0
    while begin < len(joined):
        end = min(len(joined), begin + MAX_SEGMENT)
        if end < len(joined):
            cut = [m.end() for m in _SENTENCE_END.finditer(joined, begin + MAX_SEGMENT // 2, end)]
            end = cut[-1] if cut else end
        chunk = joined[begin:end]
        line = whole.line_at(begin)
        lo, hi = bisect.bisect_right(starts, begin), bisect.bisect_left(starts, end)
        yield Segment(chunk, line, tuple(s - begin for s in starts[lo:hi]))
        begin = end


@dataclass(frozen=True)
class Hit:
    kind: ClauseKind
    excerpt: str
    line: int
    value: int | None
    unit: str | None
    sentence: str = ""  # the whole sentence the match is in, on one line (at most SENTENCE)


SENTENCE = 240


def find_clauses(text: str, rules: Rules, first_line: int = 1) -> list[Hit]:
    """The first hit of each clause kind, in text order."""
    found: dict[str, Hit] = {}
    yields = yielding(rules)
    for segment in segments(text, first_line):
        lower = segment.text.lower()
        for kind in rules.kinds.values():
            # Once found, a kind is searched again only to find a hit that carries a figure.
            if kind.kind in found and (
                found[kind.kind].value is not None or not any(p.has_value for p in kind.patterns)
            ):
                continue
            others = tuple(rules.kinds[k] for k in yields.get(kind.kind, ()) if k in rules.kinds)
            hit = _match(kind, segment, lower, others)
            # Prefer a hit that carries a figure over an earlier one that does not.
            if hit and (kind.kind not in found or hit.value is not None):
                found[kind.kind] = hit
    return sorted(found.values(), key=lambda h: h.line)


def yielding(rules: Rules) -> dict[str, tuple[str, ...]]:
    """Each kind's `yields_to` list, read from the clauses.yaml files the rules came from (a
    later rules directory replaces a kind's entry, as it replaces the kind)."""
    return _yields_in(tuple(rules.sources))


@cache
def _yields_in(folders: tuple[Path, ...]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for folder in folders:
        path = folder / "clauses.yaml"
        if not path.is_file():
            continue
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        for name, spec in (data.get("kinds") or {}).items():
            out[name] = tuple(str(k) for k in (spec or {}).get("yields_to") or ())
    return out


_BREAK = re.compile(r"[.;!?][\"”’')\]]*\s+")
# a full stop that does not end a sentence: "e.g.", "Inc.", a list label "a." or "2.", "U.S."
# (but "section 3.2." does)
_NOT_A_BREAK = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|inc|ltd|co|no|vs|cf|viz)|(?:^|[\s(])[a-z0-9]{1,2}|\b[a-z]\.[a-z])\.$",
    re.I,
)


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or list item ended by ';') around text[start:end], as offsets."""
    begin, finish = 0, len(text)
    for m in _BREAK.finditer(text):
        stop = m.start()
        if text[stop] == "." and _NOT_A_BREAK.search(text, max(0, stop - 6), stop + 1):
            continue
        if m.end() <= start:
            begin = m.end()
        elif m.start() >= end - 1:
            finish = m.start() + 1
            break
    return begin, finish


# ", and" / ", but" / ", while" joining a second restriction to the first ("may not be used to
# train other models, and outputs must be labelled"), and ", including to" adding a purpose a
# ban also covers ("synthetic outputs for commercial purposes, including to train models"):
# each part is judged on its own.
_JOIN = re.compile(r",\s+(?:(?:and|but|while|whereas)\s+(?:also\s+)?|including\s+to\s+)", re.I)


def clause_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The part of the sentence around text[start:end] up to a joining ", and" outside it."""
    begin, finish = sentence_span(text, start, end)
    for m in _JOIN.finditer(text, begin, finish):
        if m.end() <= start:
            begin = m.end()
        elif m.start() >= end:
            finish = m.start()
            break
    return begin, finish


def _matches(kind: ClauseKind, sentence: str) -> bool:
    lower = sentence.lower()
    for pattern in kind.patterns:
        if pattern.needles and not any(n in lower for n in pattern.needles):
            continue
        if pattern.regex.search(sentence) and not (
            pattern.unless and pattern.unless.search(sentence)
        ):
            return True
    return False


def _match(
    kind: ClauseKind, segment: Segment, lower: str, others: tuple[ClauseKind, ...] = ()
) -> Hit | None:
    for pattern in kind.patterns:
        if pattern.needles and not any(n in lower for n in pattern.needles):
            continue
        for match in pattern.regex.finditer(segment.text):
            if pattern.unless or others:
                begin, finish = sentence_span(segment.text, match.start(), match.end())
                sentence = segment.text[begin:finish]
                if pattern.unless and pattern.unless.search(sentence):
                    continue  # e.g. a permission, not a restriction
                if others:
                    begin, finish = clause_span(segment.text, match.start(), match.end())
                    part = segment.text[begin:finish]
                    if any(_matches(other, part) for other in others):
                        continue  # filed under the kind this one yields to
            value = _value(match)
            begin, finish = sentence_span(segment.text, match.start(), match.end())
            return Hit(
                kind,
                _excerpt(segment.text, match),
                segment.line_at(match.start()),
                value,
                pattern.unit if value is not None else None,
                one_line(segment.text[begin:finish], SENTENCE),
            )
    return None


def _value(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    raw = groups.get("value")
    if not raw:
        return None
    digits = raw.rstrip(".,").replace(",", "")
    try:
        number = float(digits)
    except ValueError:
        return None
    multiplier = _MULTIPLIERS.get((groups.get("multiplier") or "").lower(), 1)
    return round(number * multiplier)


_BOUNDARY = re.compile(r"(?:[.;:!?]\s+|\s[ivx]+\.\s+|\s\(?[a-z0-9]\)\s+)")


def _excerpt(text: str, match: re.Match[str]) -> str:
    """The sentence (or list item) the match is in, from its start or from up to 160
    characters before the match, to its end: at most EXCERPT characters, and "…" wherever
    it is cut."""
    window = max(0, match.start() - 160)
    starts = [m.end() for m in _BOUNDARY.finditer(text, window, match.start())]
    start = starts[-1] if starts else window
    if start and not starts:
        start = text.rfind(" ", 0, start) + 1
    prefix = "…" if start and not starts else ""
    _, finish = sentence_span(text, match.start(), match.end())
    return prefix + _cut(one_line(text[start:finish], 10 * EXCERPT), EXCERPT - len(prefix))


def _cut(line: str, limit: int) -> str:
    """At most `limit` characters, cut between words, with "…" when cut."""
    if len(line) <= limit:
        return line
    head = line[: limit - 1]
    return (head.rsplit(" ", 1)[0] if " " in head else head).rstrip(" ,;:") + "…"


def to_clause(hit: Hit, source: str, document: str | None) -> Clause:
    kind = hit.kind
    return Clause(
        kind=kind.kind,
        title=kind.title,
        severity=kind.severity,  # type: ignore[arg-type]
        osd_criteria=list(kind.osd_criteria),
        excerpt=hit.excerpt,
        source=source,
        line=hit.line,
        value=hit.value,
        unit=hit.unit,
        document=document,
        rationale=kind.rationale,
    )
