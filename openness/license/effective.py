"""Effective terms: the licenses that bind a user of a repo, its own and its bases'.

A fine-tune, adapter, merge or quantisation is bound by every base's license, whatever its
own card declares. The verdict is false if any binding license fails the OSD, null if any is
unknown and none fails, true only when every one is known to pass.
"""

from __future__ import annotations

from openness.report import BaseLink, BindingLicense, EffectiveTerms, LicenseAssessment, Report
from openness.rules import UNSTATED_LICENSES


def binding(lic: LicenseAssessment, repo_id: str, relation: str, via: list[str]) -> BindingLicense:
    ident = lic.identified
    return BindingLicense(
        id=ident.id if ident else (lic.spdx or (lic.declared[0] if lic.declared else None)),
        name=ident.name if ident else None,
        from_=repo_id,
        relation=relation,
        osd_compliant=lic.osd_compliant,
        osi_approved=lic.osi_approved,
        spdx=lic.spdx,
        clauses=sorted({c.kind for c in lic.clauses}),
        osd_failing=[c for c in lic.osd if c.status == "fail"],
        via=via,
        reason=lic.osd_reason,
    )


def effective_terms(
    own: Report, bases: list[tuple[BaseLink, Report | None]], unknown: list[str] | None = None
) -> EffectiveTerms:
    """Combine the repo's own license with each base's (`bases` in the order found).
    `unknown` says why a base may bind that is not among them (an unread adapter config, a
    local path): the verdict cannot then be true."""
    unknown = unknown or []
    repo_id = own.subject.repo_id
    licenses = [binding(own.license, repo_id, "own", [])]
    missing = _missing(own.license, repo_id)
    parents = {link.repo_id: link.child for link, _ in bases}
    for link, report in bases:
        via = _via(link.child, parents, repo_id)
        relation = link.relation or "derived"
        if report is None:
            why = link.error or "could not be read"
            licenses.append(
                BindingLicense(
                    id=None,
                    from_=link.repo_id,
                    relation=relation,
                    osd_compliant=None,
                    via=via,
                    reason=f"could not be read: {why}",
                )
            )
            missing.append(f"base {link.repo_id}: {why}")
            continue
        licenses.append(binding(report.license, link.repo_id, relation, via))
        gap = _missing(report.license, link.repo_id)
        base = licenses[-1]
        if gap and base.osd_compliant is None:  # say why: "(LICENSE could not be read: gated)"
            base.reason = f"{base.reason or 'OSD status unknown'} ({unread_evidence(report)})"
        missing += gap
    verdict, reason = verdict_of(licenses, unknown)
    return EffectiveTerms(
        licenses=licenses,
        osd_compliant=verdict,
        reason=reason,
        missing=[*missing, *unknown] if verdict is None else [],
    )


def unread_evidence(report: Report) -> str:
    """Which license evidence of a repo could not be read, and why ("LICENSE could not be read:
    gated")."""
    files = report.license.unread
    kinds = sorted({p.kind.replace("_", " ") for p in report.problems if p.file in files})
    return f"{', '.join(files)} could not be read" + (f": {', '.join(kinds)}" if kinds else "")


def _missing(lic: LicenseAssessment, repo_id: str) -> list[str]:
    if lic.decided or not lic.unread:
        return []
    return [f"{repo_id}: {', '.join(lic.unread)} could not be read"]


def _via(child: str | None, parents: dict[str, str | None], root: str) -> list[str]:
    """The repos between the audited repo and a base (exclusive of both)."""
    path: list[str] = []
    while child and child != root and child not in path and len(path) < 10:
        path.append(child)
        child = parents.get(child)
    return list(reversed(path))


def license_label(b: BindingLicense, unknown: str = "an unknown license") -> str:
    """How messages name a binding license: its id, or what `license: other` means."""
    if b.id and b.id.lower() in UNSTATED_LICENSES:  # `license: other`, not identified
        return f"an unnamed license (declared {b.id})"
    return b.id or unknown


def _through(b: BindingLicense) -> str:
    return " → ".join([*b.via, b.from_])


def verdict_of(
    licenses: list[BindingLicense], unknown: list[str] | None = None
) -> tuple[bool | None, str]:
    """The combined verdict and its one-line reason; `licenses` starts with the repo's own,
    `unknown` says why a base that is not among them may bind."""
    own, bases = licenses[0], licenses[1:]
    failing = [b for b in bases if b.osd_compliant is False]
    if own.osd_compliant is False or failing:
        parts = []
        if own.osd_compliant is False:
            parts.append(f"{license_label(own)} fails the OSD" + _criteria(own))
        for b in failing:
            if own.osd_compliant is False and b.id == own.id:
                continue  # the same license again, up the chain
            parts.append(f"bound by {license_label(b)} through {_through(b)}" + _criteria(b))
        if own.osd_compliant is not False:
            declared = f"declared {license_label(own)}" if own.id else "no license of its own"
            return False, f"{declared}, but " + "; ".join(parts)
        return False, "; ".join(parts)
    reasons = [
        f"{'own license' if b.relation == 'own' else f'base {_through(b)}'}: "
        f"{b.reason or 'OSD status unknown'}"
        for b in licenses
        if b.osd_compliant is None
    ]
    if reasons or unknown:
        return None, "; ".join([*reasons, *(unknown or [])])  # the verdict itself says "unknown"
    if not bases:
        return True, own.reason or f"{license_label(own)} meets the OSD"
    names = ", ".join(f"{license_label(b)} ({b.from_})" for b in licenses)
    return True, f"every binding license meets the OSD: {names}"


def _criteria(b: BindingLicense) -> str:
    numbers = ", ".join(str(c.criterion) for c in b.osd_failing)
    return f" (OSD {numbers})" if numbers else ""
