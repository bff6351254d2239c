"""Auditing several subjects on a bounded pool, keeping what each gives.

Subjects are audited in parallel (`jobs` workers); `on_done` hears of each as it finishes, in
completion order (for streaming output and progress), and the document lists them in input
order. A failing subject never loses the others' results; Ctrl-C stops handing out work and
returns what finished, marked interrupted and naming the subjects not audited (the caller
exits 130). The policy, when there is one, is applied to
each report here, after assessment: deciding is kept apart from assessing.

The revisions of one repo are audited one after another, so that the later ones find the
earlier ones' commits in the cache; with `same_commit_once`, a revision that turns out to be a
commit already audited (`org/name/tree/main` and the URL of its sha) is reported once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from openness.audit import Auditor
from openness.errors import ExitCode, FetchError, OpennessError
from openness.policy import Policy, evaluate
from openness.report import AuditDocument, Report, SubjectError

OnError = Callable[[str, OpennessError], None]
DEFAULT_JOBS = 16  # I/O-bound: the Hub, not the CPU, sets the pace (a 429 pauses every worker)
# Errors that mean "no such repo here", where a mistyped id is the likely cause.
NOT_FOUND_KINDS = frozenset({"not_found", "not_in_mirror"})


@dataclass(frozen=True)
class Outcome:
    """One subject's result, as `on_done` hears of it."""

    index: int  # position in the input
    subject: str
    report: Report | None = None  # neither report nor error: a commit reported already
    error: SubjectError | None = None


OnDone = Callable[[Outcome], None]
OnStart = Callable[[str], None]  # a subject's audit begins (for the progress bar)


class Interrupted(Exception):
    """Ctrl-C during a batch: `document` holds what finished."""

    def __init__(self, document: AuditDocument) -> None:
        super().__init__("interrupted")
        self.document = document


def run_audits(
    subjects: list[tuple[str, str | None]],
    auditor: Auditor,
    policy: Policy | None,
    on_error: OnError | None = None,
    jobs: int = 1,
    on_done: OnDone | None = None,
    on_start: OnStart | None = None,
    same_commit_once: bool = False,
) -> AuditDocument:
    """Audit each (subject, revision); errors are recorded per subject, never raised.

    Raises Interrupted (carrying the finished part) on KeyboardInterrupt."""
    outcomes: dict[int, Outcome] = {}
    lock = threading.Lock()

    def one(index: int, subject: str, revision: str | None, seen: set[str]) -> None:
        if on_start is not None:
            on_start(subject)
        if same_commit_once and revision is not None and revision.lower() in seen:
            outcome, exc = Outcome(index, subject), None  # a sha this run reported already
        else:
            outcome, exc = _audit_one(index, subject, revision, auditor, policy)
            sha = outcome.report.subject.revision if outcome.report else None
            if same_commit_once and sha is not None and sha.lower() in seen:
                outcome = Outcome(index, subject)  # a branch at a commit reported already
            elif sha is not None:
                seen.add(sha.lower())
        with lock:  # callbacks are serialised: output and progress need no locks of their own
            outcomes[index] = outcome
            if exc is not None and on_error:
                on_error(subject, exc)
            if on_done:
                on_done(outcome)

    def revisions_of_one_repo(group: list[tuple[int, str, str | None]]) -> None:
        seen: set[str] = set()
        for index, subject, revision in group:
            one(index, subject, revision, seen)

    groups = _by_repo(subjects)
    pool = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(groups) or 1)))
    futures: list[Future[None]] = [pool.submit(revisions_of_one_repo, g) for g in groups]
    try:
        pending = set(futures)
        while pending:  # a short wait, so that Ctrl-C reaches this thread promptly
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            failed = next((f for f in done if f.exception() is not None), None)
            if failed is not None:
                # A callback failed (a reader that left: BrokenPipeError) or a bug: the run
                # stops here rather than auditing the rest for nobody.
                pool.shutdown(wait=False, cancel_futures=True)
                failed.result()
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        with lock:  # what finished is fixed here: a worker still running adds nothing
            document = _document(outcomes)
            finished = set(outcomes)
        document.interrupted = True
        document.not_audited = [
            f"{subject}@{revision}" if revision else subject
            for index, (subject, revision) in enumerate(subjects)
            if index not in finished
        ]
        raise Interrupted(document) from None
    pool.shutdown(wait=True)
    for future in futures:
        future.result()  # an unexpected error in a worker is not swallowed
    return _document(outcomes)


def _by_repo(subjects: list[tuple[str, str | None]]) -> list[list[tuple[int, str, str | None]]]:
    """(index, subject, revision) grouped by repo (ids compared as the Hub compares them), in
    the order each repo first comes."""
    groups: dict[str, list[tuple[int, str, str | None]]] = {}
    for index, (subject, revision) in enumerate(subjects):
        groups.setdefault(subject.lower(), []).append((index, subject, revision))
    return list(groups.values())


def _audit_one(
    index: int, subject: str, revision: str | None, auditor: Auditor, policy: Policy | None
) -> tuple[Outcome, OpennessError | None]:
    try:
        report = auditor.audit(subject, revision)
    except OpennessError as caught:
        exc = _with_suggestion(caught, subject, auditor)
        error = SubjectError(subject=subject, kind=exc.kind, message=str(exc))
        return Outcome(index, subject, error=error), exc
    if policy is not None:
        report.policy = evaluate(report, policy)
    return Outcome(index, subject, report=report), None


def _document(outcomes: dict[int, Outcome]) -> AuditDocument:
    document = AuditDocument()
    for index in sorted(outcomes):
        outcome = outcomes[index]
        if outcome.report is not None:
            document.reports.append(outcome.report)
        elif outcome.error is not None:
            document.errors.append(outcome.error)
    return document


def _with_suggestion(exc: OpennessError, subject: str, auditor: Auditor) -> OpennessError:
    """The same error, ending in "did you mean org/name?" when a search finds a close match."""
    if exc.kind not in NOT_FOUND_KINDS:
        return exc
    hint = _bounded(auditor.suggest, subject, auditor.options.timeout)
    if hint is None:
        return exc
    reason = getattr(exc, "reason", str(exc))
    return FetchError(
        f"{exc}; did you mean {hint}?", kind=exc.kind, reason=f"{reason}; did you mean {hint}?"
    )


def _bounded(suggest: Callable[[str], str | None], subject: str, seconds: float) -> str | None:
    """A suggestion, if it comes within `seconds`: the client retries a failing search with
    backoff for half a minute, and the error it would end must not wait for that."""
    found: list[str | None] = []
    worker = threading.Thread(target=lambda: found.append(suggest(subject)), daemon=True)
    worker.start()
    worker.join(seconds)
    return found[0] if found else None


def exit_code(
    reports: list[Report], failed_subjects: int, strict: bool, usage_errors: int = 0
) -> ExitCode:
    """1 when any subject fails the policy; 3 only when none fails and some could not be
    decided (or, with no policy, some audit is incomplete); --strict makes that 3 a 1."""
    if usage_errors:
        return ExitCode.USAGE
    if any(r.policy is not None and r.policy.status == "failed" for r in reports):
        return ExitCode.POLICY_FAILED
    if failed_subjects or any(undecided(r) for r in reports):
        return ExitCode.POLICY_FAILED if strict else ExitCode.INCOMPLETE
    return ExitCode.OK


def undecided(report: Report) -> bool:
    """With a policy: its outcome depends on what could not be read. Without: incomplete."""
    if report.policy is None:
        return not report.complete
    return report.policy.status == "incomplete"
