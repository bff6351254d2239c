"""`openness index site DIR`: the index as a static site, deployable as it is (GitHub Pages).

The site is plain files with relative links and no server: `index.html` (charts, then the
leaderboard), `changes.html` (models whose license, verdict of the terms that bind, clause
kinds or rung changed between two audits: openness.index.changes, each with openness.diff's
summary folded under it), and one page per model under `models/` (the HTML report's model
section, `_model.html.j2`, then the model's history). One model's report is read at a time.

The leaderboard is complete in the HTML; one small inline script sorts and filters the rows
already there (by rung, license, OSD verdict of the terms that bind, MOF class, organisation,
downloads, and free text), reading its filters from the URL (`index.html#rung=5&q=apache`).
Every page carries a Content-Security-Policy that allows no script but that one, by its hash,
and no style but the page's own stylesheet, by its hash: a repo string that slipped through
escaping could neither run nor restyle the page. Every string from a repo reaches the page
through the report's Jinja2 environment (autoescape, `clean`, http(s) links only). A model
page's file name is derived from the repo id and made safe: a Hub id `org/name` becomes
`org--name.html` (the Hub allows neither `--` nor `..` in ids); anything else becomes
`x-<safe characters>-<hash>.html`, so no id can reach outside `models/`.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import itertools
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from openness.errors import UsageError
from openness.formats.html import environment, model_view, safe_url
from openness.index.changes import ModelChange, compare
from openness.index.store import IndexRow, IndexStore
from openness.report import Report
from openness.sanitize import one_line

MODELS_DIR = "models"
WORD = {True: "yes", False: "no", None: "unknown"}
# One part of a Hub repo id (org or name): what the Hub accepts, without `--` or `..`.
_HUB_PART = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_-])?")
_SHA = re.compile(r"[0-9a-f]{40}")
DOWNLOAD_STEPS = (1_000, 10_000, 100_000, 1_000_000, 10_000_000)
TOP_LICENSES = 12  # bars in the licenses chart; the rest are summed as "other"
CHANGE_KINDS = {
    "license": "license",
    "osd": "OSD verdict",
    "clauses": "clause kinds",
    "rung": "rung",
}


def _script() -> str:
    return files("openness.index").joinpath("templates", "leaderboard.js").read_text("utf-8")


def csp_hash(text: str) -> str:
    """The CSP source that allows exactly this inline script or stylesheet."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def csp(style: str, script: str | None = None) -> str:
    """Nothing may load or run but the page's own stylesheet and (the leaderboard) script."""
    scripts = f"; script-src {csp_hash(script)}" if script is not None else ""
    return (
        f"default-src 'none'; style-src {csp_hash(style)}{scripts}; base-uri 'none'; "
        "form-action 'none'"
    )


# -- file names --------------------------------------------------------------------------------


def page_name(repo_id: str) -> str:
    """A file name (without `.html`) for a model's page that cannot leave `models/`: `org--name`
    for a Hub id, else `x-` and the id's safe characters and a hash of the id."""
    parts = repo_id.split("/")
    hub_like = len(parts) == 2 and all(_HUB_PART.fullmatch(p) for p in parts)
    if hub_like and ".." not in repo_id and "--" not in repo_id:
        return f"{parts[0]}--{parts[1]}"
    return _hashed_name(repo_id)


