"""`openness index ...`: the sub-app. Each command parses, calls openness.index, prints.

Imported by openness.cli (after its own commands are registered), never before it: it takes
the shared options, the Command class and the stderr helpers from openness.cli.base, and the
runners from openness.cli.run. Importing this module must stay cheap (`openness --help` loads
it): everything else is imported in the commands.

To add a command: its exit-code footer in EXIT_CODES below (the key is its name), then
`@index_app.command("name")`.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from openness.cli.base import (
    DEFAULT_EXIT_CODES,
    INTERNAL,
    App,
    AuthorOpt,
    Color,
    ColorOpt,
    Command,
    JobsOpt,
    MirrorOpt,
    NoCacheOpt,
    OfflineOpt,
    OutputOpt,
    QuietOpt,
    RulesOpt,
    SearchOpt,
    TimeoutOpt,
    TokenOpt,
    _console,
    _fail,
    _note,
    _say,
    messages,
)
from openness.cli.run import (
    _batch_auditor,
    _check_output,
    _exit_now,
    _on_error,
    _output,
    _rules,
)
from openness.errors import ExitCode, OpennessError, UsageError

DEFAULT_DB = Path("openness-index.db")
EXIT_CODES = {
    "index": "Exit codes: 0 done; 2 usage error (bad option or database); 3 some models could "
    "not be audited (build); 130 interrupted (build: what was stored is kept); " + INTERNAL,
    "build": "Exit codes: 0 every model listed is in the index (audited now or before; an "
    "incomplete audit, gated files say, is stored as such); 2 usage error (bad option, --from "
    "line or database, or nothing to index: an empty listing among them): nothing was "
    "indexed, and no database was created; 3 some models could not be "
    "audited (not found, network down, rate limited, offline): the others were stored, and "
    "the next run tries those again; or some audits are incomplete because files could not "
    "be read (rate limited, network): stored as such, and read again by the next run; or the "
    "listing could not be read: nothing was indexed; "
    "130 interrupted (Ctrl-C): every model that finished was stored, and the next run "
    "resumes; " + INTERNAL,
    "changes": "Exit codes: 0 printed (whether or not anything changed); 2 usage error (bad "
    "date or option, no such database); " + INTERNAL,
    "site": "Exit codes: 0 the site was written; 2 usage error (bad option, no such database, "
    "or DIR is not a folder or cannot be written); " + INTERNAL,
    "compare": "Exit codes: 0 printed (whatever the agreement); 2 usage error (bad option, no "
    "such database, unreadable --reports or --ratings file); " + INTERNAL,
}

INDEX_HELP = """An openness index of the Hub's models: audit a listing into a database, with
history, and see what changed.

