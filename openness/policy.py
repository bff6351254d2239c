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
from openness.report import AppliedException, PolicyResult, Report, Violation

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
        same_repo = self.repo == report.subject.repo_id
        return same_repo and self.revision in (None, report.subject.revision)

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
    today = today or dt.date.today()
    violations = _violations(report, policy)
    result = PolicyResult(source=policy.source, passed=not violations, violations=violations)
    for exc in policy.exceptions:
        if not exc.applies_to(report):
            continue
        if exc.expires < today:
            result.exceptions_expired.append(exc.record())
            for v in result.violations:
                v.detail += (
                    f" (the exception approved by {exc.approved_by} expired on "
                    f"{exc.expires.isoformat()})"
                )
        elif violations:
            result.exceptions_applied.append(exc.record())
            result.passed = True
    return result


def _violations(report: Report, policy: Policy) -> list[Violation]:
    lic, out = report.license, []
    if policy.min_rung is not None and report.openness.rung < policy.min_rung:
        blocker = next((s for s in report.openness.steps if s.met is not True), None)
        why = f"; rung {blocker.rung}: {blocker.reason}" if blocker and blocker.reason else ""
        out.append(
            Violation(
                rule="min-rung",
                detail=f"openness rung {report.openness.rung} is "
                f"below the required {policy.min_rung}{why}",
            )
        )
    if policy.require_osd and lic.osd_compliant is not True:
        out.append(Violation(rule="require-osd", detail=_osd_detail(report)))
    elif policy.require_osd:
        # A derivative is bound by its base's terms whatever it declares for itself.
        for base in report.lineage.base_chain:
            if base.osd_compliant is not True:
                state = (
                    "fails the OSD" if base.osd_compliant is False else "is of unknown OSD status"
                )
                out.append(
                    Violation(
                        rule="require-osd",
                        detail=f"base model {base.repo_id} is "
                        f"under {base.license}, which {state}; its terms bind "
                        "this derivative",
                    )
                )
                break
    if policy.require_osi_approved and lic.osi_approved is not True:
        state = "unknown" if lic.osi_approved is None else "not OSI-approved"
        out.append(
            Violation(rule="require-osi-approved", detail=f"license {_name(report)} is {state}")
        )
    for kind in policy.deny_clauses:
        for clause in [c for c in lic.clauses if c.kind == kind][:1]:
            where = clause.source + (f":{clause.line}" if clause.line else "")
            out.append(Violation(rule="deny-clauses", detail=f"{kind} found in {where}"))
    ids = _license_ids(report)
    if policy.allow_licenses and not ids & set(policy.allow_licenses):
        out.append(
            Violation(
                rule="allow-licenses", detail=f"license {_name(report)} is not in the allowed list"
            )
        )
    denied = sorted(ids & set(policy.deny_licenses))
    if denied:
        out.append(Violation(rule="deny-licenses", detail=f"license {denied[0]} is denied"))
    if not policy.allow_gated and report.subject.gated:
        out.append(
            Violation(rule="allow-gated", detail=f"access is gated ({report.subject.gated})")
        )
    return out


def _osd_detail(report: Report) -> str:
    lic = report.license
    if lic.osd_compliant is None:
        return f"OSD compliance of {_name(report)} is unknown: {lic.osd_reason}"
    parts = []
    for crit in [c for c in lic.osd if c.status == "fail"][:3]:
        parts.append(f"OSD {crit.criterion} ({crit.title}) by {', '.join(crit.clauses)}")
    return f"license {_name(report)} fails the OSD: " + "; ".join(parts)


def _name(report: Report) -> str:
    lic = report.license
    return (
        (lic.identified.id if lic.identified else None)
        or lic.spdx
        or (lic.declared[0] if lic.declared else "(none)")
    )


def _license_ids(report: Report) -> set[str]:
    lic = report.license
    ids = {d.lower() for d in lic.declared}
    if lic.identified:
        ids.add(lic.identified.id.lower())
    if lic.spdx:
        ids.add(lic.spdx.lower())
    return ids
