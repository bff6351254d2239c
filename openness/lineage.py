"""Lineage: fine-tunes, adapters, quantised re-uploads and merges, followed to their roots.

Pure functions over what was read; the walk itself (which needs the network) is driven by the
auditor. A base link is read from, in order: the card's `base_model` and the Hub's
`base_model:` tags, an adapter's `adapter_config.json` (`base_model_name_or_path`), and, where
the card says nothing, a re-upload's name (`Llama-2-7b-hf-GGUF` names `Llama-2-7b-hf`).

A derivative that adds no training of its own (a quantised or converted re-upload) is judged
from its base for the rungs that describe training; a derivative that does its own training
(fine-tune, adapter, merge) keeps its own verdicts, with the base's shown beside them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from openness.card import Card, Named
from openness.ladder import rung_of
from openness.report import (
    BaseLink,
    Evidence,
    LicenseAssessment,
    LicenseConflict,
    Openness,
    Report,
    Step,
)
from openness.snapshot import METADATA_FILES, Snapshot

MAX_DEPTH = 6
MAX_BASES = 12
RELATIONS = ("quantized", "adapter", "finetune", "merge")
REUPLOAD_FILES = re.compile(
    r"\.(gguf|ggml)$|(^|/)(awq|gptq|exl2)[^/]*|-(gguf|awq|gptq)\b", re.IGNORECASE
)
# A re-upload's name: the base's name plus a format suffix ("-GGUF", "-GPTQ-4bit", "_awq").
_REUPLOAD_SUFFIX = re.compile(
    r"[-_.](?:gguf|ggml|gptq|awq|exl2|mlx|onnx)(?:[-_.][\w.]*)?$", re.IGNORECASE
)
# A GGUF file's quantisation tail: "llama-2-7b-hf.Q4_K_M.gguf" names "llama-2-7b-hf".
_QUANT_FILE = re.compile(
    r"^(?P<name>[^/]+?)[-_.](?:i?q\d[\w]*|f16|f32|bf16|fp16)\.(?:gguf|ggml)$", re.IGNORECASE
)
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
# A path on the machine that trained the adapter ("/home/me/llama", "./out", "C:\\models\\x").
_LOCAL_PATH = re.compile(r"^(?:[/~.\\]|[A-Za-z]:[\\/])|.*\\|[^/]*/[^/]*/")
# Rungs that describe how the model was made, which a re-upload cannot change.
INHERITABLE = (2, 3, 4, 5)


@dataclass(frozen=True)
class BaseRef:
    """One base named by a repo, with where the link was read."""

    repo_id: str
    source: str
    inferred: bool = False  # found by name, not declared: a weaker link


def declared_bases(snapshot: Snapshot, card: Card) -> list[BaseRef]:
    """Bases the repo declares: card and tags, then an adapter's config."""
    refs = [BaseRef(n.id, n.source) for n in card.base_models if n.id != snapshot.repo_id]
    adapter = adapter_base(snapshot)
    if adapter and adapter.id not in {r.repo_id for r in refs} and adapter.id != snapshot.repo_id:
        refs.append(BaseRef(adapter.id, adapter.source))
    return refs


@dataclass(frozen=True)
class UnknownBase:
    """A base that is, or may be, named but cannot be judged as a repo: its license is unknown,
    so the effective verdict cannot be true."""

    reason: str
    # True when a problem already says why (an unread file): the reason is then a note only
    reported: bool = False


def unknown_bases(snapshot: Snapshot, card: Card) -> list[UnknownBase]:
    """What may name a base but could not be read, or names one that is not a Hub repo."""
    unread = [p for p in METADATA_FILES if p in snapshot.files and p not in snapshot.texts]
    if card.front_matter_unread:  # no card data from the Hub either: base_model is unknown
        unread.insert(0, "README.md")
    out = [
        UnknownBase(
            f"a base may be named in {path}, which could not be read: "
            f"{_unread_kind(snapshot, path)}",
            reported=True,
        )
        for path in unread
    ]
    named = _adapter_value(snapshot)
    if named is not None and not _REPO_ID.match(named):
        what = f"a local base {named}" if _LOCAL_PATH.match(named) else f"a base {named!r}"
        out.append(
            UnknownBase(f"adapter_config.json names {what}, not a Hub repo: its license is unknown")
        )
    return out


def _unread_kind(snapshot: Snapshot, path: str) -> str:
    problem = next((p for p in snapshot.problems if p.file == path), None)
    return problem.kind.replace("_", " ") if problem else "not read"


def adapter_base(snapshot: Snapshot) -> Named | None:
    """`base_model_name_or_path` of a PEFT adapter's config, when it is a Hub repo id."""
    value = _adapter_value(snapshot)
    if value is not None and _REPO_ID.match(value):
        return Named(value, "adapter_config.json: base_model_name_or_path")
    return None


def _adapter_value(snapshot: Snapshot) -> str | None:
    config = snapshot.texts.get("adapter_config.json")
    if config is None:
        return None
    try:
        data = json.loads(config.text)
    except ValueError:
        return None
    value = data.get("base_model_name_or_path") if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def is_reupload(snapshot: Snapshot) -> bool:
    return any(REUPLOAD_FILES.search(f) for f in snapshot.files) or bool(
        REUPLOAD_FILES.search(snapshot.repo_id)
    )


