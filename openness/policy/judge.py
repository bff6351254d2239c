"""Judging a report by the policy: exempted > failed > incomplete > passed.

Rules judge the effective terms (the repo's own license and every base's). Each rule is
three-valued: it passes, it fails on what was read, or it cannot be decided because something
it needs could not be read.
"""

from __future__ import annotations

import datetime as dt

from openness.license.effective import binding, license_label
from openness.policy.model import Policy
from openness.report import (
    BindingLicense,
    EffectiveTerms,
    PolicyResult,
    Report,
    Violation,
)


def evaluate(report: Report, policy: Policy, today: dt.date | None = None) -> PolicyResult:
    """Judge a report: exempted > failed > incomplete > passed."""
    today = today or dt.date.today()
    verdicts = _verdicts(report, policy)
    violations = [v for decided, v in verdicts if decided]
    undecided = [v for decided, v in verdicts if not decided]
    status = "failed" if violations else ("incomplete" if undecided else "passed")
    result = PolicyResult(
        source=policy.source,
        passed=status == "passed",
        status=status,  # type: ignore[arg-type]
        violations=violations,
        undecided=undecided,
    )
    for exc in policy.exceptions:
        if not exc.applies_to(report):
            continue
        if exc.expires < today:
            result.exceptions_expired.append(exc.record())
            # said once, on the first rule it would have waived: every line that joins the
            # violations then reads it once
            for v in [*result.violations, *result.undecided][:1]:
                v.detail += (
                    f" (the exception approved by {exc.approved_by} expired on "
                    f"{exc.expires.isoformat()})"
                )
        elif not result.exceptions_applied:
            result.exceptions_applied.append(exc.record())
            result.status = "exempted"
            result.passed = True
    return result


Verdict = tuple[bool, Violation]  # (decided, violation): undecided when data was missing


def _verdicts(report: Report, policy: Policy) -> list[Verdict]:
    terms = effective(report)
    out: list[Verdict] = []
    if policy.min_rung is not None and report.openness.rung < policy.min_rung:
        out.append(_min_rung(report, policy.min_rung))
    if policy.require_osd and terms.osd_compliant is not True:
        out.append(_require_osd(report, terms))
    if policy.require_osi_approved:
        out += _require_osi(terms)
    for kind in policy.deny_clauses:
        out += _deny_clause(report, terms, kind)
    if policy.allow_licenses:
        out += _allow_licenses(report, terms, policy.allowed_ids)
    if policy.deny_licenses:
        out += _deny_licenses(report, terms, policy.denied_ids)
    if not policy.allow_gated and report.subject.gated:
        out.append(
            (
                True,
                Violation(rule="allow-gated", detail=f"access is gated ({report.subject.gated})"),
            )
        )
    return out


def effective(report: Report) -> EffectiveTerms:
    """The terms that bind: the audit's effective terms, or the repo's own license alone."""
    if report.license.effective is not None:
        return report.license.effective
    own = binding(report.license, report.subject.repo_id, "own", [])
    missing = [] if report.license.decided else [", ".join(report.license.unread)]
    return EffectiveTerms(
        licenses=[own],
        osd_compliant=own.osd_compliant,
        reason=report.license.osd_reason or "",
        missing=missing,
    )


def _min_rung(report: Report, wanted: int) -> Verdict:
    rung = report.openness.rung
    blocker = next((s for s in report.openness.steps if s.met is not True), None)
    detail = f"openness rung {rung} is below the required {wanted}"
    if blocker is not None and blocker.met is None:
        detail += f", and rung {blocker.rung} is unknown: {blocker.reason}"
        return False, Violation(rule="min-rung", detail=detail)
    if blocker is not None and blocker.reason:
        detail += f"; rung {blocker.rung}: {blocker.reason}"
    return True, Violation(rule="min-rung", detail=detail)


