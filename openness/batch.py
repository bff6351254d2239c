"""Auditing several subjects: one at a time through the core, keeping what each gives.

A failing subject never loses the others' results. The policy, when there is one, is applied
to each report here, after assessment: deciding is kept apart from assessing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from openness.audit import Auditor
from openness.errors import ExitCode, FetchError, OpennessError
from openness.policy import Policy, evaluate
from openness.report import AuditDocument, Report, SubjectError

OnError = Callable[[str, OpennessError], None]
# Errors that mean "no such repo here", where a mistyped id is the likely cause.
NOT_FOUND_KINDS = frozenset({"not_found", "not_in_mirror"})


def run_audits(
    subjects: list[tuple[str, str | None]],
    auditor: Auditor,
    policy: Policy | None,
    on_error: OnError | None = None,
) -> AuditDocument:
    """Audit each (subject, revision); errors are recorded per subject, never raised."""
    document = AuditDocument()
    for subject, revision in subjects:
        try:
            report = auditor.audit(subject, revision)
        except OpennessError as caught:
            exc = _with_suggestion(caught, subject, auditor)
            document.errors.append(SubjectError(subject=subject, kind=exc.kind, message=str(exc)))
            if on_error:
                on_error(subject, exc)
            continue
        if policy is not None:
            report.policy = evaluate(report, policy)
        document.reports.append(report)
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
