"""The command line: parse, call the core, render, exit. No verdicts are made here.

Exit codes: 0 audited (and the policy passed); 1 policy failed, or --strict and the audit is
incomplete; 2 usage error (bad repo id, flag or file; nothing was fetched); 3 audit incomplete
(not found, gated files, network down, rate limited, offline, …).
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from openness import __version__
from openness.errors import ExitCode, OpennessError, UsageError

EXIT_CODES_HELP = (
    "Exit codes: 0 audited (policy passed); 1 policy failed, or --strict and the audit is "
    "incomplete; 2 usage error (bad repo id, flag or file; nothing fetched); 3 audit incomplete "
    "(not found, gated files, network down, rate limited, offline)."
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


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def _console(color: Color, stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    no_color = color == Color.never or (color == Color.auto and bool(os.environ.get("NO_COLOR")))
    force = True if color == Color.always else None
    width = None if sys.stdout.isatty() else 100
    return Console(
        stderr=stderr,
        no_color=no_color,
        force_terminal=force,
        width=width,
        highlight=False,
        markup=False,
        emoji=False,
    )


def _fail(message: str, code: int) -> None:
    from openness.sanitize import one_line

    sys.stderr.write(f"openness: {one_line(message, 400)}\n")
    raise typer.Exit(code)


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


def _rules(dirs: list[Path] | None):  # type: ignore[no-untyped-def]
    from openness.rules import load_rules

    return load_rules(tuple(dirs or ()))


RulesOpt = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Extra rules directory (repeatable); also $OPENNESS_RULES."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
ColorOpt = Annotated[Color, typer.Option("--color", help="Colour: auto honours NO_COLOR and TTY.")]


@app.command(epilog=EXIT_CODES_HELP)
def audit(
    subjects: Annotated[
        list[str],
        typer.Argument(help="Hub repo ids (org/name) or paths to downloaded model folders."),
    ],
    mirror: Annotated[
        Path | None,
        typer.Option(
            "--mirror",
            help="Read repos from a directory in the Hub layout instead of the Hub "
            "(e.g. fixtures/hub).",
            envvar="OPENNESS_MIRROR",
        ),
    ] = None,
    revision: Annotated[
        str | None,
        typer.Option("--revision", help="Branch, tag or commit sha to audit (default: main)."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            help="Hub token (default: HF_TOKEN or the stored login). Never printed.",
            show_default=False,
        ),
    ] = None,
    output_format: FormatOpt = Format.table,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Treat an incomplete audit as a failure (exit 1 instead of 3)."
        ),
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds per network request.")
    ] = 10.0,
    deep: Annotated[
        bool,
        typer.Option(
            "--deep",
            help="Also check linked GitHub repositories (GitHub REST API; uses "
            "GITHUB_TOKEN if set). Without it no request goes anywhere but the Hub.",
        ),
    ] = False,
    github_api: Annotated[
        str | None,
        typer.Option(
            "--github-api",
            help="GitHub API base URL for --deep.",
            envvar="OPENNESS_GITHUB_API",
            show_default="https://api.github.com",
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
    rules: RulesOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """Audit models: license against the OSD, and the openness ladder."""
    from openness.attest import load_attestations
    from openness.audit import AuditOptions, Auditor
    from openness.report import AuditDocument, SubjectError
    from openness.subjects import parse_subject

    if mirror is not None and not (mirror / "models").is_dir():
        _fail(
            f"--mirror {mirror}: not a directory in the Hub layout (no models/ inside)",
            ExitCode.USAGE,
        )
    try:
        for subject in subjects:  # every id is checked before any request is made
            parse_subject(subject)
        loaded = _rules(rules)
        attestations = load_attestations(attest) if attest else []
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    options = AuditOptions(
        mirror=mirror,
        revision=revision,
        token=token,
        timeout=timeout,
        deep=deep,
        github_api=github_api,
        attestations=attestations,
    )
    auditor = Auditor(loaded, options)
    document = AuditDocument()
    code = ExitCode.OK
    for subject in subjects:
        try:
            report = auditor.audit(subject)
        except OpennessError as exc:
            document.errors.append(SubjectError(subject=subject, kind=exc.kind, message=str(exc)))
            sys.stderr.write(f"openness: {exc}\n")
            code = max(code, exc.exit_code)
            continue
        document.reports.append(report)
        if not report.complete:
            code = max(code, ExitCode.INCOMPLETE)
    _emit(document, output_format, color)
    incomplete = [r for r in document.reports if not r.complete]
    if incomplete and output_format == Format.table:
        for report in incomplete:
            kinds = sorted({p.kind for p in report.problems})
            sys.stderr.write(
                f"openness: {report.subject.repo_id}: audit incomplete "
                f"({', '.join(kinds)}); see problems\n"
            )
    if strict and code == ExitCode.INCOMPLETE:
        code = ExitCode.POLICY_FAILED
    raise typer.Exit(int(code))


def _emit(document, output_format: Format, color: Color) -> None:  # type: ignore[no-untyped-def]
    if output_format == Format.json:
        from openness.formats.json import render

        sys.stdout.write(render(document))
        return
    from openness.formats.table import render_reports

    render_reports(_console(color), document.reports)


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
    unreadable = any(
        r.osd_compliant is None and r.identified is None and not r.clauses and r.findings
        for r in document.licenses
    )
    raise typer.Exit(int(ExitCode.INCOMPLETE if unreadable else ExitCode.OK))


@app.command("licenses")
def licenses_cmd(
    output_format: FormatOpt = Format.table,
    rules: RulesOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """List the license catalog."""
    from openness.catalog import catalog_entries

    entries = catalog_entries(_rules(rules))
    if output_format == Format.json:
        import json

        sys.stdout.write(json.dumps([e.model_dump() for e in entries], indent=2) + "\n")
        return
    from openness.formats.table import render_catalog

    render_catalog(_console(color), entries)


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="audit (default) or license")] = "audit",
) -> None:
    """Print the JSON Schema of the audit (or license) JSON document."""
    import json

    from openness.report import AuditDocument, LicenseDocument

    models = {"audit": AuditDocument, "license": LicenseDocument}
    if kind not in models:
        _fail(f"unknown schema {kind!r}: use audit or license", ExitCode.USAGE)
    sys.stdout.write(
        json.dumps(models[kind].model_json_schema(mode="serialization"), indent=2) + "\n"
    )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("openness: interrupted\n")
        sys.exit(130)
