"""`openness index build`: audit a listing (and subject files) into the index, resumably.

The listing (`--top`, `--author`, `--search`) is one paged request that brings each model's
info and sha; what to audit is decided from it before any other request: a (repo, sha, tool
version, rules digest) already in the store with a complete audit is skipped, so an
interrupted build resumes where it stopped and a refresh re-audits only the models whose sha
moved. Older rows are kept (the index has history). A stored row whose audit was incomplete
is tried again (with the cache kept, one incomplete for good, gated files say, costs no
request; one that met a network error or a rate limit is read again) and replaced only when
the retry reads differently.

Models are audited on the batch's bounded pool, and each report becomes a row as soon as it
finishes (`on_done` -> `store.add`): the batch is fed in chunks, so no more than a chunk of
reports is ever held, however long the listing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openness.errors import OpennessError, UsageError
from openness.index.store import IndexRow, IndexStore, ListedModel, row_of

if TYPE_CHECKING:
    from openness.audit import Auditor
    from openness.batch import Outcome
    from openness.inventory import Listing, Planned

CHUNK_PER_JOB = 8  # reports held at most: jobs x this (the batch keeps a chunk's reports)
MIN_CHUNK = 64


@dataclass(frozen=True)
class Target:
    """One model to index."""

    repo_id: str
    revision: str | None  # what the audit is asked for: None for a listed model (primed info)
    sha: str | None  # the commit it is at, when known before auditing
    downloads: int | None = None


@dataclass
class Tally:
    """What a build did, for its closing line."""

    listed: int = 0  # models named by the listing and the files, each once
    indexed: int = 0  # already in the store: not audited again
    audited: int = 0  # audited and stored
    incomplete: int = 0  # of those, stored with an incomplete audit
    unread: int = 0  # incomplete for a passing reason (rate limited, network): exit 3
    unchanged: int = 0  # an incomplete row tried again that read the same: kept as it was
    failed: int = 0  # could not be audited: nothing stored, tried again next run
    interrupted: bool = False

    def line(self) -> str:
        words = [
            f"{self.listed} listed",
            f"{self.indexed} already indexed",
            f"{self.audited} audited"
            + (f" ({self.incomplete} incomplete)" if self.incomplete else ""),
        ]
        if self.unchanged:
            words.append(f"{self.unchanged} retried without change")
        words.append(f"{self.failed} failed")
        line = ", ".join(words)
        if self.unread:
            line += f"; {self.unread} incomplete: rate limited or a network error (run again)"
        return line


# -- what to index -------------------------------------------------------------------------------


def listed_targets(
    auditor: Auditor, listing: Listing, say: Callable[[str], None] | None = None
) -> list[Target]:
    """The models a listing names, most downloaded first, with the sha and downloads it gave
    (each one's info is handed to the source, as for `audit --top`)."""
    from openness.inventory import read_listing

    targets: list[Target] = []
    for repo_id, info in read_listing(auditor, listing, say, extra=("downloads",)):
        sha = info.get("sha") if isinstance(info.get("sha"), str) else None
        downloads = info.get("downloads")
        targets.append(
            Target(repo_id, None, sha, downloads if isinstance(downloads, int) else None)
        )
    return targets


def subject_targets(auditor: Auditor, planned: Planned, jobs: int) -> list[Target]:
    """Models named in --from files. Each one's sha is learnt first where that is cheap (a
    pinned sha: no request; a repo in the cache: one HEAD; offline: the sha last seen), so an
    indexed one is skipped; a repo never seen is audited (its info says the sha)."""
    from openness.sources.cached import SHA

    for subject, _revision in planned:
        if os.path.isabs(subject):
            raise UsageError(f"{subject}: a local folder: the index holds Hub models only")

    def resolve(item: tuple[str, str | None]) -> Target:
        repo_id, revision = item
        if revision and SHA.match(revision):
            return Target(repo_id, revision, revision)
        try:
            if auditor.mirror is not None:
                sha = auditor.mirror.fetch(repo_id, revision).revision
            else:
                sha, _seen = auditor.source.sha(repo_id, revision, "model")
        except OpennessError:
            return Target(repo_id, revision, None)  # the audit says what is wrong
        return Target(repo_id, sha or revision, sha)

    if not planned:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(planned)))) as pool:
        return list(pool.map(resolve, planned))


def combine_targets(*groups: list[Target]) -> list[Target]:
    """Every group in order, a model named twice (ids compared case-insensitively, at the same
    revision) indexed once, under its first mention (a listing's, which knows downloads)."""
    out: list[Target] = []
    seen: set[tuple[str, str | None]] = set()
    for group in groups:
        for target in group:
            key = (target.repo_id.lower(), target.sha or target.revision)
            if key not in seen:
                seen.add(key)
                out.append(target)
    return out


