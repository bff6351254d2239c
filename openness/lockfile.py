"""openness.lock: each referenced model pinned to a commit sha with what the gate needs.

A lock entry keeps the verdicts, not the evidence (the report is one `openness audit` away):
repo, sha, binding license ids with their verdicts and clause kinds, rung, audit date, tool
version and rules digest. What the entry, the file or the catalog already says is left out
(the own license's repo and relation, an SPDX id the catalog gives for the id, steps the rung
implies, the tool version and rules digest the file states once), so that an entry stays
under 1 KB. It is written sorted, with short lists on one line, so
that a refresh reads as a small diff. `scan --locked` rebuilds from it just enough of a report to
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
from openness.policy.judge import effective
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
LOCK_VERSION = 3  # 3: what the entry, the file or the catalog already says is left out


class LockVersionError(UsageError):
    """A lockfile of a version this one cannot read: never overwritten, it may be newer."""


class DamagedLock(UsageError):
    """A lockfile that is not one (bad JSON, wrong shape): `openness lock` replaces it."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}; run `openness lock` to write it again")
        self.why = why


def lock_entry(report: Report, rules: Rules, today: dt.date | None = None) -> LockEntry:
    terms = effective(report)
    own = terms.licenses[0]
    steps = [s.met for s in report.openness.steps]
    rung = report.openness.rung
    return LockEntry(
        repo_id=report.subject.repo_id,
        revision=report.subject.revision,
        audited=(today or dt.date.today()).isoformat(),
        tool=Tool().version,
        rules=rules.digest,
        source=report.subject.source,
        gated=report.subject.gated or None,
        incomplete=[]
        if report.complete
        else sorted({p.kind for p in report.problems} or {"unknown"}),
        declared=[d for d in report.license.declared if d.lower() not in _names(own)],
        effective_osd_compliant=terms.osd_compliant,
        missing=list(terms.missing),
        rung=rung,
        steps=[] if steps == _implied_steps(rung, len(steps)) else steps,
        licenses=[_locked(b, rules) for b in terms.licenses],
    )


def _names(b: BindingLicense) -> set[str]:
    return {x.lower() for x in (b.id, b.spdx) if x}


def _implied_steps(rung: int, count: int) -> list[bool | None]:
    """The steps a rung says on its own: each up to it met, each above it not."""
    return [n <= rung for n in range(1, count + 1)]


def _catalog_spdx(license_id: str | None, rules: Rules) -> str | None:
    lic = rules.licenses.get(license_id or "")
    return lic.spdx if lic else None


def _locked(b: BindingLicense, rules: Rules) -> LockedLicense:
    own = b.relation == "own"
    implied = b.spdx == _catalog_spdx(b.id, rules) or (b.spdx or "").lower() == (b.id or "").lower()
    return LockedLicense(
        id=b.id,
        from_=None if own else b.from_,
        relation=b.relation,
        osd_compliant=b.osd_compliant,
        osi_approved=b.osi_approved,
        spdx=None if implied else b.spdx,
        clauses=b.clauses,
    )


def as_report(entry: LockEntry, rules: Rules, lock_name: str = LOCK_NAME) -> Report:
    """Enough of a report to judge by a policy: subject, rung, binding licenses, clauses."""
    bindings = [_binding(locked, entry.repo_id, rules) for locked in entry.licenses]
    if not bindings:  # an entry written by hand: no license known
        bindings = [BindingLicense(id=None, from_=entry.repo_id, relation="own")]
    own = bindings[0]
    source = f"{lock_name} ({entry.repo_id})"
    verdict, reason = verdict_of(bindings)
    if verdict is not None and entry.effective_osd_compliant is None:
        reason = "; ".join(entry.missing)  # a base not among the bindings (an unread config)
    license_ = LicenseAssessment(
        declared=entry.declared,
        identified=None,
        spdx=own.spdx,
        osi_approved=own.osi_approved,
        osd_compliant=own.osd_compliant,
        clauses=[_clause(kind, source, rules) for kind in own.clauses],
        decided=not entry.missing,
        effective=EffectiveTerms(
            licenses=bindings,
            osd_compliant=entry.effective_osd_compliant,
            reason=f"as locked on {entry.audited}: {reason}",
            missing=entry.missing,
        ),
    )
    met = entry.steps or _implied_steps(entry.rung, len(STEP_NAMES))
    steps = [
        Step(rung=n, name=STEP_NAMES[n], met=value, confidence="low", reason="as locked")
        for n, value in enumerate(met, start=1)
    ]
    return Report(
        subject=Subject(
            repo_id=entry.repo_id, revision=entry.revision, source=entry.source, gated=entry.gated
        ),
        license=license_,
        openness=Openness(rung=entry.rung, steps=steps),
        problems=[Problem(kind=k, message=f"{k} when locked") for k in entry.incomplete],
        complete=not entry.incomplete,
    )