`openness index build --top 1000` audits the most downloaded models into openness-index.db
(--db PATH), one row per (repo, sha, openness version, rules digest). It resumes: a model
whose sha is already indexed is skipped with no request for it, so a refresh audits only the
models whose sha moved, and keeps the older rows. `openness index changes --since DATE` lists
the models whose license, OSD verdict, clause kinds or rung changed. `openness index site DIR`
writes a static site (leaderboard, a page per model, changes, charts), and `openness index
compare` holds the index against hand-curated ratings (MOT, the European Open Source AI
Index, OSI's validations), each disagreement with both sides' evidence."""


class IndexCommand(Command):
    group = "index"

    def __init__(self, name: str | None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.epilog = EXIT_CODES.get(name or "", DEFAULT_EXIT_CODES)


index_app = App(
    name="index",
    help=INDEX_HELP,
    no_args_is_help=True,
    rich_markup_mode=None,
    epilog=EXIT_CODES["index"],
    context_settings={"help_option_names": ["-h", "--help"]},
)
index_app.command_class = IndexCommand

DbOpt = Annotated[
    Path,
    typer.Option(
        "--db",
        metavar="PATH",
        envvar="OPENNESS_INDEX_DB",
        help="The index database (SQLite; also $OPENNESS_INDEX_DB).",
    ),
]


# -- build ---------------------------------------------------------------------------------------


@index_app.command("build")
def build_cmd(
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            min=1,
            metavar="N",
            help="Index the N most downloaded models (of --author / --search, if given). The "
            "listing costs one request per 1,000 models and brings each one's sha and info.",
        ),
    ] = None,
    author: AuthorOpt = None,
    search: SearchOpt = None,
    from_files: Annotated[
        list[str] | None,
        typer.Option(
            "--from",
            metavar="FILE",
            help="A file of Hub models, one a line (repo id, org/name@revision or Hub URL; # "
            "starts a comment); - reads stdin. Repeatable; combines with the listing.",
        ),
    ] = None,
    db: DbOpt = DEFAULT_DB,
    jobs: JobsOpt = None,
    mirror: MirrorOpt = None,
    offline: OfflineOpt = False,
    no_cache: NoCacheOpt = False,
    token: TokenOpt = None,
    timeout: TimeoutOpt = 10.0,
    quiet: QuietOpt = False,
    rules: RulesOpt = None,
) -> None:
    """Audit a listing (and --from files) into the index; resumable.

    Each model whose (sha, openness version, rules digest) is already in the index is skipped,
    decided from the listing's sha with no request for it; the others are audited on --jobs
    workers and each is stored as it finishes. Older rows stay: the index keeps every audited
    revision. Ctrl-C keeps what was stored; run again to resume."""
    from openness import progress
    from openness.batch import DEFAULT_JOBS
    from openness.index import build
    from openness.index.store import open_store
    from openness.inventory import Listing, check_listing, combine, subjects_in

    messages.quiet = quiet
    listing = Listing(author, search, top)
    workers = jobs or DEFAULT_JOBS
    try:
        check_listing(listing)
        planned = combine(*(subjects_in(name, None) for name in from_files or []))
        if not planned and not listing:
            if from_files:
                raise UsageError(f"{', '.join(from_files)}: no subject in it: nothing to index")
            raise UsageError(
                "nothing to index: give a listing (--top N, --author ORG, --search TEXT) or "
                "--from FILE"
            )
        if db.is_dir():
            raise UsageError(f"--db {db}: is a folder; give a file name")
        loaded = _rules(rules)
        auditor = _batch_auditor(loaded, mirror, token, timeout, offline, no_cache)
        created = not db.exists()
        store = open_store(db)  # before the listing: a bad database costs no request
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    tally = build.Tally()
    try:
        listed = build.listed_targets(auditor, listing, _note) if listing else []
        from_subjects = build.subject_targets(auditor, planned, workers)
    except UsageError as exc:
        store.close()
        _fail(str(exc), ExitCode.USAGE)
    except OpennessError as exc:  # the listing could not be read
        store.close()
        _fail(f"{exc}; nothing was indexed", ExitCode.INCOMPLETE)
    targets = build.combine_targets(listed, from_subjects)
    if not targets:  # a mistyped --author, say: as `audit` does, and no empty database left
        store.close()
        if created:
            _remove_database(db)
        _fail(f"{listing.describe()} lists no model: nothing to index", ExitCode.USAGE)
    tally.listed = len(targets)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
    store.record_listing(build.listed_models(targets), now)  # downloads and shas, no audit
    key = build.Key(_version(), loaded.digest)
    todo = build.to_audit(store, targets, key, tally)
    bar = progress.Bar(len(todo), progress.wanted(quiet), label="indexing")
    with bar:
        messages.sink = bar.say
        try:
            build.build(
                store,
                auditor,
                todo,
                tally,
                workers,
                _on_error,
                on_finished=bar.advance,
                on_started=bar.start,
            )
        finally:
            messages.sink = None
    store.close()
    if tally.interrupted:
        _say(f"interrupted: {tally.line()}; what was stored is kept in {db}: run again")
        _exit_now(130)
    _note(f"index {db}: {tally.line()}")
    raise typer.Exit(int(ExitCode.INCOMPLETE if tally.failed or tally.unread else ExitCode.OK))


def _remove_database(db: Path) -> None:
    """A database this run created and stored nothing in, with SQLite's side files."""
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)


def _version() -> str:
    from openness import __version__

    return __version__


# -- changes -------------------------------------------------------------------------------------


class ChangesFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@index_app.command("changes")
def changes_cmd(
    since: Annotated[
        str,
        typer.Option(
            "--since",
            metavar="DATE",
            help="List changes whose newer audit is at or after DATE (YYYY-MM-DD, or an ISO "
            "8601 date and time, UTC unless it says otherwise).",
        ),
    ],
    db: DbOpt = DEFAULT_DB,
    output_format: Annotated[
        ChangesFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output format: table, json (one document; `openness schema`) or markdown.",
        ),
    ] = ChangesFormat.table,
    color: ColorOpt = Color.auto,
) -> None:
    """Models whose license, OSD verdict, clause kinds or rung changed, oldest first.

    Compares consecutive audits of each model in the index (both shas are shown): a new
    revision, or the same revision audited again by another openness version or other rules
    (marked re-audit)."""
    from openness.index.changes import changes_since, parse_since
    from openness.index.store import open_store

    try:
        when = parse_since(since)
        if not db.is_file():
            raise UsageError(f"--db {db}: no such index (`openness index build` writes one)")
        store = open_store(db)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    try:
        document = changes_since(store, when)
    finally:
        store.close()
    if output_format == ChangesFormat.json:
        from openness.formats.json import render

        sys.stdout.write(render(document))
    elif output_format == ChangesFormat.markdown:
        from openness.index.changes import render_markdown

        sys.stdout.write(render_markdown(document))
    else:
        from openness.index.changes import render_table

        render_table(_console(color), document)


