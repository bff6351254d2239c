"""The policy as data: a team's rules and its exceptions, strictly typed.

Types are strict (a TOML boolean is a boolean: `"yes"` is an error, not true), unknown keys are
errors, and license ids are resolved against the catalog and SPDX when the policy is loaded
(openness.policy.load), so that a typo fails closed instead of matching nothing.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from openness.report import AppliedException, Report


class PolicyException(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    repo: str = Field(min_length=1)
    revision: str | None = None
    reason: str = Field(min_length=1)
    approved_by: str = Field(alias="approved-by", min_length=1)
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
    model_config = ConfigDict(extra="forbid", strict=True)

    min_rung: int | None = Field(None, alias="min-rung", ge=0, le=5)
    require_osd: bool = Field(False, alias="require-osd")
    require_osi_approved: bool = Field(False, alias="require-osi-approved")
    deny_clauses: list[str] = Field(default_factory=list, alias="deny-clauses")
    allow_licenses: list[str] = Field(default_factory=list, alias="allow-licenses")
    deny_licenses: list[str] = Field(default_factory=list, alias="deny-licenses")
    allow_gated: bool = Field(True, alias="allow-gated")
    exceptions: list[PolicyException] = Field(default_factory=list)
    source: str = Field("flags", exclude=True)
    # Where the rules sit in the file: "" (top level of openness.toml) or "tool.openness".
    table: str = Field("", exclude=True)
    # Lower-case catalog ids and SPDX ids each listed value stands for (set when loaded).
    _allowed: set[str] = PrivateAttr(default_factory=set)
    _denied: set[str] = PrivateAttr(default_factory=set)

    @property
    def allowed_ids(self) -> set[str]:
        return self._allowed or {v.lower() for v in self.allow_licenses}

    @property
    def denied_ids(self) -> set[str]:
        return self._denied or {v.lower() for v in self.deny_licenses}

    def resolve_licenses(self, allowed: set[str], denied: set[str]) -> None:
        self._allowed, self._denied = allowed, denied

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
    def exceptions_header(self) -> str:
        """The TOML header an exception is added under in this policy's file."""
        return f"[[{self.table}.exceptions]]" if self.table else "[[exceptions]]"

    @property
    def empty(self) -> bool:
        """No rule that can fail a model: nothing is enforced. Exceptions alone enforce
        nothing, and neither does `min-rung = 0` (every model is on rung 0 or above)."""
        return not (
            bool(self.min_rung)
            or self.require_osd
            or self.require_osi_approved
            or self.deny_clauses
            or self.allow_licenses
            or self.deny_licenses
            or not self.allow_gated
        )
