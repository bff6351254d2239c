"""What changed between two audits of a model: its license, its ladder and its policy outcome.

`diff_reports(old, new, policy)` compares two reports of one repo (two revisions, or the same
revision audited twice) and says what moved: the license identified, its SPDX id, whether it was
modified, the clause kinds added and removed, the figures in clauses (a user threshold raised),
the verdict of the repo's own license against each OSD criterion, the terms that bind (own and
bases') and their verdict; the rung and each step's `met`; and the policy outcome. A model that
passed the policy and now fails it has `regressed`: that is the change a gate stops on.

`diff_documents` does the same for two sets of reports (two runs over an inventory), matching
reports by repo id as the Hub does (case-insensitively), and lists the models added or removed.
`read_reports` reads the reports of a JSON document `openness` wrote (audit, scan, a single
report, or jsonl). `render_markdown` and `render_table` show a result.

No verdict is made here: each side's verdicts are the audit's, and the policy is judged by
`openness.policy.evaluate`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console
from rich.text import Text

from openness.errors import UsageError, plain_invalid
from openness.policy import Policy, effective, evaluate
from openness.report import (
    SCHEMA_VERSION,
    BindingLicense,
    Clause,
    OsdStatus,
    PolicyResult,
    Report,
    Subject,
    Tool,
    Violation,
)

Value = str | int | float | bool | list[str] | None
PolicyStatus = Literal["passed", "failed", "exempted", "incomplete"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ValueChange(_Model):
    """A value that differs between the two reports (an unchanged value is null, not this)."""

    old: Value = None
    new: Value = None


class ClauseChange(_Model):
    """A clause kind found in one report and not in the other."""

    kind: str
    title: str
    severity: Literal["blocking", "warning", "info"]
    osd_criteria: list[int] = Field(default_factory=list)
    source: str | None = Field(None, description="Where it was read: 'LICENSE:18'.")
    excerpt: str | None = None


class FigureChange(_Model):
    """A figure in a clause that changed: a user-count or revenue threshold, a date."""

    kind: str
    unit: str | None = None
    old: int | None = None
    new: int | None = None
    source: str | None = Field(None, description="Where the new figure was read.")


class CriterionChange(_Model):
    """The repo's own license against one OSD criterion: pass, fail or unknown."""

    criterion: int
    title: str
    old: OsdStatus | None = None
    new: OsdStatus | None = None
    clauses: list[str] = Field(
        default_factory=list, description="The clause kinds behind the new status."
    )


