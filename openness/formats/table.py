"""The human report, with rich. Every repo-sourced string is cleaned and passed as Text.

Identifiers (repo ids, license and SPDX ids, clause kinds, file:line) are never shortened:
they pass through `ident`, not through a length limit, and every column is at least as wide
as the longest word in it, so rich wraps between words and never cuts one. When stdout is not
a terminal and COLUMNS is unset, each print is as wide as its content needs (`show`).
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table as RichTable
from rich.text import Text

from openness.report import (
    Clause,
    LicenseAssessment,
    PolicyResult,
    Report,
    ScanDocument,
    Step,
)
from openness.sanitize import DETAIL_LIMIT, IDENT_LIMIT, one_line

MARK = {True: ("✔", "green"), False: ("✘", "red"), None: ("?", "yellow")}
PIPE_WIDTH = 100  # prose wraps here when stdout is not a terminal and COLUMNS is unset


def t(value: object, style: str = "", limit: int = 200) -> Text:
    """Untrusted text made inert: cleaned, one line, never parsed as markup."""
    return Text(one_line(str(value), limit), style=style)


def ident(value: object, style: str = "") -> Text:
    """An identifier: cleaned like `t`, never shortened (see IDENT_LIMIT)."""
    return Text(one_line(str(value), IDENT_LIMIT), style=style)


def said(value: object, style: str = "") -> Text:
    """Our words around identifiers (a policy violation, a verdict's reason): cleaned like `t`,
    shown whole and wrapped by rich, never cut inside the ids they list (see DETAIL_LIMIT)."""
    return Text(one_line(str(value), DETAIL_LIMIT), style=style)


def excerpt(value: object, style: str = "", limit: int = 160) -> Text:
    """Prose quoted from a repo's file: cleaned like `t` and, when longer than `limit`,
    shortened after the word that reaches it, never inside a word, so a URL or repo id in it
    is printed whole (a hostile run without spaces still ends, at IDENT_LIMIT past `limit`)."""
    line = one_line(str(value), DETAIL_LIMIT)
    if len(line) <= limit:
        return Text(line, style=style)
    end = line.find(" ", limit)
    end = min(len(line) if end == -1 else end, limit + IDENT_LIMIT)
    shown = line[:end].rstrip()
    return Text(shown + (" …" if end < len(line) else ""), style=style)


_ident = ident  # for functions where `ident` names the identified license


def idents(values: Iterable[object], style: str = "", sep: str = ", ") -> Text:
    """Identifiers joined by `sep`: rich may wrap after a comma, never inside an id."""
    return Text(sep.join(one_line(str(v), IDENT_LIMIT) for v in values), style=style)


# -- consoles and widths -----------------------------------------------------------------------


class ReportConsole(Console):
    """A Console that knows the width prose should wrap at (`base_width`) and whether nobody
    fixed it (`fit`: stdout is not a terminal and COLUMNS is unset)."""

    def __init__(self, *, fit: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fit = fit
        self.base_width = self.width

    def on_broken_pipe(self) -> None:
        """The reader left (`openness licenses | head`). rich would exit 1 here, the code for a
        failed policy; the command line decides what a closed stdout means."""
        self.quiet = True  # nothing more is written
        raise BrokenPipeError(errno.EPIPE, "the reader of the output left")


def make_console(no_color: bool, force_terminal: bool | None, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    columns = os.environ.get("COLUMNS", "").strip()
    fit = not columns.isdigit() and not stream.isatty()
    return ReportConsole(
        fit=fit,
        stderr=stderr,
        no_color=no_color,
        # rich's no_color drops colours but still writes bold, dim and underline: with colour
        # off, no style at all (NO_COLOR, --color never).
        color_system=None if no_color else "auto",
        force_terminal=force_terminal,
        width=PIPE_WIDTH if fit else (int(columns) if columns.isdigit() else None),
        highlight=False,
        markup=False,
        emoji=False,
    )


def show(console: Console, renderable: RenderableType, *, records: bool = False) -> None:
    """Print at a width that never cuts a word: the terminal's (or COLUMNS, or PIPE_WIDTH when
    piped), widened when the content's longest unbreakable run needs more. `records`: when
    piped with COLUMNS unset, one record per line (as wide as the widest row)."""
    base = getattr(console, "base_width", console.width)
    need = _measure(console, renderable)
    if getattr(console, "fit", False) and records:
        width = max(need.maximum, need.minimum)
    else:
        width = max(base, need.minimum)
    console.width = width
    console.print(renderable)


def _measure(console: Console, renderable: RenderableType) -> Measurement:
    options = console.options.update_width(10_000)
    if isinstance(renderable, Panel):  # a Panel measures itself at full width
        inner = Measurement.get(console, options, renderable.renderable)
        title = renderable.title
        title_len = cell_len(title.plain if isinstance(title, Text) else str(title or ""))
        return Measurement(max(inner.minimum + 4, title_len + 6), inner.maximum + 4)
    return Measurement.get(console, options, renderable)


class Table(RichTable):
    """A rich Table whose columns are never narrower than the longest word in them.

    rich shrinks the widest columns first when a table is too wide, without regard to the
    words in them, and then folds or ellipsises a word that no longer fits. Here every column
    keeps its minimum (its longest word) and the width is taken from columns that have room;
    `show` makes sure the console is wide enough for the sum of the minimums.
    """

    def _calculate_column_widths(self, console: Console, options: Any) -> list[int]:
        widths = super()._calculate_column_widths(console, options)
        minimums = [self._measure_column(console, options, c).minimum for c in self.columns]
        widths = [max(width, least) for width, least in zip(widths, minimums, strict=True)]
        excess = sum(widths) - options.max_width
        while excess > 0:
            room = [width - least for width, least in zip(widths, minimums, strict=True)]
            if not any(room):
                break
            widest = room.index(max(room))  # take from the column with the most room first
            take = min(excess, room[widest])
            widths[widest] -= take
            excess -= take
        return widths


def render_reports(
    console: Console, reports: list[Report], kinds: Mapping[str, Any] | None = None
) -> None:
    for report in reports:
        show(console, report_panel(report, kinds))


def report_panel(report: Report, kinds: Mapping[str, Any] | None = None) -> Panel:
    subject = report.subject
    title = Text.assemble(
        ident(subject.repo_id, "bold"), " @ ", t((subject.revision or "unpinned")[:12], "cyan")
    )
    parts: list[RenderableType] = [license_view(report.license)]
    parts += duties_view(report.license, kinds)
    parts += [Text(""), frameworks_view(report)]
    parts.append(ladder_view(report.openness.rung, report.openness.steps))
    if report.lineage.base_chain or report.lineage.notes:
        parts.append(lineage_view(report))
    if report.policy is not None:
        parts.append(policy_view(report.policy))
    if report.problems:
        parts.append(problems_view(report))
    subtitle = Text(
        f"source: {subject.source}"
        + (f" · renamed from {one_line(subject.renamed_from)}" if subject.renamed_from else "")
        + (f" · gated: {subject.gated}" if subject.gated else "")
        + (f" · {_cache_note(report)}" if report.cache else "")
    )
    return Panel(Group(*parts), title=title, subtitle=subtitle, title_align="left")


def _cache_note(report: Report) -> str:
    """How old a cached answer is, offline or not, and whether its bases were re-checked."""
    use = report.cache
    assert use is not None
    note = f"cached {_age(use.age_seconds)} ago"
    if use.offline:
        note += " · offline"
    if use.dependencies_checked is False:
        note += " · bases not re-checked"
    return note


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _verdict(value: bool | None) -> Text:
    mark, style = MARK[value]
    word = {True: "yes", False: "no", None: "unknown"}[value]
    return Text(f"{mark} {word}", style=style)


def license_view(lic: LicenseAssessment) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    ident = lic.identified
    if ident:
        name = Text.assemble(
            t(ident.name),
            " (",
            _ident(ident.id),
            ")",
            Text(f"  confidence {ident.confidence:.2f}", style="dim"),
            Text("  modified", style="yellow") if ident.modified else "",
        )
        head.add_row("License", name)
        if ident.modified:  # what makes it modified: one difference a line
            shown = _shown_differences(ident.differences)
            for number, difference in enumerate(shown):
                head.add_row("Differs" if number == 0 else "", excerpt(difference, "yellow", 240))
        head.add_row("Identified from", _ident(ident.source))
    else:
        head.add_row("License", Text("not identified", style="yellow"))
    if lic.declared:
        head.add_row("Declared", idents(lic.declared))
    head.add_row("SPDX", _ident(lic.spdx or "-"))
    if lic.use_policy:
        where = lic.use_policy.read_from or "catalog only: not read"
        head.add_row(
            "Use policy", Text.assemble(t(lic.use_policy.name), "  ", _ident(f"({where})", "dim"))
        )
    head.add_row("OSI approved", _verdict(lic.osi_approved))
    terms = lic.effective
    if terms is not None and (len(terms.licenses) > 1 or terms.osd_compliant != lic.osd_compliant):
        # The headline is the terms that bind (own + bases, or a base that could not be
        # named); the repo's own verdict beside it.
        binding = _verdict(terms.osd_compliant)
        binding.append_text(said(f": {terms.reason}"))
        head.add_row("OSD compliant", binding)
        head.add_row("  own license", _own_verdict(lic))
    else:
        head.add_row("OSD compliant", _own_verdict(lic))
    if lic.unread:
        basis = "; ".join(lic.basis) or "nothing"
        head.add_row(
            "Not read",
            Text.assemble(idents(lic.unread), said(f": the verdict rests on {basis}")),
        )
    rows: list[object] = [Text("License", style="bold underline"), head]
    failing = [c for c in lic.osd if c.status == "fail"]
    by_kind = _first_clause_by_kind(lic.clauses)
    for crit in failing:
        rows.append(Text(f"  ✘ OSD {crit.criterion}. {crit.title}", style="red"))
        for kind in crit.clauses:
            clause = by_kind[kind]
            where = clause.source + (f":{clause.line}" if clause.line else "")
            label = Text.assemble(_clause_label(clause), "  ", _ident(where, "cyan"))
            rows.append(Padding(label, (0, 0, 0, 6)))
            if clause.excerpt:
                rows.append(Padding(excerpt(f"“{clause.excerpt}”", "italic", 180), (0, 0, 0, 8)))
    for b in lic.effective.licenses[1:] if lic.effective else []:
        if b.osd_compliant is not False:
            continue
        chain = idents([*b.via, b.from_], "red", sep=" → ")
        rows.append(Text.assemble(Text("  ✘ bound through base ", style="red"), chain))
        for crit in b.osd_failing:
            label = Text.assemble(
                _ident(b.id or "unknown"),
                "  ",
                t(f"OSD {crit.criterion}. {crit.title}:"),
                " ",
                idents(crit.clauses),
            )
            rows.append(Padding(label, (0, 0, 0, 6)))
    for finding in lic.findings:
        rows.append(Text.assemble(Text("! ", style="yellow"), said(finding.message)))
    return Group(*rows)


def _shown_differences(differences: list[str]) -> list[str]:
    """At most 8. A text named only by its title is reworded throughout: its differing lines
    (kept in the JSON) would be the whole text, so the table shows what changed in substance."""
    if differences and differences[0].startswith("named by its title only"):
        substance = [d for d in differences[1:] if not d.startswith("line ")]
        hidden = len(differences) - 1 - len(substance)
        note = [f"(+{hidden} reworded lines, in the JSON report)"] if hidden else []
        return [differences[0], *substance, *note][:8]
    return differences[:8]


def _own_verdict(lic: LicenseAssessment) -> Text:
    osd = _verdict(lic.osd_compliant)
    if lic.osd_reason and lic.osd_compliant is not False:
        osd.append("  ")
        osd.append(said(f"({lic.osd_reason})", "dim"))
    return osd


def _first_clause_by_kind(clauses: list[Clause]) -> dict[str, Clause]:
    out: dict[str, Clause] = {}
    for clause in clauses:
        out.setdefault(clause.kind, clause)
    return out


def _clause_label(clause: Clause) -> Text:
    label = ident(clause.kind)
    if clause.value is not None:
        label.append(f" = {clause.value:,}" + (f" {clause.unit}" if clause.unit else ""))
    return label


def ladder_view(rung: int, steps: list[Step]) -> Group:
    table = Table(show_header=True, header_style="bold", box=None)
    table.add_column("rung", width=4)
    table.add_column("step", max_width=22)
    table.add_column("met", width=9)
    table.add_column("evidence")
    for step in steps:
        mark, style = MARK[step.met]
        met = Text(f"{mark} {step.confidence}", style=style)
        table.add_row(str(step.rung), t(step.name), met, _step_evidence(step))
    title = Text.assemble(
        Text("Openness ladder", style="bold underline"), Text(f"  rung {rung} of 5", style="bold")
    )
    return Group(Text(""), title, table)


def _step_evidence(step: Step) -> Text:
    """The reason (our words, naming repo and dataset ids) whole; of the evidence, the first
    item: a line quoted from a file or an attestation's note may be shortened between words,
    what we wrote from the Hub's answers (a file, a dataset and its state) is whole."""
    if step.met is not True:
        text = said(step.reason or "; ".join(step.looked_for))
        if step.evidence:
            text.append(f"  ({len(step.evidence)} partial evidence item(s))", style="dim")
        return text
    if not step.evidence:
        return said(step.reason or "")
    first = step.evidence[0]
    where = first.source + (f":{first.line}" if first.line else "")
    label = "attested: " if first.attested else ""
    quoted = first.line is not None or first.attested
    detail = excerpt(first.detail, limit=100) if quoted else said(first.detail)
    text = Text.assemble(label, detail, "  ", ident(f"[{where}]", "dim"))
    if len(step.evidence) > 1:
        text.append(f"  (+{len(step.evidence) - 1} more)", style="dim")
    return text


