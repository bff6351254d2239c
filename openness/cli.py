"""The command line: parse, call the core, render, exit. No verdicts are made here.

Exit codes (each command's --help says which apply to it): 0 done, and the policy (if any)
passed; 1 a model fails the policy (this wins over 3), or --strict and 3 would apply; 2 usage
error (bad repo id, option, file or policy; nothing was fetched); 3 incomplete: no model
fails, but some could not be audited or decided (not found, gated files, network down, rate
limited, offline); 4 internal error (a bug: one line on stderr, the traceback with --verbose).
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import typing
from collections.abc import Callable
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
    "error (bad repo id, option, file or policy): nothing was fetched; 3 no model fails, but "
    "a model could not be audited (not found, network down, rate limited, offline) or its "
    "policy could not be decided (gated files) or, without a policy, an audit is incomplete; "
    + INTERNAL,
    "scan": "Exit codes: 0 no reference fails (each passes, is exempted or ignored); 1 a "
    "reference fails the policy or, with --locked, is not in the lock (this wins over 3), or "
    "--strict and 3 would apply; 2 usage error (no such path, bad option, policy or lockfile); "
    "3 none fails, but a referenced model could not be audited or its policy decided; " + INTERNAL,
    "lock": "Exit codes: 0 the lock was written with every model (with --check: every locked "
    "model is current and every reference is locked); 1 with --check only: a locked model "
    "moved upstream, a reference is not locked or a locked model is no longer referenced; "
    "2 usage error (no such path, bad option or lockfile); 3 a model could not be audited, or "
    "its audit is incomplete and it was left out of the lock (with --check: a locked model "
    "could not be checked); " + INTERNAL,
    "license": "Exit codes: 0 every file was read and assessed, whatever the verdict; 2 usage "
    "error (no such file, bad option or rules); 3 a file could not be read as text; " + INTERNAL,
    "init": "Exit codes: 0 the starter policy was written; 2 usage error (bad option, or a "
    "policy is already there); " + INTERNAL,
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

    def __init__(self, name: str | None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.epilog = EXIT_CODES.get(name or "", DEFAULT_EXIT_CODES)
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


class App(typer.Typer):
    """Every command is a `Command` and takes --verbose, whoever adds it."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        kwargs.setdefault("cls", Command)
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


class ScanFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


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


def _say(message: str) -> None:
    from openness.sanitize import one_line

    sys.stderr.write(f"openness: {one_line(message, 400)}\n")


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


