"""Make text written by strangers inert before any renderer sees it.

rich strips BEL/BS/VT/FF/CR from Text but not ESC, and interprets markup in plain str;
so every repo-sourced string passes through `clean` and reaches rich only as `Text`.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, C1 controls, bidi embeddings/overrides/isolates,
# zero-width and BOM characters that can hide or reorder text.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# A complete CSI / OSC / other escape sequence, so its parameters do not linger as text.
_ESCAPE_SEQ = re.compile(
    r"\x1b(?:\[[0-?]{0,64}[ -/]{0,8}[@-~]|\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)?|.)"
)


def clean(text: str, *, keep_newlines: bool = True) -> str:
    """Remove escape sequences and control/bidi characters; keep newlines and tabs if asked."""
    text = _ESCAPE_SEQ.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _UNSAFE.sub("", text)
    if not keep_newlines:
        text = " ".join(text.split())
    return text


# Identifiers (repo ids, license and SPDX ids, clause kinds, file:line) are never shortened: this
# is longer than any real one (a Hub repo id is at most 96 characters) and only stops a hostile
# string from making a report thousands of columns wide.
IDENT_LIMIT = 256
# Our own words around identifiers (a policy violation, a verdict's reason): shown whole, as
# they are bounded by construction; this only stops a hostile string carried inside one.
DETAIL_LIMIT = 2000


def one_line(text: str, limit: int = 160) -> str:
    """A single clean line of at most `limit` characters, for tables and messages."""
    line = clean(text, keep_newlines=False)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
