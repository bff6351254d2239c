"""The openness ladder: five rungs, each decided from the repo's own evidence.

1 weights released; 2 a technical report that describes training in detail; 3 training code;
4 the full training data; 5 the data-cleaning pipeline. A rung counts only when every rung
below it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openness.card import Card
from openness.datasets import DatasetStatus
from openness.links import Link, host_and_path, link_evidence
from openness.report import Evidence, Openness, Step
from openness.sanitize import one_line
from openness.snapshot import Snapshot

# the evidence kind of a dataset card a step needed and could not read
UNREAD_DATASET_CARD = "dataset_card_unread"
STEP_NAMES = {
    1: "weights released",
    2: "technical report on training",
    3: "training code released",
    4: "training data released",
    5: "data-cleaning pipeline released",
}


@dataclass
class LadderInputs:
    snapshot: Snapshot
    card: Card
    datasets: list[DatasetStatus] = field(default_factory=list)

    def file_url(self, path: str) -> str | None:
        return self.snapshot.file_url(path)

    @property
    def card_unread(self) -> str | None:
        """Why the card could not be read, when the repo lists one (then the steps that need
        the card body are unknown, not failed)."""
        return self.card.unread_reason


def _words(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _hosts(hosts: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(h) for h in hosts), re.IGNORECASE)


def _step(rung: int, **fields: Any) -> Step:
    return Step(rung=rung, name=STEP_NAMES[rung], **fields)


def assess_ladder(inputs: LadderInputs, rules: dict[str, Any]) -> Openness:
    card = inputs.card
    body, body_line, links = card.body, card.body_line, card.links
    depth = _depth(
        body, body_line, rules["technical_report"]["depth"], inputs.file_url("README.md")
    )
    steps = [
        _weights(inputs, rules["weights"]),
        _report(inputs, rules["technical_report"], depth, links),
        _training_code(inputs, rules["training_code"], links, depth),
        _training_data(inputs, rules["training_data"], body, body_line),
        _pipeline(inputs, rules["cleaning_pipeline"], links),
    ]
    return Openness(rung=rung_of(steps), steps=steps)


def _unknown(rung: int, reason: str, evidence: list[Evidence], looked: list[str]) -> Step:
    """A step whose evidence could not be read: unknown, never "not met"; low confidence,
    since the evidence that was read does not decide it."""
    return _step(
        rung, met=None, confidence="low", evidence=evidence, looked_for=looked, reason=reason
    )


def rung_of(steps: list[Step]) -> int:
    """The highest rung k with steps 1..k all met."""
    rung = 0
    for step in steps:
        if step.met is not True:
            break
        rung = step.rung
    return rung


# -- rung 1 ------------------------------------------------------------------------------------


def _weights(inputs: LadderInputs, spec: dict[str, Any]) -> Step:
    snap = inputs.snapshot
    suffixes = tuple(spec["suffixes"])
    not_weights = _words(spec["not_weights"])
    adapters = _words(spec["adapters"])
    named = _words(spec.get("names", [])) if spec.get("names") else None
    files = [
        f
        for f in snap.files
        if (f.lower().endswith(suffixes) or (named is not None and named.search(f)))
        and not not_weights.search(f)
    ]
    full = [f for f in files if not adapters.search(f)]
    adapter = [f for f in files if adapters.search(f)]
    looked = [f"weight files ({', '.join(suffixes)}) in the repo's file list"]
    if not snap.files:
        return _step(
            1,
            met=None,
            confidence="low",
            looked_for=looked,
            reason="the repo's file list could not be read",
        )
    chosen = full or adapter
    if not chosen:
        return _step(
            1,
            met=False,
            confidence="high",
            looked_for=looked,
            reason=f"none of the {len(snap.files)} files is a weight file",
        )
    evidence = [
        Evidence(
            kind="adapter_weights" if f in adapter else "weights",
            detail=f,
            source="file list",
            url=inputs.file_url(f),
        )
        for f in chosen[:8]
    ]
    if len(chosen) > 8:
        evidence.append(
            Evidence(
                kind="weights",
                detail=f"… and {len(chosen) - 8} more weight files",
                source="file list",
                url=snap.url,
            )
        )
    reason = None
    if snap.gated:
        evidence.append(
            Evidence(
                kind="condition",
                detail=f"access is gated ({snap.gated}): the "
                "terms must be accepted before download",
                source="model info",
                url=snap.url,
            )
        )
    if not full:
        reason = "only adapter weights are released; the full model needs its base model's weights"
    return _step(
        1,
        met=True,
        confidence="high" if full else "medium",
        evidence=evidence,
        looked_for=looked,
        reason=reason,
    )


# -- rung 2 ------------------------------------------------------------------------------------


def _report(
    inputs: LadderInputs, spec: dict[str, Any], depth: list[Evidence], links: list[Link]
) -> Step:
    snap = inputs.snapshot
    evidence: list[Evidence] = []
    for tag in snap.tags:
        if tag.startswith("arxiv:"):
            paper = tag.split(":", 1)[1]
            evidence.append(
                Evidence(
                    kind="paper",
                    detail=f"tag {one_line(tag, 60)}",
                    source="model info: tags",
                    url=f"https://arxiv.org/abs/{paper}",
                )
            )
    papers = _hosts(spec["paper_hosts"])
    report_words = _words(spec["report_words"])
    seen = {e.url for e in evidence}
    for link in links:
        if papers.search(link.url) and _arxiv_abs(link.url) not in seen:
            seen.add(_arxiv_abs(link.url))
            evidence.append(link_evidence("paper", link))
        elif report_words.search(link.text) and not _hosts(spec["blog_hosts"]).search(link.url):
            evidence.append(
                Evidence(
                    kind="report_link",
                    detail=link.text,
                    source="README.md",
                    line=link.line,
                    url=link.url,
                )
            )
    looked = [
        "arxiv: tags and paper links (" + ", ".join(spec["paper_hosts"][:4]) + ", …)",
        "training detail in the card: " + ", ".join(spec["depth"]),
    ]
    has_paper = bool(evidence)
    evidence += depth
    if inputs.card_unread and not has_paper:
        return _unknown(2, inputs.card_unread, evidence, looked)
    if inputs.card_unread:
        return _step(
            2,
            met=True,
            confidence="low",
            evidence=evidence,
            looked_for=looked,
            reason=f"a paper is tagged; {inputs.card_unread}, so its detail is not checked",
        )
    if has_paper and len(depth) >= 2:
        return _step(
            2,
            met=True,
            confidence="high",
            evidence=evidence,
            looked_for=looked,
        )
    if has_paper:
        return _step(
            2,
            met=True,
            confidence="medium",
            evidence=evidence,
            looked_for=looked,
            reason="a paper is linked, but the card itself shows little training detail",
        )
    if len(depth) >= 3 and any(e.kind == "card_hyperparameters" for e in depth):
        return _step(
            2,
            met=True,
            confidence="low",
            evidence=evidence,
            looked_for=looked,
            reason="no paper is linked; the card itself documents training in detail",
        )
    return _step(
        2,
        met=False,
        confidence="medium",
        evidence=evidence,
        looked_for=looked,
        reason="no technical report or paper is linked",
    )


def _arxiv_abs(url: str) -> str:
    m = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", url)
    return f"https://arxiv.org/abs/{m.group(1)}" if m else url


def _depth(body: str, body_line: int, spec: dict[str, str], url: str | None) -> list[Evidence]:
    found = []
    for name, regex in spec.items():
        pattern = re.compile(regex, re.IGNORECASE)
        for number, line in enumerate(body.split("\n"), start=body_line):
            if pattern.search(line[:2000]):
                found.append(
                    Evidence(
                        kind=f"card_{name}",
                        detail=one_line(line, 160),
                        source="README.md",
                        line=number,
                        url=url,
                    )
                )
                break
    return found


# -- rung 3 ------------------------------------------------------------------------------------


def classify_code_link(link: Link, spec: dict[str, Any], base_model: bool = True) -> str | None:
    """'training', 'inference' or None (not a code repository).

    For a base model (one with no base_model), user fine-tuning scripts are usage, not the
    code that trained it.
    """
    where = host_and_path(link.url)
    if not _hosts(spec["code_hosts"]).search(where):
        return None
    path = where.split("/", 1)[1] if "/" in where else ""
    repo = "/".join(path.split("/")[:2])
    if any(re.search(p, repo, re.IGNORECASE) for p in spec["not_training"]):
        return "inference"
    named = f"{path} {link.text}"
    if (
        base_model
        and _words(spec["finetune_words"]).search(named)
        and not re.search(r"pre-?train", named, re.IGNORECASE)
    ):
        return "inference"
    frameworks = spec["frameworks"]
    if any(re.search(rf"(?:^|/){re.escape(f)}(?:$|/)", repo, re.IGNORECASE) for f in frameworks):
        return "training"
    if _words(spec["release_context"]).search(link.context):
        return "training"
    if _words(spec["training_words"]).search(named):
        return "training"
    if _words(spec["inference_words"]).search(f"{named} {link.context}"):
        return "inference"
    return "inference"


def _training_code(
    inputs: LadderInputs, spec: dict[str, Any], links: list[Link], depth: list[Evidence]
) -> Step:
    is_base = not inputs.card.base_models
    training, other = [], []
    for link in links:
        kind = classify_code_link(link, spec, base_model=is_base)
        if kind == "training":
            training.append(link)
        elif kind == "inference":
            other.append(link)
    looked = [
        "code-repository links (" + ", ".join(spec["code_hosts"][:3]) + ") whose path or "
        "link text names training (" + ", ".join(spec["training_words"][:4]) + ", …), a known "
        "training framework, or the model's original code release",
        "the data mixture: proportions in the card, or named datasets",
    ]
    if inputs.card_unread:
        return _unknown(3, inputs.card_unread, [], looked)
    evidence = [link_evidence("training_code", link) for link in training[:6]]
    mixture = [e for e in depth if e.kind == "card_mixture"]
    named_data = [d for d in inputs.datasets if d.status != "missing"]
    if training and (mixture or named_data):
        evidence += mixture[:1]
        if named_data and not mixture:
            evidence.append(
                Evidence(
                    kind="data_mixture",
                    detail="named training datasets: "
                    + ", ".join(d.repo_id for d in named_data[:5]),
                    source=named_data[0].source,
                    url=named_data[0].url,
                )
            )
        return _step(
            3,
            met=True,
            confidence="high" if mixture and named_data else "medium",
            evidence=evidence,
            looked_for=looked,
        )
    if training:
        return _step(
            3,
            met=False,
            confidence="medium",
            evidence=evidence,
            looked_for=looked,
            reason="training code is linked, but the data mixture is not given (no "
            "proportions in the card, no named datasets)",
        )
    reason = "no link to training code"
    if other:
        reason += f"; {len(other)} code link(s) are for inference, libraries or user fine-tuning"
        evidence = [link_evidence("usage_code", link) for link in other[:3]]
    return _step(
        3,
        met=False,
        confidence="medium",
        evidence=evidence,
        looked_for=looked,
        reason=reason,
    )


# -- rung 4 ------------------------------------------------------------------------------------


def _training_data(inputs: LadderInputs, spec: dict[str, Any], body: str, body_line: int) -> Step:
    looked = [
        "`datasets:` in the card, `dataset:` tags and dataset links in the card, each "
        "checked on the Hub (exists, public, gated and how)",
        "a data-mixture table in the card whose every source is a released dataset",
    ]
    if not inputs.datasets:
        if inputs.card_unread:
            return _unknown(
                4, f"no dataset is named in the card data; {inputs.card_unread}", [], looked
            )
        return _step(
            4,
            met=False,
            confidence="medium",
            looked_for=looked,
            reason="no training dataset is named by identifier",
        )
    evidence = []
    blocking = []
    for d in inputs.datasets:
        detail = f"{d.repo_id}: {d.status.replace('_', ' ')}"
        if d.license:
            detail += f", license {d.license}"
        if d.detail:
            detail += f" ({d.detail})"
        kind = "dataset" if d.status in ("released", "terms_gated") else f"dataset_{d.status}"
        evidence.append(Evidence(kind=kind, detail=detail, source=d.source, url=d.url))
        if d.status not in ("released", "terms_gated"):
            blocking.append(d)
    decided = [d for d in blocking if d.status != "error"]
    if decided:
        names = ", ".join(f"{d.repo_id} ({d.status.replace('_', ' ')})" for d in decided)
        return _step(
            4,
            met=False,
            confidence="high",
            evidence=evidence,
            looked_for=looked,
            reason=f"not all named training data is released: {names}",
        )
    if blocking:
        names = ", ".join(f"{d.repo_id} ({d.detail or 'could not be read'})" for d in blocking)
        return _unknown(4, f"could not check {names}", evidence, looked)
    if inputs.card_unread:
        return _unknown(
            4, f"the card's data mixture is not checked: {inputs.card_unread}", evidence, looked
        )
    unnamed = _unnamed_mixture_rows(body, body_line, spec, inputs.datasets)
    if unnamed:
        evidence += unnamed
        sources = ", ".join(e.detail for e in unnamed[:6])
        return _step(
            4,
            met=False,
            confidence="medium",
            evidence=evidence,
            looked_for=looked,
            reason=f"partial: the card's data mixture also lists sources with no "
            f"released dataset: {sources}",
        )
    return _step(
        4,
        met=True,
        confidence="medium",
        evidence=evidence,
        looked_for=looked,
        reason="the card names these datasets; whether they are the "
        "complete training data is the card's claim",
    )


def _unnamed_mixture_rows(
    body: str, body_line: int, spec: dict[str, Any], datasets: list[DatasetStatus]
) -> list[Evidence]:
    """Sources in a data-mixture table (header names data/source/…, rows give a share in %)
    that are not released datasets. A table none of whose rows names a dataset, just after the
    text names one, is read as that dataset's own composition."""
    header = re.compile(spec["mixture_header"], re.IGNORECASE)
    share = re.compile(spec["mixture_row"])
    names = {part.lower() for d in datasets for part in (d.repo_id, d.repo_id.split("/")[-1])}
    lines = body.split("\n")
    out: list[Evidence] = []
    for start, rows in _tables(lines):
        if not header.search(lines[start]):
            continue
        shares = [(i, lines[i]) for i in rows if share.search(lines[i])]
        named = [i for i, row in shares if _names_dataset(row, names)]
        context = " ".join(lines[max(0, start - 15) : start]).lower()
        if not named and any(n in context for n in names):
            continue  # the composition of a named dataset
        for i, row in shares:
            if i not in named:
                first = row.strip().strip("|").split("|")[0]
                out.append(
                    Evidence(
                        kind="unreleased_source",
                        source="README.md",
                        detail=one_line(first.strip(" *"), 60),
                        line=body_line + i,
                    )
                )
    return out


