"""`openness license`, `licenses`, `clauses` and `schema`: license files, the catalog, the
clause kinds and the JSON Schemas, with no network."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from openness.cli.base import (
    EXIT_CODES_HELP,
    Color,
    ColorOpt,
    Format,
    FormatOpt,
    OutputOpt,
    RulesOpt,
    _console,
    _fail,
    app,
)
from openness.cli.run import _check_output, _output, _rules
from openness.errors import ExitCode, UsageError


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
