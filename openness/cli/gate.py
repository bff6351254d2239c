"""`openness scan` and `openness lock`: the model references in a tree, judged by the
policy or pinned in openness.lock."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from openness.cli.base import (
    EXIT_CODES_HELP,
    AllowGatedOpt,
    AllowLicenseOpt,
    Color,
    ColorOpt,
    DenyClauseOpt,
    DenyLicenseOpt,
    JobsOpt,
    LockfileOpt,
    MinRungOpt,
    MirrorOpt,
    NoCacheOpt,
    OfflineOpt,
    OutputOpt,
    PolicyOpt,
    QuietOpt,
    RequireOsdOpt,
    RequireOsiOpt,
    RulesOpt,
    ScanPathsArg,
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
    _existing,
    _exit_now,
    _on_error,
    _output,
    _policy,
    _render_document,
    _rules,
    _run_batch,
)
from openness.errors import ExitCode, UsageError
from openness.sanitize import DETAIL_LIMIT


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


ScanFormatOpt = Annotated[
    ScanFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="Output format: table, json, markdown (a PR comment), sarif (code scanning), "
        "cyclonedx (CycloneDX 1.6 ML-BOM of every referenced model), spdx (SPDX 3.0.1 AI) or "
        "html (a self-contained page; use with -o).",
    ),
]


@app.command(epilog=EXIT_CODES_HELP)
def scan(
    paths: ScanPathsArg = None,
    locked: Annotated[
        bool,
        typer.Option(
            "--locked", help="Judge references against the lockfile (--lockfile) only: no network."
        ),
    ] = False,
    lockfile: LockfileOpt = Path("openness.lock"),
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

    messages.quiet = quiet
    try:
        targets = _existing(paths)
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
        policy, unenforced = _policy(policy_file, loaded, *flags, keep_empty=True)
        if locked:
            lock_data = read_lock(lockfile, loaded)
            document = gate.scan_locked(
                targets, Path.cwd(), lock_data, policy, loaded, lock_name=str(lockfile)
            )
        else:
            auditor = _batch_auditor(loaded, mirror, token, timeout, offline, no_cache)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if not locked:
        document, interrupted = _run_batch(
            None,
            lambda on_done, on_plan, on_start: gate.scan(
                targets,
                Path.cwd(),
                auditor,
                policy,
                _on_error,
                jobs=jobs or DEFAULT_JOBS,
                on_done=on_done,
                on_plan=on_plan,
                on_start=on_start,
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
        _say(f"{ref.file}:{ref.line}: {ref.repo_id}: {why}", DETAIL_LIMIT)
    if policy is not None and any(ref.status == "failed" for ref in failing):
        _note(_exception_hint(policy))
    if unenforced and document.references:
        _say(unenforced)  # a warning: under -q too, the gate enforces nothing
    for problem in document.problems:  # a file that could not be read may hold a reference
        if problem.startswith(INCOMPLETE):
            _say(f"{problem}; see the problems")
    raise typer.Exit(int(gate.scan_exit_code(document, strict)))


def _exception_hint(policy: Any) -> str:
    """How to accept a failing model, in the layout of the policy file in force."""
    entry = "entry (repo, reason, approved-by, expires)"
    if policy.source == "flags":
        where = f"add an [[exceptions]] {entry} to a policy file (`openness init` writes one)"
    else:
        where = f"add a {policy.exceptions_header} {entry} to {policy.source}"
    return f"to accept a model anyway, {where}, or mark the line `# openness: ignore[reason]`"


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

An incomplete audit (gated files without a token) is not locked: the command warns and exits
3, unless --allow-incomplete, or unless the policy (found as `scan` finds it, or --policy) is
decided without what is missing: an exempted model, a known failure, a pass no unread file
could change. Those are locked, with a note. A model that cannot be audited now (network
errors, an incomplete audit) keeps the entry it had; when none could be audited, the lockfile
is left as it was.

A file the scan cannot read (a syntax error) may reference a model: the lock is written with
what was found, each such file is named on stderr, and the command exits 3 (1 with --strict);
locked models the scan did not find keep their entries until that file is fixed. With --check,
such a file makes the check incomplete too.
"""