def _binding(locked: LockedLicense, repo_id: str, rules: Rules) -> BindingLicense:
    failing: dict[int, list[str]] = {}
    for kind in locked.clauses:
        spec = rules.kinds.get(kind)
        for criterion in spec.osd_criteria if spec else ():
            failing.setdefault(criterion, []).append(kind)
    return BindingLicense(
        id=locked.id,
        from_=locked.from_ or repo_id,
        relation=locked.relation,
        osd_compliant=locked.osd_compliant,
        osi_approved=locked.osi_approved,
        spdx=locked.spdx or _catalog_spdx(locked.id, rules),
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


def _clause(kind: str, source: str, rules: Rules) -> Clause:
    spec = rules.kinds.get(kind)
    return Clause(
        kind=kind,
        title=spec.title if spec else kind,
        severity=spec.severity if spec else "warning",  # type: ignore[arg-type]
        osd_criteria=list(spec.osd_criteria) if spec else [],
        source=source,
    )


# -- reading and writing ---------------------------------------------------------------------


def write_lock(lock: LockFile, path: Path) -> None:
    """Sorted and stable; an entry's tool and rules only where they differ from the file's
    (an entry kept from an older run)."""
    data = lock.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    data["lock_version"] = lock.lock_version
    data["tool"] = lock.tool.model_dump(mode="json")
    data["models"] = {}
    for key in sorted(lock.models):
        entry = lock.models[key].model_dump(mode="json", by_alias=True, exclude_defaults=True)
        for field_, shared in (("tool", lock.tool.version), ("rules", lock.rules)):
            if entry.get(field_) == shared:
                del entry[field_]
        data["models"][key] = entry
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
        raise DamagedLock(path, f"not valid JSON ({exc})") from None
    version = data.get("lock_version") if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise DamagedLock(path, "not an openness lockfile (no lock_version)")
    if version not in (1, 2, LOCK_VERSION):
        raise LockVersionError(
            f"{path}: lock_version {version!r} is not one this version of openness reads "
            f"(1 to {LOCK_VERSION}); upgrade openness, or delete it and run `openness lock`"
        )
    if version == 1:
        data = _from_version_1(data, rules)
    shared = {"tool": (data.get("tool") or {}).get("version"), "rules": data.get("rules")}
    if isinstance(data.get("models"), dict):
        for key, entry in data["models"].items():
            if isinstance(entry, dict):
                entry["repo_id"] = key
                for field_, value in shared.items():
                    entry.setdefault(field_, value)
                if version == 2:
                    _from_version_2(entry)
    data["lock_version"] = LOCK_VERSION
    try:
        return LockFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "the top level"
        raise DamagedLock(path, f"not an openness lockfile (at {where})") from None


def _from_version_2(entry: dict[str, Any]) -> None:
    """Version 2 said the own license's verdict twice, and completeness twice."""
    entry.pop("osd_compliant", None)
    if entry.pop("complete", True) is False and not entry.get("incomplete"):
        entry["incomplete"] = ["unknown"]


def _from_version_1(data: dict[str, Any], rules: Rules) -> dict[str, Any]:
    """Version 1 locked whole reports; keep what this version needs of them."""
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
    return {"lock_version": LOCK_VERSION, "models": models}
