"""The adoption gate: model references in a tree, judged by the policy; the lockfile.

`scan` audits each distinct referenced repo once and reports per reference. `scan --locked`
judges references against openness.lock with no network at all. `lock` pins every referenced
model to a commit sha with its report; `lock --check` says which locked models moved upstream.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import ValidationError

from openness.audit import Auditor
from openness.batch import OnError, run_audits
from openness.errors import ExitCode, OpennessError, UsageError
from openness.policy import Policy, evaluate
from openness.report import (
    AppliedException,
    LockEntry,
    LockFile,
    PolicyResult,
    ReferenceResult,
    Report,
    ScanDocument,
    SubjectError,
    Violation,
)
from openness.scan import Reference, scan_paths

LOCK_NAME = "openness.lock"


def _result(
    ref: Reference,
    report: Report | None,
    verdict: PolicyResult | None,
    policy: Policy | None,
    error: str | None = None,
) -> ReferenceResult:
    """One reference's status: exempted > failed > incomplete > passed."""
    base = {
        "repo_id": ref.repo_id,
        "file": ref.file,
        "line": ref.line,
        "column": ref.column,
        "kind": ref.kind,
        "via": ref.via,
        "revision": report.subject.revision if report else getattr(ref, "revision", None),
    }
    if ref.ignored:
        reason = ref.ignore_reason or "no reason given"
        return ReferenceResult(**base, status="ignored", message=f"exempted in code: {reason}")
    if report is None:
        # An exception applies to its repo whatever the state of its audit.
        exc = policy.active_exception(ref.repo_id, base["revision"]) if policy else None
        if exc is not None:
            return _exempted(base, exc.record(), [])
        return ReferenceResult(**base, status="incomplete", message=error)
    if verdict is not None:
        if verdict.status == "exempted":
            return _exempted(base, verdict.exceptions_applied[0], verdict.violations)
        if verdict.status == "failed":
            return ReferenceResult(**base, status="failed", violations=verdict.violations)
        if verdict.status == "incomplete":
            why = "; ".join(f"{v.rule}: {v.detail}" for v in verdict.undecided)
            return ReferenceResult(
                **base,
                status="incomplete",
                violations=verdict.undecided,
                message=f"could not be decided: {why}",
            )
        return ReferenceResult(**base, status="passed")
    if not report.complete:
        kinds = sorted({p.kind for p in report.problems})
        return ReferenceResult(
            **base, status="incomplete", message=f"audit incomplete ({', '.join(kinds)})"
        )
    return ReferenceResult(**base, status="passed")


def _exempted(base: dict, exc: AppliedException, violations: list[Violation]) -> ReferenceResult:
    return ReferenceResult(
        **base,
        status="exempted",
        exception=exc,
        violations=violations,
        message=f"exception approved by {exc.approved_by} until {exc.expires}: {exc.reason}",
    )


def _by_subject(
    subjects: list[tuple[str, str | None]], reports: list[Report], errors: list[SubjectError]
) -> dict[str, Report]:
    """Each referenced id's report (the Hub may answer under another case or a new name)."""
    failed = {e.subject for e in errors}
    remaining = iter(reports)
    return {repo_id: next(remaining) for repo_id, _ in subjects if repo_id not in failed}


def _subjects(refs: list[Reference]) -> list[tuple[str, str | None]]:
    seen: list[tuple[str, str | None]] = []
    for ref in refs:
        key = (ref.repo_id, getattr(ref, "revision", None))
        if not ref.ignored and key not in seen:
            seen.append(key)
    return seen


def scan(
    paths: list[Path],
    root: Path,
    auditor: Auditor,
    policy: Policy | None,
    on_error: OnError | None = None,
) -> ScanDocument:
    refs, problems = scan_paths(paths, root)
    subjects = _subjects(refs)
    audited = run_audits(subjects, auditor, policy, on_error)
    by_repo = _by_subject(subjects, audited.reports, audited.errors)
    errors = {e.subject: e.message for e in audited.errors}
    results = []
    for ref in refs:
        report = by_repo.get(ref.repo_id)
        verdict = report.policy if report else None
        results.append(_result(ref, report, verdict, policy, errors.get(ref.repo_id)))
    return ScanDocument(
        policy_source=policy.source if policy else None,
        references=results,
        reports=audited.reports,
        errors=audited.errors,
        problems=problems,
    )


