"""`openness audit`: audit models (given, from files or listed), render, exit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openness.cli.base import (
    EXIT_CODES_HELP,
    AllowGatedOpt,
    AllowLicenseOpt,
    AuditFormat,
    AuditOutputOpt,
    AuthorOpt,
    Color,
    ColorOpt,
    DenyClauseOpt,
    DenyLicenseOpt,
    JobsOpt,
    MinRungOpt,
    MirrorOpt,
    NoCacheOpt,
    OfflineOpt,
    PolicyOpt,
    QuietOpt,
    RequireOsdOpt,
    RequireOsiOpt,
    RulesOpt,
    SearchOpt,
    StrictOpt,
    TimeoutOpt,
    TokenOpt,
    _console,
    _fail,
    _note,
    _say,
    app,
    messages,
)
from openness.cli.run import (
    _DOCUMENT_RENDERERS,
    _batch_auditor,
    _check_output,
    _exit_now,
    _on_error,
    _output,
    _policy,
    _render_document,
    _rules,
    _run_batch,
)
from openness.errors import ExitCode, OpennessError, UsageError

if TYPE_CHECKING:
    from openness.rules import Rules

AuditFormatOpt = Annotated[
    AuditFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Output format: table, json (one document), jsonl (one report a line, written "
        "as each model finishes), cyclonedx (CycloneDX 1.6 ML-BOM), spdx (SPDX 3.0.1 AI) or "
        "html (a self-contained page; use with -o).",
    ),
]

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
            help="Hub repo ids (org/name, or org/name@revision), Hub URLs or paths to downloaded "
            "model folders.",
        ),
    ] = None,
    from_files: Annotated[
        list[str] | None, typer.Option("--from", metavar="FILE", help=FROM_HELP)
    ] = None,
    author: AuthorOpt = None,
    search: SearchOpt = None,
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
    output: AuditOutputOpt = None,
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

    messages.quiet = quiet
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
        policy, unenforced = _policy(policy_file, loaded, *flags)
        attestations = load_attestations(attest) if attest else []
        auditor = _batch_auditor(
            loaded,
            mirror,
            token,
            timeout,
            offline,
            no_cache,
            revision=revision,
            deep=deep,
            github_api=github_api,
            attestations=attestations,
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
        lambda on_done, _plan, on_start: run_audits(
            planned,
            auditor,
            policy,
            _on_error,
            jobs=jobs or DEFAULT_JOBS,
            on_done=on_done,
            on_start=on_start,
            same_commit_once=True,  # a branch and the sha it points at: one report
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
            _say(f"{report.subject.repo_id}: policy could not be decided ({rules_open})")
    if policy is None and document.reports:
        _say(unenforced)  # a warning: under -q too, the gate enforces nothing
    if len(planned) > 1:
        _note(_summary(document))
    if interrupted:
        done = len(document.reports) + len(document.errors)
        where = f" to {output}" if output else ""
        _say(f"interrupted: {done} of {len(planned)} finished; their results were written{where}")
        _exit_now(130)
    raise typer.Exit(int(exit_code(document.reports, len(document.errors), strict)))


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
