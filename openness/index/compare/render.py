"""`openness index compare` for people: a table on the terminal, or markdown."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from openness.index.compare.document import (
    CLASS_LABELS,
    CLASSES,
    STEP_FIELDS,
    CompareDocument,
    Disagreement,
    FieldAgreement,
    OurSide,
    TheirSide,
    Value,
    shown_value,
)

# Evidence and reasons come from our reports and the kept ratings (bounded already): shown
# whole, so that a URL in them is never cut.
LONG = 2000

FIELD_LABELS = {
    "step1": "1 weights",
    "step2": "2 report",
    "step3": "3 code",
    "step4": "4 data",
    "step5": "5 pipeline",
    "rung": "rung",
    "class": "MOF class",
    "osd": "OSD",
    "osaid": "OSAID",
}


def _cell(figure: FieldAgreement | None) -> str:
    if figure is None or (not figure.compared and not figure.undecided):
        return "-"
    text = f"{figure.agree}/{figure.compared}"
    if figure.undecided:
        text += f" ({figure.undecided}?)"
    return text


def _steps_total(doc: CompareDocument, fw: str) -> FieldAgreement:
    total = FieldAgreement(framework=fw, field="steps")
    for a in doc.agreement:
        if a.framework == fw and a.field in STEP_FIELDS:
            total.compared += a.compared
            total.agree += a.agree
            total.undecided += a.undecided
    return total.settle()


def _pct(figure: FieldAgreement) -> str:
    return f"{100 * figure.rate:.0f}%" if figure.rate is not None else "-"


def _shown(field: str, value: Value) -> str:
    if field in STEP_FIELDS:
        return shown_value(value)
    if field == "osd":
        return {True: "pass", False: "fail", None: "unknown"}.get(value, str(value))  # type: ignore[arg-type]
    return str(value)


def _line(d: Disagreement) -> str:
    return (
        f"{FIELD_LABELS[d.field]}: ours {_shown(d.field, d.ours)}, "
        f"{d.framework} {_shown(d.field, d.theirs)}"
    )


def _our_evidence(side: OurSide) -> str:
    parts = [side.reason or ""]
    for e in side.evidence[:2]:
        parts.append(f"{e.detail} [{e.source}]" + (f" {e.url}" if e.url else ""))
    return "; ".join(p for p in parts if p)


def _their_evidence(side: TheirSide) -> str:
    where = side.entry + (f" ({side.url})" if side.url else "")
    return f"{side.reading} — {where}, {side.snapshot}; rates {side.rates or '?'} ({side.match})"


def render_table(console: Console, doc: CompareDocument) -> None:
    """The agreement figures, then each disagreement with both sides' evidence."""
    from openness.formats.table import Table, ident, show, t

    console.print(
        Text(
            f"{doc.models} models compared against {doc.ratings}"
            + (f"; {doc.not_rated} more in the index are not rated" if doc.not_rated else "")
        )
    )
    if doc.not_indexed:
        console.print(
            Text("not in the index: ", style="dim") + t(", ".join(doc.not_indexed), limit=2000)
        )
    table = Table(title="Agreement (agree/compared; ? = ours unknown, not counted)")
    table.add_column("framework", overflow="fold")  # wraps between words, never cut
    table.add_column("rated", justify="right")
    for label in (*[FIELD_LABELS[f] for f in STEP_FIELDS], "steps"):
        table.add_column(label, justify="right")
    for label in ("rung", "MOF class", "OSD", "OSAID"):
        table.add_column(label, justify="right")
    for cov in doc.frameworks:
        total = _steps_total(doc, cov.framework)
        table.add_row(
            cov.name,
            str(cov.rated),
            *[_cell(doc.figure(cov.framework, f)) for f in STEP_FIELDS],
            f"{_cell(total)} {_pct(total)}" if total.compared else "-",
            *[_cell(doc.figure(cov.framework, f)) for f in ("rung", "class", "osd", "osaid")],
        )
    width = console.width
    show(console, table)
    console.width = width  # prose wraps where it did
    counts = {c: sum(1 for d in doc.disagreements if d.classification == c) for c in CLASSES}
    console.print(
        Text(
            f"{len(doc.disagreements)} disagreements: "
            + ", ".join(f"{n} {CLASS_LABELS[c]}" for c, n in counts.items() if n)
            + (f"; {len(doc.undecided)} undecided on our side" if doc.undecided else "")
        )
    )
    for d in doc.disagreements:
        console.print(
            Text.assemble(
                ident(d.repo_id, "bold"),
                Text("  "),
                t(_line(d)),
                Text("  "),
                Text(CLASS_LABELS[d.classification], style=_STYLES[d.classification]),
                Text(" (recorded)" if d.recorded else "", style="dim"),
            )
        )
        console.print(Text.assemble(Text("    why:    ", style="dim"), t(d.why, limit=LONG)))
        console.print(
            Text.assemble(
                Text("    ours:   ", style="dim"), t(_our_evidence(d.our_side), limit=LONG)
            )
        )
        console.print(
            Text.assemble(
                Text("    theirs: ", style="dim"), t(_their_evidence(d.their_side), limit=LONG)
            )
        )
    for u in doc.undecided:
        console.print(
            Text.assemble(
                ident(u.repo_id, "dim"),
                Text(f"  {FIELD_LABELS[u.field]}: ours unknown, {u.framework} ", style="dim"),
                Text(_shown(u.field, u.theirs), style="dim"),
                Text(": ", style="dim"),
                t(u.why, "dim", limit=LONG),
            )
        )


