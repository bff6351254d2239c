"""The command line: parse, call the core, render, exit. No verdicts are made here.

Exit codes: 0 audited (and the policy passed); 1 policy failed, or --strict and the audit is
incomplete; 2 usage error (bad repo id, flag, file or policy; nothing was fetched); 3 audit
incomplete (not found, gated files, network down, rate limited, offline, …).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from openness import __version__
from openness.errors import ExitCode, OpennessError, UsageError

if TYPE_CHECKING:
    from openness.audit import Auditor
    from openness.policy import Policy
    from openness.rules import Rules

EXIT_CODES_HELP = (
    "Exit codes: 0 audited (policy passed); 1 policy failed, or --strict and the audit is "
    "incomplete; 2 usage error (bad repo id, flag, file or policy; nothing fetched); 3 audit "
    "incomplete (not found, gated files, network down, rate limited, offline)."
)

app = typer.Typer(
    name="openness",
    help="How open is an AI model, and what does its license allow?\n\n" + EXIT_CODES_HELP,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class Format(str, Enum):
    table = "table"
    json = "json"


class ScanFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


# -- shared options ------------------------------------------------------------------------------

RulesOpt = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Extra rules directory (repeatable); also $OPENNESS_RULES."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
ScanFormatOpt = Annotated[ScanFormat, typer.Option("--format", "-f", help="Output format.")]
ColorOpt = Annotated[
    Color,
    typer.Option("--color", help="Colour: auto honours NO_COLOR and whether stdout is a terminal."),
]
MirrorOpt = Annotated[
    Path | None,
    typer.Option(
        "--mirror",
        envvar="OPENNESS_MIRROR",
        help="Read repos from a directory in the Hub layout instead of the Hub "
        "(e.g. fixtures/hub).",
    ),
]
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        show_default=False,
        help="Hub token (default: HF_TOKEN or the stored login). Never printed.",
    ),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.1, help="Seconds allowed per network request.")
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Treat an incomplete audit as a failure (exit 1 instead of 3)."),
]
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="Policy file (openness.toml, or a pyproject.toml with [tool.openness]); "
        "default: found by walking up from the working directory.",
    ),
]
MinRungOpt = Annotated[
    int | None, typer.Option("--min-rung", min=0, max=5, help="Policy: lowest acceptable rung.")
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
    typer.Option("--deny-clause", help="Policy: a clause kind that fails a model (repeatable)."),
]
AllowLicenseOpt = Annotated[
    list[str] | None,
    typer.Option("--allow-license", help="Policy: an allowed license id or SPDX id (repeatable)."),
]
DenyLicenseOpt = Annotated[
    list[str] | None,
    typer.Option("--deny-license", help="Policy: a denied license id or SPDX id (repeatable)."),
]
AllowGatedOpt = Annotated[
    bool | None,
    typer.Option(
        "--allow-gated/--no-allow-gated", show_default=False, help="Policy: accept gated models."
    ),
]


def _console(color: Color, stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    no_color = color == Color.never or (color == Color.auto and bool(os.environ.get("NO_COLOR")))
    stream = sys.stderr if stderr else sys.stdout
    return Console(
        stderr=stderr,
        no_color=no_color,
        force_terminal=True if color == Color.always else None,
        width=None if stream.isatty() else 100,
        highlight=False,
        markup=False,
        emoji=False,
    )


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
    return Auditor(rules, AuditOptions(mirror=mirror, token=token, timeout=timeout, **extra))


def _policy(path: Path | None, rules: Rules, *flags: Any) -> Policy | None:
    """The policy file's rules with the command-line flags (in POLICY_FLAGS order) on top."""
    from openness.policy import load_policy

    return load_policy(path, dict(zip(POLICY_FLAGS, flags, strict=True)), set(rules.kinds))


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
        typer.Argument(help="Hub repo ids (org/name) or paths to downloaded model folders."),
    ],
    mirror: MirrorOpt = None,
    revision: Annotated[
        str | None,
        typer.Option("--revision", help="Branch, tag or commit sha to audit (default: main)."),
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
            envvar="OPENNESS_GITHUB_API",
            show_default="https://api.github.com",
            help="GitHub API base URL for --deep.",
        ),
    ] = None,
    attest: Annotated[
        Path | None,
        typer.Option(
            "--attest",
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

        render_reports(_console(color), document.reports)
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
    raise typer.Exit(int(exit_code(document.reports, len(document.errors), strict)))


# -- scan and lock ---------------------------------------------------------------------------------


@app.command(epilog=EXIT_CODES_HELP)
def scan(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to scan for model references (default: .)."),
    ] = None,
    locked: Annotated[
        bool,
        typer.Option("--locked", help="Judge references against openness.lock only: no network."),
    ] = False,
    lockfile: Annotated[Path, typer.Option("--lockfile", help="The lockfile.")] = Path(
        "openness.lock"
    ),
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
            document = gate.scan_locked(targets, Path.cwd(), gate.read_lock(lockfile), policy)
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


@app.command(epilog=EXIT_CODES_HELP)
def lock(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders to scan for model references (default: .)."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Do not write: say which locked models moved upstream.")
    ] = False,
    lockfile: Annotated[Path, typer.Option("--lockfile", help="The lockfile.")] = Path(
        "openness.lock"
    ),
    mirror: MirrorOpt = None,
    token: TokenOpt = None,
    timeout: TimeoutOpt = 10.0,
    output_format: FormatOpt = Format.table,
    rules: RulesOpt = None,
) -> None:
    """Pin every referenced model to a commit sha with its verdict, in openness.lock."""
    import json

    from openness import gate

    targets = paths or [Path(".")]
    try:
        auditor = _auditor(_rules(rules), mirror, token, timeout)
        existing = gate.read_lock(lockfile) if check else None
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if existing is not None:
        rows = gate.check_lock(existing, auditor)
        if output_format == Format.json:
            sys.stdout.write(json.dumps({"models": rows}, indent=2) + "\n")
        for row in rows:
            if row["error"]:
                _say(f"{row['repo_id']}: {row['error']}")
            elif row["moved"]:
                _say(
                    f"{row['repo_id']}: moved upstream from {str(row['locked'])[:12]} to "
                    f"{str(row['current'])[:12]}; run `openness lock` to re-audit"
                )
        moved = any(r["moved"] for r in rows)
        failed = any(r["error"] for r in rows)
        code = ExitCode.POLICY_FAILED if moved else (ExitCode.INCOMPLETE if failed else ExitCode.OK)
        if code == ExitCode.OK:
            _say(f"{len(rows)} locked model(s) are current")
        raise typer.Exit(int(code))
    for target in targets:
        if not target.exists():
            _fail(f"{target}: no such file or folder", ExitCode.USAGE)
    new_lock, document = gate.build_lock(targets, Path.cwd(), auditor, _on_error)
    gate.write_lock(new_lock, lockfile)
    _say(f"wrote {lockfile} with {len(new_lock.models)} model(s)")
    raise typer.Exit(int(ExitCode.INCOMPLETE if document.errors else ExitCode.OK))