class BindingChange(_Model):
    """A license that binds a user (the repo's own or a base's) added, removed or changed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    change: Literal["added", "removed", "changed"]
    id: str | None
    from_: str = Field(alias="from", description="The repo whose license it is.")
    relation: str
    osd_compliant: ValueChange | None = None
    clauses_added: list[str] = Field(default_factory=list)
    clauses_removed: list[str] = Field(default_factory=list)


class LicenseDiff(_Model):
    declared: ValueChange | None = None
    identified: ValueChange | None = Field(None, description="The identified license id.")
    spdx: ValueChange | None = None
    modified: ValueChange | None = None
    osi_approved: ValueChange | None = None
    osd_compliant: ValueChange | None = Field(None, description="The repo's own license.")
    decided: ValueChange | None = None
    use_policy: ValueChange | None = Field(None, description="The acceptable use policy's id.")
    osd: list[CriterionChange] = Field(default_factory=list)
    clauses_added: list[ClauseChange] = Field(default_factory=list)
    clauses_removed: list[ClauseChange] = Field(default_factory=list)
    figures: list[FigureChange] = Field(default_factory=list)
    effective_osd_compliant: ValueChange | None = Field(
        None, description="The verdict of the terms that bind (own and bases')."
    )
    binding: list[BindingChange] = Field(default_factory=list)


class StepChange(_Model):
    rung: int
    name: str
    old: bool | None = Field(description="true met, false not met, null unknown")
    new: bool | None
    reason: str | None = Field(None, description="Why the step is now not met or unknown.")


class LadderDiff(_Model):
    rung: ValueChange | None = None
    steps: list[StepChange] = Field(default_factory=list)
    mof_class: ValueChange | None = None
    osaid: ValueChange | None = None


class LineageDiff(_Model):
    relation: ValueChange | None = None
    bases_added: list[str] = Field(default_factory=list)
    bases_removed: list[str] = Field(default_factory=list)


class PolicyDiff(_Model):
    source: str
    old: PolicyStatus | None = None
    new: PolicyStatus | None = None
    regressed: bool = Field(
        False, description="The old report passed (or was exempted) and the new one fails."
    )
    violations_added: list[Violation] = Field(default_factory=list)
    violations_removed: list[Violation] = Field(default_factory=list)


class ReportDiff(_Model):
    repo_id: str
    old: Subject
    new: Subject
    changed: bool = Field(description="Anything below differs.")
    regressed: bool = Field(description="A model that passed the policy now fails it.")
    incomplete: bool = Field(
        description="Either audit is incomplete: what could not be read may hide a change."
    )
    gated: ValueChange | None = None
    complete: ValueChange | None = None
    license: LicenseDiff = Field(default_factory=LicenseDiff)
    openness: LadderDiff = Field(default_factory=LadderDiff)
    lineage: LineageDiff = Field(default_factory=LineageDiff)
    policy: PolicyDiff | None = Field(
        None, description="Null when neither a policy was given nor both reports carry one."
    )
    summary: list[str] = Field(default_factory=list, description="Each change in one line.")


class DiffDocument(_Model):
    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    diffs: list[ReportDiff] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list, description="Repos only in the new reports.")
    removed: list[str] = Field(default_factory=list, description="Repos only in the old reports.")
    changed: bool = False
    regressed: bool = Field(False, description="Some model that passed the policy now fails it.")


# -- comparing ---------------------------------------------------------------------------------


def _change(old: Value, new: Value) -> ValueChange | None:
    return None if old == new else ValueChange(old=old, new=new)


def diff_reports(
    old: Report, new: Report, policy: Policy | None = None, today: dt.date | None = None
) -> ReportDiff:
    """What changed from `old` to `new`. With a policy, both are judged by it (today); without
    one, the policy results the reports carry are compared, when both carry one."""
    lic = _license(old, new)
    ladder = _ladder(old, new)
    lineage = _lineage(old, new)
    verdict = _policy(old, new, policy, today)
    diff = ReportDiff(
        repo_id=new.subject.repo_id,
        old=old.subject,
        new=new.subject,
        changed=False,
        regressed=bool(verdict and verdict.regressed),
        incomplete=not (old.complete and new.complete),
        gated=_change(_gated(old.subject.gated), _gated(new.subject.gated)),
        complete=_change(old.complete, new.complete),
        license=lic,
        openness=ladder,
        lineage=lineage,
        policy=verdict,
    )
    diff.summary = _summary(diff)
    diff.changed = bool(
        diff.gated
        or diff.complete
        or lic != LicenseDiff()
        or ladder != LadderDiff()
        or lineage != LineageDiff()
        or (
            verdict
            and (
                verdict.old != verdict.new or verdict.violations_added or verdict.violations_removed
            )
        )
    )
    return diff


def diff_documents(
    old: list[Report], new: list[Report], policy: Policy | None = None, today: dt.date | None = None
) -> DiffDocument:
    """Each repo in both sets diffed (matched case-insensitively, in the new set's order), and
    the repos only in one of them."""
    before = {r.subject.repo_id.lower(): r for r in old}
    after = {r.subject.repo_id.lower(): r for r in new}
    diffs = [
        diff_reports(before[key], r, policy, today) for key, r in after.items() if key in before
    ]
    doc = DiffDocument(
        diffs=diffs,
        added=[r.subject.repo_id for key, r in after.items() if key not in before],
        removed=[r.subject.repo_id for key, r in before.items() if key not in after],
    )
    doc.changed = bool(doc.added or doc.removed or any(d.changed for d in diffs))
    doc.regressed = any(d.regressed for d in diffs)
    return doc


def _gated(value: object) -> Value:
    return value if isinstance(value, (str, bool)) or value is None else str(value)


def _where(clause: Clause) -> str:
    return clause.source + (f":{clause.line}" if clause.line else "")


def _first_by_kind(clauses: list[Clause]) -> dict[str, Clause]:
    out: dict[str, Clause] = {}
    for clause in clauses:
        out.setdefault(clause.kind, clause)
    return out


def _clause_change(clause: Clause) -> ClauseChange:
    return ClauseChange(
        kind=clause.kind,
        title=clause.title,
        severity=clause.severity,
        osd_criteria=clause.osd_criteria,
        source=_where(clause),
        excerpt=clause.excerpt,
    )


def _figures(old: list[Clause], new: list[Clause]) -> list[FigureChange]:
    """The first figure of each (kind, unit) on each side, where they differ."""

    def figures(clauses: list[Clause]) -> dict[tuple[str, str | None], Clause]:
        out: dict[tuple[str, str | None], Clause] = {}
        for c in clauses:
            if c.value is not None:
                out.setdefault((c.kind, c.unit), c)
        return out

    before, after = figures(old), figures(new)
    out = []
    for key in sorted(before.keys() & after.keys(), key=lambda k: (k[0], k[1] or "")):
        if before[key].value != after[key].value:
            out.append(
                FigureChange(
                    kind=key[0],
                    unit=key[1],
                    old=before[key].value,
                    new=after[key].value,
                    source=_where(after[key]),
                )
            )
    return out


def _osd(old: Report, new: Report) -> list[CriterionChange]:
    before = {c.criterion: c for c in old.license.osd}
    after = {c.criterion: c for c in new.license.osd}
    out = []
    for number in sorted(before.keys() | after.keys()):
        a, b = before.get(number), after.get(number)
        if (a.status if a else None) == (b.status if b else None):
            continue
        out.append(
            CriterionChange(
                criterion=number,
                title=(b or a).title,  # type: ignore[union-attr]
                old=a.status if a else None,
                new=b.status if b else None,
                clauses=b.clauses if b else [],
            )
        )
    return out


def _binding(old: Report, new: Report) -> list[BindingChange]:
    def key(b: BindingLicense) -> tuple[str, str]:
        return (b.from_.lower(), (b.id or "").lower())

    before = {key(b): b for b in effective(old).licenses}
    after = {key(b): b for b in effective(new).licenses}
    out = []
    for k, b in after.items():
        a = before.get(k)
        if a is None:
            out.append(
                BindingChange(
                    change="added",
                    id=b.id,
                    from_=b.from_,
                    relation=b.relation,
                    osd_compliant=ValueChange(old=None, new=b.osd_compliant),
                    clauses_added=sorted(set(b.clauses)),
                )
            )
            continue
        verdict = _change(a.osd_compliant, b.osd_compliant)
        added = sorted(set(b.clauses) - set(a.clauses))
        removed = sorted(set(a.clauses) - set(b.clauses))
        if verdict or added or removed:
            out.append(
                BindingChange(
                    change="changed",
                    id=b.id,
                    from_=b.from_,
                    relation=b.relation,
                    osd_compliant=verdict,
                    clauses_added=added,
                    clauses_removed=removed,
                )
            )
    for k, a in before.items():
        if k not in after:
            out.append(
                BindingChange(
                    change="removed",
                    id=a.id,
                    from_=a.from_,
                    relation=a.relation,
                    osd_compliant=ValueChange(old=a.osd_compliant, new=None),
                    clauses_removed=sorted(set(a.clauses)),
                )
            )
    return out


def _license(old: Report, new: Report) -> LicenseDiff:
    a, b = old.license, new.license
    clauses_a, clauses_b = _first_by_kind(a.clauses), _first_by_kind(b.clauses)
    return LicenseDiff(
        declared=_change(sorted(a.declared), sorted(b.declared)),
        identified=_change(
            a.identified.id if a.identified else None, b.identified.id if b.identified else None
        ),
        spdx=_change(a.spdx, b.spdx),
        modified=_change(
            a.identified.modified if a.identified else None,
            b.identified.modified if b.identified else None,
        ),
        osi_approved=_change(a.osi_approved, b.osi_approved),
        osd_compliant=_change(a.osd_compliant, b.osd_compliant),
        decided=_change(a.decided, b.decided),
        use_policy=_change(
            a.use_policy.id if a.use_policy else None, b.use_policy.id if b.use_policy else None
        ),
        osd=_osd(old, new),
        clauses_added=[_clause_change(c) for k, c in clauses_b.items() if k not in clauses_a],
        clauses_removed=[_clause_change(c) for k, c in clauses_a.items() if k not in clauses_b],
        figures=_figures(a.clauses, b.clauses),
        effective_osd_compliant=_change(effective(old).osd_compliant, effective(new).osd_compliant),
        binding=_binding(old, new),
    )


def _ladder(old: Report, new: Report) -> LadderDiff:
    a, b = old.openness, new.openness
    before = {s.rung: s for s in a.steps}
    steps = []
    for step in b.steps:
        prior = before.get(step.rung)
        was = prior.met if prior else None
        if prior is None or was != step.met:
            reason = step.reason or (
                f"looked for: {'; '.join(step.looked_for)}" if step.looked_for else None
            )
            steps.append(
                StepChange(
                    rung=step.rung,
                    name=step.name,
                    old=was,
                    new=step.met,
                    reason=None if step.met else reason,
                )
            )
    return LadderDiff(
        rung=_change(a.rung, b.rung),
        steps=steps,
        mof_class=_change(a.mof_class, b.mof_class),
        osaid=_change(a.osaid.verdict if a.osaid else None, b.osaid.verdict if b.osaid else None),
    )


def _lineage(old: Report, new: Report) -> LineageDiff:
    before = {link.repo_id.lower(): link.repo_id for link in old.lineage.base_chain}
    after = {link.repo_id.lower(): link.repo_id for link in new.lineage.base_chain}
    return LineageDiff(
        relation=_change(old.lineage.relation, new.lineage.relation),
        bases_added=[v for k, v in after.items() if k not in before],
        bases_removed=[v for k, v in before.items() if k not in after],
    )


def _policy(
    old: Report, new: Report, policy: Policy | None, today: dt.date | None
) -> PolicyDiff | None:
    if policy is not None:
        a: PolicyResult | None = evaluate(old, policy, today)
        b: PolicyResult | None = evaluate(new, policy, today)
    else:
        a, b = old.policy, new.policy
    if a is None or b is None:
        return None

    def keys(result: PolicyResult) -> dict[tuple[str, str], Violation]:
        return {(v.rule, v.detail): v for v in [*result.violations, *result.undecided]}

    ka, kb = keys(a), keys(b)
    return PolicyDiff(
        source=b.source,
        old=a.status,
        new=b.status,
        regressed=a.status in ("passed", "exempted") and b.status == "failed",
        violations_added=[v for k, v in kb.items() if k not in ka],
        violations_removed=[v for k, v in ka.items() if k not in kb],
    )


# -- in words ----------------------------------------------------------------------------------

_WORD = {True: "yes", False: "no", None: "unknown"}
_MET = {True: "met", False: "not met", None: "unknown"}


def _value(value: Value) -> str:
    if isinstance(value, bool) or value is None:
        return _WORD[value]
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return str(value)


def _figure(value: int | None, unit: str | None) -> str:
    if value is None:
        return "none"
    return f"{value:,}" + (f" {unit}" if unit else "")


def _summary(diff: ReportDiff) -> list[str]:
    out: list[str] = []
    if diff.old.revision != diff.new.revision:
        out.append(f"revision: {_short(diff.old.revision)} → {_short(diff.new.revision)}")
    lic = diff.license
    labelled = [
        ("declared license", lic.declared),
        ("license", lic.identified),
        ("SPDX", lic.spdx),
        ("modified from the catalog text", lic.modified),
        ("OSI approved", lic.osi_approved),
        ("own license meets the OSD", lic.osd_compliant),
        ("acceptable use policy", lic.use_policy),
        ("verdict decided", lic.decided),
    ]
    out += [f"{label}: {_value(c.old)} → {_value(c.new)}" for label, c in labelled if c]
    groups: dict[tuple[str, str, tuple[str, ...]], list[CriterionChange]] = {}
    for crit in lic.osd:  # criteria that moved alike, in one line
        key = (crit.old or "none", crit.new or "none", tuple(crit.clauses))
        groups.setdefault(key, []).append(crit)
    for (was, now, clauses), crits in groups.items():
        named = (
            f"OSD {crits[0].criterion} ({crits[0].title})"
            if len(crits) == 1
            else "OSD " + ", ".join(str(c.criterion) for c in crits)
        )
        why = f" by {', '.join(clauses)}" if clauses else ""
        out.append(f"{named}: {was} → {now}{why}")
    for clause in lic.clauses_added:
        out.append(f"clause added: {clause.kind} ({clause.source})")
    for clause in lic.clauses_removed:
        out.append(f"clause removed: {clause.kind} (was at {clause.source})")
    for fig in lic.figures:
        out.append(
            f"{fig.kind}: {_figure(fig.old, fig.unit)} → {_figure(fig.new, fig.unit)} "
            f"({fig.source})"
        )
    if lic.effective_osd_compliant:
        c = lic.effective_osd_compliant
        out.append(f"terms that bind meet the OSD: {_value(c.old)} → {_value(c.new)}")
    for b in lic.binding:
        if b.relation == "own" and b.change != "changed":
            continue  # the own license's id change is said above
        whose = "own license" if b.relation == "own" else f"through base {b.from_}"
        line = f"binding license {b.change}: {b.id or 'unknown'} ({whose})"
        if b.change == "changed" and b.osd_compliant:
            line += (
                f", meets the OSD: {_value(b.osd_compliant.old)} → {_value(b.osd_compliant.new)}"
            )
        if b.change == "changed" and (b.clauses_added or b.clauses_removed):
            moved = [f"+{k}" for k in b.clauses_added] + [f"-{k}" for k in b.clauses_removed]
            line += f", clauses {' '.join(moved)}"
        out.append(line)
    ladder = diff.openness
    if ladder.rung:
        out.append(f"openness rung: {ladder.rung.old} → {ladder.rung.new}")
    for step in ladder.steps:
        why = f": {step.reason}" if step.reason else ""
        out.append(f"rung {step.rung} {step.name}: {_MET[step.old]} → {_MET[step.new]}{why}")
    if ladder.mof_class:
        out.append(
            f"MOF class: {ladder.mof_class.old or 'none'} → {ladder.mof_class.new or 'none'}"
        )
    if ladder.osaid:
        out.append(f"OSAID: {_value(ladder.osaid.old)} → {_value(ladder.osaid.new)}")
    lineage = diff.lineage
    if lineage.relation:
        out.append(f"relation: {_value(lineage.relation.old)} → {_value(lineage.relation.new)}")
    out += [f"base added: {b}" for b in lineage.bases_added]
    out += [f"base removed: {b}" for b in lineage.bases_removed]
    if diff.gated:
        out.append(f"gated: {_value(diff.gated.old)} → {_value(diff.gated.new)}")
    if diff.complete:
        out.append(f"audit complete: {_value(diff.complete.old)} → {_value(diff.complete.new)}")
    verdict = diff.policy
    if verdict and verdict.old != verdict.new:
        line = f"policy ({verdict.source}): {verdict.old} → {verdict.new}"
        if verdict.violations_added:
            line += ": " + "; ".join(f"{v.rule}: {v.detail}" for v in verdict.violations_added)
        out.append(line)
    elif verdict and (verdict.violations_added or verdict.violations_removed):
        out += [f"policy violation added: {v.rule}: {v.detail}" for v in verdict.violations_added]
        out += [
            f"policy violation removed: {v.rule}: {v.detail}" for v in verdict.violations_removed
        ]
    return out


def _short(revision: str | None) -> str:
    return revision[:12] if revision else "unknown"


# -- reading reports ---------------------------------------------------------------------------


def read_reports(path: Path) -> list[Report]:
    """The reports in a file `openness` wrote: an audit or scan JSON document (`reports`), one
    report, or jsonl (one report a line; error lines are skipped). UsageError when it is none
    of those."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(text)
        items = data["reports"] if isinstance(data, dict) and "reports" in data else [data]
    except json.JSONDecodeError:
        try:
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            where = f"{exc.msg}, line {exc.lineno}"
            raise UsageError(f"{path}: not JSON or JSON lines ({where})") from None
        items = [line for line in lines if isinstance(line, dict) and "error" not in line]
    if not isinstance(items, list):
        raise UsageError(f"{path}: 'reports' is not a list")
    try:
        return [Report.model_validate(item) for item in items]
    except ValidationError as exc:
        raise UsageError(
            f"{path}: not a report openness wrote ({plain_invalid(exc)}); "
            "give the output of `openness audit -f json`"
        ) from None


def pick_report(reports: list[Report], repo_id: str | None, path: Path | str) -> Report:
    """The one report of `repo_id` (case-insensitively), or the only report when none is named."""
    if repo_id is not None:
        found = [r for r in reports if r.subject.repo_id.lower() == repo_id.lower()]
        if not found:
            raise UsageError(f"{path}: no report of {repo_id}")
        return found[0]
    if len(reports) != 1:
        ids = ", ".join(r.subject.repo_id for r in reports[:5]) or "none"
        raise UsageError(f"{path}: holds {len(reports)} reports ({ids}); name the repo")
    return reports[0]


# -- rendering ---------------------------------------------------------------------------------


def _headline(diff: ReportDiff) -> str:
    if diff.regressed:
        return "now fails the policy"
    if not diff.changed:
        return "no change"
    return "changed"


def render_markdown(doc: DiffDocument) -> str:
    """Markdown for a pull-request comment or a job summary; repo-sourced text is escaped."""
    from openness.formats.markdown import code, md

    lines = ["## openness: what changed", ""]
    if not doc.diffs and not doc.added and not doc.removed:
        lines.append("Nothing to compare.")
    for diff in doc.diffs:
        mark = "❌" if diff.regressed else ("🔄" if diff.changed else "✅")
        revs = f"{code(_short(diff.old.revision))} → {code(_short(diff.new.revision))}"
        lines.append(f"### {mark} {code(diff.repo_id)} {revs}: {_headline(diff)}")
        lines.append("")
        for line in diff.summary:
            lines.append(f"- {md(line, 600)}")
        if diff.incomplete:
            lines.append("- an audit is incomplete: what could not be read may hide a change")
        lines.append("")
    for repo in doc.added:
        lines.append(f"- added: {code(repo)}")
    for repo in doc.removed:
        lines.append(f"- removed: {code(repo)}")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_table(console: Console, doc: DiffDocument) -> None:
    """The human view: per model, a headline and one line per change."""
    from openness.formats.table import ident, t

    styles = {"now fails the policy": "bold red", "changed": "yellow", "no change": "green"}
    for diff in doc.diffs:
        head = _headline(diff)
        console.print(
            Text.assemble(
                ident(diff.repo_id, "bold"),
                Text(f" {_short(diff.old.revision)} → {_short(diff.new.revision)}: "),
                Text(head, style=styles[head]),
            )
        )
        for line in diff.summary:
            console.print(Text.assemble(Text("  • ", style="dim"), t(line, limit=600)))
        if diff.incomplete:
            console.print(
                Text("  an audit is incomplete: what could not be read may hide a change", "dim")
            )
    for repo in doc.added:
        console.print(Text.assemble(Text("added: "), ident(repo)))
    for repo in doc.removed:
        console.print(Text.assemble(Text("removed: "), ident(repo)))
