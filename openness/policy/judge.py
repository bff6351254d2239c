"""The adoption policy: a team's rules, read from TOML, applied to reports.

Found in `--policy FILE`, else `openness.toml` or `[tool.openness]` in `pyproject.toml`, walking
up from the working directory. Unknown keys and wrong types are errors (exit 2), never ignored.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from openness.errors import UsageError
from openness.license.effective import binding
from openness.report import (
    AppliedException,
    BindingLicense,
    EffectiveTerms,
    PolicyResult,
    Report,
    Violation,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


class PolicyException(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    repo: str
    revision: str | None = None
    reason: str
    approved_by: str = Field(alias="approved-by")
    expires: dt.date

    def applies_to(self, report: Report) -> bool:
        return self.matches(report.subject.repo_id, report.subject.revision)

    def matches(self, repo_id: str, revision: str | None) -> bool:
        # Hub repo ids are case-insensitive: Meta-Llama/... is meta-llama/...
        return self.repo.lower() == repo_id.lower() and self.revision in (None, revision)

    def record(self) -> AppliedException:
        return AppliedException(
            repo=self.repo,
            revision=self.revision,
            reason=self.reason,
            approved_by=self.approved_by,
            expires=self.expires.isoformat(),
        )


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    min_rung: int | None = Field(None, alias="min-rung", ge=0, le=5)
    require_osd: bool = Field(False, alias="require-osd")
    require_osi_approved: bool = Field(False, alias="require-osi-approved")
    deny_clauses: list[str] = Field(default_factory=list, alias="deny-clauses")
    allow_licenses: list[str] = Field(default_factory=list, alias="allow-licenses")
    deny_licenses: list[str] = Field(default_factory=list, alias="deny-licenses")
    allow_gated: bool = Field(True, alias="allow-gated")
    exceptions: list[PolicyException] = Field(default_factory=list)
    source: str = Field("flags", exclude=True)

    @field_validator("allow_licenses", "deny_licenses")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.strip().lower() for v in value]

    def active_exception(
        self, repo_id: str, revision: str | None, today: dt.date | None = None
    ) -> PolicyException | None:
        """The unexpired exception for a repo, if any."""
        today = today or dt.date.today()
        return next(
            (e for e in self.exceptions if e.matches(repo_id, revision) and e.expires >= today),
            None,
        )

    @property
    def empty(self) -> bool:
        return not (
            self.min_rung is not None
            or self.require_osd
            or self.require_osi_approved
            or self.deny_clauses
            or self.allow_licenses
            or self.deny_licenses
            or not self.allow_gated
        )


def _validate(data: dict[str, Any], source: str, kinds: set[str]) -> Policy:
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            raise UsageError(f"policy {source}: unknown key {where!r}") from None
        raise UsageError(f"policy {source}: {where}: {err['msg']}") from None
    unknown = [k for k in policy.deny_clauses if k not in kinds]
    if unknown:
        raise UsageError(f"policy {source}: deny-clauses: unknown clause kind {unknown[0]!r}")
    return policy


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"policy {path}: {exc}") from None


def _table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The policy table: [tool.openness] in any file, or the top level of openness.toml."""
    tool = data.get("tool", {}).get("openness") if isinstance(data.get("tool"), dict) else None
    if tool is not None:
        return tool
    if path.name != "pyproject.toml":
        return {k: v for k, v in data.items() if k != "tool"}
    return None


def find_policy_file(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "openness.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _table(pyproject, _read_toml(pyproject)) is not None:
            return pyproject
    return None


def load_policy(
    path: Path | None, overrides: dict[str, Any], kinds: set[str], start: Path | None = None
) -> Policy | None:
    """The policy in force: the file's (given or found), with command-line flags on top."""
    path = path or find_policy_file(start or Path.cwd())
    data: dict[str, Any] = {}
    source = "flags"
    if path is not None:
        if not path.is_file():
            raise UsageError(f"policy file not found: {path}")
        table = _table(path, _read_toml(path))
        if table is None:
            raise UsageError(f"policy {path}: no [tool.openness] table")
        data, source = dict(table), str(path)
    data.update({k: v for k, v in overrides.items() if v is not None})
    if not data and path is None:
        return None
    return _validate(data, source, kinds)


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
            for v in [*result.violations, *result.undecided]:
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
        out += _allow_licenses(report, terms, set(policy.allow_licenses))
    if policy.deny_licenses:
        out += _deny_licenses(report, terms, set(policy.deny_licenses))
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
    if terms.missing:
        detail += f" (not read: {'; '.join(terms.missing)})"
    return not terms.missing, Violation(rule="require-osd", detail=detail)


def _fails(b: BindingLicense, report: Report) -> str:
    whose = "" if b.relation == "own" else f" (bound through base {b.from_})"
    criteria = "; ".join(
        f"OSD {c.criterion} ({c.title}) by {', '.join(c.clauses)}" for c in b.osd_failing[:4]
    )
    return f"license {b.id}{whose} fails the OSD: {criteria or b.reason}"


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
                    detail=f"license {b.id or '(unknown)'}{whose} is {state}",
                ),
            )
        )
    return sorted(out, key=lambda v: not v[0])[:1]  # one violation, a decided one first


def _deny_clause(report: Report, terms: EffectiveTerms, kind: str) -> list[Verdict]:
    own = next((c for c in report.license.clauses if c.kind == kind), None)
    if own is not None:
        where = own.source + (f":{own.line}" if own.line else "")
        return [(True, Violation(rule="deny-clauses", detail=f"{kind} found in {where}"))]
    for b in terms.licenses[1:]:
        if kind in b.clauses:
            detail = f"{kind} found in {b.id}, the license of base {b.from_}, which binds this repo"
            return [(True, Violation(rule="deny-clauses", detail=detail))]
    if terms.missing and any(b.id is None or b.osd_compliant is None for b in terms.licenses):
        detail = f"{kind}: not found in what was read; not read: {'; '.join(terms.missing)}"
        return [(False, Violation(rule="deny-clauses", detail=detail))]
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
        detail = f"license {b.id or '(unknown)'}{whose} is not in the allowed list"
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