def listed_models(targets: list[Target]) -> list[ListedModel]:
    """What the build's targets say of each model (its first mention: the listing's), for
    `store.record_listing`: its current sha and downloads, known without auditing it."""
    seen: set[str] = set()
    out: list[ListedModel] = []
    for target in targets:
        if target.repo_id.lower() not in seen:
            seen.add(target.repo_id.lower())
            out.append(ListedModel(target.repo_id, target.sha, target.downloads))
    return out


# -- the store -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """What besides the commit decides a row: the tool and the rules."""

    tool_version: str
    rules_digest: str


def stored(store: IndexStore, repo_id: str, sha: str, key: Key) -> IndexRow | None:
    """The row for (repo, sha, tool, rules), if the store holds one."""
    if not store.has(repo_id, sha, key.tool_version, key.rules_digest):
        return None
    for row in reversed(store.history(repo_id)):
        if (row.sha, row.tool_version, row.rules_digest) == (
            sha,
            key.tool_version,
            key.rules_digest,
        ):
            return row
    return None


def _verdict(row: IndexRow) -> tuple[object, ...]:
    """What a retry of an incomplete row must change for the row to be replaced."""
    return (
        row.rung,
        row.license_ids,
        row.own_osd,
        row.effective_osd,
        row.mof_class,
        row.complete,
        row.problem_kinds(),
    )


def to_audit(store: IndexStore, targets: list[Target], key: Key, tally: Tally) -> list[Target]:
    """The targets the store does not hold yet (or holds with an incomplete audit), decided
    from the shas already known: no request is made here."""
    todo: list[Target] = []
    for target in targets:
        row = stored(store, target.repo_id, target.sha, key) if target.sha else None
        if row is not None and row.complete:
            tally.indexed += 1
        else:
            todo.append(target)
    return todo


# -- auditing ------------------------------------------------------------------------------------


def chunks(items: list[Target], size: int) -> Iterator[list[Target]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def build(
    store: IndexStore,
    auditor: Auditor,
    targets: list[Target],
    tally: Tally,
    jobs: int,
    on_error: Callable[[str, OpennessError], None] | None = None,
    on_finished: Callable[[str], None] | None = None,
    on_started: Callable[[str], None] | None = None,
) -> Tally:
    """Audit `targets` on the pool and store each report as it finishes. Ctrl-C stops handing
    out work; what was stored is kept (`tally.interrupted`)."""
    from openness import __version__
    from openness.batch import Interrupted, run_audits

    key = Key(__version__, auditor.rules.digest)
    lock = threading.Lock()
    stopped = threading.Event()
    size = max(MIN_CHUNK, jobs * CHUNK_PER_JOB)

    def keep(target: Target, outcome: Outcome) -> None:
        if outcome.report is None:
            tally.failed += 1
            return
        if not outcome.report.subject.revision:  # no commit sha to key a row to
            tally.failed += 1
            if on_error is not None:
                reason = "the Hub returned no commit sha: not indexed (tried again next run)"
                on_error(outcome.subject, OpennessError(f"model {outcome.subject}: {reason}"))
            return
        report = outcome.report.model_copy(update={"cache": None})  # the row is the revision's
        row = row_of(report, key.rules_digest, target.downloads)
        before = stored(store, row.repo_id, row.sha, key)
        if before is not None and before.complete:
            tally.indexed += 1  # a file's subject whose sha was learnt only by auditing it
            return
        if row.unread:
            tally.unread += 1
        if before is not None and _verdict(before) == _verdict(row):
            tally.unchanged += 1  # tried again, read the same: the first audit's row stays
            return
        store.add(row)
        tally.audited += 1
        if not row.complete:
            tally.incomplete += 1

    for chunk in chunks(targets, size):

        def on_done(outcome: Outcome, chunk: list[Target] = chunk) -> None:
            with lock:
                if stopped.is_set():
                    return  # after Ctrl-C: the closing line has been counted
                keep(chunk[outcome.index], outcome)
            if on_finished is not None:
                on_finished(outcome.subject)

        try:
            run_audits(
                [(t.repo_id, t.revision) for t in chunk],
                auditor,
                None,
                on_error,
                jobs=jobs,
                on_done=on_done,
                on_start=on_started,
            )
        except (Interrupted, KeyboardInterrupt):
            with lock:
                stopped.set()
                tally.interrupted = True
            break
    return tally
