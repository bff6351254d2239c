"""Expected failures and the exit codes they map to (documented in README and --help)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # audited, and the policy (if any) passed
    POLICY_FAILED = 1  # a policy failed, or --strict and the audit is incomplete
    USAGE = 2  # bad repo id, flag, file or policy; nothing was fetched
    INCOMPLETE = 3  # not found, gated, network down, rate limited, offline miss, …
    INTERNAL = 4  # an unexpected exception: a bug (one line; the traceback with --verbose)


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


class OutputError(OpennessError):
    """The output could not be written (a full disk, an I/O error, a folder that cannot be
    written): no bug of ours, and no verdict either. `on_stdout`: it was stdout's."""

    exit_code = ExitCode.USAGE
    kind = "output"

    def __init__(self, message: str, on_stdout: bool = False) -> None:
        super().__init__(message)
        self.on_stdout = on_stdout


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


def plain_invalid(exc: Exception) -> str:
    """The first problem of a pydantic ValidationError in our words ("rung: must be a whole
    number"), for files people write (attestations, lockfiles, policies): pydantic's own
    wording ("1 validation error for …", "Input should be …", "Value error, …") never
    reaches the user."""
    errors = exc.errors() if hasattr(exc, "errors") else []  # type: ignore[attr-defined]
    if not errors:
        return "not valid"
    error = errors[0]
    where = ".".join(str(part) for part in error.get("loc", ()))
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error" and ctx.get("error") is not None:
        what = str(ctx["error"])
    elif kind == "missing":
        what = "is missing"
    elif kind == "extra_forbidden":
        what = "is not a known key"
    elif kind == "literal_error" and "expected" in ctx:
        what = f"must be {ctx['expected']}"
    elif kind in ("greater_than", "greater_than_equal") and ctx:
        what = f"must be at least {next(iter(ctx.values()))}"
    elif kind in ("less_than", "less_than_equal") and ctx:
        what = f"must be at most {next(iter(ctx.values()))}"
    elif kind == "json_invalid":
        what = f"is not valid JSON ({ctx.get('error', 'syntax error')})"
    else:
        what = next((text for prefix, text in _EXPECTED if kind.startswith(prefix)), "is not valid")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {what}{more}" if where else f"{what}{more}"


_EXPECTED = (
    ("int_", "must be a whole number"),
    ("float_", "must be a number"),
    ("bool_", "must be true or false"),
    ("date", "must be a date (YYYY-MM-DD)"),
    ("string_", "must be text"),
    ("list_", "must be a list"),
    ("dict_", "must be a table of keys and values"),
    ("model_", "must be a table of keys and values"),
)