# -- audit ---------------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def audit(
    subjects: Annotated[
        list[str],
        typer.Argument(
            metavar="REPO_OR_PATH...",
            help="Hub repo ids (org/name) or paths to downloaded model folders.",
        ),
    ],
    mirror: MirrorOpt = None,
    revision: Annotated[
        str | None,
        typer.Option(
            "--revision", metavar="REV", help="Branch, tag or commit sha to audit (default: main)."
        ),
    ] = None,
    token: TokenOpt = None,
    output_format: FormatOpt = Format.table,
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
    from openness.batch import exit_code, run_audits
    from openness.subjects import plan_subjects

    try:
        planned = plan_subjects(subjects, revision)  # all checked before any request
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
        auditor = _auditor(
            loaded,
            mirror,
            token,
            timeout,
            revision=revision,
            deep=deep,
            github_api=github_api,
            attestations=attestations,
        )
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    document = run_audits(planned, auditor, policy, _on_error)
    if output_format == Format.json:
        from openness.formats.json import render

        sys.stdout.write(render(document))
    else:
        from openness.formats.table import render_reports

        render_reports(_console(color), document.reports, loaded.kinds)
    for report in document.reports:
        if not report.complete:
            kinds = sorted({p.kind for p in report.problems})
            _say(f"{report.subject.repo_id}: audit incomplete ({', '.join(kinds)}); see problems")
        verdict = report.policy
        if verdict is not None and verdict.status == "failed":
            rules_failed = ", ".join(sorted({v.rule for v in verdict.violations}))
            _say(f"{report.subject.repo_id}: policy failed ({rules_failed})")
        elif verdict is not None and verdict.status == "incomplete":
            rules_open = ", ".join(sorted({v.rule for v in verdict.undecided}))
            _say(f"{report.subject.repo_id}: policy could not be decided ({rules_open})")
    if policy is None and document.reports:
        _say(_no_policy_note(policy_file, loaded, *flags))
    raise typer.Exit(int(exit_code(document.reports, len(document.errors), strict)))


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
    from openness.lockfile import read_lock
    from openness.scan import INCOMPLETE

    targets = paths or [Path(".")]
    try:
        for target in targets:
            if not target.exists():
                raise UsageError(f"{target}: no such file or folder")
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
            auditor = _auditor(loaded, mirror, token, timeout)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if not locked:
        document = gate.scan(targets, Path.cwd(), auditor, policy, _on_error)
    _emit_scan(document, output_format, color)
    failing = [ref for ref in document.references if ref.status in ("failed", "unlocked")]
    for ref in failing:
        why = "; ".join(f"{v.rule}: {v.detail}" for v in ref.violations)
        _say(f"{ref.file}:{ref.line}: {ref.repo_id}: {why}")
    if any(ref.status == "failed" for ref in failing):
        _say(
            "to accept a model anyway, add a [[tool.openness.exceptions]] entry (repo, reason, "
            "approved-by, expires) to the policy, or mark the line `# openness: ignore[reason]`"
        )
    if policy is None and document.references:
        _say(_no_policy_note(policy_file, loaded, *flags))
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
    output_format: FormatOpt = Format.table,
    rules: RulesOpt = None,
) -> None:
    import json

    from openness import gate
    from openness.lockfile import read_lock, write_lock
    from openness.scan import scan_paths

    targets = paths or [Path(".")]
    try:
        for target in targets:
            if not target.exists():
                raise UsageError(f"{target}: no such file or folder")
        loaded = _rules(rules)
        auditor = _auditor(loaded, mirror, token, timeout)
        existing = read_lock(lockfile, loaded) if check else None
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if existing is not None:
        refs, _problems = scan_paths(targets, Path.cwd())
        result = gate.check_lock(existing, auditor, refs)
        if output_format == Format.json:
            from openness.report import SCHEMA_VERSION, Tool

            document = {"schema_version": SCHEMA_VERSION, "tool": Tool().model_dump(), **result}
            sys.stdout.write(json.dumps(document, indent=2) + "\n")
        raise typer.Exit(int(_report_lock_check(result)))
    new_lock, document, left_out = gate.build_lock(
        targets, Path.cwd(), auditor, _on_error, allow_incomplete
    )
    write_lock(new_lock, lockfile)
    _say(f"wrote {lockfile} with {len(new_lock.models)} model(s)")
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


# -- licenses --------------------------------------------------------------------------------------


@app.command("license", epilog=EXIT_CODES_HELP)
def license_cmd(
    files: Annotated[
        list[str],
        typer.Argument(metavar="FILE...", help="License files to assess; - reads stdin."),
    ],
    output_format: FormatOpt = Format.table,
    rules: RulesOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """Identify license texts and test them clause by clause against the OSD."""
    from openness.licensefiles import assess_files

    try:
        loaded = _rules(rules)
        document = assess_files(files, loaded)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
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


SCHEMAS = ("audit", "license", "licenses", "clauses", "scan", "lock")


@app.command()
def schema(
    kind: Annotated[
        str, typer.Argument(metavar="KIND", help=f"One of {', '.join(SCHEMAS)} (default: audit).")
    ] = "audit",
) -> None:
    """Print the JSON Schema of a JSON document openness writes."""
    import json

    from openness import report

    models = {
        "audit": report.AuditDocument,
        "license": report.LicenseDocument,
        "licenses": report.CatalogDocument,
        "clauses": report.ClauseDocument,
        "scan": report.ScanDocument,
        "lock": report.LockFile,
    }
    if kind not in models:
        _fail(f"unknown schema {kind!r}: use one of {', '.join(SCHEMAS)}", ExitCode.USAGE)
    schema_doc = models[kind].model_json_schema(mode="serialization")
    sys.stdout.write(json.dumps(schema_doc, indent=2) + "\n")


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
