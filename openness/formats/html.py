"""One self-contained HTML page per run: inline CSS, inline SVG, no script, no external asset.

Every string from a repo reaches the page through Jinja2 with autoescape on, after `clean`
(escape sequences, controls and bidi characters removed), so a card that contains HTML or
`<script>` shows as text. Only http(s) URLs become links; anything else (file://, javascript:,
data:) is shown as text. A Content-Security-Policy meta (no script, no fetch, inline styles and
data: images only) stops script even if a bug let markup through. The SVG drawings (the ladder,
the lineage graph) are laid out here as numbers and labels; the template writes them, escaped
like the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from openness.formats.public import public_report
from openness.report import (
    AuditDocument,
    Clause,
    LicenseAssessment,
    Report,
    ScanDocument,
    Step,
)
from openness.sanitize import clean

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
TEXT_LIMIT = 4000  # any one string on the page; excerpts and ids are far shorter
CHAR_W = 7.4  # width of one character of the SVG's 12px monospace text, a little generous

VERDICT = {
    True: ("✔", "yes", "ok"),
    False: ("✘", "no", "bad"),
    None: ("?", "unknown", "unk"),
}
STEP_STATUS = {
    True: ("met", "✔"),
    False: ("not met", "✘"),
    None: ("unknown", "?"),
}
OSD_STATUS = {"pass": ("✔", "ok"), "fail": ("✘", "bad"), "unknown": ("?", "unk")}
POLICY_STATUS = {
    "passed": ("✔ passed", "ok"),
    "failed": ("✘ failed", "bad"),
    "exempted": ("⚠ exempted", "unk"),
    "incomplete": ("? incomplete", "unk"),
}
REF_STATUS = {
    "passed": ("✔ passed", "ok"),
    "failed": ("✘ failed", "bad"),
    "exempted": ("⚠ exempted", "unk"),
    "ignored": ("– ignored", "dim"),
    "incomplete": ("? incomplete", "unk"),
    "unlocked": ("✘ not locked", "bad"),
    "audited": ("· no policy", "dim"),
}
# Printable ASCII without space, quotes, angle brackets, backslash or backtick: anything else
# is not made a link (a real URL has them percent-encoded).
_URL_OK = re.compile(r"[!#-&(-;=?-\[\]-_a-~]+")


def safe_url(url: object) -> str | None:
    """The URL when it is an absolute http(s) URL a person may follow; else None (show text)."""
    if not isinstance(url, str) or len(url) > 2048 or not _URL_OK.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def _finalize(value: object) -> object:
    """Every `{{ }}` value: None prints nothing; strings are cleaned and capped, then escaped."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        text = clean(value)
        return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"
    return value


def _line(value: object, limit: int = 200) -> str:
    """One clean line of at most `limit` characters (SVG labels have no room to wrap)."""
    text = clean(str(value), keep_newlines=False)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _where(source: str | None, line: int | None) -> str:
    return f"{source or ''}{f':{line}' if line else ''}"


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def environment(*loaders: BaseLoader) -> Environment:
    """The report's Jinja2 environment: autoescape, `clean` on every value, the report's
    helpers. `loaders` are searched before the report's own templates, so another page (the
    index site) can include the model section (`_model.html.j2`) and the stylesheet."""
    env = Environment(
        loader=ChoiceLoader([*loaders, PackageLoader("openness.formats", "templates")]),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        safe_url=safe_url,
        verdict=lambda v: VERDICT[v],
        osd_status=lambda s: OSD_STATUS.get(s, ("?", "unk")),
        policy_status=lambda s: POLICY_STATUS.get(s, ("?", "unk")),
        ref_status=lambda s: REF_STATUS.get(s, (s, "dim")),
        step_status=lambda v: STEP_STATUS[v],
        where=_where,
        age=_age,
        CSP=CSP,
    )
    return env


_ENV: Environment | None = None


def _env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


# -- the view of one report ----------------------------------------------------------------------


@dataclass
class Duty:
    kind: str
    title: str
    where: str
    url: str | None
    more: int = 0
    through: str | None = None  # the base repo it binds through
    license: str | None = None  # that base's license


@dataclass
class LadderStep:
    step: Step
    status: str  # met | not-met | unknown (CSS class and data attribute)
    label: str
    mark: str
    x: float
    top: float
    width: float
    height: float
    cx: float
    cy: float
    name_lines: list[str]


@dataclass
class Ladder:
    width: float
    height: float
    base: float
    steps: list[LadderStep]
    rung: int
    summary: str


@dataclass
class Node:
    repo_id: str
    detail: str
    status: str  # ok | bad | unk (the OSD verdict of its license), or "subject"
    mark: str
    x: float
    y: float
    width: float


@dataclass
class Edge:
    path: str
    arrow: str
    label: str
    lx: float
    ly: float


@dataclass
class Graph:
    width: float
    height: float
    nodes: list[Node]
    edges: list[Edge]
    label: str