def _require_osd(report: Report, terms: EffectiveTerms) -> Verdict:
    if terms.osd_compliant is False:
        failing = [b for b in terms.licenses if b.osd_compliant is False]
        detail = "; ".join(_fails(b, report) for b in failing)
        return True, Violation(rule="require-osd", detail=detail)
    detail = f"OSD compliance is unknown: {terms.reason}"
    unsaid = [m for m in terms.missing if m not in terms.reason]  # each reason said once
    if unsaid:
        detail += f" (not read: {'; '.join(unsaid)})"
    return not terms.missing, Violation(rule="require-osd", detail=detail)


def _fails(b: BindingLicense, report: Report) -> str:
    whose = "" if b.relation == "own" else f" (bound through base {b.from_})"
    criteria = "; ".join(
        f"OSD {c.criterion} ({c.title}) by {', '.join(c.clauses)}" for c in b.osd_failing
    )
    return f"license {license_label(b)}{whose} fails the OSD: {criteria or b.reason}"


def _require_osi(terms: EffectiveTerms) -> list[Verdict]:
    out: list[Verdict] = []
    for b in terms.licenses:
        if b.osi_approved is True:
            continue
        whose = "" if b.relation == "own" else f" (bound through base {b.from_})"
        state = "not OSI-approved" if b.osi_approved is False else "of unknown OSI status"
        decided = b.osi_approved is False or not terms.missing
        out.append(
            (
                decided,
                Violation(
                    rule="require-osi-approved",
                    detail=f"license {license_label(b, '(unknown)')}{whose} is {state}",
                ),
            )
        )
    return sorted(out, key=lambda v: not v[0])[:1]  # one violation, a decided one first


def _deny_clause(report: Report, terms: EffectiveTerms, kind: str) -> list[Verdict]:
    own = next((c for c in report.license.clauses if c.kind == kind), None)
    if own is not None:
        where = own.source + (f":{own.line}" if own.line else "")
        detail = f"{kind} found in {where}"
        return [(True, Violation(rule="deny-clauses", detail=detail, key=kind))]
    for b in terms.licenses[1:]:
        if kind in b.clauses:
            name = license_label(b)
            detail = f"{kind} found in {name}, the license of base {b.from_}, which binds this repo"
            return [(True, Violation(rule="deny-clauses", detail=detail, key=kind))]
    if terms.missing and any(b.id is None or b.osd_compliant is None for b in terms.licenses):
        detail = f"{kind}: not found in what was read; not read: {'; '.join(terms.missing)}"
        return [(False, Violation(rule="deny-clauses", detail=detail, key=kind))]
    return []


def _ids(b: BindingLicense, report: Report) -> set[str]:
    ids = {x.lower() for x in (b.id, b.spdx) if x}
    if b.relation == "own":
        ids |= {d.lower() for d in report.license.declared}
    return ids


def _allow_licenses(report: Report, terms: EffectiveTerms, allowed: set[str]) -> list[Verdict]:
    for b in terms.licenses:
        if _ids(b, report) & allowed:
            continue
        whose = "" if b.relation == "own" else f" (bound through base {b.from_})"
        decided = bool(b.id) or not terms.missing
        detail = f"license {license_label(b, '(unknown)')}{whose} is not in the allowed list"
        return [(decided, Violation(rule="allow-licenses", detail=detail))]
    return []


def _deny_licenses(report: Report, terms: EffectiveTerms, denied: set[str]) -> list[Verdict]:
    for b in terms.licenses:
        hit = sorted(_ids(b, report) & denied)
        if hit:
            whose = "" if b.relation == "own" else f" (bound through base {b.from_})"
            return [
                (True, Violation(rule="deny-licenses", detail=f"license {hit[0]}{whose} is denied"))
            ]
    if terms.missing and any(not b.id for b in terms.licenses):
        detail = f"a license could not be identified; not read: {'; '.join(terms.missing)}"
        return [(False, Violation(rule="deny-licenses", detail=detail))]
    return []
