"""JSON output: the pydantic document as it is.

JSON escaping makes C0 controls (ESC included) inert; characters JSON leaves raw that can still
reorder or hide text in a terminal or editor (C1 controls, bidi overrides, zero-width, line and
paragraph separators) are written as \\u escapes too, so a consumer that parses the document
gets the original text and a person who `cat`s it sees nothing hidden.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

_RISKY = re.compile(
    "[\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]"
)


def escape_risky(text: str) -> str:
    """Replace risky characters by JSON \\u escapes (valid only inside JSON strings)."""
    return _RISKY.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def render(document: BaseModel) -> str:
    return escape_risky(document.model_dump_json(indent=2)) + "\n"