@dataclass
class View:
    anchor: str
    report: Report
    effective: bool | None
    own_license: str
    ladder: Ladder
    duties: list[Duty]
    clauses: list[tuple[Clause, str | None]]
    graph: Graph | None
    subject_url: str | None
    rev: str
    notes: list[str] = field(default_factory=list)


def _effective(lic: LicenseAssessment) -> bool | None:
    return lic.effective.osd_compliant if lic.effective is not None else lic.osd_compliant


def _own_license(lic: LicenseAssessment) -> str:
    if lic.identified is not None:
        return lic.identified.id
    if lic.spdx:
        return lic.spdx
    return ", ".join(lic.declared) or "not identified"


def clause_url(report: Report, clause: Clause) -> str | None:
    """A link a person can open for where the clause was read: the Hub's blob page at the
    audited revision and line, or the catalog's URL (`catalog:id <url>`)."""
    source = clause.source
    if source.startswith("catalog:"):
        found = re.search(r"<([^<>\s]+)>", source)
        return safe_url(found.group(1)) if found else None
    base = safe_url(report.subject.url)
    if base is None or report.subject.source not in ("hub", "mirror") or " " in source:
        return None
    url = f"{base.rstrip('/')}/blob/{quote(report.subject.revision or 'main')}/{quote(source)}"
    return safe_url(url + (f"#L{clause.line}" if clause.line else ""))


def _duties(report: Report, kinds: Mapping[str, Any]) -> list[Duty]:
    """ "You must": clauses that do not break the OSD but bind a user; own license first, then
    those that bind through a base (as in the terminal table)."""
    lic = report.license
    own = lic.identified.id if lic.identified else None
    places: dict[str, list[Clause]] = {}
    for clause in lic.clauses:
        if clause.severity != "blocking":
            places.setdefault(clause.kind, []).append(clause)
    out: list[Duty] = []
    seen: set[tuple[str, str | None]] = set()
    for kind, found in places.items():
        seen.add((kind, own))
        first = found[0]
        source = first.source.split(" <", 1)[0]
        out.append(
            Duty(
                kind=kind,
                title=first.title,
                where=_where(source, first.line),
                url=clause_url(report, first),
                more=len(found) - 1,
            )
        )
    for b in lic.effective.licenses if lic.effective else []:
        if b.relation == "own":
            continue
        for kind in b.clauses:
            spec = kinds.get(kind)
            if spec is None or spec.severity == "blocking" or (kind, b.id) in seen:
                continue
            seen.add((kind, b.id))
            out.append(
                Duty(
                    kind=kind,
                    title=spec.title,
                    where="",
                    url=None,
                    through=b.from_,
                    license=b.id or "unknown license",
                )
            )
    return out


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _ladder(report: Report) -> Ladder:
    """Five steps as a staircase, rung 1 lowest; shape, outline, icon and words all differ by
    status, so colour is never the only cue."""
    by_rung = {s.rung: s for s in report.openness.steps}
    col, gap, left = 172.0, 10.0, 8.0
    base = 150.0
    steps: list[LadderStep] = []
    for rung in range(1, 6):
        step = by_rung.get(rung) or Step(
            rung=rung, name="not assessed", met=None, confidence="low", reason="not in the report"
        )
        label, mark = STEP_STATUS[step.met]
        status = {True: "met", False: "not-met", None: "unknown"}[step.met]
        x = left + (rung - 1) * (col + gap)
        height = 36.0 + rung * 22.0
        top = base - height
        steps.append(
            LadderStep(
                step=step,
                status=status,
                label=label,
                mark=mark,
                x=x,
                top=top,
                width=col,
                height=height,
                cx=x + col / 2,
                cy=top + 22,
                name_lines=_wrap(_line(step.name, 60), 22)[:2],
            )
        )
    rung = report.openness.rung
    return Ladder(
        width=left * 2 + 5 * col + 4 * gap,
        height=base + 66,
        base=base,
        steps=steps,
        rung=rung,
        summary=f"Openness ladder: rung {rung} of 5; "
        + "; ".join(f"{s.step.rung} {s.step.name}: {s.label}" for s in steps),
    )


