"""Attestations: evidence a person reviewed that automation cannot see (`--attest FILE`).

Attested evidence is always marked as attested, never passed off as found.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from openness.errors import UsageError, plain_invalid
from openness.frameworks import judge_mof, osaid
from openness.ladder import rung_of
from openness.report import Evidence, Report


class Attestation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: str
    revision: str | None = None
    rung: int | None = None
    component: str | None = None
    url: str
    reviewer: str
    date: dt.date
    note: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Attestation:
        if (self.rung is None) == (self.component is None):
            raise ValueError("give exactly one of rung or component")
        if self.rung is not None and not 1 <= self.rung <= 5:
            raise ValueError("rung must be 1 to 5")
        return self

    def evidence(self) -> Evidence:
        detail = self.note or f"reviewed by {self.reviewer}"
        return Evidence(
            kind="attested",
            detail=detail,
            url=self.url,
            attested=True,
            source=f"attestation by {self.reviewer} on {self.date.isoformat()}",
        )


def load_attestations(path: Path) -> list[Attestation]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2026-13-01
        raise UsageError(f"--attest {path}: {str(exc).splitlines()[0]}") from None
    if isinstance(data, dict):
        data = data.get("attestations")
    if not isinstance(data, list):
        raise UsageError(f"--attest {path}: expected a list of attestations")
    attestations = []
    for number, item in enumerate(data, 1):
        try:
            attestations.append(Attestation.model_validate(item))
        except ValidationError as exc:
            raise UsageError(
                f"--attest {path}: attestation {number}: {plain_invalid(exc)}"
            ) from None
    return attestations


def apply_attestations(report: Report, attestations: list[Attestation]) -> None:
    subject = report.subject
    mine = [
        a
        for a in attestations
        if a.repo == subject.repo_id and (a.revision is None or a.revision == subject.revision)
    ]
    if not mine:
        return
    ladder = report.openness
    for att in mine:
        if att.rung is not None:
            step = ladder.steps[att.rung - 1]
            step.evidence.append(att.evidence())
            if step.met is not True:
                step.met = True
                step.confidence = "medium"
                step.reason = (
                    f"met by attestation ({att.reviewer}, {att.date}); not found automatically"
                )
        for comp in ladder.components:
            if att.component and comp.name.lower() == att.component.lower():
                comp.present = True
                comp.evidence.append(att.evidence())
    ladder.rung = rung_of(ladder.steps)
    judge_mof(ladder)
    ladder.osaid = osaid(report.license, ladder)