def lineage_view(report: Report) -> Group:
    lineage = report.lineage
    rows: list[object] = [
        Text(""),
        Text.assemble(Text("Lineage", style="bold underline"), Text(f"  {lineage.relation or ''}")),
    ]
    for link in lineage.base_chain:
        line = Text.assemble(
            ident(link.child or report.subject.repo_id), " → ", ident(link.repo_id, "bold")
        )
        if link.error:
            line.append_text(Text.assemble("  ", said(f"not read: {link.error}", "yellow")))
        elif link.license:
            line.append_text(Text.assemble(" ", ident(f"({link.license})", "dim")))
        how = ", ".join(x for x in (link.relation, link.source) if x)
        if how:
            line.append_text(Text.assemble("  ", ident(f"[{how}]", "dim")))
        rows.append(line)
    for conflict in lineage.license_conflicts:
        rows.append(Text.assemble(Text("✘ ", style="red"), said(conflict.message)))
    if lineage.inherited_steps:
        rows.append(
            Text(
                f"rungs {', '.join(map(str, lineage.inherited_steps))} judged from the "
                "base (re-upload)",
                style="dim",
            )
        )
    rows += [Text.assemble("• ", said(note, "dim")) for note in lineage.notes]
    return Group(*rows)


def policy_view(policy: PolicyResult) -> Group:
    verdict = Text(*STATUS[policy.status])
    rows: list[object] = [
        Text(""),
        Text.assemble(
            Text("Policy", style="bold underline"),
            "  ",
            verdict,
            "  ",
            ident(f"({policy.source})", "dim"),
        ),
    ]
    for v in policy.violations:
        rows.append(Text.assemble("  ", ident(v.rule, "bold"), ": ", said(v.detail)))
    for v in policy.undecided:
        rows.append(
            Text.assemble("  ", ident(v.rule, "bold"), " (could not be decided): ", said(v.detail))
        )
    for exc in policy.exceptions_applied:
        rows.append(
            Text.assemble(
                "  exception: ",
                t(f"{exc.reason} (approved by {exc.approved_by}, until {exc.expires})"),
            )
        )
    for exc in policy.exceptions_expired:
        rows.append(
            Text.assemble(
                "  expired exception: ",
                t(f"{exc.reason} (approved by {exc.approved_by}, expired {exc.expires})"),
                "",
            )
        )
    return Group(*rows)