def reupload_names(snapshot: Snapshot) -> list[tuple[str, str]]:
    """Names a re-upload gives its base: (name, where the name was read)."""
    if not is_reupload(snapshot):
        return []
    out: list[tuple[str, str]] = []
    own = snapshot.repo_id.split("/")[-1]
    stripped = _REUPLOAD_SUFFIX.sub("", own)
    if stripped and stripped != own:
        out.append((stripped, f"repo name {own}"))
    for path in snapshot.files:
        m = _QUANT_FILE.match(path)
        if m and m.group("name").lower() not in {n.lower() for n, _ in out}:
            out.append((m.group("name"), f"file name {path}"))
    return out[:3]


def pick_by_name(name: str, candidates: list[tuple[str, int]], own_id: str) -> str | None:
    """The repo whose name is `name` (case-insensitive), not itself a re-upload, most
    downloaded first. `candidates` are (repo id, downloads) from a Hub search."""
    matches = [
        (downloads, repo_id)
        for repo_id, downloads in candidates
        if repo_id.split("/")[-1].lower() == name.lower()
        and repo_id != own_id
        and not REUPLOAD_FILES.search(repo_id)
    ]
    return max(matches)[1] if matches else None


def relation(snapshot: Snapshot, card: Card, bases: list[BaseRef]) -> str | None:
    """How the repo relates to its bases: declared, else read from its files."""
    declared = card.base_relation
    if declared in RELATIONS:
        return declared
    if not bases:
        return None
    if is_reupload(snapshot):
        return "quantized"
    if "adapter_config.json" in snapshot.files or any(
        f.startswith("adapter_") or "/adapter_" in f for f in snapshot.files
    ):
        return "adapter"
    if len(bases) > 1:
        return "merge"
    return "finetune"


def base_link(report: Report, ref: BaseRef, child: str, relation_to_child: str | None) -> BaseLink:
    lic = report.license
    return BaseLink(
        repo_id=report.subject.repo_id,
        revision=report.subject.revision,
        last_modified=report.subject.last_modified,
        relation=relation_to_child,
        license=license_name(lic),
        osd_compliant=lic.osd_compliant,
        rung=report.openness.rung,
        child=child,
        source=ref.source,
        inferred=ref.inferred,
    )


def unreadable_link(ref: BaseRef, child: str, relation_to_child: str | None, why: str) -> BaseLink:
    return BaseLink(
        repo_id=ref.repo_id,
        relation=relation_to_child,
        child=child,
        source=ref.source,
        inferred=ref.inferred,
        error=why,
    )


def license_name(lic: LicenseAssessment) -> str | None:
    if lic.identified:
        return lic.identified.id
    return lic.spdx or (lic.declared[0] if lic.declared else None)


_RANK = {True: 2, None: 1, False: 0}


def license_conflicts(child: Report, bases: list[Report]) -> list[LicenseConflict]:
    """A derivative declared under terms more permissive than a base's is a conflict."""
    out: list[LicenseConflict] = []
    mine = child.license
    if license_name(mine) is None:
        return out  # nothing declared, nothing to conflict: the base's terms simply apply
    for base in bases:
        theirs = base.license
        if theirs.osd_compliant is not False:
            continue
        if _RANK[mine.osd_compliant] > _RANK[theirs.osd_compliant] or (
            mine.osi_approved and not theirs.osi_approved
        ):
            kinds = sorted({c.kind for c in theirs.clauses if c.osd_criteria})
            out.append(
                LicenseConflict(
                    derivative=child.subject.repo_id,
                    derivative_license=license_name(mine),
                    base=base.subject.repo_id,
                    base_license=license_name(theirs),
                    message=f"{child.subject.repo_id} is declared {license_name(mine)!s}, but its "
                    f"base {base.subject.repo_id} is under {license_name(theirs)!s}, whose terms "
                    f"({', '.join(kinds) or 'restrictions'}) bind derivatives",
                )
            )
    return out


def inherit_steps(child: Openness, root: Report, rel: str | None) -> list[int]:
    """Copy the root's verdicts onto a re-upload's training rungs; returns the rungs copied."""
    if rel != "quantized":
        return []
    inherited = []
    for i, step in enumerate(child.steps):
        if step.rung not in INHERITABLE or step.met is True:
            continue
        base_step = root.openness.steps[i]
        child.steps[i] = _inherited(step, base_step, root.subject.repo_id)
        inherited.append(step.rung)
    child.rung = rung_of(child.steps)
    return inherited


def _inherited(own: Step, base: Step, base_id: str) -> Step:
    evidence = [
        Evidence(
            kind=f"inherited_{e.kind}",
            detail=e.detail,
            source=f"base {base_id}: {e.source}",
            url=e.url,
            line=e.line,
            attested=e.attested,
        )
        for e in base.evidence
    ]
    reason = (
        f"judged from base {base_id}: this repo is a re-upload (quantised or converted) "
        "and adds no training of its own"
    )
    if base.reason:
        reason += f"; base: {base.reason}"
    return Step(
        rung=own.rung,
        name=own.name,
        met=base.met,
        confidence=base.confidence,
        evidence=evidence,
        looked_for=own.looked_for + base.looked_for,
        reason=reason,
    )
