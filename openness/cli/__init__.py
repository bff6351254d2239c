"""The command line: parse, call the core, render, exit. No verdicts are made here.

Exit codes (each command's --help says which apply to it): 0 done, and the policy (if any)
passed; 1 a model fails the policy (this wins over 3), or --strict and 3 would apply; 2 usage
error (bad repo id, option, file or policy; nothing was fetched); 3 incomplete: no model
fails, but some could not be audited or decided (not found, gated files, network down, rate
limited, offline); 4 internal error (a bug: one line on stderr, the traceback with --verbose);
130 interrupted (Ctrl-C); 141 the reader left the pipe (`openness licenses | head`), or stdout
was closed at start. Output that cannot be written (a full disk) is 2, in one line.

base holds what every command shares (App, Command, the exit-code footers, the options, the
lines on stderr), run what several run (auditor, policy, -o FILE, the batch runner); each
other module registers its commands on `app` when imported.
"""

from __future__ import annotations

import sys
from typing import NoReturn

# Each module registers its commands as it is imported, and `openness --help` lists them in
# that order: keep this one (isort: skip).
from openness.cli import audit, gate, diff, starter, catalog, cache  # noqa: F401  # isort: skip
from openness.cli.base import app, closed_stdout_exits_quietly, guard_stdout
from openness.cli.run import _exit_now
from openness.errors import ExitCode
from openness.index.cli import index_app

app.add_typer(index_app, name="index")


def main() -> None:
    guard_stdout()
    try:
        with closed_stdout_exits_quietly():  # the group meets it first (see Group)
            app()
    except KeyboardInterrupt:
        sys.stderr.write("openness: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # anything unexpected: one line, exit 4
        batch = sys.modules.get("openness.batch")  # imported only by commands that batch
        if batch is not None and isinstance(exc, batch.Interrupted):  # Ctrl-C in a batch
            sys.stderr.write("openness: interrupted\n")
            _exit_now(130)
        _internal_error(exc)


def _internal_error(exc: BaseException) -> NoReturn:
    from openness import httplog
    from openness.sanitize import one_line

    verbose = httplog.enabled() or any(a in ("--verbose", "-v") for a in sys.argv[1:])
    if verbose:
        import traceback

        traceback.print_exception(exc)
    hint = "" if verbose else " (run with --verbose for the traceback)"
    detail = str(exc)
    if hasattr(exc, "errors") and hasattr(exc, "title"):  # pydantic's words stay inside
        from openness.errors import plain_invalid

        detail = f"{exc.title}: {plain_invalid(exc)}"
    what = one_line(f"{type(exc).__name__}: {detail}", 300)
    sys.stderr.write(f"openness: internal error: {what}{hint}\n")
    sys.exit(int(ExitCode.INTERNAL))
