"""The human report, with rich. Every repo-sourced string is cleaned and passed as Text."""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from openness.report import Clause, LicenseAssessment, Report, Step
from openness.sanitize import one_line

MARK = {True: ("✔", "green"), False: ("✘", "red"), None: ("?", "yellow")}


def t(value: object, style: str = "", limit: int = 200) -> Text:
    """Untrusted text made inert: cleaned, one line, never parsed as markup."""
    return Text(one_line(str(value), limit), style=style)


def render_reports(console: Console, reports: list[Report]) -> None:
    for report in reports:
        console.print(report_panel(report))


def report_panel(report: Report) -> Panel:
    subject = report.subject
    title = Text.assemble(
        t(subject.repo_id, "bold"), " @ ", t((subject.revision or "unpinned")[:12], "cyan")
    )
    parts = [license_view(report.license), ladder_view(report.openness.rung, report.openness.steps)]
    if report.problems:
        parts.append(problems_view(report))
    subtitle = Text(
        f"source: {subject.source}" + (f" · gated: {subject.gated}" if subject.gated else "")
    )
    return Panel(Group(*parts), title=title, subtitle=subtitle, title_align="left")


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
            t(ident.id),
            ")",
            Text(f"  confidence {ident.confidence:.2f}", style="dim"),
            Text("  modified", style="yellow") if ident.modified else "",
        )
        head.add_row("License", name)
        head.add_row("Identified from", t(ident.source))
    else:
        head.add_row("License", Text("not identified", style="yellow"))
    if lic.declared:
        head.add_row("Declared", t(", ".join(lic.declared)))
    head.add_row("SPDX", t(lic.spdx or "-"))
    head.add_row("OSI approved", _verdict(lic.osi_approved))
    osd = _verdict(lic.osd_compliant)
    if lic.osd_reason and lic.osd_compliant is not False:
        osd.append(Text(f"  ({one_line(lic.osd_reason, 100)})", style="dim"))
    head.add_row("OSD compliant", osd)
    rows: list[object] = [Text("License", style="bold underline"), head]
    failing = [c for c in lic.osd if c.status == "fail"]
    by_kind = _first_clause_by_kind(lic.clauses)
    for crit in failing:
        rows.append(Text(f"  ✘ OSD {crit.criterion}. {crit.title}", style="red"))
        for kind in crit.clauses:
            clause = by_kind[kind]
            where = clause.source + (f":{clause.line}" if clause.line else "")
            label = Text.assemble(_clause_label(clause), "  ", t(where, "cyan", 90))
            rows.append(Padding(label, (0, 0, 0, 6)))
            if clause.excerpt:
                rows.append(Padding(t(f"“{clause.excerpt}”", "italic", 180), (0, 0, 0, 8)))
    for finding in lic.findings:
        rows.append(Text.assemble(Text("! ", style="yellow"), t(finding.message, limit=300)))
    return Group(*rows)


def _first_clause_by_kind(clauses: list[Clause]) -> dict[str, Clause]:
    out: dict[str, Clause] = {}
    for clause in clauses:
        out.setdefault(clause.kind, clause)
    return out


def _clause_label(clause: Clause) -> Text:
    label = t(clause.kind)
    if clause.value is not None:
        label.append(f" = {clause.value:,}" + (f" {clause.unit}" if clause.unit else ""))
    return label


def ladder_view(rung: int, steps: list[Step]) -> Group:
    table = Table(show_header=True, header_style="bold", expand=True, box=None)
    table.add_column("rung", width=4)
    table.add_column("step", ratio=2)
    table.add_column("met", width=9)
    table.add_column("evidence", ratio=5)
    for step in steps:
        mark, style = MARK[step.met]
        met = Text(f"{mark} {step.confidence}", style=style)
        table.add_row(str(step.rung), t(step.name), met, _step_evidence(step))
    title = Text.assemble(
        Text("Openness ladder", style="bold underline"), Text(f"  rung {rung} of 5", style="bold")
    )
    return Group(Text(""), title, table)


def _step_evidence(step: Step) -> Text:
    if step.evidence:
        first = step.evidence[0]
        where = first.source + (f":{first.line}" if first.line else "")
        text = Text.assemble(
            t(first.detail, limit=100), Text(f"  [{one_line(where, 60)}]", style="dim")
        )
        if len(step.evidence) > 1:
            text.append(f"  (+{len(step.evidence) - 1} more)", style="dim")
        if step.met is not True and step.reason:
            text = Text.assemble(t(step.reason, limit=140), "  ", text)
        return text
    return t(step.reason or "; ".join(step.looked_for), limit=160)


def problems_view(report: Report) -> Group:
    rows: list[object] = [Text(""), Text("Problems", style="bold underline")]
    for problem in report.problems:
        line = Text.assemble(Text("• ", style="yellow"), t(problem.message, limit=200))
        if problem.remedy:
            line.append_text(Text.assemble(" → ", t(problem.remedy, "dim", 120)))
        rows.append(line)
    return Group(*rows)


def render_licenses(console: Console, results: list) -> None:  # list[LicenseFileResult]
    for result in results:
        parts: list[object] = [license_view(result)]
        for problem in result.problems:
            parts.append(Text.assemble(Text("• ", style="yellow"), t(problem.message)))
        console.print(Panel(Group(*parts), title=t(result.file, "bold"), title_align="left"))


def render_catalog(console: Console, entries: list) -> None:  # list[CatalogEntry]
    table = Table(show_header=True, header_style="bold")
    for column in ("id", "name", "SPDX", "OSI", "clauses"):
        table.add_column(column)
    for e in entries:
        osi, style = MARK[e.osi_approved]
        table.add_row(
            t(e.id),
            t(e.name, limit=60),
            t(e.spdx),
            Text(osi, style=style),
            t(", ".join(e.clauses), limit=200),
        )
    console.print(table)