def _graph(report: Report) -> Graph | None:
    """The repo and its bases as a tree drawn top to bottom: each base below, and indented
    from, the repo that names it; an arrow from derivative to base with the relation."""
    chain = report.lineage.base_chain
    if not chain:
        return None
    root = report.subject.repo_id
    children: dict[str, list[int]] = {}
    for index, link in enumerate(chain):
        children.setdefault(link.child or root, []).append(index)
    order: list[tuple[int, int, int]] = []  # (link index, depth, parent row)
    placed: set[int] = set()

    def visit(repo: str, depth: int, row: int, trail: frozenset[str]) -> None:
        for index in children.get(repo, []):
            if index in placed:
                continue
            placed.add(index)
            order.append((index, depth + 1, row))
            base = chain[index].repo_id
            if base not in trail:  # a cycle is cut where it closes
                visit(base, depth + 1, len(order), trail | {base})

    visit(root, 0, 0, frozenset({root}))
    for index in range(len(chain)):  # links whose child is not in the drawing: under the repo
        if index not in placed:
            placed.add(index)
            order.append((index, 1, 0))

    row_h, box_h, indent, pad = 58.0, 40.0, 30.0, 8.0
    own = report.license
    own_verdict = _effective(own)
    mark, _, cls = VERDICT[own_verdict]
    subject_detail = f"{_own_license(own)} · terms that bind: {VERDICT[own_verdict][1]}"
    nodes = [_node(root, subject_detail, "subject", mark, pad, pad)]
    edges: list[Edge] = []
    for row, (index, depth, parent) in enumerate(order, start=1):
        link = chain[index]
        if link.error:
            detail, cls, mark = f"not read: {_line(link.error, 80)}", "unk", "?"
        else:
            mark, word, cls = VERDICT[link.osd_compliant]
            detail = f"{link.license or 'license unknown'} · OSD {word}"
        x, y = pad + depth * indent, pad + row * row_h
        nodes.append(_node(link.repo_id, detail, cls, mark, x, y))
        top = nodes[parent]
        sx, sy = top.x + 14, top.y + box_h
        ey = y + box_h / 2
        how = ", ".join(_line(x, 80) for x in (link.relation, link.source) if x)
        if link.inferred:
            how += " (inferred from the name)"
        edges.append(
            Edge(
                path=f"M{sx:.0f},{sy:.0f} V{ey:.0f} H{x - 6:.0f}",
                arrow=f"{x:.0f},{ey:.0f} {x - 8:.0f},{ey - 5:.0f} {x - 8:.0f},{ey + 5:.0f}",
                label=how,
                lx=x + nodes[-1].width + 10,
                ly=ey + 4,
            )
        )
    right = max(
        [n.x + n.width for n in nodes] + [e.lx + len(e.label) * CHAR_W * 0.9 for e in edges]
    )
    return Graph(
        width=right + pad,
        height=pad * 2 + len(nodes) * row_h - (row_h - box_h),
        nodes=nodes,
        edges=edges,
        label="Lineage: "
        + "; ".join(f"{link.child or root} derives from {link.repo_id}" for link in chain),
    )


def _node(repo_id: str, detail: str, status: str, mark: str, x: float, y: float) -> Node:
    repo_id, detail = _line(repo_id, 120), _line(detail, 100)
    width = max(len(repo_id), len(detail) + 2) * CHAR_W + 20
    return Node(repo_id=repo_id, detail=detail, status=status, mark=mark, x=x, y=y, width=width)


def _view(report: Report, index: int, kinds: Mapping[str, Any]) -> View:
    report = public_report(report)  # a page is shared: a mirror's file paths become Hub URLs
    lic = report.license
    return View(
        anchor=f"model-{index + 1}",
        report=report,
        effective=_effective(lic),
        own_license=_own_license(lic),
        ladder=_ladder(report),
        duties=_duties(report, kinds),
        clauses=[(c, clause_url(report, c)) for c in lic.clauses],
        graph=_graph(report),
        subject_url=safe_url(report.subject.url),
        rev=(report.subject.revision or "unpinned")[:12],
    )


def model_view(report: Report, anchor: str, kinds: Mapping[str, Any] | None = None) -> View:
    """What `_model.html.j2` draws for one report (its section's id is `anchor`)."""
    view = _view(report, 0, _kinds(kinds))
    view.anchor = anchor
    return view


def _kinds(kinds: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if kinds is not None:
        return kinds
    try:
        from openness.rules import load_rules

        return load_rules().kinds
    except Exception:  # the page still renders; through-base duties are then not listed
        return {}


def _title(reports: list[Report], what: str) -> str:
    if len(reports) == 1:
        return f"openness {what}: {_line(reports[0].subject.repo_id, 120)}"
    return f"openness {what}: {len(reports)} models"


def _page(**context: Any) -> str:
    return _env().get_template("report.html.j2").render(**context)


def render_audit(document: AuditDocument, kinds: Mapping[str, Any] | None = None) -> str:
    """The whole page for `openness audit`: a summary table, then each model."""
    known = _kinds(kinds)
    views = [_view(r, i, known) for i, r in enumerate(document.reports)]
    return _page(title=_title(document.reports, "audit"), document=document, views=views, scan=None)


def render_scan(document: ScanDocument, kinds: Mapping[str, Any] | None = None) -> str:
    """The whole page for `openness scan`: the references and their verdicts, then each model
    audited (summary table, then the models)."""
    known = _kinds(kinds)
    views = [_view(r, i, known) for i, r in enumerate(document.reports)]
    title = f"openness scan: {len(document.references)} model reference(s)"
    return _page(title=title, document=document, views=views, scan=document)