@app.command(help=LOCK_HELP, epilog=EXIT_CODES_HELP)
def lock(
    paths: ScanPathsArg = None,
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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Treat anything incomplete (a model not audited or not locked, a file the scan "
            "could not read) as a failure (exit 1 instead of 3).",
        ),
    ] = False,
    lockfile: LockfileOpt = Path("openness.lock"),
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
            help="Output format: table, json or cyclonedx (a BOM of every locked model on stdout).",
        ),
    ] = LockFormat.table,
    policy_file: PolicyOpt = None,
    rules: RulesOpt = None,
) -> None:
    import json

    from openness import gate
    from openness.batch import DEFAULT_JOBS
    from openness.lockfile import read_lock, write_lock
    from openness.scan import scan_tree

    messages.quiet = quiet
    try:
        targets = _existing(paths)
        loaded = _rules(rules)
        auditor = _batch_auditor(loaded, mirror, token, timeout, offline, no_cache)
        existing = read_lock(lockfile, loaded) if check else None
        previous = None if check else _previous_lock(lockfile, loaded)
        policy = _policy(policy_file, loaded)[0]
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    if existing is not None:
        scanned = scan_tree(targets, Path.cwd())
        result = gate.check_lock(existing, auditor, scanned.references, policy)
        result["problems"] = scanned.problems
        if output_format == LockFormat.json:
            from openness.report import SCHEMA_VERSION, Tool

            document = {"schema_version": SCHEMA_VERSION, "tool": Tool().model_dump(), **result}
            sys.stdout.write(json.dumps(document, indent=2) + "\n")
        raise typer.Exit(int(_strict(_report_lock_check(result), strict)))
    built, interrupted = _run_batch(
        None,
        lambda on_done, on_plan, on_start: gate.build_lock(
            targets,
            Path.cwd(),
            auditor,
            _on_error,
            allow_incomplete,
            jobs=jobs or DEFAULT_JOBS,
            on_done=on_done,
            on_plan=on_plan,
            previous=previous,
            policy=policy,
            on_start=on_start,
        ),
        output_format,
        None,
        quiet,
    )
    if interrupted:
        _say(f"interrupted: {lockfile} was left as it was")
        _exit_now(130)
    _report_lock_build(built, lockfile)
    _say_scan_problems(
        built.document.problems, "it is not in the lock: fix the file and run `openness lock` again"
    )
    if built.changed_nothing:
        state = "was left as it was" if lockfile.exists() else "was not written"
        audited = built.document.errors or built.left_out
        why = "no model could be audited" if audited else "no model reference could be read"
        _say(f"{lockfile} {state}: {why}")
    else:
        write_lock(built.lock, lockfile)
        kept = f" ({len(built.kept)} kept from before)" if built.kept else ""
        _note(f"wrote {lockfile} with {len(built.lock.models)} model(s){kept}")
    if output_format == LockFormat.cyclonedx:
        sys.stdout.write(_render_document("cyclonedx", "scan", built.document))
    # An error on a repo the policy exempts decides nothing: the exception applies anyway.
    exempted = {r.repo_id.lower() for r in built.document.references if r.status == "exempted"}
    errors = [e for e in built.document.errors if e.subject.lower() not in exempted]
    incomplete = bool(errors or built.left_out or built.scan_incomplete)
    raise typer.Exit(int(_strict(ExitCode.INCOMPLETE if incomplete else ExitCode.OK, strict)))


def _strict(code: ExitCode, strict: bool) -> ExitCode:
    """--strict: what is incomplete fails."""
    return ExitCode.POLICY_FAILED if strict and code == ExitCode.INCOMPLETE else code


def _say_scan_problems(problems: list[str], hint: str) -> None:
    """Each file or line the scan could not read, one line each (a model referenced there went
    unseen), and the line that says the scan is incomplete, with `hint` after it."""
    from openness.scan import INCOMPLETE

    for problem in problems:
        _say(f"{problem}; {hint}" if problem.startswith(INCOMPLETE) else problem)


def _previous_lock(lockfile: Path, rules: Any) -> Any:
    """The lock being refreshed, whose entries outlive an audit that fails now. One of a
    version this cannot read stops the command (it may be newer); a damaged one is replaced."""
    from openness.lockfile import DamagedLock, read_lock

    if not lockfile.exists():
        return None
    try:
        return read_lock(lockfile, rules)
    except DamagedLock as exc:
        _note(f"{lockfile}: {exc.why}; it is replaced")
        return None


def _report_lock_build(built: Any, lockfile: Path) -> None:
    """One line per model that is not locked anew: incomplete, or kept from the old lock."""
    kept = {entry.repo_id.lower(): entry for entry in built.kept}
    for report in built.left_out:
        kinds = ", ".join(sorted({p.kind for p in report.problems}))
        old = kept.pop(report.subject.repo_id.lower(), None)
        outcome = f"its entry in {lockfile} from {old.audited} is kept" if old else "not locked"
        _say(
            f"{report.subject.repo_id}: {outcome}, its audit is incomplete ({kinds}); fix "
            "that (e.g. set HF_TOKEN for gated files) or pass --allow-incomplete"
        )
    for report in built.decided_incomplete:
        kinds = ", ".join(sorted({p.kind for p in report.problems}))
        _note(
            f"{report.subject.repo_id}: locked although its audit is incomplete ({kinds}): "
            "the policy's outcome does not depend on what is missing"
        )
    for entry in kept.values():
        _say(
            f"{entry.repo_id}: could not be audited; its entry in {lockfile} (sha "
            f"{str(entry.revision)[:12]}, audited {entry.audited}) is kept"
        )
    for entry in built.unfound:
        _say(
            f"{entry.repo_id}: not found in the files that were read; its entry in {lockfile} "
            "is kept (a file that could not be read may reference it)"
        )


def _report_lock_check(result: dict[str, list]) -> ExitCode:
    """One line per finding on stderr; 1 when anything is stale, 3 when something could not
    be checked (a model, or a file the scan could not read), else 0."""
    from openness.scan import is_incomplete

    rows = result["models"]
    scan_incomplete = is_incomplete(result["problems"])
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
        if scan_incomplete:  # the file that could not be read may reference it
            _say(f"{repo_id}: locked, but not found in the files that were read")
        else:
            _say(f"{repo_id}: locked but no longer referenced; run `openness lock` to drop it")
    _say_scan_problems(result["problems"], "fix the file and check again")
    unreferenced = result["unreferenced"] and not scan_incomplete
    if any(r["moved"] for r in rows) or result["unlocked"] or unreferenced:
        return ExitCode.POLICY_FAILED
    if any(r["error"] for r in rows) or scan_incomplete:
        return ExitCode.INCOMPLETE
    _say(f"{len(rows)} locked model(s) are current, and every reference is locked")
    return ExitCode.OK