# -- site ----------------------------------------------------------------------------------------


@index_app.command("site")
def site_cmd(
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="The folder to write the site into (created if missing). Deploy it as it is "
            "(GitHub Pages, any static host): relative links, no server, no external asset.",
        ),
    ],
    db: DbOpt = DEFAULT_DB,
    every_model: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Show every model ever indexed, not only those the latest build listed (an "
            "index built in parts, one build per organisation, say).",
        ),
    ] = False,
    quiet: QuietOpt = False,
    rules: RulesOpt = None,
) -> None:
    """Write the index as a static site: a leaderboard, a page per model, what changed, charts.

    index.html has charts (models per rung, licenses by OSD verdict, share of downloads by
    rung) and the leaderboard: every model in the HTML, sorted and filtered by one small
    inline script (rung, license, OSD verdict, MOF class, organisation, downloads, search;
    also from the URL: index.html#rung=5&q=apache). models/ holds one page per model (its
    evidence, as in the HTML report, and its history); changes.html the models whose license,
    OSD verdict, clause kinds or rung changed. The site shows the models the latest build
    listed, at the revision and downloads that listing gave (--all: every model indexed); pages
    of models no longer shown are removed from models/; other files in DIR are left alone."""
    from openness.index.site import build_site
    from openness.index.store import open_store

    messages.quiet = quiet
    try:
        if not db.is_file():
            raise UsageError(f"--db {db}: no such index (`openness index build` writes one)")
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"{directory}: not a directory")
        loaded = _rules(rules)
        store = open_store(db)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    try:
        written = build_site(store, directory, kinds=loaded.kinds, every_model=every_model)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    except OSError as exc:
        _fail(f"{directory}: cannot be written ({exc.strerror or exc})", ExitCode.USAGE)
    finally:
        store.close()
    pages = sum(1 for path in written if path.parent.name == "models")
    _note(
        f"site {directory}: index.html, changes.html and {pages} model pages; open "
        f"{directory / 'index.html'}"
    )


# -- compare -------------------------------------------------------------------------------------


class CompareFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@index_app.command("compare")
def compare_cmd(
    ctx: typer.Context,
    db: DbOpt = DEFAULT_DB,
    reports: Annotated[
        list[Path] | None,
        typer.Option(
            "--reports",
            metavar="FILE",
            help="Compare the reports of a file `openness audit -f json` (or jsonl) wrote, "
            "instead of an index. Repeatable.",
        ),
    ] = None,
    ratings: Annotated[
        Path | None,
        typer.Option(
            "--ratings",
            metavar="FILE",
            help="Another build of the kept ratings (tools/build_framework_ratings.py writes "
            "one); default: the ratings openness ships.",
        ),
    ] = None,
    output_format: Annotated[
        CompareFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="Output format: table, json (one document) or markdown.",
        ),
    ] = CompareFormat.table,
    output: OutputOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """How the index agrees with the other frameworks' ratings the project keeps.

    The newest row of each repo (or the --reports given) against MOT, the European Open Source
    AI Index, FMTI and the AI Stack Map (mapped onto the ladder) and OSI's validation of the
    OSAID, for the models they rate: agreement per framework and field (each step, the rung,
    MOF class, OSD and OSAID verdicts), then each disagreement with our evidence and theirs
    (field, value, entry, snapshot), classed as our bug, their staleness, a difference of
    definition or unclassified. Fields we could not decide are listed apart, not counted."""
    from openness.diff import read_reports
    from openness.index.compare import compare, load_ratings
    from openness.index.store import open_store

    store = None
    try:
        _check_output(output)
        kept = load_ratings(ratings)
        if reports:
            given = ctx.get_parameter_source("db")  # typer's own click: compare by name
            if given is not None and given.name == "COMMANDLINE":
                raise UsageError("give --db PATH or --reports FILE, not both")
            source: Any = [report for path in reports for report in read_reports(path)]
        else:
            if not db.is_file():
                raise UsageError(
                    f"--db {db}: no such index (`openness index build` writes one); or give "
                    "--reports FILE"
                )
            source = store = open_store(db)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    try:
        document = compare(source, kept)
    finally:
        if store is not None:
            store.close()
    with _output(output):
        if output_format == CompareFormat.json:
            from openness.formats.json import render

            sys.stdout.write(render(document))
        elif output_format == CompareFormat.markdown:
            from openness.index.compare import render_markdown

            sys.stdout.write(render_markdown(document))
        else:
            from openness.index.compare import render_table

            render_table(_console(color), document)
