"""Cheap literal prefilters for the rules' regexes.

Most clause kinds are absent from most paragraphs. Before a regex runs, a plain substring test
checks that some literal the regex cannot match without is in the (lower-cased) segment. The
literals are read from the regex's own parse tree, so rule authors write only the regex.
"""

from __future__ import annotations

import re

try:  # CPython's regex parser (sre_parse before 3.11)
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MIN_NEEDLE = 3


def needles(regex: str) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match must contain; None when none can be told."""
    try:
        parsed = _p.parse(regex, re.IGNORECASE)
    except Exception:  # an unusual construct: no prefilter, the regex still runs
        return None
    found = _required(list(parsed))
    return tuple(sorted(found)) if found else None


def _required(items: list) -> set[str] | None:  # type: ignore[type-arg]
    """Best required alternative-set of a sequence: each element of a sequence is required."""
    best: set[str] | None = None
    run = ""
    for op, av in [*items, (None, None)]:
        if op is _c.LITERAL:
            run += chr(av).lower()
            continue
        if len(run) >= MIN_NEEDLE:
            best = _better(best, {run})
        run = ""
        if op is _c.SUBPATTERN:
            best = _better(best, _required(list(av[-1])))
        elif op is _c.BRANCH:
            best = _better(best, _branch(av[1]))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            best = _better(best, _required(list(av[2])))
    return best


def _branch(alternatives: list) -> set[str] | None:  # type: ignore[type-arg]
    out: set[str] = set()
    for alt in alternatives:
        found = _required(list(alt))
        if not found:
            return None  # one alternative has no literal: nothing is required
        out |= found
    return out


def _better(current: set[str] | None, candidate: set[str] | None) -> set[str] | None:
    """Prefer the set whose shortest literal is longest (fewer chance hits)."""
    if not candidate:
        return current
    if not current:
        return candidate
    return candidate if min(map(len, candidate)) > min(map(len, current)) else current
