"""The human report, with rich. Every repo-sourced string is cleaned and passed as Text."""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from openness.report import (
    Clause,
    LicenseAssessment,
    PolicyResult,
    Report,
    ScanDocument,
    Step,
)
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
    if report.lineage.base_chain or report.lineage.notes:
        parts.append(lineage_view(report))
    if report.policy is not None:
        parts.append(policy_view(report.policy))
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
    if lic.use_policy:
        where = lic.use_policy.read_from or "catalog only: not read"
        head.add_row(
            "Use policy", Text.assemble(t(lic.use_policy.name), "  ", t(f"({where})", "dim"))
        )
    head.add_row("OSI approved", _verdict(lic.osi_approved))
    terms = lic.effective
    if terms is not None and len(terms.licenses) > 1:
        # The headline is the terms that bind (own + bases); the repo's own verdict beside it.
        binding = _verdict(terms.osd_compliant)
        binding.append_text(t(f": {terms.reason}", limit=400))
        head.add_row("OSD compliant", binding)
        head.add_row("  own license", _own_verdict(lic))
    else:
        head.add_row("OSD compliant", _own_verdict(lic))
    if lic.unread:
        basis = "; ".join(lic.basis) or "nothing"
        head.add_row(
            "Not read", t(f"{', '.join(lic.unread)}: the verdict rests on {basis}", limit=300)
        )
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
    for b in lic.effective.licenses[1:] if lic.effective else []:
        if b.osd_compliant is not False:
            continue
        via = " → ".join([*b.via, b.from_])
        rows.append(Text.assemble(Text("  ✘ bound through base ", style="red"), t(via, "red")))
        for crit in b.osd_failing:
            label = f"OSD {crit.criterion}. {crit.title}: {', '.join(crit.clauses)}"
            rows.append(Padding(t(f"{b.id}  {label}", limit=200), (0, 0, 0, 6)))
    for finding in lic.findings:
        rows.append(Text.assemble(Text("! ", style="yellow"), t(finding.message, limit=300)))
    return Group(*rows)


def _own_verdict(lic: LicenseAssessment) -> Text:
    osd = _verdict(lic.osd_compliant)
    if lic.osd_reason and lic.osd_compliant is not False:
        osd.append(Text(f"  ({one_line(lic.osd_reason, 160)})", style="dim"))
    return osd


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
    if step.met is not True:
        text = t(step.reason or "; ".join(step.looked_for), limit=160)
        if step.evidence:
            text.append(f"  ({len(step.evidence)} partial evidence item(s))", style="dim")
        return text
    if not step.evidence:
        return t(step.reason or "", limit=160)
    first = step.evidence[0]
    where = first.source + (f":{first.line}" if first.line else "")
    label = "attested: " if first.attested else ""
    text = Text.assemble(
        t(label + first.detail, limit=100), Text(f"  [{one_line(where, 60)}]", style="dim")
    )
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
            t(link.child or report.subject.repo_id), " → ", t(link.repo_id, "bold")
        )
        if link.error:
            line.append_text(Text.assemble("  ", t(f"not read: {link.error}", "yellow")))
        elif link.license:
            line.append_text(Text.assemble(" ", t(f"({link.license})", "dim")))
        how = ", ".join(x for x in (link.relation, link.source) if x)
        if how:
            line.append_text(Text.assemble("  ", t(f"[{how}]", "dim", 200)))
        rows.append(line)
    for conflict in lineage.license_conflicts:
        rows.append(Text.assemble(Text("✘ ", style="red"), t(conflict.message, limit=300)))
    if lineage.inherited_steps:
        rows.append(
            Text(
                f"rungs {', '.join(map(str, lineage.inherited_steps))} judged from the "
                "base (re-upload)",
                style="dim",
            )
        )
    rows += [Text.assemble("• ", t(note, "dim", 200)) for note in lineage.notes]
    return Group(*rows)


def policy_view(policy: PolicyResult) -> Group:
    verdict = Text("✔ passed", style="green") if policy.passed else Text("✘ failed", style="red")
    rows: list[object] = [
        Text(""),
        Text.assemble(
            Text("Policy", style="bold underline"),
            "  ",
            verdict,
            "  ",
            t(f"({policy.source})", "dim"),
        ),
    ]
    for v in policy.violations:
        rows.append(Text.assemble("  ", t(v.rule, "bold"), ": ", t(v.detail, limit=300)))
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
}


def render_scan(console: Console, doc: ScanDocument) -> None:
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("where", ratio=2, overflow="fold")
    table.add_column("model", ratio=2, overflow="fold")
    table.add_column("verdict", width=13)
    table.add_column("why", ratio=4)
    for ref in doc.references:
        label, style = STATUS[ref.status]
        rules = "; ".join(f"{v.rule}: {v.detail}" for v in ref.violations)
        why = rules or ref.message or ""
        if ref.status == "exempted":  # say who accepted what
            why = f"{ref.message}; accepted: {rules}" if rules else ref.message or ""
        table.add_row(
            t(f"{ref.file}:{ref.line}"), t(ref.repo_id), Text(label, style=style), t(why, limit=400)
        )
    if doc.references:  # else the problems say "no model references found in N files"
        console.print(table)
    for problem in doc.problems:
        console.print(Text.assemble(Text("• ", style="yellow"), t(problem)))


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
