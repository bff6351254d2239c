"""Content fingerprints of license texts: hashed word shingles, compared by overlap.

The catalog stores only these hashes (never the prose), sampled to one in SAMPLE so the data
stays small; overlap on a uniform sample estimates overlap on the whole text. The hashes are
stored in the order of the text, so a missing stretch of the catalog text can be located.

Words are read after dropping what differs between renderings of the same text and says
nothing: list labels ("1.", "b)", "(iv)"), HTML tags and the targets of Markdown links.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHINGLE = 5
SAMPLE = 2
_WORD = re.compile(r"[a-z0-9]+")
# a list or section label: "1." "b)" "(iv)" "a." (not "2.0", not the end of "1,000.")
_LABEL = re.compile(r"(?<![\w.,’'])\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)](?=\s|$)", re.IGNORECASE)
# markup that renders as nothing: HTML tags, "(https://...)" after a Markdown link's text
_MARKUP = re.compile(r"<[^<>\n]{0,200}>|\]\([^()\s]{1,300}\)")


def words(text: str) -> list[str]:
    # ’ and ' are dropped so "Licensee’s" and "Licensee's" agree.
    plain = _LABEL.sub(" ", _MARKUP.sub(" ", text))
    return _WORD.findall(plain.lower().replace("’", "").replace("'", ""))


def _hash(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def shingle_hashes(text: str) -> list[tuple[int, int]]:
    """(hash, index of first word) for every sampled shingle of the text."""
    tokens = words(text)
    out = []
    for i in range(max(0, len(tokens) - SHINGLE + 1)):
        h = _hash(" ".join(tokens[i : i + SHINGLE]))
        if h % SAMPLE == 0:
            out.append((h, i))
    return out


def fingerprint(text: str) -> set[int]:
    return {h for h, _ in shingle_hashes(text)}


def ordered_fingerprint(text: str) -> list[int]:
    """The sampled hashes in the order of the text (a repeated shingle at each place)."""
    return [h for h, _ in shingle_hashes(text)]


def word_lines(text: str, first_line: int = 1) -> list[int]:
    """The line number of each word of `words(text)` (words never span lines)."""
    out: list[int] = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        out += [number] * len(words(line))
    return out


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
