"""Content fingerprints of license texts: hashed word shingles, compared by overlap.

The catalog stores only these hashes (never the prose), sampled to one in SAMPLE so the data
stays small; overlap on a uniform sample estimates overlap on the whole text. The hashes are
stored in the order of the text with the word each starts at, so a stretch of the catalog text
that is missing, or words added to it, can be located (openness/license/wording.py).

Words are read after dropping what differs between renderings of the same text and says
nothing: list labels ("1.", "b)", "(iv)"), HTML tags, the targets of Markdown links, a URL's
"https://www." and copyright notice lines ("Copyright (c) 2024 Example Corp."), which every
copy fills in its own way.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass

SHINGLE = 5
SAMPLE = 2
NOTICE_WORDS = 15  # a copyright line longer than this runs on into the license's own words
# a word; an apostrophe inside it is dropped so "Licensee’s" and "Licensee's" agree
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z0-9]+)*", re.IGNORECASE | re.ASCII)
# a list or section label: "1." "b)" "(iv)" "a." (not "2.0", not the end of "1,000.")
_LABEL = re.compile(r"(?<![\w.,’'])\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)](?=\s|$)", re.IGNORECASE)
# markup that renders as nothing: HTML tags, "(https://...)" after a Markdown link's text, and
# the scheme of a URL (http and https copies of one text agree)
_MARKUP = re.compile(
    r"<[^<>\n]{0,200}>|\]\([^()\s]{1,300}\)|\bhttps?://(?:www\.)?|\bwww\.", re.IGNORECASE
)
# a copyright notice line, which each copy fills in (or leaves out) its own way: read only at
# the start of a paragraph, with the notice lines that follow it, and only when short, so a
# sentence of the license that wraps onto (or runs on after) "Copyright (c) ..." is kept
_NOTICE = re.compile(
    r"^[ \t#>*/-]*(?:copyright\s*(?:\(c\)|©|\[|\d{4})|©|\(c\)\s*\d{4}|spdx-license-identifier:"
    r"|all\s+rights\s+reserved\.?\s*$)",
    re.IGNORECASE,
)


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def _without_notices(text: str) -> str:
    lines = text.split("\n")
    paragraph_start = True
    in_notice = False
    for i, line in enumerate(lines):
        if not line.strip():
            paragraph_start, in_notice = True, False
            continue
        if (paragraph_start or in_notice) and is_notice(line):
            lines[i] = " " * len(line)
            in_notice = True
        else:
            in_notice = False
        paragraph_start = False
    return "\n".join(lines)


def is_notice(line: str) -> bool:
    """A copyright notice line (or a passage that is one)."""
    return bool(_NOTICE.match(line)) and _short(line)


def _short(line: str) -> bool:
    return len(_WORD.findall(line)) <= NOTICE_WORDS


def _readable(text: str) -> str:
    """The text with what says nothing blanked out, character for character (offsets hold)."""
    return _LABEL.sub(_blank, _MARKUP.sub(_blank, _without_notices(text)))


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) in `text` of each word of `words(text)`."""
    return [m.span() for m in _WORD.finditer(_readable(text))]


def _token(word: str) -> str:
    return word.lower().replace("’", "").replace("'", "")


def words(text: str) -> list[str]:
    return [_token(m.group()) for m in _WORD.finditer(_readable(text))]


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def shingles_of(tokens: list[str]) -> list[tuple[int, int]]:
    """(hash, index of first word) for every sampled shingle of these words."""
    out = []
    for i in range(max(0, len(tokens) - SHINGLE + 1)):
        h = _hash(" ".join(tokens[i : i + SHINGLE]))
        if h % SAMPLE == 0:
            out.append((h, i))
    return out


def shingle_hashes(text: str) -> list[tuple[int, int]]:
    """(hash, index of first word) for every sampled shingle of the text."""
    return shingles_of(words(text))


def sampled(tokens: list[str]) -> int | None:
    """The hash of a shingle of these words when it is one the sample keeps, else None."""
    h = _hash(" ".join(tokens))
    return h if h % SAMPLE == 0 else None


def fingerprint(text: str) -> set[int]:
    return {h for h, _ in shingle_hashes(text)}


def word_lines(text: str, first_line: int = 1) -> list[int]:
    """The line number of each word of `words(text)` (words never span lines)."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return [bisect_right(starts, start) - 1 + first_line for start, _ in word_spans(text)]


@dataclass(frozen=True)
class Match:
    id: str
    dice: float  # overlap of the two texts, both ways
    coverage: float  # share of the catalog text found in the input
    precision: float  # share of the input found in the catalog text


def compare(sample: set[int], reference: set[int] | frozenset[int], ref_id: str) -> Match:
    if not sample or not reference:
        return Match(ref_id, 0.0, 0.0, 0.0)
    common = len(sample & reference)
    return Match(
        ref_id,
        dice=2 * common / (len(sample) + len(reference)),
        coverage=common / len(reference),
        precision=common / len(sample),
    )
