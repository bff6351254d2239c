"""The core: one subject in, one Report out. Knows nothing of the terminal; only orchestrates.

sources -> Snapshot -> Card -> assessments (license, ladder, frameworks, lineage) -> Report
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from openness import __version__, datasets
from openness.attest import Attestation, apply_attestations
from openness.cache import Cache, cache_dir, scope_of
from openness.card import Card, card_of_info, card_summary, read_card
from openness.datasets import DatasetStatus
from openness.deep import deepen
from openness.errors import FetchError, OpennessError, UsageError
from openness.frameworks import bind_to_effective_terms, components, judge_mof, osaid
from openness.ladder import LadderInputs, assess_ladder, unread_dataset_cards
from openness.license.assess import assess
from openness.license.effective import effective_terms, unread_evidence
from openness.license.inputs import license_inputs
from openness.lineage import (
    MAX_BASES,
    MAX_DEPTH,
    BaseRef,
    UnknownBase,
    base_link,
    declared_bases,
    inherit_steps,
    license_conflicts,
    pick_by_name,
    relation,
    reupload_names,
    unknown_bases,
    unreadable_link,
)
from openness.memo import Memo
from openness.report import BaseLink, DatasetRef, Lineage, Problem, Report, Subject
from openness.rules import Rules
from openness.snapshot import Snapshot
from openness.sources.cached import SHA, CachedHub, Dependency
from openness.sources.github import GitHubClient
from openness.sources.hub import HubSource, hub_offline, quiet_client_logs, token_in_use
from openness.sources.local import LocalSource
from openness.sources.mirror import MirrorSource
from openness.subjects import (
    closest_repo,
    parse_subject,
    suggestion_searches,
    validate_repo_id,
)

MAX_DATASETS = 12
# Problems that mean something a verdict depends on could not be read.
INCOMPLETE_KINDS = {
    "gated",
    "missing_file",
    "fetch_failed",
    "truncated",
    "offline",
    "dataset_error",
    "unreadable",
    "base_unreadable",
    "github_unreachable",
}


@dataclass
class AuditOptions:
    mirror: Path | None = None
    revision: str | None = None
    token: str | None = None
    timeout: float = 10.0
    deep: bool = False
    github_api: str | None = None
    attestations: list[Attestation] = field(default_factory=list)
    offline: bool = False  # no request at all: answer from the cache (also HF_HUB_OFFLINE=1)
    use_cache: bool = True  # --no-cache: neither read nor write the cache
    warn: Callable[[str], None] | None = None  # one line on stderr (a corrupt cache entry)


@dataclass
class _Assessed:
    """A repo as read and assessed: what the lineage walk needs of a base."""

    snapshot: Snapshot
    card: Card
    report: Report
    # The repos its report was assessed against, at the commits read: its datasets, and once
    # the lineage is walked its bases and theirs (a cached report is served while they stay).
    depends_on: list[Dependency] = field(default_factory=list)


class Auditor:
    """Audits one subject at a time; bases are fetched and assessed once per run."""

    def __init__(self, rules: Rules, options: AuditOptions) -> None:
        self.rules = rules
        self.options = options
        self.hub = HubSource(token=options.token, timeout=options.timeout)
        quiet_client_logs()
        self.mirror = MirrorSource(options.mirror) if options.mirror else None
        self.offline = options.offline or hub_offline()
        cache = Cache(cache_dir(), warn=options.warn) if options.use_cache else None
        self.source = CachedHub(
            self.hub, cache, scope_of(token_in_use(options.token)), self.offline
        )
        self.github = (
            GitHubClient(options.github_api, timeout=options.timeout) if options.deep else None
        )
        self._bases: Memo[_Assessed | OpennessError] = Memo()
        # Work started early (bases and datasets named in model info); never waited on here.
        self._ahead = ThreadPoolExecutor(max_workers=8, thread_name_prefix="openness-ahead")
        self._datasets_seen: Memo[DatasetStatus] = Memo()

    def audit(self, value: str, revision: str | None = None) -> Report:
        subject = parse_subject(value)
        if subject.path is not None:
            report = self._audit_snapshot(LocalSource().fetch(subject.path)).report
        elif self.mirror is not None:
            wanted = revision or self.options.revision
            snapshot = self.mirror.fetch(subject.repo_id, wanted, "model")
            report = self._audit_snapshot(snapshot).report
        else:
            report = self._audit_hub(subject.repo_id, revision or self.options.revision)
        apply_attestations(report, self.options.attestations)
        return report

    def _audit_snapshot(self, snapshot: Snapshot) -> _Assessed:
        assessed = self._assess(snapshot)
        self._add_lineage(assessed)
        return assessed

    def _audit_hub(self, repo_id: str, revision: str | None) -> Report:
        """A finished report for the commit, from the cache when it holds one and its bases
        and datasets have not moved (a repo seen before costs one HEAD, and one more per
        distinct base or dataset per run; a pinned sha or --offline, none). When a base
        moved, the subject is assessed again from its cached snapshot and the fresh base."""
        sha, seen = self.source.sha(repo_id, revision, "model")
        variant = self._variant()
        report = None
        if sha is not None:
            pinned = bool(revision and SHA.match(revision))
            report = self.source.report(repo_id, sha, variant, seen, pinned)
        if report is None:
            snapshot = self.source.fetch(repo_id, sha or revision, "model", self._prefetch)
            assessed = self._audit_snapshot(snapshot)
            self.source.keep_report(assessed.report, variant, assessed.depends_on)
            report = assessed.report
        if report.subject.repo_id.lower() != repo_id.lower():
            report.subject.renamed_from = repo_id  # kept apart: the report is the new id's
        return report

    def _prefetch(self, info: dict) -> None:
        """Start on the bases and datasets a model's info names while its files are read, so
        that they arrive with them (each is read once per run; the walk picks them up)."""
        card = card_of_info(info)
        for base in card.base_models[:MAX_BASES]:
            self._ahead.submit(self._base, base.id)
        for dataset in card.named_datasets()[:MAX_DATASETS]:
            try:
                valid = validate_repo_id(dataset.id, "dataset id")
            except UsageError:
                continue  # reported when the card is read
            self._ahead.submit(self._dataset, valid, dataset.source)

    def _variant(self) -> str:
        """What besides the commit decides a report: the tool, the rules and the options."""
        return f"{__version__}-{self.rules.digest}-deep{int(self.options.deep)}"

    def suggest(self, repo_id: str) -> str | None:
        """A close match for an id the source does not know, from at most two searches (see
        suggestion_searches). None when nothing is close, or when a search fails (that must
        not hide the error)."""
        source = self.mirror if self.mirror is not None else self.hub
        for search in suggestion_searches(repo_id):
            try:
                found = source.search_models(search.name, limit=100, author=search.author)
            except Exception:
                return None
            hint = closest_repo(repo_id, [repo for repo, _ in found])
            if hint is not None:
                return hint
        return None

    def current_revision(self, repo_id: str) -> str | None:
        """The commit sha the source serves now for a repo (one small request on the Hub)."""
        if self.mirror is not None:
            return self.mirror.fetch(repo_id).revision
        if self.offline:
            raise FetchError(f"model {repo_id}: offline: cannot ask the Hub", kind="offline")
        return self.hub.resolve_sha(repo_id, None)

    def _fetch(self, repo_id: str, revision: str | None, kind: str) -> Snapshot:
        if self.mirror is not None:
            return self.mirror.fetch(repo_id, revision, kind)
        return self.source.fetch(repo_id, revision, kind)

    # -- one repo ------------------------------------------------------------------------------

    def _assess(self, snapshot: Snapshot) -> _Assessed:
        card = read_card(snapshot)
        license_result = assess(license_inputs(snapshot, card), self.rules)
        statuses, problems, read = self._datasets(card)
        ladder = assess_ladder(
            LadderInputs(snapshot=snapshot, card=card, datasets=statuses), self.rules.ladder
        )
        if self.github is not None:
            problems += deepen(ladder, self.github)
        problems += [
            Problem(kind="dataset_error", message=e.detail) for e in unread_dataset_cards(ladder)
        ]
        ladder.components = components(snapshot, card, license_result, ladder)
        judge_mof(ladder)
        ladder.osaid = osaid(license_result, ladder)
        all_problems = list(snapshot.problems) + card.problems + problems
        report = Report(
            subject=Subject(
                repo_id=snapshot.repo_id,
                revision=snapshot.revision,
                source=snapshot.source,
                gated=snapshot.gated,
                url=snapshot.url,
                last_modified=_text(snapshot.info.get("lastModified")),
            ),
            license=license_result,
            openness=ladder,
            datasets=[
                DatasetRef(
                    repo_id=d.repo_id,
                    status=d.status,  # type: ignore[arg-type]
                    license=d.license,
                    url=d.url,
                    source=d.source,
                    detail=d.detail,
                )
                for d in statuses
            ],
            card=card_summary(card, snapshot.info),
            problems=all_problems,
        )
        _settle_completeness(report)
        return _Assessed(snapshot, card, report, read)

    # -- lineage -------------------------------------------------------------------------------

    def _add_lineage(self, root: _Assessed) -> None:
        """Walk every base (all of a merge's, bounded, cycle-safe), then set the effective
        terms, license conflicts and, for a re-upload, the rungs judged from its origin."""
        report = root.report
        refs, unknown = self._bases_of(root)
        lineage = Lineage(relation=relation(root.snapshot, root.card, refs))
        found: list[tuple[BaseLink, Report | None]] = []
        depends_on = list(root.depends_on)
        first_path: list[tuple[Report, str | None]] = []  # along each first base
        queue = deque([(root, refs, lineage.relation, (report.subject.repo_id,), True)])
        while queue:
            child, refs, rel, path, on_first_path = queue.popleft()
            if len(path) > MAX_DEPTH:
                lineage.notes.append(f"stopped after {MAX_DEPTH} levels of bases")
                continue
            for index, ref in enumerate(refs):
                if ref.repo_id in path:
                    lineage.notes.append(f"base_model cycle: {ref.repo_id} is already in the chain")
                    continue
                if any(link.repo_id == ref.repo_id for link, _ in found):
                    continue  # a shared ancestor of a merge: read once
                if len(found) >= MAX_BASES:
                    lineage.notes.append(f"stopped after {MAX_BASES} bases")
                    queue.clear()
                    break
                base = self._base(ref.repo_id)
                name = child.report.subject.repo_id
                if isinstance(base, OpennessError):
                    why = getattr(base, "reason", str(base))
                    found.append((unreadable_link(ref, name, rel, why), None))
                    report.problems.append(
                        Problem(kind="base_unreadable", message=f"base {ref.repo_id}: {why}")
                    )
                    continue
                found.append((base_link(base.report, ref, name, rel), base.report))
                lic = base.report.license
                if lic.unread and not lic.decided and lic.osd_compliant is None:
                    why = unread_evidence(base.report)  # its license files were listed, unread
                    report.problems.append(
                        Problem(kind="base_unreadable", message=f"base {ref.repo_id}: {why}")
                    )
                unknown += [
                    UnknownBase(f"base {ref.repo_id}: {u.reason}")  # its problems are not ours
                    for u in unknown_bases(base.snapshot, base.card)
                ]
                if base.snapshot.revision:
                    depends_on.append(Dependency("model", ref.repo_id, base.snapshot.revision))
                depends_on += base.depends_on
                base_refs = declared_bases(base.snapshot, base.card)
                base_rel = relation(base.snapshot, base.card, base_refs)
                first = on_first_path and index == 0
                if first:
                    first_path.append((base.report, base_rel))
                queue.append((base, base_refs, base_rel, (*path, ref.repo_id), first))
        lineage.base_chain = [link for link, _ in found]
        readable = [r for _, r in found if r is not None]
        lineage.license_conflicts = license_conflicts(report, readable)
        origin = next((r for r, own in first_path if own != "quantized"), None)
        origin = origin or (first_path[-1][0] if first_path else None)
        if origin is not None:
            lineage.inherited_steps = inherit_steps(report.openness, origin, lineage.relation)
        if not report.license.declared and readable:
            lineage.notes.append(
                f"no license of its own is declared; the base's terms "
                f"({lineage.base_chain[0].license}) apply to it"
            )
        report.lineage = lineage
        root.depends_on = list(dict.fromkeys(depends_on))  # each once, in the order read
        lineage.notes += [u.reason for u in unknown]
        report.problems += [
            Problem(kind="base_unreadable", message=u.reason) for u in unknown if not u.reported
        ]
        report.license.effective = effective_terms(report, found, [u.reason for u in unknown])
        bind_to_effective_terms(report.openness, report.license)
        _settle_completeness(report)

    def _bases_of(self, node: _Assessed) -> tuple[list[BaseRef], list[UnknownBase]]:
        """Declared bases; for a re-upload that declares none, the base its name names. With
        them, what may name a base but could not be read or resolved."""
        unknown = unknown_bases(node.snapshot, node.card)
        refs = declared_bases(node.snapshot, node.card)
        names = reupload_names(node.snapshot)
        if refs or node.snapshot.source == "local" or not names:
            return refs, unknown
        missed: list[UnknownBase] = []
        source = self.mirror if self.mirror is not None else self.hub
        for name, where in names:
            try:
                candidates = source.search_models(name)
            except OpennessError as exc:
                missed.append(UnknownBase(f"the base named {name!r} ({where}): {exc}"))
                continue
            found = pick_by_name(name, candidates, node.snapshot.repo_id)
            if found:
                how = f"{where}: no base is declared; searched by name, matched {found}"
                return [BaseRef(found, how, inferred=True)], unknown
        if self.mirror is not None:  # a partial copy: absence there proves nothing
            named = ", ".join(repr(name) for name, _ in names)
            missed.append(UnknownBase(f"the base named {named} is unknown: not in the mirror"))
        return [], unknown + missed

    def _base(self, repo_id: str) -> _Assessed | OpennessError:
        """A base, fetched and assessed once per run however many subjects name it."""

        def read() -> _Assessed | OpennessError:
            try:
                valid = validate_repo_id(repo_id, "base_model id")
                if self.mirror is not None:
                    snapshot = self.mirror.fetch(valid, None, "model")
                else:
                    snapshot = self.source.fetch(valid, None, "model", self._prefetch)
                return self._assess(snapshot)
            except OpennessError as exc:
                return exc

        return self._bases.get(repo_id.lower(), read)

    # -- datasets named by the card ----------------------------------------------------------

    def _datasets(self, card: Card) -> tuple[list[DatasetStatus], list[Problem], list[Dependency]]:
        """The statuses of the datasets the card names, the problems met, and the commits
        they were read at (under the ids the card gives, as their branches are resolved)."""
        context = self.rules.ladder.get("training_data", {}).get("link_context")
        named = card.named_datasets(context)
        problems: list[Problem] = []
        valid = []
        for item in named[:MAX_DATASETS]:
            try:
                valid.append((validate_repo_id(item.id, "dataset id"), item.source))
            except UsageError as exc:
                problems.append(Problem(kind="bad_dataset_id", message=str(exc)))
        if len(named) > MAX_DATASETS:
            problems.append(
                Problem(
                    kind="too_many_datasets",
                    message=f"only the first {MAX_DATASETS} of {len(named)} "
                    "named datasets were checked",
                )
            )
        if not valid:
            return [], problems, []
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(lambda item: self._dataset(*item), valid))
        for status in statuses:
            if status.status == "error":
                problems.append(
                    Problem(
                        kind="dataset_error", message=f"dataset {status.repo_id}: {status.detail}"
                    )
                )
        read = [
            Dependency("dataset", repo_id, status.revision)
            for (repo_id, _source), status in zip(valid, statuses, strict=True)
            if status.revision
        ]
        return statuses, problems, read

    def _dataset(self, repo_id: str, source: str) -> DatasetStatus:
        """A dataset's status, fetched once per run however many models name it."""

        def read() -> DatasetStatus:
            try:
                snap = self._fetch(repo_id, None, "dataset")
            except OpennessError as exc:
                return datasets.from_error(repo_id, "", exc)
            return datasets.from_snapshot(repo_id, "", snap)

        status = self._datasets_seen.get(repo_id.lower(), read)
        return dataclasses.replace(status, source=source)


def _settle_completeness(report: Report) -> None:
    report.complete = not any(p.kind in INCOMPLETE_KINDS for p in report.problems)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
