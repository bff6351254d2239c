"""openness.lock: each referenced model pinned to a commit sha with what the gate needs.

A lock entry keeps the verdicts, not the evidence (the report is one `openness audit` away):
repo, sha, binding license ids with their verdicts and clause kinds, rung, audit date, tool
version and rules digest. It is written sorted, with short lists on one line, so that a
refresh reads as a small diff. `scan --locked` rebuilds from it just enough of a report to
re-apply a (possibly changed) policy, with no network.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from openness.errors import UsageError
from openness.ladder import STEP_NAMES
from openness.license.effective import verdict_of
from openness.report import (
    BindingLicense,
    Clause,
    EffectiveTerms,
    LicenseAssessment,
    LockedLicense,
    LockEntry,
    LockFile,
    Openness,
    OsdCriterion,
    Problem,
    Report,
    Step,
    Subject,
    Tool,
)
from openness.rules import Rules

LOCK_NAME = "openness.lock"


def lock_entry(report: Report, rules: Rules, today: dt.date | None = None) -> LockEntry:
    lic = report.license
    terms = lic.effective
    licenses = terms.licenses if terms else []
    return LockEntry(
        repo_id=report.subject.repo_id,
        revision=report.subject.revision,
        audited=(today or dt.date.today()).isoformat(),
        tool=Tool().version,
        rules=rules.digest,
        source=report.subject.source,
        gated=report.subject.gated,
        complete=report.complete,
        incomplete=sorted({p.kind for p in report.problems} if not report.complete else set()),
        declared=list(lic.declared),
        osd_compliant=lic.osd_compliant,
        effective_osd_compliant=terms.osd_compliant if terms else lic.osd_compliant,
        missing=list(terms.missing) if terms else [],
        rung=report.openness.rung,
        steps=[s.met for s in report.openness.steps],
        licenses=[
            LockedLicense(
                id=b.id,
                from_=b.from_,
                relation=b.relation,
                osd_compliant=b.osd_compliant,
                osi_approved=b.osi_approved,
                spdx=b.spdx,
                clauses=b.clauses,
            )
            for b in licenses
        ],
    )


def as_report(entry: LockEntry, rules: Rules) -> Report:
    """Enough of a report to judge by a policy: subject, rung, binding licenses, clauses."""
    bindings = [_binding(locked, rules) for locked in entry.licenses]
    own = bindings[0] if bindings else None
    clauses = [_clause(kind, entry.repo_id, rules) for kind in (own.clauses if own else [])]
    license_ = LicenseAssessment(
        declared=entry.declared,
        identified=None,
        spdx=own.spdx if own else None,
        osi_approved=own.osi_approved if own else None,
        osd_compliant=entry.osd_compliant,
        clauses=clauses,
        decided=not entry.missing,
        effective=EffectiveTerms(
            licenses=bindings,
            osd_compliant=entry.effective_osd_compliant,
            reason=f"as locked on {entry.audited}: " + verdict_of(bindings)[1],
            missing=entry.missing,
        ),
    )
    steps = [
        Step(rung=n, name=STEP_NAMES[n], met=met, confidence="low", reason="as locked")
        for n, met in enumerate(entry.steps, start=1)
    ]
    return Report(
        subject=Subject(
            repo_id=entry.repo_id, revision=entry.revision, source=entry.source, gated=entry.gated
        ),
        license=license_,
        openness=Openness(rung=entry.rung, steps=steps),
        problems=[Problem(kind=k, message=f"{k} when locked") for k in entry.incomplete],
        complete=entry.complete,
    )


def _binding(locked: LockedLicense, rules: Rules) -> BindingLicense:
    failing: dict[int, list[str]] = {}
    for kind in locked.clauses:
        spec = rules.kinds.get(kind)
        for criterion in spec.osd_criteria if spec else ():
            failing.setdefault(criterion, []).append(kind)
    return BindingLicense(
        id=locked.id,
        from_=locked.from_,
        relation=locked.relation,
        osd_compliant=locked.osd_compliant,
        osi_approved=locked.osi_approved,
        spdx=locked.spdx,
        clauses=locked.clauses,
        osd_failing=[
            OsdCriterion(
                criterion=n,
                title=rules.criteria.get(n, {}).get("title", f"criterion {n}"),
                status="fail",
                clauses=kinds,
            )
            for n, kinds in sorted(failing.items())
        ],
    )


def _clause(kind: str, repo_id: str, rules: Rules) -> Clause:
    spec = rules.kinds.get(kind)
    return Clause(
        kind=kind,
        title=spec.title if spec else kind,
        severity=spec.severity if spec else "warning",  # type: ignore[arg-type]
        osd_criteria=list(spec.osd_criteria) if spec else [],
        source=f"{LOCK_NAME} ({repo_id})",
    )


# -- reading and writing ---------------------------------------------------------------------


def write_lock(lock: LockFile, path: Path) -> None:
    data = lock.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["lock_version"] = lock.lock_version
    data["models"] = {
        key: lock.models[key].model_dump(mode="json", by_alias=True, exclude_defaults=True)
        for key in sorted(lock.models)
    }
    path.write_text(_dump(data) + "\n", encoding="utf-8")


def _dump(value: Any, indent: int = 0) -> str:
    """JSON with sorted keys: a model per block, a field per line, a license per line."""
    pad = "  " * (indent + 1)
    if isinstance(value, dict) and indent < 3:
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(k)}: {_dump(value[k], indent + 1)}" for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        items = [pad + json.dumps(v, sort_keys=True, ensure_ascii=False) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def read_lock(path: Path, rules: Rules) -> LockFile:
    if not path.is_file():
        raise UsageError(f"{path}: no lockfile; run `openness lock` first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not valid JSON ({exc}); run `openness lock` again") from None
    if isinstance(data, dict) and data.get("lock_version") == 1:
        data = _from_version_1(data, rules)
    if isinstance(data, dict) and isinstance(data.get("models"), dict):
        for key, entry in data["models"].items():
            if isinstance(entry, dict):
                entry["repo_id"] = key
    try:
        return LockFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "the top level"
        raise UsageError(
            f"{path}: not an openness lockfile this version can read (at {where}); "
            "run `openness lock` to write it again"
        ) from None


def _from_version_1(data: dict[str, Any], rules: Rules) -> dict[str, Any]:
    """Version 1 locked whole reports; keep what version 2 needs of them."""
    models = {}
    for repo_id, entry in (data.get("models") or {}).items():
        try:
            report = Report.model_validate(entry["report"])
        except (KeyError, TypeError, ValidationError):
            continue  # unreadable: the model reads as unlocked and is audited again
        if report.license.effective is None:
            from openness.license.effective import effective_terms

            report.license.effective = effective_terms(report, [])
        audited = dt.date.fromisoformat(str(entry.get("audited") or dt.date.today()))
        migrated = lock_entry(report, rules, audited)
        migrated.tool = str((data.get("tool") or {}).get("version") or "unknown")
        migrated.rules = "unknown (lock version 1)"
        models[repo_id] = migrated.model_dump(mode="json", by_alias=True)
    return {"lock_version": 2, "models": models}
