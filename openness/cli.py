"""The command line: parse, call the core, render, exit. No verdicts are made here.

Exit codes (each command's --help says which apply to it): 0 done, and the policy (if any)
passed; 1 a model fails the policy (this wins over 3), or --strict and 3 would apply; 2 usage
error (bad repo id, option, file or policy; nothing was fetched); 3 incomplete: no model
fails, but some could not be audited or decided (not found, gated files, network down, rate
limited, offline); 4 internal error (a bug: one line on stderr, the traceback with --verbose).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
import typing
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from openness import __version__
from openness.errors import ExitCode, OpennessError, UsageError

if TYPE_CHECKING:
    from openness.audit import Auditor
    from openness.policy import Policy
    from openness.rules import Rules

EXIT_CODES_HELP = (
    "Exit codes: 0 done (and the policy, if any, passed); 1 a model fails the policy; 2 usage "
    "error; 3 incomplete (not found, gated files, network down, rate limited, offline); "
    "4 internal error. Each command's --help says which apply to it."
)
INTERNAL = "4 internal error (a bug: one line on stderr, the traceback with --verbose)."
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
    "model is current and every reference is locked); 1 with --check only: a locked model "
    "moved upstream, a reference is not locked or a locked model is no longer referenced; "
    "2 usage error (no such path, bad option or lockfile); 3 a model could not be audited, or "
    "its audit is incomplete and it was left out of the lock (with --check: a locked model "
    "could not be checked); 130 interrupted (Ctrl-C): the lockfile was left as it was; " + INTERNAL,
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


class CacheCommand(Command):
    group = "cache"


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
    help="How open is an AI model, and what does its license allow?\n\n" + EXIT_CODES_HELP,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    table = "table"
    json = "json"


class AuditFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    cyclonedx = "cyclonedx"
    spdx = "spdx"
    html = "html"


class ScanFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"
    cyclonedx = "cyclonedx"
    spdx = "spdx"
    html = "html"


class LockFormat(str, Enum):
    table = "table"
    json = "json"
    cyclonedx = "cyclonedx"


# BOM and page renderers: (module, function) per format, imported only when asked for.
_DOCUMENT_RENDERERS = {
    "cyclonedx": "openness.formats.cyclonedx",
    "spdx": "openness.formats.spdx",
    "html": "openness.formats.html",
}


def _render_document(fmt: str, kind: str, document: Any) -> str:
    """`kind` is audit or scan: each of these renderers has render_audit and render_scan."""
    import importlib

    module = importlib.import_module(_DOCUMENT_RENDERERS[fmt])
    return str(getattr(module, f"render_{kind}")(document))


class InitTarget(str, Enum):
    auto = "auto"
    pyproject = "pyproject"
    openness = "openness"


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
AuditFormatOpt = Annotated[
    AuditFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Output format: table, json (one document) or jsonl (one report a line, written "
        "as each model finishes).",
    ),
]
OutputOpt = Annotated[
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
        show_default="8",
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
        help="No progress bar and no informational lines on stderr; errors and policy "
        "failures are still reported.",
    ),
]
ScanFormatOpt = Annotated[
    ScanFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Output format: table, json, markdown (a PR comment) or sarif (code scanning).",
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


# Where stderr lines go while a progress bar is shown (above it), and whether informational
# lines are silenced (--quiet). One command runs per process.
_sink: Callable[[str], None] | None = None
_quiet = False


def _say(message: str) -> None:
    """A line on stderr: an error, a failure or a warning; never silenced."""
    from openness.sanitize import one_line

    line = f"openness: {one_line(message, 400)}"
    if _sink is not None:
        _sink(line)
    else:
        sys.stderr.write(line + "\n")


def _note(message: str) -> None:
    """An informational line on stderr; --quiet silences it."""
    if not _quiet:
        _say(message)


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


def _rules(dirs: list[Path] | None) -> Rules:
    from openness.rules import load_rules

    return load_rules(tuple(dirs or ()))


def _auditor(
    rules: Rules, mirror: Path | None, token: str | None, timeout: float, **extra: Any
) -> Auditor:
    from openness.audit import AuditOptions, Auditor

    if mirror is not None and not (mirror / "models").is_dir():
        raise UsageError(
            f"--mirror {mirror}: not a directory in the Hub layout (no models/ inside)"
        )
    extra.setdefault("warn", _say)  # a corrupt cache entry: one line on stderr
    return Auditor(rules, AuditOptions(mirror=mirror, token=token, timeout=timeout, **extra))


def _policy(path: Path | None, rules: Rules, *flags: Any) -> Policy | None:
    """The policy file's rules with the command-line flags (in POLICY_FLAGS order) on top.

    No policy, or one with no rule, enforces nothing: that is said on stderr, never passed
    off as a pass."""
    from openness.policy import load_policy

    policy = load_policy(path, dict(zip(POLICY_FLAGS, flags, strict=True)), rules)
    if policy is None or policy.empty:
        return None
    return policy


def _no_policy_note(path: Path | None, rules: Rules, *flags: Any) -> str:
    """What to say when nothing is enforced: no policy at all, or one with no rule."""
    from openness.policy import load_policy

    policy = load_policy(path, dict(zip(POLICY_FLAGS, flags, strict=True)), rules)
    if policy is not None:
        return f"policy {policy.source} has no rules: nothing is enforced (see `openness init`)"
    return "no policy found: nothing is enforced (see `openness init`)"


POLICY_FLAGS = (
    "min-rung",
    "require-osd",
    "require-osi-approved",
    "deny-clauses",
    "allow-licenses",
    "deny-licenses",
    "allow-gated",
)


def _on_error(subject: str, exc: OpennessError) -> None:
    _say(str(exc))


def _env_offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) as huggingface_hub reads them, without
    importing it."""
    truthy = {"1", "ON", "YES", "TRUE"}
    return any(
        os.environ.get(name, "").strip().upper() in truthy
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _check_cache_options(offline: bool, no_cache: bool, mirror: Path | None) -> None:
    if no_cache and mirror is None and (offline or _env_offline()):
        why = "--offline" if offline else "HF_HUB_OFFLINE"
        raise UsageError(f"{why} answers from the cache: not with --no-cache")


def _check_output(path: Path | None) -> None:
    """-o FILE: a file in a folder that exists (checked before any request)."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"--output {path}: is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"--output {path}: no such folder {parent}")


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[None]:
    """stdout, or with -o FILE a temporary file next to FILE renamed over it once everything
    was written: a reader never sees half a document, and a failed run leaves FILE as it was."""
    if path is None:
        yield
        sys.stdout.flush()
        return
    import tempfile

    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
            yield
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _file_mode(path: Path) -> int:
    """The mode FILE has, or the one a new file gets (mkstemp makes it private)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _exit_now(code: int) -> NoReturn:
    """Exit at once, after Ctrl-C: audits still running in worker threads (each may wait on
    the network) are abandoned, not waited for. Everything written is flushed first."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


# -- audit ---------------------------------------------------------------------------------------


FROM_HELP = (
    "A file of subjects, one a line (repo id, org/name@revision, Hub URL or folder; # starts "
    "a comment); - reads stdin. Repeatable; combines with the subjects given."
)


@app.command(epilog=EXIT_CODES_HELP)
def audit(
    subjects: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="REPO_OR_PATH...",
            help="Hub repo ids (org/name), Hub URLs or paths to downloaded model folders.",
        ),
    ] = None,
    from_files: Annotated[
        list[str] | None, typer.Option("--from", metavar="FILE", help=FROM_HELP)
    ] = None,
    author: Annotated[
        str | None,
        typer.Option("--author", metavar="ORG", help="Audit the models of a user or organisation."),
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", metavar="TEXT", help="Audit the models whose id contains TEXT."),
    ] = None,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            min=1,
            metavar="N",
            help="Audit the N most downloaded models (of --author / --search, if given). A "
            "listing costs one request per 1,000 models.",
        ),
    ] = None,
    mirror: MirrorOpt = None,
    revision: Annotated[
        str | None,
        typer.Option(
            "--revision", metavar="REV", help="Branch, tag or commit sha to audit (default: main)."
        ),
    ] = None,
    token: TokenOpt = None,
    output_format: AuditFormatOpt = AuditFormat.table,
    output: OutputOpt = None,
    jobs: JobsOpt = None,
    offline: OfflineOpt = False,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
    strict: StrictOpt = False,
    timeout: TimeoutOpt = 10.0,
    deep: Annotated[
        bool,
        typer.Option(
            "--deep",
            help="Also check linked GitHub repositories (GitHub REST API; GITHUB_TOKEN "
            "if set). Without it no request goes anywhere but the Hub.",
        ),
    ] = False,
    github_api: Annotated[
        str | None,
        typer.Option(
            "--github-api",
            metavar="URL",
            envvar="OPENNESS_GITHUB_API",
            show_default="https://api.github.com",
            help="GitHub API base URL for --deep.",
        ),
    ] = None,
    attest: Annotated[
        Path | None,
        typer.Option(
            "--attest",
            metavar="FILE",
            help="YAML file of reviewed attestations (repo, rung or component, url, "
            "reviewer, date).",
        ),
    ] = None,
    policy_file: PolicyOpt = None,
    min_rung: MinRungOpt = None,
    require_osd: RequireOsdOpt = None,
    require_osi: RequireOsiOpt = None,
    deny_clause: DenyClauseOpt = None,
    allow_license: AllowLicenseOpt = None,
    deny_license: DenyLicenseOpt = None,
    allow_gated: AllowGatedOpt = None,
    rules: RulesOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """Audit models: the license against the OSD, and the openness ladder."""
    from openness.attest import load_attestations
    from openness.batch import DEFAULT_JOBS, exit_code, run_audits
    from openness.inventory import Listing, check_listing, combine, listed_subjects, subjects_in
    from openness.subjects import plan_subjects

    global _quiet
    _quiet = quiet
    listing = Listing(author, search, top)
    try:
        check_listing(listing)
        given = plan_subjects(subjects or [], revision)  # all checked before any request
        from_file = [subjects_in(name, revision) for name in from_files or []]
        planned = combine(given, *from_file)
        if not planned and not listing:
            if from_files:
                raise UsageError(f"{', '.join(from_files)}: no subject in it: nothing to audit")
            raise UsageError(
                "nothing to audit: give repo ids or folders, --from FILE, or a listing "
                "(--author ORG, --search TEXT, --top N)"
            )
        _check_output(output)
        loaded = _rules(rules)
        flags = (
            min_rung,
            require_osd,
            require_osi,
            deny_clause,
            allow_license,
            deny_license,
            allow_gated,
        )
        policy = _policy(policy_file, loaded, *flags)
        attestations = load_attestations(attest) if attest else []
        _check_cache_options(offline, no_cache, mirror)
        auditor = _auditor(
            loaded,
            mirror,
            token,
            timeout,
            revision=revision,
            deep=deep,
            github_api=github_api,
            attestations=attestations,
            offline=offline or _env_offline(),
            use_cache=not no_cache,
        )
        if listing:
            listed = listed_subjects(auditor, listing, _note)
            if not listed and not planned:
                raise UsageError(f"{listing.describe()} lists no model: nothing to audit")
            planned = combine(planned, listed)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    except OpennessError as exc:  # the listing could not be read
        _fail(f"{exc}; nothing was audited", ExitCode.INCOMPLETE)
    document, interrupted = _run_batch(
        len(planned),
        lambda on_done, _plan: run_audits(
            planned, auditor, policy, _on_error, jobs=jobs or DEFAULT_JOBS, on_done=on_done
        ),
        output_format,
        output,
        quiet,
    )
    if output_format != AuditFormat.jsonl:
        with _output(output):
            _emit_audit(document, output_format, color, loaded)
    for report in document.reports:
        if not report.complete:
            kinds = sorted({p.kind for p in report.problems})
            _note(f"{report.subject.repo_id}: audit incomplete ({', '.join(kinds)}); see problems")
        verdict = report.policy
        if verdict is not None and verdict.status == "failed":
            rules_failed = ", ".join(sorted({v.rule for v in verdict.violations}))
            _say(f"{report.subject.repo_id}: policy failed ({rules_failed})")
        elif verdict is not None and verdict.status == "incomplete":
            rules_open = ", ".join(sorted({v.rule for v in verdict.undecided}))
            _note(f"{report.subject.repo_id}: policy could not be decided ({rules_open})")
    if policy is None and document.reports:
        _note(_no_policy_note(policy_file, loaded, *flags))
    if len(planned) > 1:
        _note(_summary(document))
    if interrupted:
        done = len(document.reports) + len(document.errors)
        where = f" to {output}" if output else ""
        _say(f"interrupted: {done} of {len(planned)} finished; their results were written{where}")
        _exit_now(130)
    raise typer.Exit(int(exit_code(document.reports, len(document.errors), strict)))


def _run_batch(
    total: int | None,
    run: Callable[[Callable[[Any], None], Callable[[int], None]], Any],
    output_format: Enum,
    output: Path | None,
    quiet: bool,
) -> tuple[Any, bool]:
    """Run a batch (`run(on_done, on_plan)`) with a progress bar on a terminal and, for jsonl,
    each result written and flushed as it finishes. `total` subjects, or None when `run`
    says how many through on_plan. Returns (document, interrupted): on Ctrl-C, what finished."""
    from openness import progress
    from openness.batch import Interrupted

    global _sink
    writer = None
    stream: Any = None
    if output_format == AuditFormat.jsonl:
        import _thread

        from openness.formats.jsonl import JsonlWriter

        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        # The reader of a pipe left: stop the batch as Ctrl-C would, then exit as for SIGPIPE.
        writer = JsonlWriter(stream, on_broken=_thread.interrupt_main)
    bar = progress.Bar(total, progress.wanted(quiet))

    def on_done(outcome: Any) -> None:
        if writer is not None:
            writer.write(outcome)
        bar.advance(outcome.subject)

    interrupted = False
    with bar:
        _sink = bar.say
        try:
            document = run(on_done, bar.set_total)
        except Interrupted as exc:
            document, interrupted = exc.document, True
        except KeyboardInterrupt:  # the broken pipe's interrupt, arriving after the batch
            if writer is None or not writer.broken:
                raise
            document = None
        finally:
            _sink = None
    if writer is not None:
        writer.close()  # a worker still running after Ctrl-C writes nothing more
        if output is not None:
            stream.close()
        if writer.broken:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            _exit_now(141)  # what a shell reports for a writer ended by SIGPIPE
    return document, interrupted


def _emit_audit(document: Any, output_format: AuditFormat, color: Color, rules: Rules) -> None:
    if output_format == AuditFormat.json:
        from openness.formats.json import render

        sys.stdout.write(render(document))
    elif output_format.value in _DOCUMENT_RENDERERS:
        sys.stdout.write(_render_document(output_format.value, "audit", document))
    else:
        from openness.formats.table import render_reports

        render_reports(_console(color), document.reports, rules.kinds)


def _summary(document: Any) -> str:
    """The closing line of a batch."""
    reports = document.reports
    osd = sum(
        1
        for r in reports
        if r.license.effective is not None and r.license.effective.osd_compliant is False
    )
    policy = sum(1 for r in reports if r.policy is not None and r.policy.status == "failed")
    incomplete = sum(1 for r in reports if not r.complete)
    return (
        f"{len(reports)} audited, {osd} fail the OSD (effective terms), {policy} fail the "
        f"policy, {incomplete} incomplete, {len(document.errors)} could not be audited"
    )


# -- scan and lock ---------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def scan(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH...", help="Files or folders to scan for model references (default: .)."
        ),
    ] = None,
    locked: Annotated[
        bool,
        typer.Option("--locked", help="Judge references against openness.lock only: no network."),
    ] = False,
    lockfile: Annotated[
        Path, typer.Option("--lockfile", metavar="FILE", help="The lockfile.")
    ] = Path("openness.lock"),
    mirror: MirrorOpt = None,
    token: TokenOpt = None,
    output_format: ScanFormatOpt = ScanFormat.table,
    output: OutputOpt = None,
    jobs: JobsOpt = None,
    offline: OfflineOpt = False,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
    strict: StrictOpt = False,
    timeout: TimeoutOpt = 10.0,
    policy_file: PolicyOpt = None,
    min_rung: MinRungOpt = None,
    require_osd: RequireOsdOpt = None,
    require_osi: RequireOsiOpt = None,
    deny_clause: DenyClauseOpt = None,
    allow_license: AllowLicenseOpt = None,
    deny_license: DenyLicenseOpt = None,
    allow_gated: AllowGatedOpt = None,
    rules: RulesOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """Find model references in code and configs, and judge each by the policy."""
    from openness import gate
    from openness.batch import DEFAULT_JOBS
    from openness.lockfile import read_lock
    from openness.scan import INCOMPLETE

    global _quiet
    _quiet = quiet
    targets = paths or [Path(".")]
    try:
        for target in targets:
            if not target.exists():
                raise UsageError(f"{target}: no such file or folder")
        _check_output(output)
        loaded = _rules(rules)
        flags = (
            min_rung,
            require_osd,
            require_osi,
            deny_clause,
            allow_license,
            deny_license,
            allow_gated,
        )
        policy = _policy(policy_file, loaded, *flags)
        if locked:
            lock_data = read_lock(lockfile, loaded)
            document = gate.scan_locked(targets, Path.cwd(), lock_data, policy, loaded)
        else:
            _check_cache_options(offline, no_cache, mirror)
            auditor = _auditor(
                loaded,
                mirror,
                token,
                timeout,
                offline=offline or _env_offline(),
                use_cache=not no_cache,
            )
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if not locked:
        document, interrupted = _run_batch(
            None,
            lambda on_done, on_plan: gate.scan(
                targets,
                Path.cwd(),
                auditor,
                policy,
                _on_error,
                jobs=jobs or DEFAULT_JOBS,
                on_done=on_done,
                on_plan=on_plan,
            ),
            output_format,
            output,
            quiet,
        )
        if interrupted:
            _say("interrupted: nothing was written (a scan is reported whole)")
            _exit_now(130)
    with _output(output):
        _emit_scan(document, output_format, color)
    failing = [ref for ref in document.references if ref.status in ("failed", "unlocked")]
    for ref in failing:
        why = "; ".join(f"{v.rule}: {v.detail}" for v in ref.violations)
        _say(f"{ref.file}:{ref.line}: {ref.repo_id}: {why}")
    if any(ref.status == "failed" for ref in failing):
        _note(
            "to accept a model anyway, add a [[tool.openness.exceptions]] entry (repo, reason, "
            "approved-by, expires) to the policy, or mark the line `# openness: ignore[reason]`"
        )
    if policy is None and document.references:
        _note(_no_policy_note(policy_file, loaded, *flags))
    for problem in document.problems:  # a file that could not be read may hold a reference
        if problem.startswith(INCOMPLETE):
            _say(f"{problem}; see the problems")
    raise typer.Exit(int(gate.scan_exit_code(document, strict)))


def _emit_scan(document: Any, output_format: ScanFormat, color: Color) -> None:
    if output_format == ScanFormat.json:
        from openness.formats.json import render

        sys.stdout.write(render(document))
    elif output_format == ScanFormat.markdown:
        from openness.formats.markdown import render_scan

        sys.stdout.write(render_scan(document))
    elif output_format == ScanFormat.sarif:
        from openness.formats.sarif import render_scan as render_sarif

        sys.stdout.write(render_sarif(document))
    elif output_format.value in _DOCUMENT_RENDERERS:
        sys.stdout.write(_render_document(output_format.value, "scan", document))
    else:
        from openness.formats.table import render_scan as render_table

        render_table(_console(color), document)


LOCK_HELP = """Pin every model the code references to a commit sha, with its verdicts.

openness.lock records, per model, the sha audited and what the gate needs (license ids and
their OSD verdicts, clause kinds, rung, date, tool and rules version). Commit it: `openness
scan --locked` (and the openness-lock pre-commit hook) then checks the tree against it with no
network, and `openness lock --check` says which models moved upstream, which references are
not locked and which locked models are no longer used. Load models at the locked sha
(`from_pretrained(..., revision="<sha>")`), so that what runs is what was audited.

An incomplete audit (gated files without a token, network errors) is not locked: the command
warns and exits 3, unless --allow-incomplete.
"""


@app.command(help=LOCK_HELP, epilog=EXIT_CODES_HELP)
def lock(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH...", help="Files or folders to scan for model references (default: .)."
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Do not write: say which locked models moved upstream, which references are "
            "not locked and which locked models are no longer referenced.",
        ),
    ] = False,
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="Lock models whose audit is incomplete too (the gate then judges them as "
            "incomplete unless the policy is decided without what is missing).",
        ),
    ] = False,
    lockfile: Annotated[
        Path, typer.Option("--lockfile", metavar="FILE", help="The lockfile.")
    ] = Path("openness.lock"),
    mirror: MirrorOpt = None,
    token: TokenOpt = None,
    timeout: TimeoutOpt = 10.0,
    jobs: JobsOpt = None,
    offline: OfflineOpt = False,
    no_cache: NoCacheOpt = False,
    quiet: QuietOpt = False,
    output_format: Annotated[
        LockFormat,
        typer.Option(
            "--format",
            "-f",
            help="Output format (cyclonedx: a BOM of every locked model on stdout).",
        ),
    ] = LockFormat.table,
    rules: RulesOpt = None,
) -> None:
    import json

    from openness import gate
    from openness.batch import DEFAULT_JOBS
    from openness.lockfile import read_lock, write_lock
    from openness.scan import scan_paths

    global _quiet
    _quiet = quiet
    targets = paths or [Path(".")]
    try:
        for target in targets:
            if not target.exists():
                raise UsageError(f"{target}: no such file or folder")
        loaded = _rules(rules)
        _check_cache_options(offline, no_cache, mirror)
        auditor = _auditor(
            loaded,
            mirror,
            token,
            timeout,
            offline=offline or _env_offline(),
            use_cache=not no_cache,
        )
        existing = read_lock(lockfile, loaded) if check else None
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if existing is not None:
        refs, _problems = scan_paths(targets, Path.cwd())
        result = gate.check_lock(existing, auditor, refs)
        if output_format == LockFormat.json:
            from openness.report import SCHEMA_VERSION, Tool

            document = {"schema_version": SCHEMA_VERSION, "tool": Tool().model_dump(), **result}
            sys.stdout.write(json.dumps(document, indent=2) + "\n")
        raise typer.Exit(int(_report_lock_check(result)))
    built, interrupted = _run_batch(
        None,
        lambda on_done, on_plan: gate.build_lock(
            targets,
            Path.cwd(),
            auditor,
            _on_error,
            allow_incomplete,
            jobs=jobs or DEFAULT_JOBS,
            on_done=on_done,
            on_plan=on_plan,
        ),
        output_format,
        None,
        quiet,
    )
    if interrupted:
        _say(f"interrupted: {lockfile} was left as it was")
        _exit_now(130)
    new_lock, document, left_out = built
    write_lock(new_lock, lockfile)
    _note(f"wrote {lockfile} with {len(new_lock.models)} model(s)")
    if output_format == LockFormat.cyclonedx:
        sys.stdout.write(_render_document("cyclonedx", "scan", document))
    for report in left_out:
        kinds = ", ".join(sorted({p.kind for p in report.problems}))
        _say(
            f"{report.subject.repo_id}: not locked, its audit is incomplete ({kinds}); fix "
            "that (e.g. set HF_TOKEN for gated files) or pass --allow-incomplete"
        )
    incomplete = bool(document.errors or left_out)
    raise typer.Exit(int(ExitCode.INCOMPLETE if incomplete else ExitCode.OK))


def _report_lock_check(result: dict[str, list]) -> ExitCode:
    """One line per finding on stderr; 1 when anything is stale, 3 when something could not
    be checked, else 0."""
    rows = result["models"]
    for row in rows:
        if row["error"]:
            _say(f"{row['repo_id']}: {row['error']}")
        elif row["moved"]:
            _say(
                f"{row['repo_id']}: moved upstream from {str(row['locked'])[:12]} to "
                f"{str(row['current'])[:12]}; run `openness lock` to re-audit"
            )
    for repo_id in result["unlocked"]:
        _say(f"{repo_id}: referenced but not locked; run `openness lock`")
    for repo_id in result["unreferenced"]:
        _say(f"{repo_id}: locked but no longer referenced; run `openness lock` to drop it")
    if any(r["moved"] for r in rows) or result["unlocked"] or result["unreferenced"]:
        return ExitCode.POLICY_FAILED
    if any(r["error"] for r in rows):
        return ExitCode.INCOMPLETE
    _say(f"{len(rows)} locked model(s) are current, and every reference is locked")
    return ExitCode.OK


class DiffFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command()
def diff(
    old: Annotated[
        str,
        typer.Argument(
            metavar="OLD",
            help="REPO@REVISION to audit, or a JSON/JSON-lines file `openness audit` wrote.",
        ),
    ],
    new: Annotated[str, typer.Argument(metavar="NEW", help="The same, for the newer side.")],
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo", metavar="REPO_ID", help="The model to compare, when files hold several."
        ),
    ] = None,
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.table,
    output: OutputOpt = None,
    mirror: MirrorOpt = None,
    token: TokenOpt = None,
    timeout: TimeoutOpt = 10.0,
    policy_file: PolicyOpt = None,
    rules: RulesOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """What changed in a model's license, terms and ladder between two revisions (or two
    saved audits), and whether the change makes it fail the policy."""
    from openness.diff import diff_documents

    try:
        _check_output(output)
        loaded = _rules(rules)
        policy = _policy(policy_file, loaded, *([None] * len(POLICY_FLAGS)))
        sides = [_diff_side(value, repo, loaded, mirror, token, timeout) for value in (old, new)]
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    except OpennessError as exc:
        _fail(str(exc), ExitCode.INCOMPLETE)
    document = diff_documents(sides[0], sides[1], policy)
    with _output(output):
        if output_format == DiffFormat.json:
            from openness.formats.json import render

            sys.stdout.write(render(document))
        elif output_format == DiffFormat.markdown:
            from openness.diff import render_markdown

            sys.stdout.write(render_markdown(document))
        else:
            from openness.diff import render_table

            render_table(_console(color), document)
    if document.regressed:
        raise typer.Exit(int(ExitCode.POLICY_FAILED))
    incomplete = any(
        d.incomplete or (d.policy is not None and d.policy.new == "incomplete")
        for d in document.diffs
    )
    raise typer.Exit(int(ExitCode.INCOMPLETE if incomplete else ExitCode.OK))


def _diff_side(
    value: str,
    repo: str | None,
    rules: Rules,
    mirror: Path | None,
    token: str | None,
    timeout: float,
) -> list[Any]:
    """The reports of one side: read from a file, or audited at REPO@REVISION."""
    from openness.diff import pick_report, read_reports
    from openness.subjects import validate_repo_id

    path = Path(value)
    if path.is_file():
        return [pick_report(read_reports(path), repo, path)]
    repo_id, sep, revision = value.rpartition("@")
    if not sep or not revision:
        raise UsageError(f"{value!r}: give REPO@REVISION or a file `openness audit -f json` wrote")
    auditor = _auditor(rules, mirror, token, timeout)
    return [auditor.audit(validate_repo_id(repo_id), revision)]


@app.command()
def init(
    target: Annotated[
        InitTarget,
        typer.Option(
            "--in",
            help="Where to write: auto (pyproject.toml if there is one, else openness.toml), "
            "pyproject or openness (openness.toml).",
        ),
    ] = InitTarget.auto,
) -> None:
    """Write a commented starter policy into pyproject.toml or openness.toml."""
    from openness.policy.starter import write_starter

    try:
        written = write_starter(Path.cwd(), target.value)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    _say(f"wrote a starter policy to {written.name}: review it, then commit it")


# -- cache ---------------------------------------------------------------------------------------

CACHE_HELP = """The cache of what was read from the Hub, keyed by commit sha.