def _hashed_name(repo_id: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", repo_id).strip("-")[:60].strip("-")
    digest = hashlib.sha256(repo_id.lower().encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"x-{readable}-{digest}" if readable else f"x-{digest}"


def _unique_names(repo_ids: Iterable[str]) -> dict[str, str]:
    """Lower-case repo id -> page name, unique even on a case-insensitive file system."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for repo_id in repo_ids:
        key = repo_id.lower()
        if key in names:
            continue
        name = page_name(repo_id)
        if name.lower() in taken:
            name = _hashed_name(repo_id)
        while name.lower() in taken:  # a hash collision: practically never
            name += "-x"
        taken.add(name.lower())
        names[key] = name
    return names


# -- what the pages show -------------------------------------------------------------------------


@dataclass
class Shown:
    """A change (openness.index.changes) as the changes page shows it."""

    change: ModelChange
    details: list[str] = field(default_factory=list)  # openness.diff's summary, when read


@dataclass
class Revision:
    """One row of a model's history, with what changed since the row before."""

    row: IndexRow
    url: str | None
    kinds: list[str]
    lines: list[str]
    first: bool


@dataclass
class Entry:
    """One model of the leaderboard: its newest row (without the report body) and what the
    filters and charts need. The report itself is read only while its page is written."""

    row: IndexRow
    name: str
    rank: int
    licenses: list[str]
    osd: str  # terms that bind: yes | no | unknown
    own: str  # own license: yes | no | unknown
    mof: str  # I | II | III | none
    org: str
    search: str
    bindings: dict[str, bool | None]  # each license that binds it, with that license's verdict

    @property
    def href(self) -> str:
        return f"{MODELS_DIR}/{self.name}.html"


def _report(row: IndexRow) -> tuple[Report | None, str | None]:
    try:
        return row.report(), None
    except Exception as exc:  # a row written by another version: the columns still show
        return None, f"the stored report could not be read ({one_line(str(exc), 200)})"


def _licenses(row: IndexRow) -> list[str]:
    return [x.strip() for x in row.license_ids.split(",") if x.strip()]


def _short(sha: str) -> str:
    return sha[:12] if sha else "unpinned"


def _details(old_report: Report | None, new_report: Report | None) -> list[str]:
    if old_report is None or new_report is None:
        return []
    try:
        from openness.diff import diff_reports

        return diff_reports(old_report, new_report).summary
    except Exception:  # the details are a courtesy; the change itself is already known
        return []


def changes_of(rows: list[IndexRow], reports: list[Report | None]) -> list[Shown]:
    """The changes between consecutive rows of one repo (openness.index.changes.compare),
    each with openness.diff's summary of every difference when both reports were read."""
    out: list[Shown] = []
    kept = [i for i, row in enumerate(rows) if not row.unread]  # as `index changes` does
    for old, new in itertools.pairwise(kept):
        change = compare(rows[old], rows[new])
        if change is not None:
            out.append(Shown(change, _details(reports[old], reports[new])))
    return out


def _revision_url(report: Report | None, sha: str) -> str | None:
    if report is None or report.subject.source != "hub" or not _SHA.fullmatch(sha):
        return None
    base = safe_url(report.subject.url)
    return safe_url(f"{base.rstrip('/')}/tree/{sha}") if base else None


def _history(rows: list[IndexRow], reports: list[Report | None]) -> list[Revision]:
    """Newest first, each with what changed since the audit before it."""
    out: list[Revision] = []
    for i, row in enumerate(rows):
        kinds: list[str] = []
        lines: list[str] = []
        if i:
            change = compare(rows[i - 1], row)
            if change is not None:
                kinds, lines = list(change.changed), change.summary
            elif rows[i - 1].sha == row.sha:
                lines = ["re-audited: no change in license, verdict, clause kinds or rung"]
            else:
                lines = ["no change in license, verdict, clause kinds or rung"]
        out.append(Revision(row, _revision_url(reports[i], row.sha), kinds, lines, i == 0))
    return out[::-1]


def _entries(store: IndexStore, listed_since: str | None) -> list[Entry]:
    rows: list[IndexRow] = []
    seen: set[str] = set()
    for row in store.latest(listed_since):  # two rows audited the same second: keep the first
        if row.repo_id.lower() not in seen:
            seen.add(row.repo_id.lower())
            rows.append(row)
    names = _unique_names(r.repo_id for r in rows)
    entries = []
    for rank, row in enumerate(rows, start=1):
        report, _ = _report(row)
        licenses = _licenses(row)
        org = row.org
        osd, own = WORD[row.effective_osd], WORD[row.own_osd]
        mof = row.mof_class or "none"
        words = [row.repo_id, *licenses, f"rung {row.rung}", f"osd {osd}", f"mof {mof}"]
        entries.append(
            Entry(
                row=dataclasses.replace(row, report_json=""),
                name=names[row.repo_id.lower()],
                rank=rank,
                licenses=licenses,
                osd=osd,
                own=own,
                mof=mof,
                org=org,
                search=one_line(" ".join(words), 2000).lower(),
                bindings=_bindings(row, report),
            )
        )
    return entries


# -- charts --------------------------------------------------------------------------------------


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    cls: str
    tip: str


@dataclass
class Label:
    x: float
    y: float
    text: str
    cls: str = ""
    anchor: str = "start"


@dataclass
class Chart:
    id: str
    title: str
    summary: str
    width: float
    height: float
    rects: list[Rect]
    labels: list[Label]
    lines: list[tuple[float, float, float, float]]
    legend: list[tuple[str, str]]
    head: list[str]
    rows: list[list[str]]
    note: str = ""


def _n(value: int) -> str:
    return f"{value:,}"


def chart_rungs(entries: list[Entry]) -> Chart:
    counts = Counter(e.row.rung for e in entries)
    left, top, bottom, bar, gap = 36.0, 24.0, 196.0, 44.0, 14.0
    peak = max(counts.values(), default=0) or 1
    rects, labels = [], []
    for rung in range(6):
        n = counts.get(rung, 0)
        h = (bottom - top) * n / peak
        x = left + gap + rung * (bar + gap)
        tip = f"rung {rung}: {_n(n)} model{'s' * (n != 1)}"
        rects.append(Rect(x, bottom - h, bar, h, f"bar rung-{rung}", tip))
        labels.append(Label(x + bar / 2, bottom - h - 6, _n(n), "value", "middle"))
        labels.append(Label(x + bar / 2, bottom + 16, str(rung), "axis", "middle"))
    width = left + gap + 6 * (bar + gap)
    labels.append(Label(left + (width - left) / 2, bottom + 34, "openness rung", "axis", "middle"))
    summary = "Models per openness rung: " + "; ".join(
        f"rung {r}: {counts.get(r, 0)}" for r in range(6)
    )
    return Chart(
        id="chart-rungs",
        title="Models per rung",
        summary=summary,
        width=width,
        height=bottom + 42,
        rects=rects,
        labels=labels,
        lines=[(left, bottom, width, bottom)],
        legend=[],
        head=["rung", "models"],
        rows=[[str(r), _n(counts.get(r, 0))] for r in range(6)],
    )


def _bindings(row: IndexRow, report: Report | None) -> dict[str, bool | None]:
    """Each license that binds the model, with that license's own OSD verdict."""
    out: dict[str, bool | None] = {}
    if report is not None and report.license.effective and report.license.effective.licenses:
        for b in report.license.effective.licenses:
            key = b.id or "unknown"
            if key not in out or out[key] is None:
                out[key] = b.osd_compliant
        return out
    if report is not None and report.license.identified:
        return {report.license.identified.id: report.license.osd_compliant}
    return {lic: row.own_osd for lic in _licenses(row)[:1]} or {"not identified": row.own_osd}


def chart_licenses(entries: list[Entry]) -> Chart:
    tally: dict[str, Counter[str]] = {}
    for entry in entries:
        for lic, verdict in entry.bindings.items():
            tally.setdefault(lic, Counter())[WORD[verdict]] += 1
    ranked = sorted(tally.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    shown = ranked[:TOP_LICENSES]
    rest = ranked[TOP_LICENSES:]
    if rest:
        other: Counter[str] = Counter()
        for _, c in rest:
            other.update(c)
        shown.append((f"other ({len(rest)} licenses)", other))
    names = [one_line(lic, 32) for lic, _ in shown]
    label_w = min(max((len(n) for n in names), default=8) * 7.2 + 12, 250)
    row_h, top, span = 24.0, 30.0, 300.0
    peak = max((sum(c.values()) for _, c in shown), default=0) or 1
    rects, labels = [], []
    for i, ((_, counts), name) in enumerate(zip(shown, names, strict=True)):
        y = top + i * row_h
        labels.append(Label(label_w - 8, y + 15, name, "name", "end"))
        x = label_w
        for word, cls in (("yes", "seg-ok"), ("no", "seg-bad"), ("unknown", "seg-unk")):
            n = counts.get(word, 0)
            if not n:
                continue
            w = span * n / peak
            verdict = {"yes": "meets the OSD", "no": "fails the OSD", "unknown": "OSD unknown"}
            rects.append(Rect(x, y + 3, w, row_h - 6, cls, f"{name}: {_n(n)} {verdict[word]}"))
            if w >= 18:
                labels.append(Label(x + w / 2, y + 16, _n(n), f"in {cls}", "middle"))
            x += w
        labels.append(Label(x + 6, y + 16, _n(sum(counts.values())), "value"))
    height = top + max(len(shown), 1) * row_h + 10
    summary = "Models bound by each license, by that license's OSD verdict: " + "; ".join(
        f"{name}: {c.get('yes', 0)} pass, {c.get('no', 0)} fail, {c.get('unknown', 0)} unknown"
        for name, (_, c) in zip(names, shown, strict=True)
    )
    return Chart(
        id="chart-licenses",
        title="Licenses by OSD verdict",
        summary=summary,
        width=label_w + span + 60,
        height=height,
        rects=rects,
        labels=labels,
        lines=[(label_w, top - 4, label_w, height - 8)],
        legend=[
            ("seg-ok", "✔ meets the OSD"),
            ("seg-bad", "✘ fails the OSD"),
            ("seg-unk", "? unknown"),
        ],
        head=["license", "✔ meets the OSD", "✘ fails", "? unknown"],
        rows=[
            [name, _n(c.get("yes", 0)), _n(c.get("no", 0)), _n(c.get("unknown", 0))]
            for name, (_, c) in zip(names, shown, strict=True)
        ],
        note="Each license that binds a model (its own, and its bases'), with that license's "
        "own verdict.",
    )


def chart_downloads(entries: list[Entry]) -> Chart:
    by_rung = Counter({r: 0 for r in range(6)})
    for e in entries:
        by_rung[e.row.rung] += e.row.downloads or 0
    total = sum(by_rung.values())
    unknown = sum(1 for e in entries if e.row.downloads is None)
    row_h, top, left, span = 26.0, 20.0, 64.0, 300.0
    rects, labels = [], []
    for rung in range(6):
        share = by_rung[rung] / total if total else 0.0
        y = top + rung * row_h
        w = span * share
        pct = f"{share * 100:.1f}%"
        labels.append(Label(left - 8, y + 16, f"rung {rung}", "name", "end"))
        tip = f"rung {rung}: {pct} of downloads ({_n(by_rung[rung])})"
        rects.append(Rect(left, y + 4, w, row_h - 8, f"bar rung-{rung}", tip))
        labels.append(Label(left + w + 6, y + 17, f"{pct}  ({_n(by_rung[rung])})", "value"))
    height = top + 6 * row_h + 8
    note = f"{_n(total)} downloads in all."
    if unknown:
        note += f" {_n(unknown)} model{'s' * (unknown != 1)} without a download count."
    return Chart(
        id="chart-downloads",
        title="Share of downloads by openness rung",
        summary="Share of downloads by openness rung: "
        + "; ".join(f"rung {r}: {by_rung[r] / total * 100 if total else 0:.1f}%" for r in range(6)),
        width=left + span + 150,
        height=height,
        rects=rects,
        labels=labels,
        lines=[(left, top - 2, left, height - 6)],
        legend=[],
        head=["rung", "downloads", "share"],
        rows=[
            [str(r), _n(by_rung[r]), f"{by_rung[r] / total * 100 if total else 0:.1f}%"]
            for r in range(6)
        ],
        note=note,
    )


# -- writing -------------------------------------------------------------------------------------


def _env() -> Environment:
    env = environment(PackageLoader("openness.index", "templates"))
    env.globals.update(n=_n, word_of=WORD, change_kinds=CHANGE_KINDS, short=_short)
    return env


def _when(text: str) -> str:
    """An ISO timestamp as `2026-01-02 03:04 UTC` (as written when it is not one)."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _built_at() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = (
        dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        if epoch.isdigit()
        else dt.datetime.now(dt.timezone.utc)
    )
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _write(path: Path, text: str) -> Path:
    """Replace `path` only once the new page is whole (a deploy never serves half a page)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _options(values: Iterable[str]) -> list[tuple[str, int]]:
    counts = Counter(values)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def build_site(
    store: IndexStore,
    out_dir: Path,
    changes: Iterable[ModelChange] | None = None,
    kinds: Mapping[str, Any] | None = None,
    every_model: bool = False,
) -> list[Path]:
    """Write the site into `out_dir` (created if missing; pages of models no longer shown are
    removed from its `models/`). It shows the models the latest build named (the index's
    members: a model that fell out of `--top N` keeps its rows but leaves the site), or, with
    `every_model` or before any build recorded its listing, every model indexed. `changes`
    (openness.index.changes, e.g. `changes_since(store, since).changes`) defaults to every
    change in the shown models' histories. Returns the files written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: not a directory")
    models_dir = out_dir / MODELS_DIR
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot be written ({exc.strerror or exc})") from None
    if kinds is None:
        try:
            from openness.rules import load_rules

            kinds = load_rules().kinds
        except Exception:  # the pages still render; through-base duties are then not listed
            kinds = {}

    env = _env()
    style = env.get_template("_site.css.j2").render()
    script = _script()
    if "</" in script:
        raise AssertionError("the leaderboard script must not contain '</'")
    listed_since = None if every_model else store.last_listed()
    entries = _entries(store, listed_since)
    # Models indexed but not named by the latest build: counted (not read: columns only).
    left_out = sum(1 for _ in store.latest()) - len(entries) if listed_since else 0
    from openness import __version__

    common = {
        "style": Markup(style),  # ours, hashed into the CSP
        "built_at": _built_at(),
        "version": __version__,
        "when": _when,
        "count": len(entries),
        "listed_at": listed_since,
        "left_out": left_out,
        "changes_count": None,  # known once every history is read
    }
    written: list[Path] = []
    found: list[Shown] = []
    model = env.get_template("site_model.html.j2")
    for entry in entries:  # one report at a time: memory stays flat however big the index
        rows = store.history(entry.row.repo_id) or [entry.row]
        reports = [_report(row) for row in rows]
        if changes is None:
            found.extend(changes_of(rows, [r for r, _ in reports]))
        key = (entry.row.sha, entry.row.tool_version, entry.row.rules_digest)
        at = max(
            (i for i, r in enumerate(rows) if (r.sha, r.tool_version, r.rules_digest) == key),
            default=len(rows) - 1,
        )
        report, error = reports[at]
        page = model.render(
            **common,
            root="../",
            page="model",
            csp=csp(style),
            title=f"openness index: {one_line(entry.row.repo_id, 120)}",
            entry=entry,
            v=model_view(report, "model", kinds) if report else None,
            error=error,
            history=_history(rows, [r for r, _ in reports]),
        )
        written.append(_write(models_dir / f"{entry.name}.html", page))
    all_changes = [Shown(c) for c in changes] if changes is not None else found
    all_changes.sort(key=lambda s: (s.change.new.audited_at, s.change.repo_id.lower()))
    all_changes.reverse()  # newest first
    common["changes_count"] = len(all_changes)
    page = env.get_template("site_changes.html.j2").render(
        **common,
        root="",
        page="changes",
        csp=csp(style),
        title="openness index: what changed",
        changes=all_changes,
        by_repo={e.row.repo_id.lower(): e for e in entries},
    )
    written.append(_write(out_dir / "changes.html", page))
    index = env.get_template("site_index.html.j2").render(
        **common,
        root="",
        page="index",
        csp=csp(style, script),
        script=Markup(script),  # ours, hashed into the CSP
        title=f"openness index: {_n(len(entries))} models",
        entries=entries,
        charts=[chart_rungs(entries), chart_licenses(entries), chart_downloads(entries)],
        license_options=_options(lic.lower() for e in entries for lic in e.licenses),
        org_options=_options(e.org.lower() for e in entries if e.org),
        download_steps=DOWNLOAD_STEPS,
        newest=max((e.row.audited_at for e in entries), default=""),
    )
    written.append(_write(out_dir / "index.html", index))
    if not (out_dir / ".nojekyll").exists():  # GitHub Pages: serve the files as they are
        written.append(_write(out_dir / ".nojekyll", ""))
    keep = {p.name for p in written}
    for stale in models_dir.glob("*.html"):
        if stale.name not in keep:
            stale.unlink()
    return written
