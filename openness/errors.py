"""Expected failures and the exit codes they map to (documented in README and --help)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # audited, and the policy (if any) passed
    POLICY_FAILED = 1  # a policy failed, or --strict and the audit is incomplete
    USAGE = 2  # bad repo id, flag, file or policy; nothing was fetched
    INCOMPLETE = 3  # not found, gated, network down, rate limited, offline miss, …


class OpennessError(Exception):
    """An expected failure with one plain-language line for the user."""

    exit_code = ExitCode.INCOMPLETE
    kind = "error"

    def __init__(self, message: str, *, kind: str | None = None) -> None:
        super().__init__(message)
        if kind:
            self.kind = kind


class UsageError(OpennessError):
    exit_code = ExitCode.USAGE
    kind = "usage"


class FetchError(OpennessError):
    """The subject could not be fetched at all (not found, network, rate limit, offline).

    The message names the subject ("model org/name: not found …"); `reason` is the same
    without it, for messages that already name the subject.
    """

    exit_code = ExitCode.INCOMPLETE
    kind = "fetch"

    def __init__(self, message: str, *, kind: str | None = None, reason: str | None = None):
        super().__init__(message, kind=kind)
        self.reason = reason or message
