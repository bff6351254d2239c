"""The license verdict: identification, clauses with evidence, the OSD and the four freedoms.

One engine serves `openness license FILE` and the license section of an audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openness.license.clauses import find_clauses, to_clause
from openness.license.identify import (
    DeclaredLicense,
    TextMatch,
    identify_text,
    modified_spdx,
    osi_approved,
    resolve_declared,
    review,
)
from openness.license.mentions import license_by_name, license_by_url
from openness.report import (
    Clause,
    Document,
    Finding,
    Freedom,
    Identified,
    LicenseAssessment,
    OsdCriterion,
    UsePolicy,
)
from openness.rules import CatalogLicense, Rules
from openness.sanitize import clean

FREEDOMS = ("use", "study", "modify", "share")
# A document's text kept in the report (for BOMs that carry a license's text): bytes of UTF-8.
MAX_DOCUMENT_TEXT = 64 * 1024
UNKNOWN_IDS = {"other", "unknown", "none", "", "proprietary"}


@dataclass
class LicenseText:
    """One license-like text to assess, with where it came from."""

    source: str  # file name, or "README.md#extra_gated_prompt"
    text: str
    role: str = "license"  # license | aup | notice | card | gated_prompt
    first_line: int = 1
    url: str | None = None
    truncated: bool = False


@dataclass(frozen=True)
class CardMention:
    """A card line that speaks of the license ('License: [Name](url)')."""

    source: str  # "README.md:87"
    text: str
    link_text: str = ""
    url: str | None = None


@dataclass
class LicenseInputs:
    declared: list[str] = field(default_factory=list)
    texts: list[LicenseText] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # license files that exist but were not read
    license_name: str | None = None
    license_link: str | None = None
    license_link_source: str = "README.md: license_link"
    mentions: list[CardMention] = field(default_factory=list)
    # where the card's license fields were read ("README.md", the Hub's "model info: cardData"),
    # "" when there is no card (`openness license FILE`) or it could not be read
    card_source: str = ""
    card_unread: bool = False  # the repo lists a README that could not be read


@dataclass
class _Read:
    text: LicenseText
    match: TextMatch | None
    clauses: list[Clause]


def assess(inputs: LicenseInputs, rules: Rules) -> LicenseAssessment:
    declared = [resolve_declared(d, rules) for d in inputs.declared if d.lower() not in UNKNOWN_IDS]
    reads = [_read(t, rules) for t in inputs.texts]
    result = LicenseAssessment(declared=list(inputs.declared))
    result.documents = [_document(r) for r in reads]
    main = _main_license(reads, declared, inputs, rules)
    result.identified = main
    _fill_spdx(result, main, declared, rules)
    result.clauses = [c for r in reads for c in r.clauses]
    if main is not None and not any(r.match and r.text.role == "license" for r in reads):
        result.clauses += _catalog_clauses(main, rules, reads, inputs)
    result.findings = _findings(inputs, declared, reads, main, rules)
    result.use_policy = _use_policy(main, reads, result.clauses, rules)
    _judge_osd(result, rules, main, reads, inputs)
    _settle(result, main, reads, inputs)
    return result


def _settle(
    result: LicenseAssessment, main: Identified | None, reads: list[_Read], inputs: LicenseInputs
) -> None:
    """Say what the verdict rests on, and whether unread license files could change it.

    A failure found in what was read stands; a pass resting on files that could not be read
    is not a pass (the unread text might restrict more), so it becomes unknown.
    """
    # the card is license evidence too (its License section and prose); an id the card declares
    # is also in the Hub's model info, so a card that could not be read leaves a verdict on a
    # declared catalog id decided, and one with no license identified open
    result.unread = list(inputs.unread) + (["README.md"] if inputs.card_unread else [])
    matched = [r for r in reads if r.match]
    result.basis = list(
        dict.fromkeys(f"{r.text.source} ({r.text.role.replace('_', ' ')} text)" for r in matched)
    )
    if main is not None and main.source not in {r.text.source for r in matched}:
        result.basis.append(f"{main.source} + catalog {main.id}")
    # a text not recognised (a gated prompt, a custom license) carries a failure by its clauses
    failing = {
        kind for criterion in result.osd if criterion.status == "fail" for kind in criterion.clauses
    }
    for r in reads:
        kinds = list(dict.fromkeys(c.kind for c in r.clauses if c.kind in failing))
        if r.match is None and kinds:
            result.basis.append(f"{r.text.source} (clauses: {', '.join(kinds)})")
    if inputs.card_unread and main is None and result.osd_compliant is not False:
        result.decided = False
    if not inputs.unread:
        return
    if result.osd_compliant is False:
        return
    result.decided = False
    if result.osd_compliant is True:
        result.osd_compliant = None
        result.osd_reason = (
            f"{result.osd_reason}, but {', '.join(inputs.unread)} could not be read to confirm it"
        )
        for criterion in result.osd:
            if criterion.status == "pass":
                criterion.status = "unknown"
                criterion.reason = result.osd_reason
        for freedom in result.freedoms:
            if freedom.restricted is False:
                freedom.restricted = None


def _read(text: LicenseText, rules: Rules) -> _Read:
    """Identify a text, find its clauses, and settle whether it is the catalog text. A license
    followed by its own use policy is read as two documents: the policy's clauses are its own
    (`Clause.document`), and neither part is a modification of the other."""
    match = identify_text(text.text, rules)
    role = text.role
    if match is not None and match.license.kind == "aup":
        role = "aup"
    clauses: list[Clause] = []
    for doc, part, first_line in _parts(text, match):
        hits = find_clauses(part, rules, first_line)
        if doc is not None:
            review(doc, hits)
        clauses += [to_clause(h, text.source, doc.license.id if doc else None) for h in hits]
    if match is not None and match.policy is not None and match.policy.modified:
        first, last = match.policy.lines or (0, 0)
        where = f"use policy {match.policy.license.id} (lines {first}-{last})"
        match.differences += [f"{where}: {d}" for d in match.policy.differences]
    text.role = role
    return _Read(text, match, clauses)


def _parts(text: LicenseText, match: TextMatch | None) -> list[tuple[TextMatch | None, str, int]]:
    """(document, its text, its first line) for each document the text holds."""
    if match is None or match.policy is None:
        return [(match, text.text, text.first_line)]
    lines = text.text.split("\n")
    out = []
    for doc in (match, match.policy):
        first, last = doc.lines or (1, len(lines))
        out.append((doc, "\n".join(lines[first - 1 : last]), text.first_line + first - 1))
    return sorted(out, key=lambda part: part[2])


def _document(read: _Read) -> Document:
    ident = None
    if read.match:
        ident = Identified(
            id=read.match.license.id,
            name=read.match.license.name,
            confidence=read.match.confidence,
            source=read.text.source,
            modified=read.match.modified,
            differences=read.match.differences,
        )
    text, cut = _kept_text(read.text)
    return Document(
        source=read.text.source,
        role=read.text.role,  # type: ignore[arg-type]
        identified=ident,
        clauses=[c.kind for c in read.clauses],
        truncated=read.text.truncated,
        text=text,
        text_truncated=cut,
    )


def _kept_text(text: LicenseText) -> tuple[str | None, bool]:
    """The text a report keeps of a document, inert and bounded; none of a card section,
    which is part of the card (linked on its own), not a license text."""
    if text.role == "card":
        return None, False
    kept = clean(text.text).encode("utf-8")
    if len(kept) <= MAX_DOCUMENT_TEXT:
        return kept.decode("utf-8"), False
    return kept[:MAX_DOCUMENT_TEXT].decode("utf-8", "ignore"), True


def _main_license(
    reads: list[_Read], declared: list[DeclaredLicense], inputs: LicenseInputs, rules: Rules
) -> Identified | None:
    """A license text read and recognised wins; else the declared catalog id; else a use
    policy read on its own (as with `openness license USE_POLICY.md`)."""
    texts = [r for r in reads if r.match and r.match.license.kind == "license"]
    if texts:
        return _identified(max(texts, key=_preference))
    # Read nothing that names it: the card's own words, with the catalog. Less sure when the
    # repo's license files exist but could not be read.
    unread = 0.2 if inputs.unread else 0.0
    for d in declared:
        if d.catalog is not None and d.catalog.kind == "license":
            source = "card: license_name" if d.raw == inputs.license_name else "card: license"
            return _from_card(d.catalog, source, 0.9 - unread)
    if inputs.license_link:
        lic = license_by_url(inputs.license_link, rules) or license_by_name(
            inputs.license_link, rules
        )
        if lic is not None and lic.kind == "license":
            return _from_card(lic, inputs.license_link_source, 0.8 - unread)
    for mention in inputs.mentions:
        lic = (license_by_url(mention.url, rules) if mention.url else None) or license_by_name(
            mention.link_text or mention.text, rules
        )
        if lic is not None and lic.kind == "license":
            return _from_card(lic, f"{mention.source} (card text)", 0.7 - unread)
    policies = [r for r in reads if r.match]
    if policies:
        return _identified(max(policies, key=_preference))
    return None


def _from_card(lic: CatalogLicense, source: str, confidence: float) -> Identified:
    return Identified(
        id=lic.id, name=lic.name, confidence=round(confidence, 2), source=source, modified=False
    )


ROLE_RANK = {"license": 3, "aup": 2, "notice": 2, "gated_prompt": 1, "card": 0}


def _preference(read: _Read) -> tuple[int, float]:
    """A license file outranks a gated prompt or card section; then the closer match wins."""
    return ROLE_RANK.get(read.text.role, 0), read.match.confidence if read.match else 0.0


def _identified(read: _Read) -> Identified:
    """The identification of a text read; `modified` and `differences` were settled with its
    clauses in `_read` (an added clause kind or a changed figure makes it modified)."""
    assert read.match is not None
    return Identified(
        id=read.match.license.id,
        name=read.match.license.name,
        confidence=read.match.confidence,
        source=read.text.source,
        modified=read.match.modified,
        differences=list(read.match.differences),
    )


def _use_policy(
    main: Identified | None, reads: list[_Read], clauses: list[Clause], rules: Rules
) -> UsePolicy | None:
    """Link the license to the use policy it incorporates, and say where that was read."""
    if main is None or main.id not in rules.licenses:
        return None
    aup_id = rules.licenses[main.id].aup
    if not aup_id or aup_id not in rules.licenses:
        return None
    aup = rules.licenses[aup_id]
    read = next((r for r in reads if r.match and r.match.license.id == aup_id), None)
    # a license text that carries its own use policy (gated prompts do) read it too
    read = read or next(
        (r for r in reads if r.match and r.match.policy and r.match.policy.license.id == aup_id),
        None,
    )
    read = read or next((r for r in reads if r.text.role == "aup"), None)
    kinds = sorted(
        {
            c.kind
            for c in clauses
            if c.document == aup_id or (read is not None and c.source == read.text.source)
        }
    )
    return UsePolicy(
        id=aup.id,
        name=aup.name,
        url=aup.url,
        read_from=read.text.source if read else None,
        clauses=kinds,
    )


def _fill_spdx(
    result: LicenseAssessment,
    main: Identified | None,
    declared: list[DeclaredLicense],
    rules: Rules,
) -> None:
    if main is not None:
        lic = rules.licenses[main.id]
        if main.modified:
            # a modified copy is not the license its catalog id names: a LicenseRef of its own,
            # never OSI-approved (the approval is of the unmodified text)
            result.spdx = modified_spdx(main.id)
            result.osi_approved = False
            return
        result.spdx = lic.spdx
        result.osi_approved = osi_approved(lic.spdx)
        return
    expressions = [d for d in declared if d.spdx]
    if expressions:
        result.spdx = expressions[0].spdx
        result.osi_approved = expressions[0].osi_approved


def _catalog_clauses(
    main: Identified, rules: Rules, reads: list[_Read], inputs: LicenseInputs
) -> list[Clause]:
    """Clauses known from the catalog when the license text itself could not be read."""
    lic = rules.licenses[main.id]
    out = [_from_catalog(lic, c.kind, c.section, c.value, c.unit, rules) for c in lic.clauses]
    read_aup = any(r.match and r.match.license.id == lic.aup for r in reads)
    if lic.aup and lic.aup in rules.licenses and not read_aup:
        aup = rules.licenses[lic.aup]
        out += [_from_catalog(aup, c.kind, c.section, c.value, c.unit, rules) for c in aup.clauses]
    already = {(c.kind, c.value) for r in reads for c in r.clauses}
    return [c for c in out if (c.kind, c.value) not in already]


def _from_catalog(
    lic: CatalogLicense,
    kind: str,
    section: str | None,
    value: int | None,
    unit: str | None,
    rules: Rules,
) -> Clause:
    spec = rules.kinds[kind]
    where = f"section {section} of " if section else ""
    return Clause(
        kind=kind,
        title=spec.title,
        severity=spec.severity,  # type: ignore[arg-type]
        osd_criteria=list(spec.osd_criteria),
        excerpt=f"{where}{lic.name} (from the catalog; the text was not read)",
        source=f"catalog:{lic.id}" + (f" <{lic.url}>" if lic.url else ""),
        value=value,
        unit=unit,
        document=lic.id,
        from_catalog=True,
        rationale=spec.rationale,
    )


def _findings(
    inputs: LicenseInputs,
    declared: list[DeclaredLicense],
    reads: list[_Read],
    main: Identified | None,
    rules: Rules,
) -> list[Finding]:
    out: list[Finding] = []
    raw = [d.lower() for d in inputs.declared]
    if "other" in raw and not inputs.license_name:
        out.append(
            Finding(
                kind="other_without_name",
                message="license: other is declared without a license_name",
            )
        )
    for d in declared:
        if d.catalog is None and d.spdx is None:
            out.append(
                Finding(
                    kind="unknown_declared",
                    source="card",
                    message=f"declared license {d.raw!r} is not in the catalog "
                    "nor a valid SPDX expression",
                )
            )
    license_reads = [r for r in reads if r.text.role in ("license", "notice")]
    for r in license_reads:
        if r.match is None and r.text.role == "license" and len(r.text.text.split()) > 30:
            out.append(
                Finding(
                    kind="unknown_text",
                    source=r.text.source,
                    message=f"{r.text.source} matches no license in the catalog; "
                    "its clauses were read, its identity is unknown",
                )
            )
        elif r.match and r.match.modified:
            how = "is named" if r.match.by_title else "is close to"
            out.append(
                Finding(
                    kind="modified_text",
                    source=r.text.source,
                    message=f"{r.text.source} {how} {r.match.license.id} but is a modified "
                    f"copy (similarity {r.match.match.dice:.2f}; the differences are listed "
                    f"with it), so it is {modified_spdx(r.match.license.id)}, "
                    f"not {r.match.license.spdx}",
                )
            )
    text_ids = {
        r.match.license.id for r in license_reads if r.match and r.match.license.kind == "license"
    }
    for d in declared:
        if d.catalog is None and d.spdx is None:
            continue  # already reported as unknown; nothing to compare the text with
        family = d.catalog.family if d.catalog else None
        for tid in text_ids:
            if d.catalog and tid == d.catalog.id:
                continue
            if family and rules.licenses[tid].family == family and family != "osi":
                continue
            out.append(
                Finding(
                    kind="conflict",
                    source=_source_of(reads, tid),
                    message=f"declared {d.raw!r} but the text of {_source_of(reads, tid)} is {tid}",
                )
            )
    if not inputs.declared and text_ids and inputs.card_source:
        out.append(
            Finding(
                kind="undeclared",
                message="no license is declared in the card, "
                f"but a license text was found ({', '.join(sorted(text_ids))})",
            )
        )
    if (
        not inputs.declared
        and not license_reads
        and not inputs.unread
        and not inputs.card_unread
        and not any(r.match for r in reads)
    ):
        out.append(
            Finding(
                kind="no_license",
                message="no license is declared and no license "
                "text was found: without a license, no use is granted",
            )
        )
    return out


def _source_of(reads: list[_Read], license_id: str) -> str:
    return next((r.text.source for r in reads if r.match and r.match.license.id == license_id), "?")


def _judge_osd(
    result: LicenseAssessment,
    rules: Rules,
    main: Identified | None,
    reads: list[_Read],
    inputs: LicenseInputs,
) -> None:
    breaking: dict[int, list[str]] = {}
    for clause in result.clauses:
        for criterion in clause.osd_criteria:
            breaking.setdefault(criterion, [])
            if clause.kind not in breaking[criterion]:
                breaking[criterion].append(clause.kind)
    verdict, reason = _osd_verdict(result, rules, main, reads, inputs, bool(breaking))
    result.osd_compliant = verdict
    result.osd_reason = reason
    result.osd = [
        OsdCriterion(
            criterion=n,
            title=spec["title"],
            status="fail" if n in breaking else ("pass" if verdict else "unknown"),
            clauses=breaking.get(n, []),
            reason=None if n in breaking or verdict else _criterion_reason(verdict, reason),
        )
        for n, spec in sorted(rules.criteria.items())
    ]
    result.freedoms = _freedoms(result, rules, verdict)


def _criterion_reason(verdict: bool | None, reason: str) -> str:
    """Why a criterion no clause breaks is not a pass: the license's own reason, or, when
    the license fails on other criteria, that nothing read breaks this one."""
    if verdict is False:
        return "no clause found breaks it; the license fails the OSD on other criteria"
    return reason


def _osd_verdict(
    result: LicenseAssessment,
    rules: Rules,
    main: Identified | None,
    reads: list[_Read],
    inputs: LicenseInputs,
    breaks: bool,
) -> tuple[bool | None, str]:
    if breaks:
        return False, "clauses break OSD criteria"
    if main is None and result.osi_approved:
        return True, f"{result.spdx} is OSI-approved"
    if main is None:
        if any(r.text.role == "license" for r in reads):
            return None, "the license text is not identified and shows no breaking clause"
        return None, "no license could be identified"
    if main.modified:
        return None, f"the text differs from {main.id}; a modified license needs review"
    if result.osi_approved:
        return True, f"{result.spdx} is OSI-approved"
    review = rules.licenses[main.id].osd_review
    if review and review.get("compliant") is True:
        return True, str(review.get("reason", "reviewed in the catalog as breaking no criterion"))
    if inputs.unread and not reads:
        return None, "the license text could not be read"
    return None, f"{main.id} is neither OSI-approved nor reviewed as OSD-conformant"


def _freedoms(result: LicenseAssessment, rules: Rules, verdict: bool | None) -> list[Freedom]:
    out = []
    for freedom in FREEDOMS:
        kinds = sorted({c.kind for c in result.clauses if freedom in rules.kinds[c.kind].freedoms})
        restricted = True if kinds else (False if verdict else None)
        out.append(Freedom(freedom=freedom, restricted=restricted, clauses=kinds))  # type: ignore[arg-type]
    return out