STATUS = {
    "passed": ("✔ passed", "green"),
    "failed": ("✘ failed", "red"),
    "exempted": ("⚠ exempted", "yellow"),
    "ignored": ("– ignored", "dim"),
    "incomplete": ("? incomplete", "yellow"),
    "unlocked": ("✘ not locked", "red"),
    "audited": ("· no policy", "dim"),
}


def render_scan(console: Console, doc: ScanDocument) -> None:
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("where")
    table.add_column("model")
    table.add_column("verdict", width=13)
    table.add_column("why")
    for ref in doc.references:
        label, style = STATUS[ref.status]
        rules = "; ".join(f"{v.rule}: {v.detail}" for v in ref.violations)
        why = rules or ref.message or ""
        if ref.status == "exempted":  # say who accepted what
            why = f"{ref.message}; accepted: {rules}" if rules else ref.message or ""
        table.add_row(
            ident(f"{ref.file}:{ref.line}"),
            ident(ref.repo_id),
            Text(label, style=style),
            said(why),
        )
    if doc.references:  # else a note says "no model references found in N files"
        show(console, table)
        policy = _policy_line(doc)
        lockfile = doc.lockfile or "openness.lock"
        lock = f"  (judged against {lockfile}, no network)" if doc.locked else ""
        console.print(Text.assemble(said(policy, "dim"), Text(lock, style="dim")))
    # problems first: each is a file or line not read, where a reference went unchecked
    for problem in doc.problems:
        console.print(Text.assemble(Text("! ", style="yellow"), said(problem, "yellow")))
    for note in doc.notes:
        console.print(Text.assemble(Text("• ", style="dim"), said(note)))


