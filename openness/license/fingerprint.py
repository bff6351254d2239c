"""Content fingerprints of license texts: hashed word shingles, compared by overlap.

The catalog stores only these hashes (never the prose), sampled to one in SAMPLE so the data
stays small; overlap on a uniform sample estimates overlap on the whole text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHINGLE = 5
SAMPLE = 2
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    # ’ and ' are dropped so "Licensee’s" and "Licensee's" agree.
    return _WORD.findall(text.lower().replace("’", "").replace("'", ""))


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


@dataclass(frozen=True)
class Match:
    id: str
    dice: float  # overlap of the two texts, both ways
    coverage: float  # share of the catalog text found in the input
    precision: float  # share of the input found in the catalog text


def compare(sample: set[int], reference: set[int], ref_id: str) -> Match:
    if not sample or not reference:
        return Match(ref_id, 0.0, 0.0, 0.0)
    common = len(sample & reference)
    return Match(
        ref_id,
        dice=2 * common / (len(sample) + len(reference)),
        coverage=common / len(reference),
        precision=common / len(sample),
    )
