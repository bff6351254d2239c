"""The adoption gate: model references in a tree, judged by the policy; the lockfile.

`scan` audits each distinct referenced repo once and reports per reference. `scan --locked`
judges references against openness.lock with no network at all. `lock` pins every referenced
model to a commit sha with its verdicts (openness.lockfile); `lock --check` says which locked
models moved upstream, which referenced ones are not locked and which locked ones are unused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openness.audit import Auditor
from openness.batch import DEFAULT_JOBS, OnDone, OnError, OnStart, run_audits
from openness.errors import ExitCode, OpennessError
from openness.lockfile import LOCK_NAME, as_report, lock_entry
from openness.policy import Policy, effective, evaluate
from openness.report import (
    AppliedException,
    AuditDocument,
    LockEntry,
    LockFile,
    PolicyResult,
    ReferenceResult,
    Report,
    ScanDocument,
    ScanSite,
    SubjectError,
    Violation,
    unenforced_reason,
)
from openness.rules import Rules
from openness.scan import Reference, Scanned, is_incomplete, scan_tree


def _result(
    ref: Reference,
    report: Report | None,
    verdict: PolicyResult | None,
    policy: Policy | None,
    error: str | None = None,
    unenforced: str = "no policy",
) -> ReferenceResult:
    """One reference's status: exempted > failed > incomplete > passed. `unenforced`: why
    nothing is enforced when no policy judges (see `nothing_enforced`)."""
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
            **base,
            status="incomplete",
            message=f"audit incomplete ({', '.join(kinds)}); {summary(report, unenforced)}",
        )
    return ReferenceResult(**base, status="audited", message=summary(report, unenforced))


def nothing_enforced(policy: Policy | None) -> str | None:
    """Why nothing is enforced (no policy, or one with no rule that can fail a model), naming
    the policy file; None when a rule can fail a model."""
    return unenforced_reason(policy and policy.source, policy is not None and policy.empty)


def _judging(policy: Policy | None) -> Policy | None:
    """The policy that judges: none when it has no rule that can fail a model (its verdict
    would be "passed" with nothing checked)."""
    return None if policy is None or policy.empty else policy


def summary(report: Report, unenforced: str = "no policy") -> str:
    """The verdicts a person wants to see when no policy judges them, and why none does."""
    terms = effective(report)
    word = {True: "yes", False: "no", None: "unknown"}[terms.osd_compliant]
    ids = ", ".join(dict.fromkeys(b.id or "unknown" for b in terms.licenses)) or "no license"
    return (
        f"OSD compliant: {word} ({ids}); rung {report.openness.rung} of 5; "
        f"nothing enforced ({unenforced})"
    )


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
    return {repo_id.lower(): next(remaining) for repo_id, _ in subjects if repo_id not in failed}


def _subjects(refs: list[Reference]) -> list[tuple[str, str | None]]:
    """Each referenced repo once (ids compared as the Hub compares them: case-insensitively),
    in the order first referenced, with its first spelling."""
    seen: dict[tuple[str, str | None], str] = {}
    for ref in refs:
        revision = getattr(ref, "revision", None)
        if not ref.ignored:
            seen.setdefault((ref.repo_id.lower(), revision), ref.repo_id)
    return [(spelling, revision) for (_, revision), spelling in seen.items()]


def scan(
    paths: list[Path],
    root: Path,
    auditor: Auditor,
    policy: Policy | None,
    on_error: OnError | None = None,
    jobs: int = DEFAULT_JOBS,
    on_done: OnDone | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_start: OnStart | None = None,
) -> ScanDocument:
    """`on_plan` hears how many distinct repos will be audited, before the first starts.
    `policy` may have no rule that can fail a model: nothing is enforced, and the document
    names its file."""
    scanned = scan_tree(paths, root)
    refs = scanned.references
    subjects = _subjects(refs)
    if on_plan is not None:
        on_plan(len(subjects))
    judge, unenforced = _judging(policy), nothing_enforced(policy) or ""
    audited = run_audits(
        subjects, auditor, judge, on_error, jobs=jobs, on_done=on_done, on_start=on_start
    )
    results = _judged(refs, subjects, audited, judge, unenforced, lambda r: r.policy)
    return ScanDocument(
        **_policy_fields(policy),
        references=results,
        reports=audited.reports,
        errors=audited.errors,
        **_scan_fields(scanned),
    )


def _judged(
    refs: list[Reference],
    subjects: list[tuple[str, str | None]],
    audited: AuditDocument,
    judge: Policy | None,
    unenforced: str,
    verdict_of: Callable[[Report], PolicyResult | None],
) -> list[ReferenceResult]:
    """Each reference with the audit of its repo (or the error) and the verdict on it."""
    by_repo = _by_subject(subjects, audited.reports, audited.errors)
    errors = {e.subject.lower(): e.message for e in audited.errors}
    results = []
    for ref in refs:
        report = by_repo.get(ref.repo_id.lower())
        verdict = verdict_of(report) if report else None
        error = errors.get(ref.repo_id.lower())
        results.append(_result(ref, report, verdict, judge, error, unenforced))
    return results


def _scan_fields(scanned: Scanned) -> dict:
    """What a scan document says of the scan itself: its problems and notes."""
    sites = [ScanSite(**site._asdict()) for site in scanned.sites]
    return {"problems": scanned.problems, "notes": scanned.notes, "sites": sites}


def _policy_fields(policy: Policy | None) -> dict[str, str | bool | None]:
    """The policy a scan applied (or read, when it enforces nothing), and where in its file an
    exception would go."""
    if policy is None:
        return {"policy_source": None, "policy_exceptions": None}
    in_file = policy.source != "flags"
    return {
        "policy_source": policy.source,
        "policy_enforces_nothing": policy.empty,
        "policy_exceptions": policy.exceptions_header if in_file else None,
    }


def scan_locked(
    paths: list[Path],
    root: Path,
    lock: LockFile,
    policy: Policy | None,
    rules: Rules,
    today: dt.date | None = None,
    lock_name: str = LOCK_NAME,
) -> ScanDocument:
    """Judge references against the lock alone: no request is made. `lock_name`: the
    lockfile as the user named it, for messages. `policy` may enforce nothing (see `scan`)."""
    scanned = scan_tree(paths, root)
    refs = scanned.references
    judge, unenforced = _judging(policy), nothing_enforced(policy) or ""
    results = []
    for ref in refs:
        entry = locked_entry(lock, ref.repo_id)
        # An exception applies to its repo whatever the state of its audit: one that could
        # never be locked (it 404s) is exempted, not "not locked".
        exc = policy.active_exception(ref.repo_id, None, today) if policy and not entry else None
        if exc is not None and not ref.ignored:
            results.append(_result(ref, None, None, policy))
            continue
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
                            f"{lock_name}; run `openness lock` to audit and pin it",
                        )
                    ],
                )
            )
            continue
        report = as_report(entry, rules, lock_name) if entry else None
        verdict = evaluate(report, judge, today) if report and judge else None
        results.append(_result(ref, report, verdict, judge, unenforced=unenforced))
    return ScanDocument(
        **_policy_fields(policy),
        locked=True,
        lockfile=lock_name,
        references=results,
        **_scan_fields(scanned),
    )


def scan_exit_code(doc: ScanDocument, strict: bool) -> ExitCode:
    """1 when a reference fails; 3 (1 with --strict) when one could not be judged, or when the
    scan itself is incomplete (a file it could not read may hold a reference): fail closed."""
    from openness.scan import is_incomplete

    statuses = {r.status for r in doc.references}
    if statuses & {"failed", "unlocked"}:
        return ExitCode.POLICY_FAILED
    if "incomplete" in statuses or _undecided_errors(doc) or is_incomplete(doc.problems):
        return ExitCode.POLICY_FAILED if strict else ExitCode.INCOMPLETE
    return ExitCode.OK


def _undecided_errors(doc: ScanDocument) -> list[SubjectError]:
    """Audit errors that leave a reference undecided: an exception decides its repo whatever
    the state of its audit, so an error on an exempted repo decides nothing. An error that no
    reference answers for counts (fail closed)."""
    decided = {"exempted", "ignored"}
    out = []
    for error in doc.errors:
        refs = [r for r in doc.references if r.repo_id.lower() == error.subject.lower()]
        if not refs or any(r.status not in decided for r in refs):
            out.append(error)
    return out


@dataclass
class LockBuild:
    """What `openness lock` found: the new lock and how each model got into it (or not)."""

    lock: LockFile
    document: ScanDocument
    left_out: list[Report] = field(default_factory=list)  # incomplete, not locked anew
    kept: list[LockEntry] = field(default_factory=list)  # not audited now: the old entry kept
    # not found in the files read, while some could not be read: the old entry kept
    unfound: list[LockEntry] = field(default_factory=list)
    # incomplete, but locked: the policy's outcome does not depend on what is missing
    decided_incomplete: list[Report] = field(default_factory=list)
    fresh: int = 0  # models audited and locked now

    @property
    def scan_incomplete(self) -> bool:
        """A file the scan could not read may reference a model that is not locked."""
        return is_incomplete(self.document.problems)

    @property
    def changed_nothing(self) -> bool:
        """Nothing could be audited: writing would only lose what the old lock knew."""
        return self.fresh == 0 and bool(
            self.document.errors or self.left_out or self.scan_incomplete
        )


def build_lock(
    paths: list[Path],
    root: Path,
    auditor: Auditor,
    on_error: OnError | None = None,
    allow_incomplete: bool = False,
    jobs: int = DEFAULT_JOBS,
    on_done: OnDone | None = None,
    on_plan: Callable[[int], None] | None = None,
    previous: LockFile | None = None,
    on_start: OnStart | None = None,
    policy: Policy | None = None,
) -> LockBuild:
    """Audit every referenced model and lock it. A model that could not be audited (an
    error, or an incomplete audit without `allow_incomplete`) keeps its entry in `previous`:
    an outage must never empty a lock. So does every locked model the scan did not find when
    a file could not be read: that file may reference it.

    An incomplete audit whose outcome under `policy` does not hang on what is missing
    (exempted, a known failure, or a pass no missing file could change) is locked all the
    same, and listed in `decided_incomplete`: the gate judges its entry the same way."""
    scanned = scan_tree(paths, root)
    subjects = _subjects(scanned.references)
    if on_plan is not None:
        on_plan(len(subjects))
    audited = run_audits(
        subjects, auditor, None, on_error, jobs=jobs, on_done=on_done, on_start=on_start
    )
    # The references too, judged as `scan` would: a BOM of the lock lists every model the
    # code references, those that could not be locked included, with where each is used.
    judge, unenforced = _judging(policy), nothing_enforced(policy) or ""
    references = _judged(
        scanned.references,
        subjects,
        audited,
        judge,
        unenforced,
        lambda r: evaluate(r, judge) if judge else None,
    )
    document = ScanDocument(
        **_policy_fields(policy),
        references=references,
        reports=audited.reports,
        errors=audited.errors,
        **_scan_fields(scanned),
    )
    build = LockBuild(lock=LockFile(rules=auditor.rules.digest), document=document)
    not_audited = [e.subject for e in audited.errors]
    for report in audited.reports:
        if not report.complete and not allow_incomplete:
            if policy is not None and evaluate(report, policy).status != "incomplete":
                build.decided_incomplete.append(report)
                build.lock.models[report.subject.repo_id] = lock_entry(report, auditor.rules)
                build.fresh += 1
                continue
            build.left_out.append(report)
            not_audited.append(report.subject.repo_id)
            continue
        build.lock.models[report.subject.repo_id] = lock_entry(report, auditor.rules)
        build.fresh += 1
    for repo_id in not_audited:
        old = locked_entry(previous, repo_id) if previous else None
        if old is not None:
            build.lock.models[old.repo_id or repo_id] = old
            build.kept.append(old)
    if previous is not None and build.scan_incomplete:
        found = {repo_id.lower() for repo_id, _ in subjects}
        for repo_id, old in sorted(previous.models.items()):
            if repo_id.lower() not in found:
                build.lock.models[repo_id] = old
                build.unfound.append(old)
    return build


def check_lock(
    lock: LockFile,
    auditor: Auditor,
    refs: list[Reference] | None = None,
    policy: Policy | None = None,
) -> dict[str, list]:
    """Each locked model's sha now (did it move upstream?); with the tree's references, which
    referenced models are not locked (a repo the policy exempts need not be) and which locked
    ones are no longer referenced."""
    rows: list[dict[str, str | bool | None]] = []
    for repo_id, entry in sorted(lock.models.items()):
        row: dict[str, str | bool | None] = {
            "repo_id": repo_id,
            "locked": entry.revision,
            "current": None,
            "moved": None,
            "error": None,
        }
        try:
            row["current"] = auditor.current_revision(repo_id)
            row["moved"] = row["current"] != entry.revision
        except OpennessError as exc:
            row["error"] = str(exc)
        rows.append(row)
    out: dict[str, list] = {"models": rows, "unlocked": [], "unreferenced": []}
    if refs is not None:
        locked = {k.lower() for k in lock.models}
        used = {r.repo_id.lower() for r in refs if not r.ignored}
        exempted = {r.repo_id for r in refs if policy and policy.active_exception(r.repo_id, None)}
        out["unlocked"] = sorted(
            {r.repo_id for r in refs if not r.ignored}
            - {r.repo_id for r in refs if r.repo_id.lower() in locked}
            - exempted
        )
        out["unreferenced"] = sorted(k for k in lock.models if k.lower() not in used)
    return out


def locked_entry(lock: LockFile, repo_id: str) -> LockEntry | None:
    """The lock entry for a repo id, matched as the Hub matches ids: case-insensitively."""
    entry = lock.models.get(repo_id)
    if entry is not None:
        return entry
    wanted = repo_id.lower()
    return next((e for k, e in lock.models.items() if k.lower() == wanted), None)