# -- licenses --------------------------------------------------------------------------------------


@app.command("license", epilog=EXIT_CODES_HELP)
def license_cmd(
    files: Annotated[list[str], typer.Argument(help="License files to assess; - reads stdin.")],
    output_format: FormatOpt = Format.table,
    rules: RulesOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """Identify license texts and test them clause by clause against the OSD."""
    from openness.licensefiles import assess_files

    try:
        document = assess_files(files, _rules(rules))
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if output_format == Format.json:
        from openness.formats.json import render

        sys.stdout.write(render(document))
    else:
        from openness.formats.table import render_licenses

        render_licenses(_console(color), document.licenses)
    unreadable = any(p.kind == "unreadable" for r in document.licenses for p in r.problems)
    raise typer.Exit(int(ExitCode.INCOMPLETE if unreadable else ExitCode.OK))


@app.command("licenses")
def licenses_cmd(
    output_format: FormatOpt = Format.table, rules: RulesOpt = None, color: ColorOpt = Color.auto
) -> None:
    """List the license catalog."""
    from openness.catalog import catalog_entries

    try:
        entries = catalog_entries(_rules(rules))
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if output_format == Format.json:
        import json

        sys.stdout.write(json.dumps([e.model_dump() for e in entries], indent=2) + "\n")
        return
    from openness.formats.table import render_catalog

    render_catalog(_console(color), entries)


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="audit (default), license, scan or lock")] = "audit",
) -> None:
    """Print the JSON Schema of a JSON document openness writes."""
    import json

    from openness.report import AuditDocument, LicenseDocument, LockFile, ScanDocument

    models = {
        "audit": AuditDocument,
        "license": LicenseDocument,
        "scan": ScanDocument,
        "lock": LockFile,
    }
    if kind not in models:
        _fail(f"unknown schema {kind!r}: use one of {', '.join(models)}", ExitCode.USAGE)
    schema_doc = models[kind].model_json_schema(mode="serialization")
    sys.stdout.write(json.dumps(schema_doc, indent=2) + "\n")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("openness: interrupted\n")
        sys.exit(130)