_STYLES = {
    "ours": "bold red",
    "theirs": "magenta",
    "definition": "yellow",
    "stale": "cyan",
    "unclassified": "dim",
}


def render_markdown(doc: CompareDocument) -> str:
    """Markdown: the figures as a table, each disagreement with both sides; text escaped."""
    from openness.formats.markdown import code, md

    lines = [
        "## openness: agreement with hand-curated indices",
        "",
        f"{doc.models} models compared against {md(doc.ratings, 300)}."
        + (f" {doc.not_rated} more in the index are not rated." if doc.not_rated else ""),
        "",
        "| framework | rated | "
        + " | ".join(FIELD_LABELS[f] for f in STEP_FIELDS)
        + " | steps | rung | MOF class | OSD | OSAID |",
        "| --- | ---: | " + " | ".join(["---:"] * 10) + " |",
    ]
    for cov in doc.frameworks:
        total = _steps_total(doc, cov.framework)
        cells = [_cell(doc.figure(cov.framework, f)) for f in STEP_FIELDS]
        cells.append(f"{_cell(total)} ({_pct(total)})" if total.compared else "-")
        cells += [_cell(doc.figure(cov.framework, f)) for f in ("rung", "class", "osd", "osaid")]
        lines.append(f"| {md(cov.name)} | {cov.rated} | " + " | ".join(cells) + " |")
    lines += ["", "agree/compared; (n?) fields our side left unknown, not counted.", ""]
    if doc.disagreements:
        lines += [
            "| model | field | ours | theirs | class | why | our evidence | their evidence |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for d in doc.disagreements:
            label = CLASS_LABELS[d.classification] + (" (recorded)" if d.recorded else "")
            lines.append(
                f"| {code(d.repo_id)} | {md(FIELD_LABELS[d.field])} | "
                f"{md(_shown(d.field, d.ours))} | "
                f"{md(d.framework)}: {md(_shown(d.field, d.theirs))} | "
                f"{md(label)} | {md(d.why, LONG)} | {md(_our_evidence(d.our_side), LONG)} | "
                f"{md(_their_evidence(d.their_side), LONG)} |"
            )
    if doc.undecided:
        lines += ["", "Undecided on our side (not counted):", ""]
        for u in doc.undecided:
            lines.append(
                f"- {code(u.repo_id)} {md(FIELD_LABELS[u.field])} ({md(u.framework)} "
                f"{md(_shown(u.field, u.theirs))}): {md(u.why, LONG)}"
            )
    return "\n".join(lines).rstrip("\n") + "\n"
