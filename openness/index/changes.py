"""`openness index changes --since DATE`: the models whose license, verdict of the terms that
bind, clause kinds or rung changed between two consecutive audits in the index, the newer of
them audited since DATE.

A repo's rows are taken in the order they were indexed. Two consecutive rows at different
shas are a new revision of the model (`cause: revision`); at the same sha, the revision was
audited again by another openness version or other rules (`cause: re-audit`: the verdict
moved because openness did, not the model). Only pairs where one of the four things differs
are listed, oldest first, each with both shas.

A row whose audit is incomplete for a passing reason (rate limited, network: `IndexRow.unread`)
is not a side of any change: its "unknown" says what could not be read, not what the terms
are, and the next build replaces it. Its neighbours are compared across it, and the document
lists it apart (`unread`), so that a weekly feed says what it could not check.

What is compared is what the index's columns and reports hold: the binding licenses' ids (own
first), the effective OSD verdict (the terms that bind, own and bases'), the clause kinds (the
repo's own license's and every binding license's) and the ladder's rung. `openness diff
REPO@OLD REPO@NEW` says more about one pair.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from openness.errors import UsageError
from openness.index.store import IndexRow, IndexStore
from openness.report import SCHEMA_VERSION, Tool

ChangeKind = Literal["license", "osd", "clauses", "rung"]
WORD = {True: "yes", False: "no", None: "unknown"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuditedRevision(_Model):
    """One side of a change: a row of the index."""

    sha: str = Field(description="The 40-hex commit sha audited.")
    audited_at: str = Field(description="When it was audited, ISO 8601 UTC.")
    tool_version: str
    rules_digest: str
    license_ids: list[str] = Field(
        default_factory=list, description="The binding licenses' ids, own first."
    )
    effective_osd_compliant: bool | None = Field(
        None, description="The verdict of the terms that bind (own and bases')."
    )
    rung: int
    complete: bool = Field(
        description="False when something the verdicts depend on could not be read."
    )


class ModelChange(_Model):
    repo_id: str
    cause: Literal["revision", "re-audit"] = Field(
        description="revision: the sha moved; re-audit: the same sha audited by another "
        "openness version or other rules."
    )
    changed: list[ChangeKind] = Field(
        description="license: the binding license ids; osd: the effective OSD verdict; "
        "clauses: the clause kinds; rung: the openness rung."
    )
    old: AuditedRevision
    new: AuditedRevision
    clauses_added: list[str] = Field(default_factory=list)
    clauses_removed: list[str] = Field(default_factory=list)
    summary: list[str] = Field(default_factory=list, description="The changes in words.")


class UnreadRevision(_Model):
    """A revision audited since DATE whose files could not be read: not compared."""

    repo_id: str
    sha: str
    audited_at: str
    problems: list[str] = Field(description="The kinds of the problems its audit met.")


class ChangesDocument(_Model):
    """`openness index changes --format json`."""

    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    since: str = Field(description="The newer audit of each change is at or after this.")
    changes: list[ModelChange] = Field(default_factory=list, description="Oldest first.")
    unread: list[UnreadRevision] = Field(
        default_factory=list,
        description="Revisions audited since then whose files could not be read (rate "
        "limited, network): not a side of any change (the audits around them are compared); "
        "the next build reads them again. Oldest first.",
    )


# -- since ---------------------------------------------------------------------------------------


def parse_since(value: str) -> str:
    """DATE (YYYY-MM-DD) or an ISO 8601 date and time (UTC unless it says otherwise), as a
    string that compares with the index's `audited_at`."""
    text = value.strip()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--since {value!r} is not a date: give YYYY-MM-DD or an ISO 8601 date and time "
            "(2026-03-01T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


# -- finding them --------------------------------------------------------------------------------


def _licenses(row: IndexRow) -> list[str]:
    return [x.strip() for x in row.license_ids.split(",") if x.strip()]


def clause_kinds(report_json: str) -> set[str]:
    """The clause kinds of the repo's own license and of every license that binds it."""
    try:
        report = json.loads(report_json)
        lic = report.get("license") or {}
        kinds = {c.get("kind") for c in lic.get("clauses") or [] if isinstance(c, dict)}
        effective = lic.get("effective") or {}
        for binding in effective.get("licenses") or []:
            if isinstance(binding, dict):
                kinds.update(binding.get("clauses") or [])
    except (ValueError, AttributeError, TypeError):
        return set()
    return {str(k) for k in kinds if k}


def _side(row: IndexRow) -> AuditedRevision:
    return AuditedRevision(
        sha=row.sha,
        audited_at=row.audited_at,
        tool_version=row.tool_version,
        rules_digest=row.rules_digest,
        license_ids=_licenses(row),
        effective_osd_compliant=row.effective_osd,
        rung=row.rung,
        complete=row.complete,
    )


