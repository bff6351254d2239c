"""The core: one subject in, one Report out. Knows nothing of the terminal.

sources -> Snapshot -> assessments (license, ladder) -> Report
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openness.attest import Attestation, apply_attestations
from openness.deep import deepen
from openness.errors import OpennessError, UsageError
from openness.frameworks import components, mof_class, osaid
from openness.ladder import DatasetStatus, LadderInputs, assess_ladder, card_links
from openness.license.assess import LicenseInputs, LicenseText, assess
from openness.lineage import (
    MAX_DEPTH,
    base_link,
    base_models,
    inherit_steps,
    license_conflicts,
    relation,
)
from openness.links import Link, find_links
from openness.report import BaseLink, Lineage, Problem, Report, Subject
from openness.rules import Rules
from openness.snapshot import Snapshot, license_files
from openness.sources.github import GitHubClient
from openness.sources.hub import HubSource, quiet_client_logs
from openness.sources.local import LocalSource
from openness.sources.mirror import MirrorSource
from openness.subjects import parse_subject, validate_repo_id
from openness.textio import split_front_matter

MAX_DATASETS = 12
MAX_SECTION_LINES = 200
INCOMPLETE_KINDS = {
    "gated",
    "missing_file",
    "fetch_failed",
    "truncated",
    "offline",
    "dataset_error",
    "unreadable",
}
_DATASET_LINK = re.compile(
    r"^https?://huggingface\.co/datasets/([\w.-]+/[\w.-]+|[\w.-]+)(?:[/?#]|$)"
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


@dataclass
class AuditOptions:
    mirror: Path | None = None
    revision: str | None = None
    token: str | None = None
    timeout: float = 10.0
    deep: bool = False
    github_api: str | None = None
    attestations: list[Attestation] = field(default_factory=list)


class Auditor:
    """Audits one subject at a time; safe to drive from a bounded worker pool."""

    def __init__(self, rules: Rules, options: AuditOptions) -> None:
        self.rules = rules
        self.options = options
        self.hub = HubSource(token=options.token, timeout=options.timeout)
        quiet_client_logs()
        self.mirror = MirrorSource(options.mirror) if options.mirror else None
        self.github = (
            GitHubClient(options.github_api, timeout=options.timeout) if options.deep else None
        )

    def audit(self, value: str, revision: str | None = None) -> Report:
        subject = parse_subject(value)
        if subject.path is not None:
            snapshot = LocalSource().fetch(subject.path)
        else:
            snapshot = self._fetch(subject.repo_id, revision or self.options.revision, "model")
        report = self.assess(snapshot)
        if subject.path is None or self.mirror is not None:
            report.lineage = self._lineage(snapshot, report)
        apply_attestations(report, self.options.attestations)
        return report

    def _lineage(self, snapshot: Snapshot, report: Report) -> Lineage:
        """Follow base_model to the root (bounded, cycle-safe) and compare with each base."""
        rel = relation(snapshot)
        lineage = Lineage(relation=rel)
        chain: list[tuple[Report, str | None]] = []  # (base report, its own relation)
        visited = {snapshot.repo_id}
        current, bases, rel_to_child = snapshot, base_models(snapshot), rel
        while bases:
            if len(chain) >= MAX_DEPTH:
                lineage.notes.append(f"stopped after {MAX_DEPTH} bases")
                break
            base_id = bases[0]
            if len(bases) > 1:
                lineage.notes.append(
                    f"{current.repo_id} names {len(bases)} bases "
                    f"({', '.join(bases[:5])}); the chain follows the first"
                )
            if base_id in visited:
                lineage.notes.append(f"base_model cycle: {base_id} is already in the chain")
                break
            visited.add(base_id)
            try:
                base = self._fetch(validate_repo_id(base_id, "base_model id"), None, "model")
            except OpennessError as exc:
                lineage.base_chain.append(BaseLink(repo_id=base_id, relation=rel_to_child))
                lineage.notes.append(f"base {base_id} could not be read: {exc}")
                break
            base_report = self.assess(base)
            lineage.base_chain.append(base_link(base_report, rel_to_child))
            rel_to_child = relation(base)
            chain.append((base_report, rel_to_child))
            current, bases = base, base_models(base)
        reports = [r for r, _ in chain]
        lineage.license_conflicts = license_conflicts(report, reports)
        origin = next(
            (r for r, own in chain if own != "quantized"), reports[-1] if reports else None
        )
        if origin is not None:
            lineage.inherited_steps = inherit_steps(report.openness, origin, rel)
        if not report.license.declared and reports:
            lineage.notes.append(
                f"no license of its own is declared; the base's terms "
                f"({lineage.base_chain[0].license}) apply to it"
            )
        return lineage

    def current_revision(self, repo_id: str) -> str | None:
        """The commit sha the source serves now for a repo (one small request on the Hub)."""
        if self.mirror is not None:
            return self.mirror.fetch(repo_id).revision
        return self.hub.current_sha(repo_id)

    def _fetch(self, repo_id: str, revision: str | None, kind: str) -> Snapshot:
        if self.mirror is not None:
            return self.mirror.fetch(repo_id, revision, kind)
        return self.hub.fetch(repo_id, revision, kind)

    def assess(self, snapshot: Snapshot) -> Report:
        license_result = assess(license_inputs(snapshot), self.rules)
        links = card_links(snapshot)
        datasets, problems = self._datasets(snapshot, links)
        ladder = assess_ladder(
            LadderInputs(
                snapshot=snapshot,
                file_url=lambda p: file_url(snapshot, p),
                datasets=datasets,
                links=links,
            ),
            self.rules.ladder,
        )
        if self.github is not None:
            deepen(ladder, self.github)
        ladder.components = components(snapshot, license_result, ladder, links)
        ladder.mof_class = mof_class(ladder.components)  # type: ignore[assignment]
        ladder.osaid = osaid(license_result, ladder)
        all_problems = list(snapshot.problems) + card_type_problems(snapshot) + problems
        return Report(
            subject=Subject(
                repo_id=snapshot.repo_id,
                revision=snapshot.revision,
                source=snapshot.source,
                gated=snapshot.gated,
                url=snapshot.url,
            ),
            license=license_result,
            openness=ladder,
            problems=all_problems,
            complete=not any(p.kind in INCOMPLETE_KINDS for p in all_problems),
        )

    # -- datasets named by the card ---------------------------------------------------------

    def _datasets(
        self, snapshot: Snapshot, links: list[Link]
    ) -> tuple[list[DatasetStatus], list[Problem]]:
        named = dataset_ids(
            snapshot, links, self.rules.ladder.get("training_data", {}).get("link_context")
        )
        problems: list[Problem] = []
        valid = []
        for repo_id, source in named[:MAX_DATASETS]:
            try:
                valid.append((validate_repo_id(repo_id, "dataset id"), source))
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
            return [], problems
        if snapshot.source == "local":
            return [
                DatasetStatus(d, "error", None, s, detail="not checked: local audit, no network")
                for d, s in valid
            ], problems
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(lambda item: self._dataset(*item), valid))
        for status in statuses:
            if status.status == "error":
                problems.append(
                    Problem(
                        kind="dataset_error", message=f"dataset {status.repo_id}: {status.detail}"
                    )
                )
        return statuses, problems

    def _dataset(self, repo_id: str, source: str) -> DatasetStatus:
        try:
            snap = self._fetch(repo_id, None, "dataset")
        except OpennessError as exc:
            if exc.kind == "not_found":
                return DatasetStatus(
                    repo_id, "missing", None, source, detail="does not exist (or is private)"
                )
            return DatasetStatus(repo_id, "error", None, source, detail=str(exc))
        status = "released"
        if snap.private:
            status = "private"
        elif snap.gated == "manual":
            status = "manual_gated"
        elif snap.gated:
            status = "terms_gated"
        lic = snap.card_data.get("license")
        body = snap.card.text if snap.card else ""
        links = find_links(body, f"dataset {snap.repo_id}: README.md") if body else []
        detail = "" if snap.repo_id == repo_id else f"renamed to {snap.repo_id}"
        return DatasetStatus(
            snap.repo_id,
            status,
            snap.url,
            source,
            license=lic if isinstance(lic, str) else None,
            detail=detail,
            links=links,
        )


def file_url(snapshot: Snapshot, path: str) -> str | None:
    text_url = snapshot.file_url(path)
    if snapshot.source == "hub" and snapshot.url:
        return f"{snapshot.url}/blob/{snapshot.revision or 'main'}/{path}"
    if text_url:
        return text_url
    if snapshot.url and snapshot.source != "hub":
        return f"{snapshot.url.rstrip('/')}/{path}" if "://" in snapshot.url else None
    return None


CARD_FIELDS = {
    "license": "a string or a list of strings",
    "license_name": "a string",
    "license_link": "a string",
    "datasets": "a list of dataset ids",
    "base_model": "a repo id or a list of repo ids",
    "extra_gated_prompt": "a string",
}


def card_type_problems(snapshot: Snapshot) -> list[Problem]:
    """Card fields of the wrong type are reported, then read as far as they can be."""
    out = []
    for key, expected in CARD_FIELDS.items():
        value = snapshot.card_data.get(key)
        if value is None or isinstance(value, str):
            continue
        if (
            isinstance(value, list)
            and all(isinstance(v, str) for v in value)
            and key in ("license", "datasets", "base_model")
        ):
            continue
        out.append(
            Problem(
                kind="malformed_card",
                file="README.md",
                message=f"README.md: `{key}` is a {type(value).__name__}, expected "
                f"{expected}; only its string parts were read",
            )
        )
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def dataset_ids(
    snapshot: Snapshot, links: list[Link], link_context: str | None = None
) -> list[tuple[str, str]]:
    """Datasets the model names: card `datasets:`, `dataset:` tags, and dataset links in the
    card whose line presents them as training data (`link_context`)."""
    seen: dict[str, str] = {}
    for name in _strings(snapshot.card_data.get("datasets")):
        seen.setdefault(name.strip(), "README.md: datasets")
    for tag in snapshot.tags:
        if tag.startswith("dataset:"):
            seen.setdefault(tag.split(":", 1)[1].strip(), "model info: tags")
    training = re.compile(link_context, re.IGNORECASE) if link_context else None
    if training is not None:
        for link in links:
            m = _DATASET_LINK.match(link.url)
            if m and training.search(f"{link.text} {link.context}"):
                seen.setdefault(m.group(1), f"README.md:{link.line} (link)")
    return [(k, v) for k, v in seen.items() if k]


def declared_licenses(snapshot: Snapshot) -> tuple[list[str], str | None]:
    declared = _strings(snapshot.card_data.get("license"))
    name = snapshot.card_data.get("license_name")
    name = name if isinstance(name, str) else None
    if name:
        declared.append(name)
    for tag in snapshot.tags:
        if tag.startswith("license:") and tag.split(":", 1)[1] not in declared:
            declared.append(tag.split(":", 1)[1])
    return declared, name


def license_inputs(snapshot: Snapshot) -> LicenseInputs:
    declared, name = declared_licenses(snapshot)
    inputs = LicenseInputs(declared=declared, license_name=name)
    for path in license_files(snapshot.files):
        text = snapshot.texts.get(path)
        if text is None:
            inputs.unread.append(path)
            continue
        inputs.texts.append(
            LicenseText(
                source=path,
                text=text.text,
                role=_role(path),
                url=file_url(snapshot, path),
                truncated=text.truncated,
            )
        )
    inputs.texts += _card_texts(snapshot)
    return inputs


def _role(path: str) -> str:
    upper = path.upper()
    if "USE_POLICY" in upper or "ACCEPTABLE" in upper or "USE-POLICY" in upper:
        return "aup"
    if upper.startswith("NOTICE"):
        return "notice"
    return "license"


def _card_texts(snapshot: Snapshot) -> list[LicenseText]:
    out = []
    prompt = snapshot.card_data.get("extra_gated_prompt")
    if isinstance(prompt, str) and prompt.strip():
        line = _front_matter_line(snapshot, "extra_gated_prompt")
        out.append(
            LicenseText(
                # Where the README was read, point at its lines; else at the Hub's card data.
                source="README.md" if line else "model info: extra_gated_prompt",
                text=prompt[:200_000],
                role="gated_prompt",
                first_line=line or 1,
                url=file_url(snapshot, "README.md"),
            )
        )
    if snapshot.card is not None:
        section = license_section(snapshot.card.text)
        if section:
            text, line = section
            out.append(
                LicenseText(
                    source="README.md",
                    text=text,
                    role="card",
                    first_line=line,
                    url=file_url(snapshot, "README.md"),
                )
            )
    return out


def _front_matter_line(snapshot: Snapshot, key: str) -> int | None:
    """The README line where a front-matter value starts (the line after `key: |`)."""
    if snapshot.card is None:
        return None
    for number, line in enumerate(snapshot.card.text.split("\n")[:5000], start=1):
        if line.startswith(f"{key}:"):
            rest = line.split(":", 1)[1].strip()
            return number + 1 if rest[:1] in ("|", ">", "") else number
    return None


def license_section(card: str) -> tuple[str, int] | None:
    """The card's own License section (heading to the next heading of its level or higher)."""
    _block, body, first = split_front_matter(card)
    lines = body.split("\n")
    for i, line in enumerate(lines):
        m = _HEADING.match(line.strip())
        if not m or not re.search(r"licen[cs]|terms of use", m.group(2), re.IGNORECASE):
            continue
        level = len(m.group(1))
        end = i + 1
        while end < len(lines) and end - i < MAX_SECTION_LINES:
            n = _HEADING.match(lines[end].strip())
            if n and len(n.group(1)) <= level:
                break
            end += 1
        return "\n".join(lines[i:end]), first + i
    return None