def _policy_line(doc: ScanDocument) -> str:
    """Which policy judged the references, or why nothing was enforced (naming the file)."""
    unenforced = doc.nothing_enforced
    return f"{unenforced}: nothing is enforced" if unenforced else f"policy: {doc.policy_source}"


def problems_view(report: Report) -> Group:
    rows: list[object] = [Text(""), Text("Problems", style="bold underline")]
    for problem in report.problems:
        line = Text.assemble(Text("• ", style="yellow"), said(problem.message))
        if problem.remedy:
            line.append_text(Text.assemble(" → ", said(problem.remedy, "dim")))
        rows.append(line)
    return Group(*rows)


def render_licenses(
    console: Console, results: list, kinds: Mapping[str, Any] | None = None
) -> None:  # list[LicenseFileResult]
    for result in results:
        parts: list[object] = [license_view(result), *duties_view(result, kinds)]
        for problem in result.problems:
            parts.append(Text.assemble(Text("• ", style="yellow"), said(problem.message)))
        show(console, Panel(Group(*parts), title=ident(result.file, "bold"), title_align="left"))


def render_catalog(console: Console, entries: list) -> None:  # list[CatalogEntry]
    table = Table(show_header=True, header_style="bold")
    for column in ("id", "name", "SPDX", "OSI", "clauses"):
        table.add_column(column)
    for e in entries:
        osi, style = MARK[e.osi_approved]
        table.add_row(
            ident(e.id), t(e.name), ident(e.spdx), Text(osi, style=style), idents(e.clauses)
        )
    show(console, table, records=True)