A repo audited before costs one small request to learn whether its branch moved; a pinned sha
or --offline, none. Location: $OPENNESS_CACHE, else the user cache folder. --no-cache (audit,
scan, lock) neither reads nor writes it."""

cache_app = App(
    name="cache",
    help=CACHE_HELP,
    no_args_is_help=True,
    rich_markup_mode=None,
    epilog=EXIT_CODES["cache"],
    context_settings={"help_option_names": ["-h", "--help"]},
)
cache_app.command_class = CacheCommand
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info(output_format: FormatOpt = Format.table) -> None:
    """Where the cache is, how many entries it holds, their size, the oldest and newest."""
    import json

    from openness import cache
    from openness.report import SCHEMA_VERSION, Tool

    found = cache.info()
    when = {
        "oldest": found.oldest.isoformat(timespec="seconds") if found.oldest else None,
        "newest": found.newest.isoformat(timespec="seconds") if found.newest else None,
    }
    if output_format == Format.json:
        document = {
            "schema_version": SCHEMA_VERSION,
            "tool": Tool().model_dump(),
            "path": str(found.path),
            "entries": found.entries,
            "size_bytes": found.size_bytes,
            **when,
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    rows = [
        ("path", str(found.path)),
        ("entries", str(found.entries)),
        ("size", _size(found.size_bytes)),
        ("oldest", when["oldest"] or "-"),
        ("newest", when["newest"] or "-"),
    ]
    for name, value in rows:
        sys.stdout.write(f"{name:<8} {value}\n")


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every cache entry; the next audits ask the Hub again."""
    from openness import cache

    root = cache.cache_dir()
    removed = cache.clear(root)
    _say(f"removed {removed} cache entr{'y' if removed == 1 else 'ies'} from {root}")


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


