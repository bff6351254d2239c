"""What every command shares: the App and Command classes (metavars, the exit-code footer,
--verbose), the exit-code footers, the shared options, and the lines on stderr."""

from __future__ import annotations

import contextlib
import errno
import functools
import inspect
import io
import os
import sys
import typing
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from openness import __version__
from openness.errors import OutputError

EXIT_CODES_HELP = (
    "Exit codes: 0 done (and the policy, if any, passed); 1 a model fails the policy; 2 usage "
    "error; 3 incomplete (not found, gated files, network down, rate limited, offline); "
    "4 internal error; 141 the reader of stdout left. Output that cannot be written (a full "
    "disk) is 2. Each command's --help says which apply to it."
)
INTERNAL = (
    "4 internal error (a bug: one line on stderr, the traceback with --verbose). Output that "
    "cannot be written (a full disk) is 2; a reader of stdout that left, 141."
)
# The footer of each command's --help: only the codes that command can return.
EXIT_CODES = {
    "audit": "Exit codes: 0 every model was audited and, with a policy, passes or is exempted; "
    "1 a model fails the policy (this wins over 3), or --strict and 3 would apply; 2 usage "
    "error (bad repo id, option, file, --from line or policy, or nothing to audit): nothing "
    "was audited; 3 no model fails, but a model could not be audited (not found, network "
    "down, rate limited, offline) or its policy could not be decided (gated files) or, "
    "without a policy, an audit is incomplete (a listing that failed: nothing was audited); "
    "130 interrupted (Ctrl-C): what finished was written; " + INTERNAL,
    "scan": "Exit codes: 0 no reference fails (each passes, is exempted or ignored); 1 a "
    "reference fails the policy or, with --locked, is not in the lock (this wins over 3), or "
    "--strict and 3 would apply; 2 usage error (no such path, bad option, policy or lockfile); "
    "3 none fails, but a referenced model could not be audited or its policy decided; 130 "
    "interrupted (Ctrl-C): nothing was written; " + INTERNAL,
    "lock": "Exit codes: 0 the lock was written with every model (with --check: every locked "
    "model is current and every reference is locked); 1 with --check: a locked model moved "
    "upstream, a reference is not locked or a locked model is no longer referenced; or "
    "--strict and 3 would apply; 2 usage error (no such path, bad option or lockfile); 3 a "
    "model could not be audited, or its audit is incomplete and it was left out of the lock, "
    "or a file could not be read by the scan (with --check: a locked model could not be "
    "checked, or a file could not be read); 130 interrupted (Ctrl-C): the lockfile was left "
    "as it was; " + INTERNAL,
    "license": "Exit codes: 0 every file was read and assessed, whatever the verdict; 2 usage "
    "error (no such file, bad option or rules); 3 a file could not be read as text; " + INTERNAL,
    "cache": "Exit codes: 0 done; 2 usage error (bad option); " + INTERNAL,
    "cache info": "Exit codes: 0 printed; 2 usage error (bad option); " + INTERNAL,
    "cache clear": "Exit codes: 0 the cache was cleared (or was empty); 2 usage error (bad "
    "option); " + INTERNAL,
    "init": "Exit codes: 0 the starter policy was written; 2 usage error (bad option, or a "
    "policy is already there); " + INTERNAL,
    "diff": "Exit codes: 0 compared, and no model that passed the policy now fails it; 1 a "
    "model that passed (or was exempted) now fails the policy; 2 usage error (bad file, "
    "revision or option); 3 a side could not be audited, or an audit is incomplete; " + INTERNAL,
}
DEFAULT_EXIT_CODES = "Exit codes: 0 printed; 2 usage error (bad option or rules); " + INTERNAL


def _set_verbose(value: bool) -> None:
    if value:
        from openness import httplog

        httplog.enable()


VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        callback=_set_verbose,
        is_eager=True,
        help="Log each HTTP request on stderr (method, URL without credentials, status, time), "
        "and the traceback of an internal error.",
    ),
]


