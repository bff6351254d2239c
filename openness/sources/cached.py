"""The Hub behind the commit-keyed cache: refs, snapshots and finished reports.

- A repo seen before costs one HEAD to learn whether its branch moved (the Hub's resolver
  budget); a repo never seen costs nothing extra: its model info says the sha.
- A pinned sha (`--revision <sha>`, a lockfile) costs nothing when cached.
- Offline (`--offline`, HF_HUB_OFFLINE=1), no request is made at all: branches resolve to the
  sha last seen, and what is not cached is "offline: not cached".
- What came back incomplete for a passing reason (a network error, a rate limit) is never
  cached: the next run asks again.
- A finished report records the commits of the bases and datasets it was assessed against,
  and is served only while each base is still there: one HEAD per distinct base per run
  (shared by every subject that names it), since a base's license binds the subject. When one
  moved, the caller assesses again from the subject's cached snapshot and the fresh base.
  Datasets are recorded but not re-checked (a warm audit of a base model stays one request;
  the report's `cache.age_seconds` says how old their reading is). Offline or for a pinned
  subject nothing is re-checked (no request), and the report says so.
- A renamed repo: its refs entry keeps the id the Hub answered under, so the next HEAD asks
  the new id (no redirect); reports and snapshots are keyed by the id they are of, and one
  whose own repo or commit differs from its key is foreign: warned about, not served.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import ValidationError

from openness.cache import Cache, Entry
from openness.errors import FetchError, OpennessError, plain_invalid
from openness.memo import Memo
from openness.report import CacheUse, Report
from openness.snapshot import Snapshot
from openness.sources.hub import HubSource, Resolved

SHA = re.compile(r"^[0-9a-f]{40}$")
# Problems that say "ask again later", not "this is what the repo holds".
TRANSIENT = {
    "fetch_failed",
    "offline",
    "no_revision",
    "dataset_error",
    "base_unreadable",
    "github_unreachable",
}


@dataclass(frozen=True)
class Dependency:
    """A repo a report was assessed against (a base, a dataset), at the commit it was read."""

    kind: str  # model | dataset
    repo_id: str  # as the card names it (the id its branch is resolved under)
    revision: str

    @classmethod
    def parse(cls, value: Any) -> Dependency:
        if not isinstance(value, dict) or not SHA.match(str(value.get("revision"))):
            raise ValueError("a dependency without a commit sha")
        return cls(str(value["kind"]), str(value["repo_id"]), str(value["revision"]))


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc).isoformat(timespec="seconds")


class CachedHub:
    def __init__(self, hub: HubSource, cache: Cache | None, scope: str, offline: bool) -> None:
        self.hub = hub
        self.cache = cache
        self.scope = scope
        self.offline = offline
        # Branches resolved this run (a HEAD, a model info, a listing), so that a base named
        # by many subjects is checked once per run, and not again when it is then read.
        self._heads: Memo[Resolved] = Memo()
        self._known: dict[tuple[str, str, str], str] = {}
        # (kind, id asked for) -> the id the Hub answers under, for a renamed repo: learned from
        # a redirect, kept in its refs entry, so a warm check asks the new id (one request) and
        # reports and snapshots are keyed by the id they are of.
        self._renamed: dict[tuple[str, str], str] = {}
        # A repo read as a subject and, at once, as another subject's base is read once: the
        # listing's info is handed to one reader only, so a second would ask for it again.
        self._reading: Memo[Snapshot] = Memo(keep=False)

    # -- which commit --------------------------------------------------------------------------

    def sha(self, repo_id: str, revision: str | None, kind: str) -> tuple[str | None, Entry | None]:
        """The commit to read: a pinned sha as it is; a branch resolved with one HEAD when the
        repo was seen before (None when it was not: the model info will say); offline, the sha
        last seen, with when it was seen."""
        if revision and SHA.match(revision):
            self._ref(repo_id, revision, kind)  # learns a rename, with no request
            return revision, None
        listed = None if revision or self.offline else self.hub.primed_sha(kind, repo_id)
        if listed:  # a listing already said where main is: no HEAD needed
            self._remember(repo_id, revision, kind, listed)
            return listed, None
        branch = (kind, repo_id.lower(), revision or "main")
        if not self.offline and branch in self._known:
            return self._known[branch], None
        seen = self._ref(repo_id, revision, kind)
        if self.offline:
            return (str(seen.value["sha"]), seen) if seen else (None, None)
        if seen is None:
            return None, None
        sha, answered = self._heads.get(branch, lambda: self._resolve(repo_id, revision, kind))
        self._learn_id(repo_id, kind, answered)
        if sha:
            self._remember(repo_id, revision, kind, sha)
        return sha, None

    def _resolve(self, repo_id: str, revision: str | None, kind: str) -> Resolved:
        """One HEAD, on the id a renamed repo now has when known (its old id would cost a
        redirect more); when that fails, on the id asked for."""
        current = self.answered_as(repo_id, kind)
        if current != repo_id:
            try:
                return self.hub.resolve(current, revision, kind)
            except OpennessError:
                pass  # renamed again, or gone: the old id decides
        return self.hub.resolve(repo_id, revision, kind)

    def answered_as(self, repo_id: str, kind: str) -> str:
        """The id the Hub answers under: another than `repo_id` when it was renamed."""
        return self._renamed.get((kind, repo_id.lower()), repo_id)

    def _learn_id(self, repo_id: str, kind: str, answered: str) -> None:
        if answered.lower() != repo_id.lower():
            self._renamed[(kind, repo_id.lower())] = answered
        else:
            self._renamed.pop((kind, repo_id.lower()), None)

    def _ref(self, repo_id: str, revision: str | None, kind: str) -> Entry | None:
        if self.cache is None:
            return None
        key = (kind, repo_id.lower(), revision or "main", self.scope)
        entry = self.cache.get("refs", *key)
        if entry is None:
            return None
        answered = entry.value.get("repo_id", repo_id)
        if not SHA.match(str(entry.value.get("sha"))) or not isinstance(answered, str):
            self.cache.discard("refs", *key, reason="no commit sha or repo id in it")
            return None
        self._learn_id(repo_id, kind, answered)
        return entry

    def _remember(self, repo_id: str, revision: str | None, kind: str, sha: str) -> None:
        if not (revision and SHA.match(revision)):
            self._known[(kind, repo_id.lower(), revision or "main")] = sha
        if self.cache is not None:
            key = (kind, repo_id.lower(), revision or "main", self.scope)
            value = {"sha": sha, "repo_id": self.answered_as(repo_id, kind)}
            self.cache.put("refs", value, *key)

    # -- snapshots -----------------------------------------------------------------------------

    def fetch(
        self,
        repo_id: str,
        revision: str | None,
        kind: str,
        on_info: Callable[[dict], None] | None = None,
    ) -> Snapshot:
        sha, _seen = self.sha(repo_id, revision, kind)
        if sha is not None:
            cached = self._snapshot(kind, repo_id, sha)
            if cached is not None:
                return cached
        if self.offline:
            reason = "offline: not cached (--offline or HF_HUB_OFFLINE is set; run once online)"
            raise FetchError(f"{kind} {repo_id}: {reason}", kind="offline", reason=reason)
        key = (kind, repo_id.lower(), sha or revision or "main")
        return self._reading.get(key, lambda: self._read(repo_id, revision, kind, sha, on_info))

    def _read(
        self,
        repo_id: str,
        revision: str | None,
        kind: str,
        sha: str | None,
        on_info: Callable[[dict], None] | None,
    ) -> Snapshot:
        if sha is not None:  # another reader may have just stored it
            cached = self._snapshot(kind, repo_id, sha)
            if cached is not None:
                return cached
        # A listed repo's info is in hand (the audit asks for the sha the listing gave, a base
        # for its branch): fetch without a revision so that it is used, not asked again.
        primed = self.hub.primed_sha(kind, repo_id)
        listed = primed is not None and primed == sha and revision in (None, sha)
        current = self.answered_as(repo_id, kind)  # a renamed repo's new id: no redirects
        snapshot = self.hub.fetch(current, None if listed else (sha or revision), kind, on_info)
        self._learn_id(repo_id, kind, snapshot.repo_id)
        if snapshot.revision:
            self._remember(repo_id, revision, kind, snapshot.revision)
            if self.cache is not None and not {p.kind for p in snapshot.problems} & TRANSIENT:
                key = (kind, snapshot.repo_id.lower(), snapshot.revision, self.scope)
                self.cache.put("snapshots", snapshot.model_dump(mode="json"), *key)
        return snapshot

    def _snapshot(self, kind: str, repo_id: str, sha: str) -> Snapshot | None:
        """The snapshot kept for the repo (under the id it answers to) at the commit."""
        key = (kind, self.answered_as(repo_id, kind).lower(), sha)
        for entry, scope in self._entries("snapshots", *key):
            try:
                snapshot = Snapshot.model_validate(entry.value)
            except ValidationError as exc:
                self._discard("snapshots", key, scope, plain_invalid(exc))
                continue
            held = (snapshot.kind, snapshot.repo_id.lower(), snapshot.revision)
            if held != key:
                self._foreign("snapshots", key, scope, snapshot.repo_id, snapshot.revision)
                continue
            if self._servable(scope, snapshot.problems):
                return snapshot
        return None

    # -- finished reports ----------------------------------------------------------------------

    def report(
        self, repo_id: str, sha: str, variant: str, seen: Entry | None, pinned: bool = False
    ) -> Report | None:
        """The report kept for this commit, while the bases it was assessed against are
        unchanged (None when one moved: assess again). Offline or `pinned`, they
        are not re-checked: no request is made, and the report says so. Reports are kept
        under the id the repo answers to (a renamed repo's new one, once `sha` learned it)."""
        key = (self.answered_as(repo_id, "model").lower(), sha, variant)
        for entry, scope in self._entries("reports", *key):
            try:
                report = Report.model_validate(entry.value.get("report"))
                depends_on = [Dependency.parse(d) for d in entry.value["depends_on"]]
            except ValidationError as exc:
                self._discard("reports", key, scope, plain_invalid(exc))
                continue
            except (KeyError, TypeError, ValueError) as exc:
                self._discard("reports", key, scope, f"written by another version ({exc})")
                continue
            subject = report.subject
            if (subject.repo_id.lower(), subject.revision) != key[:2]:
                self._foreign("reports", key, scope, subject.repo_id, subject.revision)
                continue
            if not self._servable(scope, report.problems):
                continue
            checked = None
            bases = [d for d in depends_on if d.kind == "model"]
            if bases:
                checked = not (pinned or self.offline)
                if checked and self._moved(bases):
                    return None
            report.cache = CacheUse(
                stored_at=_iso(entry.stored_at),
                age_seconds=round(entry.age_seconds),
                offline=self.offline,
                revision_seen_at=_iso(seen.stored_at) if seen else None,
                dependencies_checked=checked,
            )
            return report
        return None

    def keep_report(self, report: Report, variant: str, depends_on: list[Dependency]) -> None:
        sha = report.subject.revision
        if self.cache is None or not sha or {p.kind for p in report.problems} & TRANSIENT:
            return
        key = (report.subject.repo_id.lower(), sha, variant, self.scope)
        value = {
            "report": report.model_dump(mode="json", by_alias=True),
            "depends_on": [asdict(d) for d in depends_on],
        }
        self.cache.put("reports", value, *key)

    def _moved(self, bases: list[Dependency]) -> bool:
        """Whether any base is no longer at the commit it was read at (one HEAD each, in
        parallel, once per run; one that cannot be checked counts as moved)."""

        def moved(dep: Dependency) -> bool:
            try:
                return self.sha(dep.repo_id, None, dep.kind)[0] != dep.revision
            except OpennessError:
                return True

        with ThreadPoolExecutor(max_workers=min(8, len(bases))) as pool:
            return any(list(pool.map(moved, bases)))

    # -- scope -----------------------------------------------------------------------------------

    def _entries(self, kind: str, *parts: str) -> list[tuple[Entry, str]]:
        """This run's own entries first; then, for a run with a token, public ones."""
        if self.cache is None:
            return []
        scopes = [self.scope] + (["public"] if self.scope != "public" else [])
        found = [(self.cache.get(kind, *parts, scope), scope) for scope in scopes]
        return [(e, scope) for e, scope in found if e is not None]

    def _discard(self, kind: str, key: tuple[str, ...], scope: str, why: str) -> None:
        assert self.cache is not None
        self.cache.discard(kind, *key, scope, reason=f"not a {kind[:-1]}: {why}")

    def _foreign(
        self, kind: str, key: tuple[str, ...], scope: str, repo_id: str, sha: str | None
    ) -> None:
        """An entry that holds another repo's or commit's value (copied in, or written by a
        broken tool): serving it would give one repo another's terms."""
        assert self.cache is not None
        self.cache.discard(kind, *key, scope, reason=f"foreign: it holds {repo_id}@{sha}")

    def _servable(self, scope: str, problems: list) -> bool:
        """A public entry read without access is not served to a token that may read more;
        an entry is never served to a run without the token it was read with (by key)."""
        return scope == self.scope or not any(p.kind == "gated" for p in problems)