# -- licenses --------------------------------------------------------------------------------------


@app.command("license", epilog=EXIT_CODES_HELP)
def license_cmd(
    files: Annotated[
        list[str],
        typer.Argument(metavar="FILE...", help="License files to assess; - reads stdin."),
    ],
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    rules: RulesOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """Identify license texts and test them clause by clause against the OSD."""
    from openness.licensefiles import assess_files

    try:
        _check_output(output)
        loaded = _rules(rules)
        document = assess_files(files, loaded)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    with _output(output):
        if output_format == Format.json:
            from openness.formats.json import render

            sys.stdout.write(render(document))
        else:
            from openness.formats.table import render_licenses

            render_licenses(_console(color), document.licenses, loaded.kinds)
    unreadable = any(p.kind == "unreadable" for r in document.licenses for p in r.problems)
    raise typer.Exit(int(ExitCode.INCOMPLETE if unreadable else ExitCode.OK))


@app.command("licenses")
def licenses_cmd(
    output_format: FormatOpt = Format.table, rules: RulesOpt = None, color: ColorOpt = Color.auto
) -> None:
    """List the license catalog: id, name, SPDX id, OSI approval, clause kinds."""
    from openness.catalog import catalog_document

    try:
        document = catalog_document(_rules(rules))
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if output_format == Format.json:
        from openness.formats.json import render

        sys.stdout.write(render(document))
        return
    from openness.formats.table import render_catalog

    render_catalog(_console(color), document.licenses)


@app.command("clauses")
def clauses_cmd(
    output_format: FormatOpt = Format.table, rules: RulesOpt = None, color: ColorOpt = Color.auto
) -> None:
    """List the clause kinds: what each means, its severity and the OSD criteria it breaks.

    blocking clauses break the OSD; warning and info clauses are duties or conditions that do
    not (the audit lists them under "You must"). The kinds are the vocabulary of the policy's
    deny-clauses and of the JSON reports."""
    from openness.catalog import clause_document

    try:
        document = clause_document(_rules(rules))
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if output_format == Format.json:
        from openness.formats.json import render

        sys.stdout.write(render(document))
        return
    from openness.formats.table import render_clauses

    render_clauses(_console(color), document.clauses)


SCHEMAS = ("audit", "license", "licenses", "clauses", "scan", "lock", "diff", "changes", "compare")


@app.command()
def schema(
    kind: Annotated[
        str, typer.Argument(metavar="KIND", help=f"One of {', '.join(SCHEMAS)} (default: audit).")
    ] = "audit",
) -> None:
    """Print the JSON Schema of a JSON document openness writes."""
    import json

    from openness import report
    from openness.diff import DiffDocument
    from openness.index.changes import ChangesDocument
    from openness.index.compare import CompareDocument

    models = {
        "audit": report.AuditDocument,
        "license": report.LicenseDocument,
        "licenses": report.CatalogDocument,
        "clauses": report.ClauseDocument,
        "scan": report.ScanDocument,
        "lock": report.LockFile,
        "diff": DiffDocument,
        "changes": ChangesDocument,
        "compare": CompareDocument,
    }
    if kind not in models:
        _fail(f"unknown schema {kind!r}: use one of {', '.join(SCHEMAS)}", ExitCode.USAGE)
    schema_doc = models[kind].model_json_schema(mode="serialization")
    sys.stdout.write(json.dumps(schema_doc, indent=2) + "\n")


from openness.index.cli import index_app  # noqa: E402 (it builds on the definitions above)

app.add_typer(index_app, name="index")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("openness: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:  # `openness licenses | head`: the reader left; not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)  # what a shell reports for a writer ended by SIGPIPE
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