class Command(TyperCommand):
    """A command in our conventions: metavars without Python types, an exit-code footer that
    is true for this command, and our own words for a bad option value (typer validates with
    pydantic, whose messages must not reach the user)."""

    group = ""  # the command group's name, for a subcommand ("cache info")

    def __init__(self, name: str | None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.epilog = EXIT_CODES.get(f"{self.group} {name or ''}".strip(), DEFAULT_EXIT_CODES)
        for param in self.params:
            if param.metavar is None:
                param.metavar = _metavar(param)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = str(param.metavar)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = self.get_params(ctx)
        arguments = [
            (str(p.metavar), getattr(p, "help", None) or "")
            for p in params
            if p.param_type_name == "argument"
        ]
        options = [
            record
            for p in params
            if p.param_type_name == "option" and (record := p.get_help_record(ctx))
        ]
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.BadParameter as exc:
            exc.message = _plain_words(exc)
            raise


def _metavar(param: Any) -> str:
    """REPO_ID..., PATH, N: a name for the value, never a Python type."""
    if param.param_type_name == "argument":
        return param.name.upper() + ("..." if param.nargs != 1 else "")
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return "VALUE"
    if "--format" in param.opts:  # every command's: its help lists the formats
        return "FORMAT"
    if desc.is_choice and desc.choices:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    if desc.is_path:
        return "PATH"
    annotation = typing.get_args(desc.annotation) or (desc.annotation,)
    if int in annotation:
        return "N"
    if float in annotation:
        return "NUMBER"
    return "TEXT"


def _plain_words(exc: Any) -> str:
    """A bad value in our words; pydantic's wording ("Input should be ...", "Value error,")
    never reaches the user."""
    from pydantic import ValidationError

    cause = exc.__cause__
    if not isinstance(cause, ValidationError) or not cause.errors():
        return str(exc.message)
    error = cause.errors()[0]
    kind, value = error["type"], error.get("input")
    if kind == "value_error" and error.get("ctx", {}).get("error") is not None:
        return str(error["ctx"]["error"])
    if kind.startswith("int_"):
        return f"{value!r} is not a whole number."
    if kind.startswith("float_"):
        return f"{value!r} is not a number."
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        low, high = getattr(exc.param, "min", None), getattr(exc.param, "max", None)
        if low is not None and high is not None:
            allowed = f"{low} to {high}"
        else:
            allowed = f"at least {low}" if low is not None else f"at most {high}"
        return f"{value} is out of range: use {allowed}."
    if kind.startswith("bool_"):
        return f"{value!r} is not yes or no."
    return f"{value!r} is not a valid value."


SIGPIPE_EXIT = 141  # what a shell reports for a writer ended by SIGPIPE


@contextlib.contextmanager
def closed_stdout_exits_quietly() -> typing.Iterator[None]:
    """`openness licenses | head`: the reader left, which is no error of ours. Exit 141, as a
    writer ended by SIGPIPE does, with nothing on stderr; what is still buffered for stdout is
    flushed here, so that the closed pipe is met here and not at interpreter exit. (Python
    ignores SIGPIPE; putting it back to SIG_DFL would also kill the process when a socket to
    the Hub is reset.) An output that cannot be written (a full disk) is one line and exit 2."""
    try:
        try:
            yield
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        sys.exit(SIGPIPE_EXIT)
    except OutputError as exc:
        if exc.on_stdout:
            _discard_stdout()
        sys.stderr.write(f"openness: {exc}\n")
        sys.exit(int(exc.exit_code))


def _discard_stdout() -> None:
    """Python's recipe: point stdout at devnull, so that the flush at exit does not fail again
    on what is still buffered."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def guard_stdout() -> None:
    """Tell stdout's own failures apart from the program's: a write error is an OutputError
    (exit 2, one line), not an internal error; a stdout closed at start (`>&-`) is a reader
    that left before the first byte (exit 141, quietly), met when something is written."""
    if sys.stdout is None:
        # Hold fd 1 with devnull, so that no file or socket opened later is given it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.stdout = ClosedStdout()
    elif not isinstance(sys.stdout, (GuardedStream, ClosedStdout)):
        sys.stdout = GuardedStream(sys.stdout, "the output to stdout", on_stdout=True)


class GuardedStream:
    """An output stream (stdout, or -o FILE written as it goes) whose write errors other than
    a broken pipe are an OutputError naming it (`target`)."""

    def __init__(self, stream: typing.TextIO, target: str, on_stdout: bool = False) -> None:
        self._stream = stream
        self._target = target
        self._on_stdout = on_stdout

    def write(self, text: str) -> int:
        with self._errors_named():
            return self._stream.write(text)

    def flush(self) -> None:
        with self._errors_named():
            self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    @contextlib.contextmanager
    def _errors_named(self) -> typing.Iterator[None]:
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            why = exc.strerror or str(exc)
            raise OutputError(f"cannot write {self._target}: {why}", self._on_stdout) from None


class ClosedStdout(io.TextIOBase):
    """The stdout of a program started with it closed: writing to it is writing to a reader
    that left."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise BrokenPipeError(errno.EBADF, "stdout is closed")

    def fileno(self) -> int:
        return 1  # held by devnull (see guard_stdout)

    def isatty(self) -> bool:
        return False


class Group(TyperGroup):
    """The command group, which meets a closed stdout itself: click would catch the broken pipe
    and exit 1, the code for "a model fails the policy". Parsing writes --help and --version;
    invoking runs the command (and a subcommand group's)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with closed_stdout_exits_quietly():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with closed_stdout_exits_quietly():
            return super().invoke(ctx)


class App(typer.Typer):
    """Every command is a `Command` and takes --verbose, whoever adds it."""

    command_class: type[Command] = Command

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        kwargs.setdefault("cls", self.command_class)
        register = super().command(*args, **kwargs)
        return lambda fn: register(_with_verbose(fn))


def _with_verbose(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` with one more parameter, --verbose, which its callback handles."""
    signature = inspect.signature(fn, eval_str=True)
    if "verbose" in signature.parameters:
        return fn

    @functools.wraps(fn)
    def wrapper(*args: Any, verbose: bool = False, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    extra = inspect.Parameter(
        "verbose", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=VerboseOpt
    )
    params = list(signature.parameters.values())
    wrapper.__signature__ = signature.replace(parameters=[*params, extra])  # type: ignore[attr-defined]
    hints = typing.get_type_hints(fn, include_extras=True)
    wrapper.__annotations__ = {**hints, "verbose": VerboseOpt}
    return wrapper


app = App(
    name="openness",
    cls=Group,
    help="How open is an AI model, and what does its license allow?\n\n" + EXIT_CODES_HELP,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"openness {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    verbose: VerboseOpt = False,
) -> None:
    pass


class Format(str, Enum):
    table = "table"
    json = "json"


class AuditFormat(str, Enum):  # here, not in audit: the batch runner writes jsonl
    table = "table"
    json = "json"
    jsonl = "jsonl"
    cyclonedx = "cyclonedx"
    spdx = "spdx"
    html = "html"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


# -- shared options ------------------------------------------------------------------------------

RulesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--rules",
        metavar="DIR",
        help="Extra rules directory (repeatable); also $OPENNESS_RULES.",
    ),
]
FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", metavar="FORMAT", help="Output format: table or json.")
]
OUTPUT_HELP = "Write the output to FILE instead of stdout (replaced only once complete)."
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help=OUTPUT_HELP)]
AuditOutputOpt = Annotated[  # audit's: the only command that writes jsonl
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the output to FILE instead of stdout (replaced only once complete; jsonl "
        "is written into FILE as it goes).",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        max=64,
        metavar="N",
        show_default="16",  # batch.DEFAULT_JOBS (not imported: --help stays lean)
        help="Models audited at once.",
    ),
]
OfflineOpt = Annotated[
    bool,
    typer.Option(
        "--offline",
        help="Make no request: answer from the cache (also HF_HUB_OFFLINE=1). What is not "
        "cached is reported as offline.",
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Neither read nor write the cache (see `openness cache info`).",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No progress bar and no informational lines on stderr; errors, policy "
        "failures, policies that could not be decided and the warning that no policy is "
        "enforced are still reported.",
    ),
]
ColorOpt = Annotated[
    Color,
    typer.Option(
        "--color",
        metavar="WHEN",
        help="Colour: auto (honours NO_COLOR and whether stdout is a terminal), always or never.",
    ),
]
MirrorOpt = Annotated[
    Path | None,
    typer.Option(
        "--mirror",
        metavar="DIR",
        envvar="OPENNESS_MIRROR",
        help="Read repos from a directory in the Hub layout instead of the Hub "
        "(e.g. fixtures/hub).",
    ),
]
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        metavar="TOKEN",
        show_default=False,
        help="Hub token (default: HF_TOKEN or the stored login). Never printed.",
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout", min=0.1, metavar="SECONDS", help="Seconds allowed per network request."
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Treat an incomplete audit as a failure (exit 1 instead of 3)."),
]
ScanPathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        metavar="PATH...", help="Files or folders to scan for model references (default: .)."
    ),
]
LockfileOpt = Annotated[Path, typer.Option("--lockfile", metavar="FILE", help="The lockfile.")]
# A Hub listing (audit, index build): what the models are wanted for is the command's own help.
AuthorOpt = Annotated[
    str | None,
    typer.Option("--author", metavar="ORG", help="The models of a user or organisation."),
]
SearchOpt = Annotated[
    str | None,
    typer.Option("--search", metavar="TEXT", help="The models whose id contains TEXT."),
]
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        metavar="FILE",
        help="Policy file (openness.toml, or a pyproject.toml with [tool.openness]); "
        "default: found by walking up from the working directory.",
    ),
]
MinRungOpt = Annotated[
    int | None,
    typer.Option(
        "--min-rung", min=0, max=5, metavar="N", help="Policy: lowest acceptable rung (0 to 5)."
    ),
]
RequireOsdOpt = Annotated[
    bool | None,
    typer.Option(
        "--require-osd/--no-require-osd",
        show_default=False,
        help="Policy: the license must meet the OSD.",
    ),
]
RequireOsiOpt = Annotated[
    bool | None,
    typer.Option(
        "--require-osi-approved/--no-require-osi-approved",
        show_default=False,
        help="Policy: the license must be OSI-approved.",
    ),
]
DenyClauseOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--deny-clause",
        metavar="KIND",
        help="Policy: a clause kind that fails a model (repeatable; see `openness clauses`).",
    ),
]
AllowLicenseOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-license",
        metavar="ID",
        help="Policy: an allowed license id or SPDX id (repeatable).",
    ),
]
DenyLicenseOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--deny-license", metavar="ID", help="Policy: a denied license id or SPDX id (repeatable)."
    ),
]
AllowGatedOpt = Annotated[
    bool | None,
    typer.Option(
        "--allow-gated/--no-allow-gated", show_default=False, help="Policy: accept gated models."
    ),
]