def compare(old: IndexRow, new: IndexRow) -> ModelChange | None:
    """The change between two consecutive rows of a repo, or None when none of the four moved."""
    changed: list[ChangeKind] = []
    summary: list[str] = []
    if _licenses(old) != _licenses(new):
        changed.append("license")
        was, now = ", ".join(_licenses(old)) or "none", ", ".join(_licenses(new)) or "none"
        summary.append(f"license: {was} → {now}")
    if old.effective_osd != new.effective_osd:
        changed.append("osd")
        summary.append(
            f"terms that bind meet the OSD: {WORD[old.effective_osd]} → {WORD[new.effective_osd]}"
        )
    before, after = clause_kinds(old.report_json), clause_kinds(new.report_json)
    if before != after:
        changed.append("clauses")
        if after - before:
            summary.append("clause kinds added: " + ", ".join(sorted(after - before)))
        if before - after:
            summary.append("clause kinds removed: " + ", ".join(sorted(before - after)))
    if old.rung != new.rung:
        changed.append("rung")
        summary.append(f"openness rung: {old.rung} → {new.rung}")
    if not changed:
        return None
    return ModelChange(
        repo_id=new.repo_id,
        cause="revision" if old.sha != new.sha else "re-audit",
        changed=changed,
        old=_side(old),
        new=_side(new),
        clauses_added=sorted(after - before),
        clauses_removed=sorted(before - after),
        summary=summary,
    )


def _repos_since(store: IndexStore, since: str) -> Iterator[str]:
    seen: set[str] = set()
    for row in store.since(since):
        if row.repo_id.lower() not in seen:
            seen.add(row.repo_id.lower())
            yield row.repo_id


def changes_since(store: IndexStore, since: str) -> ChangesDocument:
    """Every change whose newer row was audited at or after `since` (see parse_since), oldest
    first. One repo's history is read at a time."""
    found: list[ModelChange] = []
    unread: list[UnreadRevision] = []
    for repo_id in _repos_since(store, since):
        rows = store.history(repo_id)
        unread += [_unread(row) for row in rows if row.unread and row.audited_at >= since]
        for old, new in itertools.pairwise(readable(rows)):
            if new.audited_at >= since:
                change = compare(old, new)
                if change is not None:
                    found.append(change)
    found.sort(key=lambda c: (c.new.audited_at, c.repo_id.lower()))
    unread.sort(key=lambda u: (u.audited_at, u.repo_id.lower()))
    return ChangesDocument(since=since, changes=found, unread=unread)


def readable(rows: list[IndexRow]) -> list[IndexRow]:
    """The rows that can be a side of a change: not the ones whose files could not be read."""
    return [row for row in rows if not row.unread]


def _unread(row: IndexRow) -> UnreadRevision:
    return UnreadRevision(
        repo_id=row.repo_id,
        sha=row.sha,
        audited_at=row.audited_at,
        problems=list(row.problem_kinds()),
    )


def unread_line(doc: ChangesDocument) -> str | None:
    """One sentence naming the revisions that could not be read, or None."""
    if not doc.unread:
        return None
    count = len(doc.unread)
    names = ", ".join(f"{u.repo_id} {_short(u.sha)}" for u in doc.unread)
    noun = "revision" if count == 1 else "revisions"
    return (
        f"{count} {noun} could not be read (rate limited or network): {names}; not compared, "
        "the next build reads them again"
    )


# -- rendering -----------------------------------------------------------------------------------


def _short(sha: str) -> str:
    return sha[:12] if sha else "unpinned"


def _when(stamp: str) -> str:
    return stamp.replace("T", " ").replace("+00:00", " UTC")


def render_markdown(doc: ChangesDocument) -> str:
    """Markdown for an issue, a pull request or a job summary; repo-sourced text is escaped."""
    from openness.formats.markdown import code, md

    lines = [f"## openness index: changes since {md(doc.since)}", ""]
    if not doc.changes:
        lines.append("No model changed its license, OSD verdict, clause kinds or rung.")
    for change in doc.changes:
        revs = f"{code(_short(change.old.sha))} → {code(_short(change.new.sha))}"
        cause = "" if change.cause == "revision" else " (re-audited at the same revision)"
        lines.append(f"### {code(change.repo_id)} {revs}{cause}")
        lines.append("")
        lines.append(f"audited {md(_when(change.new.audited_at))}")
        lines.append("")
        lines += [f"- {md(line, 600)}" for line in change.summary]
        lines.append("")
    unread = unread_line(doc)
    if unread:
        lines += [md(unread, 4000), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def render_table(console, doc: ChangesDocument) -> None:  # type: ignore[no-untyped-def]
    """The human view: per change, a headline and one line per thing that moved."""
    from rich.text import Text

    from openness.formats.table import ident, t

    if not doc.changes:
        console.print(
            Text(
                f"No model changed its license, OSD verdict, clause kinds or rung since "
                f"{doc.since}."
            )
        )
    for change in doc.changes:
        cause = "" if change.cause == "revision" else " (re-audited at the same revision)"
        console.print(
            Text.assemble(
                ident(change.repo_id, "bold"),
                Text(f" {_short(change.old.sha)} → {_short(change.new.sha)}{cause}  "),
                Text(f"audited {_when(change.new.audited_at)}", style="dim"),
            )
        )
        for line in change.summary:
            console.print(Text.assemble(Text("  • ", style="dim"), t(line, limit=600)))
    unread = unread_line(doc)
    if unread:
        console.print(t(unread, style="dim", limit=4000))
