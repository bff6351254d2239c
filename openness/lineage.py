"""Lineage: fine-tunes, adapters, quantised re-uploads and merges, followed to their root.

A derivative that adds no training of its own (a quantised or converted re-upload) is judged
from its base for the rungs that describe training; a derivative that does its own training
(fine-tune, adapter, merge) keeps its own verdicts, with the base's shown beside them.
"""

from __future__ import annotations

import re

from openness.ladder import rung_of
from openness.report import (
    BaseLink,
    Evidence,
    LicenseAssessment,
    LicenseConflict,
    Openness,
    Report,
    Step,
)
from openness.snapshot import Snapshot

MAX_DEPTH = 6
RELATIONS = ("quantized", "adapter", "finetune", "merge")
REUPLOAD_FILES = re.compile(
    r"\.(gguf|ggml)$|(^|/)(awq|gptq|exl2)[^/]*|-(gguf|awq|gptq)\b", re.IGNORECASE
)
# Rungs that describe how the model was made, which a re-upload cannot change.
INHERITABLE = (2, 3, 4, 5)


def base_models(snapshot: Snapshot) -> list[str]:
    """Base repo ids from the card's base_model (str or list) and the Hub's base_model tags."""
    raw = snapshot.card_data.get("base_model")
    names = (
        [raw]
        if isinstance(raw, str)
        else [x for x in raw if isinstance(x, str)]
        if isinstance(raw, list)
        else []
    )
    for tag in snapshot.tags:
        if tag.startswith("base_model:"):
            parts = tag.split(":")
            names.append(parts[-1])
    seen: list[str] = []
    for name in names:
        name = name.strip()
        if name and name not in seen and name != snapshot.repo_id:
            seen.append(name)
    return seen


def relation(snapshot: Snapshot) -> str | None:
    declared = snapshot.card_data.get("base_model_relation")
    if isinstance(declared, str) and declared in RELATIONS:
        return declared
    for tag in snapshot.tags:
        parts = tag.split(":")
        if len(parts) >= 3 and parts[0] == "base_model" and parts[1] in RELATIONS:
            return parts[1]
    if not base_models(snapshot):
        return None
    if any(REUPLOAD_FILES.search(f) for f in snapshot.files) or REUPLOAD_FILES.search(
        snapshot.repo_id
    ):
        return "quantized"
    if any(f.startswith("adapter_") or "/adapter_" in f for f in snapshot.files):
        return "adapter"
    return "finetune"


def base_link(report: Report, relation_to_child: str | None) -> BaseLink:
    lic = report.license
    return BaseLink(
        repo_id=report.subject.repo_id,
        revision=report.subject.revision,
        relation=relation_to_child,
        license=_license_name(lic),
        osd_compliant=lic.osd_compliant,
        rung=report.openness.rung,
    )


def _license_name(lic: LicenseAssessment) -> str | None:
    if lic.identified:
        return lic.identified.id
    return lic.spdx or (lic.declared[0] if lic.declared else None)


_RANK = {True: 2, None: 1, False: 0}


def license_conflicts(child: Report, bases: list[Report]) -> list[LicenseConflict]:
    """A derivative declared under terms more permissive than its base's is a conflict."""
    out = []
    mine = child.license
    for base in bases:
        theirs = base.license
        if theirs.osd_compliant is not False:
            continue
        if _RANK[mine.osd_compliant] > _RANK[theirs.osd_compliant] or (
            mine.osi_approved and not theirs.osi_approved
        ):
            kinds = sorted({c.kind for c in theirs.clauses if c.osd_criteria})
            out.append(
                LicenseConflict(
                    derivative=child.subject.repo_id,
                    derivative_license=_license_name(mine),
                    base=base.subject.repo_id,
                    base_license=_license_name(theirs),
                    message=f"{child.subject.repo_id} is declared {_license_name(mine)!s}, but its "
                    f"base {base.subject.repo_id} is under {_license_name(theirs)!s}, whose terms "
                    f"({', '.join(kinds) or 'restrictions'}) bind derivatives",
                )
            )
    return out


def inherit_steps(child: Openness, root: Report, rel: str | None) -> list[int]:
    """Copy the root's verdicts onto a re-upload's training rungs; returns the rungs copied."""
    if rel != "quantized":
        return []
    inherited = []
    for i, step in enumerate(child.steps):
        if step.rung not in INHERITABLE or step.met is True:
            continue
        base_step = root.openness.steps[i]
        child.steps[i] = _inherited(step, base_step, root.subject.repo_id)
        inherited.append(step.rung)
    child.rung = rung_of(child.steps)
    return inherited


def _inherited(own: Step, base: Step, base_id: str) -> Step:
    evidence = [
        Evidence(
            kind=f"inherited_{e.kind}",
            detail=e.detail,
            source=f"base {base_id}: {e.source}",
            url=e.url,
            line=e.line,
            attested=e.attested,
        )
        for e in base.evidence
    ]
    reason = (
        f"judged from base {base_id}: this repo is a re-upload (quantised or converted) "
        "and adds no training of its own"
    )
    if base.reason:
        reason += f"; base: {base.reason}"
    return Step(
        rung=own.rung,
        name=own.name,
        met=base.met,
        confidence=base.confidence,
        evidence=evidence,
        looked_for=own.looked_for + base.looked_for,
        reason=reason,
    )