def render_clauses(console: Console, kinds: list) -> None:  # list[ClauseKindEntry]
    table = Table(show_header=True, header_style="bold")
    for column in ("kind", "severity", "OSD", "meaning"):
        table.add_column(column)
    style = {"blocking": "red", "warning": "yellow", "info": "dim"}
    for k in kinds:
        meaning = t(k.title, "bold")
        if k.rationale:
            meaning.append_text(Text.assemble(": ", t(k.rationale)))
        table.add_row(
            ident(k.kind),
            Text(k.severity, style=style.get(k.severity, "")),
            Text(", ".join(map(str, k.osd_criteria)) or "-"),
            meaning,
        )
    show(console, table, records=True)


# -- what a product team must do -------------------------------------------------------------


def duties_view(
    lic: LicenseAssessment, kinds: Mapping[str, Any] | None = None
) -> list[RenderableType]:
    """ "You must": the clauses that do not break the OSD (severity warning or info) but bind a
    user, one line each with where they were read, the repo's own license first, then those
    that bind through a base model. Rows, or nothing when there is no such clause."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column()
    own = lic.identified.id if lic.identified else None
    seen: set[tuple[str, str | None]] = set()
    places: dict[str, list[Clause]] = {}
    for clause in lic.clauses:
        if clause.severity != "blocking":
            places.setdefault(clause.kind, []).append(clause)
    for kind, found in places.items():
        seen.add((kind, own))
        first = found[0]
        line = Text.assemble(t(first.title), "  ")
        source = first.source.split(" <", 1)[0]  # "catalog:llama2 <url>": the id says enough
        line.append_text(ident(source + (f":{first.line}" if first.line else ""), "cyan"))
        if len(found) > 1:
            line.append(f"  (+{len(found) - 1} more)", style="dim")
        grid.add_row(ident(kind), line)
    for b in lic.effective.licenses if lic.effective and kinds else []:
        if b.relation == "own":
            continue
        for kind in b.clauses:
            spec = kinds.get(kind) if kinds else None
            if spec is None or spec.severity == "blocking" or (kind, b.id) in seen:
                continue
            seen.add((kind, b.id))
            line = Text.assemble(t(spec.title), "  (through base ")
            line.append_text(ident(b.from_, "cyan"))
            line.append_text(Text.assemble(", ", ident(b.id or "unknown license"), ")"))
            grid.add_row(ident(kind), line)
    if not grid.row_count:
        return []
    return [
        Text(""),
        Text("You must", style="bold underline"),
        Padding(grid, (0, 0, 0, 2)),
    ]


def frameworks_view(report: Report) -> Text:
    """The MOF class and the OSAID verdict, on one line."""
    ladder = report.openness
    line = Text.assemble(Text("Frameworks", style="bold"), "  MOF class ")
    line.append(ladder.mof_class or "none", style="bold" if ladder.mof_class else "yellow")
    if ladder.mof_class_unknown:
        line.append(" (higher ? unknown: ", style="yellow")
        line.append_text(said(ladder.mof_class_unknown, "dim"))
        line.append(")", style="yellow")
    if ladder.osaid is not None:
        mark, style = MARK[{"pass": True, "fail": False}.get(ladder.osaid.verdict)]
        line.append("  ·  OSAID ")
        line.append(f"{mark} {ladder.osaid.verdict}", style=style)
        if ladder.osaid.missing:
            line.append("  ")
            line.append_text(said(f"(missing: {', '.join(ladder.osaid.missing)})", "dim"))
    return line