def _names_dataset(row: str, names: set[str]) -> bool:
    lowered = row.lower()
    return "huggingface.co/datasets/" in lowered or any(n in lowered for n in names)


def _tables(lines: list[str]) -> list[tuple[int, list[int]]]:
    """(header line index, body row indexes) of each markdown table."""
    tables: list[tuple[int, list[int]]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith("|"):
            start = i
            i += 1
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                if not set(lines[i].strip()) <= set("|-: "):
                    rows.append(i)
                i += 1
            tables.append((start, rows))
        else:
            i += 1
    return tables


# -- rung 5 ------------------------------------------------------------------------------------


_CODE_HOSTS = re.compile(r"github\.com|gitlab\.com|huggingface\.co/spaces|codeberg\.org")


def _pipeline_links(links: list[Link], spec: dict[str, Any], dataset: str | None) -> list[Link]:
    """Links to data-processing code; in a dataset's card, also the repo that builds it."""
    words = _words(spec["words"])
    builders = _hosts(spec.get("builder_hosts", []))
    tokens = {
        t for t in re.split(r"[^a-z0-9]+", (dataset or "").split("/")[-1].lower()) if len(t) >= 3
    } - {"data", "dataset", "datasets", "the", "corpus"}
    found = []
    for link in links:
        where = host_and_path(link.url)
        if spec.get("builder_hosts") and builders.search(where):
            found.append(link)
            continue
        if not _CODE_HOSTS.search(where):
            continue
        repo = "/".join(where.split("/")[1:3])
        name = repo.split("/")[-1]
        if any(t in repo for t in spec["toolkits"]) or words.search(f"{repo} {link.text}"):
            found.append(link)
        elif tokens and tokens & set(re.split(r"[^a-z0-9]+", name)):
            found.append(link)  # e.g. the Pile's card links EleutherAI/the-pile
    return found


def _unread_card(dataset: DatasetStatus) -> Evidence:
    return Evidence(
        kind=UNREAD_DATASET_CARD,
        detail=f"dataset {dataset.repo_id}: {dataset.card_unread}",
        source=f"dataset {dataset.repo_id}: README.md",
        url=dataset.url,
    )


def unread_dataset_cards(openness: Openness) -> list[Evidence]:
    """The dataset cards an unknown step needed and could not read, each once; none for a
    step above one not met: whatever the card says, that step cannot change the rung."""
    found: dict[str, Evidence] = {}
    for step in openness.steps:
        if step.met is False:
            break
        if step.met is None:
            found.update((e.detail, e) for e in step.evidence if e.kind == UNREAD_DATASET_CARD)
    return list(found.values())


def _pipeline(inputs: LadderInputs, spec: dict[str, Any], links: list[Link]) -> Step:
    looked = [
        "links to data-processing code (" + ", ".join(spec["words"][:5]) + ", …; known "
        "toolkits " + ", ".join(spec["toolkits"][:5]) + ", …) in the model card, and in "
        "every training dataset's card (its build code)"
    ]
    per_dataset = {
        d.repo_id: _pipeline_links(d.links, spec, d.repo_id)
        for d in inputs.datasets
        if d.status in ("released", "terms_gated")
    }
    builds = {host_and_path(link.url) for found in per_dataset.values() for link in found}
    # A model-card link to a dataset's own build code covers that dataset, not the whole mix.
    own = [
        link for link in _pipeline_links(links, spec, None) if host_and_path(link.url) not in builds
    ]
    found = own + [link for found in per_dataset.values() for link in found]
    evidence = [link_evidence("pipeline_code", link) for link in found[:6]]
    # a dataset card not read (or a dataset not checked at all) may link its build code
    unread = [
        d
        for d in inputs.datasets
        if d.status == "error" or (d.repo_id in per_dataset and d.card_unread)
        if not per_dataset.get(d.repo_id)
    ]
    if not own and (inputs.card_unread or unread):
        # each unread card is evidence of its own, so the report lists it as a problem
        evidence += [_unread_card(d) for d in unread if d.status != "error"]
        why = "; ".join(f"{d.repo_id}: {d.detail or d.card_unread}" for d in unread[:5])
        reason = inputs.card_unread or f"could not check the dataset cards for build code: {why}"
        return _unknown(5, reason, evidence, looked)
    if not found:
        return _step(
            5,
            met=False,
            confidence="medium",
            looked_for=looked,
            reason="no data-cleaning or processing code is linked",
        )
    uncovered = [d for d, f in per_dataset.items() if not f]
    if not own and uncovered:
        return _step(
            5,
            met=False,
            confidence="medium",
            evidence=evidence,
            looked_for=looked,
            reason="partial: no processing code is linked for " + ", ".join(uncovered[:5]),
        )
    return _step(
        5,
        met=True,
        confidence="medium",
        evidence=evidence,
        looked_for=looked,
    )