def scan_locked(
    paths: list[Path],
    root: Path,
    lock: LockFile,
    policy: Policy | None,
    today: dt.date | None = None,
) -> ScanDocument:
    """Judge references against the lock alone: no request is made."""
    refs, problems = scan_paths(paths, root)
    results = []
    for ref in refs:
        entry = lock.models.get(ref.repo_id)
        if entry is None and not ref.ignored:
            results.append(
                ReferenceResult(
                    repo_id=ref.repo_id,
                    file=ref.file,
                    line=ref.line,
                    column=ref.column,
                    kind=ref.kind,
                    via=ref.via,
                    status="unlocked",
                    violations=[
                        Violation(
                            rule="lock",
                            detail=f"{ref.repo_id} is not in "
                            f"{LOCK_NAME}; run `openness lock` to audit and pin it",
                        )
                    ],
                )
            )
            continue
        report = entry.report if entry else None
        verdict = evaluate(report, policy, today) if report and policy else None
        results.append(_result(ref, report, verdict, policy))
    return ScanDocument(
        policy_source=policy.source if policy else None,
        locked=True,
        references=results,
        problems=problems,
    )


def scan_exit_code(doc: ScanDocument, strict: bool) -> ExitCode:
    """1 when a reference fails; 3 (1 with --strict) when one could not be judged, or when the
    scan itself is incomplete (a file it could not read may hold a reference): fail closed."""
    from openness.scan import is_incomplete

    statuses = {r.status for r in doc.references}
    if statuses & {"failed", "unlocked"}:
        return ExitCode.POLICY_FAILED
    if "incomplete" in statuses or doc.errors or is_incomplete(doc.problems):
        return ExitCode.POLICY_FAILED if strict else ExitCode.INCOMPLETE
    return ExitCode.OK


def build_lock(
    paths: list[Path], root: Path, auditor: Auditor, on_error: OnError | None = None
) -> tuple[LockFile, ScanDocument]:
    refs, problems = scan_paths(paths, root)
    audited = run_audits(_subjects(refs), auditor, None, on_error)
    today = dt.date.today().isoformat()
    lock = LockFile()
    for report in sorted(audited.reports, key=lambda r: r.subject.repo_id):
        lock.models[report.subject.repo_id] = LockEntry(
            repo_id=report.subject.repo_id,
            revision=report.subject.revision,
            audited=today,
            report=report,
        )
    return lock, ScanDocument(reports=audited.reports, errors=audited.errors, problems=problems)


def write_lock(lock: LockFile, path: Path) -> None:
    data = lock.model_dump(mode="json")
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_lock(path: Path) -> LockFile:
    if not path.is_file():
        raise UsageError(f"{path}: no lockfile; run `openness lock` first")
    try:
        return LockFile.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise UsageError(
            f"{path}: not a valid openness lockfile ({str(exc).splitlines()[0]})"
        ) from None


def check_lock(lock: LockFile, auditor: Auditor) -> list[dict[str, str | bool | None]]:
    """For each locked model: the locked sha, the sha served now, and whether it moved."""
    rows: list[dict[str, str | bool | None]] = []
    for repo_id, entry in sorted(lock.models.items()):
        try:
            current = auditor.current_revision(repo_id)
            rows.append(
                {
                    "repo_id": repo_id,
                    "locked": entry.revision,
                    "current": current,
                    "moved": current != entry.revision,
                    "error": None,
                }
            )
        except OpennessError as exc:
            rows.append(
                {
                    "repo_id": repo_id,
                    "locked": entry.revision,
                    "current": None,
                    "moved": None,
                    "error": str(exc),
                }
            )
    return rows