def _console(color: Color, stderr: bool = False):  # type: ignore[no-untyped-def]
    """A console for the table format: plain when piped or with NO_COLOR; when piped with
    COLUMNS unset, as wide as the content needs, so no identifier is ever cut."""
    from openness.formats.table import make_console

    no_color = color == Color.never or (color == Color.auto and bool(os.environ.get("NO_COLOR")))
    return make_console(no_color, True if color == Color.always else None, stderr)


def _fail(message: str, code: int) -> NoReturn:
    from openness.sanitize import one_line

    sys.stderr.write(f"openness: {one_line(message, 400)}\n")
    raise typer.Exit(code)


class Messages:
    """The lines on stderr: where they go while a progress bar is shown (above it), and
    whether informational lines are silenced (--quiet). One command runs per process."""

    def __init__(self) -> None:
        self.sink: Callable[[str], None] | None = None
        self.quiet = False


messages = Messages()


def _say(message: str, limit: int = 400) -> None:
    """A line on stderr: an error, a failure or a warning; never silenced. `limit`: a policy
    failure's line lists identifiers, and is given the room to list them whole."""
    from openness.sanitize import one_line

    line = f"openness: {one_line(message, limit)}"
    if messages.sink is not None:
        messages.sink(line)
    else:
        sys.stderr.write(line + "\n")


def _note(message: str) -> None:
    """An informational line on stderr; --quiet silences it."""
    if not messages.quiet:
        _say(message)
