"""`openness diff`: what changed between two revisions or two saved audits."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from openness.cli.base import (
    Color,
    ColorOpt,
    MirrorOpt,
    OutputOpt,
    PolicyOpt,
    RulesOpt,
    TimeoutOpt,
    TokenOpt,
    _console,
    _fail,
    app,
)
from openness.cli.run import _auditor, _check_output, _output, _policy, _rules
from openness.errors import ExitCode, OpennessError, UsageError

if TYPE_CHECKING:
    from openness.rules import Rules


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
        DiffFormat, typer.Option("--format", "-f", help="Output format: table, json or markdown.")
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
        policy, _ = _policy(policy_file, loaded)
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
