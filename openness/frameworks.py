"""Other frameworks' views of the same evidence, kept apart because they ask other questions.

MOF (the Linux Foundation's Model Openness Framework): 17 components in three classes, each
released and under an open licence. OSAID (OSI's Open Source AI Definition 1.0): the four
freedoms over the preferred form to modify (parameters, code incl. data processing, data
information).
"""

from __future__ import annotations

import re

from openness.card import Card
from openness.links import Link, link_evidence
from openness.report import Component, Evidence, LicenseAssessment, Openness, Osaid
from openness.snapshot import Snapshot

# Licences MOF accepts for data and documents besides OSI/FSF ones (its open-data list).
OPEN_CONTENT = {
    "cc0-1.0",
    "cc-by-4.0",
    "cc-by-sa-4.0",
    "cc-by-3.0",
    "cc-by-sa-3.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "cdla-sharing-1.0",
    "odc-by-1.0",
    "odc-by",
    "odbl-1.0",
    "odbl",
    "pddl-1.0",
    "pddl",
    "openmdw-1.0",
}
_EVAL = re.compile(r"eval|lm-evaluation-harness|benchmark", re.IGNORECASE)
_INTERMEDIATE = re.compile(
    r"intermediate checkpoints?|revision\s*=\s*[\"']?step|"
    r"checkpoints? (?:every|at) \d|training checkpoints",
    re.IGNORECASE,
)
_ARCH_FILES = re.compile(r"(^|/)(config\.json|params\.json|modeling_[^/]+\.py|[^/]+\.yaml)$")


def license_open(lic: LicenseAssessment) -> bool | None:
    if lic.osd_compliant is True:
        return True
    if lic.spdx and lic.spdx.lower() in OPEN_CONTENT:
        return True
    return False if lic.osd_compliant is False else None


def components(
    snap: Snapshot, card: Card, lic: LicenseAssessment, ladder: Openness
) -> list[Component]:
    """The 17 MOF components from the evidence read. A component only the card can show is
    unknown, with the reason, when the card could not be read: never absent."""
    steps = {s.rung: s for s in ladder.steps}
    model_license = lic.spdx or (lic.identified.id if lic.identified else None)
    is_open = license_open(lic)
    facts = _CardFacts(card)

    def comp(
        name: str,
        cls: str,
        found: tuple[bool | None, list[Evidence], str | None],
        required: bool = True,
        licensed: bool = False,
    ) -> Component:
        present, evidence, reason = found
        return Component(
            name=name,
            mof_class=cls,
            required=required,  # type: ignore[arg-type]
            present=present,
            evidence=evidence[:3],
            license=(model_license or "none declared") if licensed and present else None,
            license_open=is_open if licensed and present else None,
            reason=reason if present is None else None,
        )

    def from_step(rung: int) -> tuple[bool | None, list[Evidence], str | None]:
        step = steps[rung]
        return step.met, step.evidence, step.reason

    arch = [f for f in snap.files if _ARCH_FILES.search(f)]
    library = snap.info.get("library_name")
    eval_code = [lnk for lnk in card.links if _EVAL.search(lnk.url) and "github" in lnk.url]
    weights_met, weights_ev, weights_why = from_step(1)
    full_weights = weights_met and any(e.kind == "weights" for e in weights_ev)
    paper = [e for e in steps[2].evidence if e.kind == "paper"]
    file_ev = [Evidence(kind="file", detail=f, source="file list") for f in arch]
    model_index = facts.front("model-index" in card.data, "model-index in the card data")
    eval_heading = facts.body(
        re.search(r"^#+ .*evaluation", card.body, re.I | re.M) is not None, "evaluation section"
    )
    data_named = facts.front(bool(card.data.get("datasets")), "training datasets named")
    data_heading = facts.body(
        re.search(r"^#+ .*(training data|dataset)", card.body, re.I | re.M) is not None,
        "training data described",
    )
    return [
        comp("Model architecture", "III", (bool(arch), file_ev, None), licensed=True),
        comp(
            "Model parameters (Final)",
            "III",
            (bool(full_weights) if weights_met is not None else None, weights_ev, weights_why),
            licensed=True,
        ),
        comp("Technical report", "III", from_step(2)),
        comp("Evaluation results", "III", _either(model_index, eval_heading)),
        comp("Model card", "III", facts.body(bool(card.body.strip()), "README.md"), licensed=True),
        comp("Data card", "III", _either(data_named, data_heading)),
        comp("Training code", "II", from_step(3)),
        comp(
            "Inference code",
            "II",
            (
                bool(library or arch),
                [Evidence(kind="card", detail=f"library {library}", source="model info")]
                if library
                else file_ev,
                None,
            ),
        ),
        comp(
            "Evaluation code",
            "II",
            facts.body_links(eval_code),
        ),
        comp(
            "Evaluation data",
            "II",
            facts.front("model-index" in card.data, "model-index names evaluation datasets"),
        ),
        comp("Research paper", "I", (bool(paper), paper, None)),
        comp("Datasets", "I", from_step(4)),
        comp("Data preprocessing code", "I", from_step(5)),
        comp(
            "Model parameters (Intermediate)",
            "I",
            facts.body(
                _INTERMEDIATE.search(card.body) is not None,
                "intermediate checkpoints are described",
            ),
        ),
    ]


Found = tuple[bool | None, list[Evidence], str | None]  # present, evidence, why unknown


class _CardFacts:
    """What the card shows, and where: a fact not found in a card that could not be read is
    unknown, not absent. The front matter may still be known from the Hub's card data."""

    def __init__(self, card: Card) -> None:
        self.card = card

    def body(self, found: bool, detail: str) -> Found:
        return self._fact(found, detail, "README.md", self.card.unread_reason)

    def front(self, found: bool, detail: str) -> Found:
        source = self.card.data_source or "README.md"
        return self._fact(found, detail, source, self.card.front_matter_unread)

    def body_links(self, links: list[Link]) -> Found:
        if links or self.card.unread_reason is None:
            return bool(links), [link_evidence("link", lnk) for lnk in links], None
        return None, [], self.card.unread_reason

    @staticmethod
    def _fact(found: bool, detail: str, source: str, unread: str | None) -> Found:
        if found:
            return True, [Evidence(kind="card", detail=detail, source=source)], None
        return (None, [], unread) if unread else (False, [], None)


def _either(first: Found, second: Found) -> Found:
    """Present when either shows it; unknown when neither does and one could not be read."""
    for found in (first, second):
        if found[0] is True:
            return found
    return next((f for f in (first, second) if f[0] is None), first)


def mof_class(comps: list[Component]) -> str | None:
    """The best class all of whose required components (cumulatively) are present and open.

    A component whose licence is the model's must be under an open licence, known to be open:
    an unknown licence never earns a class. Components whose own licence the repo does not
    state (papers, code elsewhere) count on presence.
    """
    best = None
    for cls in ("III", "II", "I"):
        if all(_earns(c) for c in _needed(comps, cls)):
            best = cls
        else:
            break
    return best


def mof_class_unknown(comps: list[Component]) -> str | None:
    """Why the next class up cannot be judged: nothing it needs is known to be missing, but
    some of it is unknown (its evidence could not be read)."""
    current = mof_class(comps)
    above = {None: "III", "III": "II", "II": "I"}.get(current)
    if above is None:
        return None
    blocking = [c for c in _needed(comps, above) if not _earns(c)]
    if any(c.present is False or c.license_open is False for c in blocking):
        return None
    why: dict[str, list[str]] = {}
    for c in blocking:
        reason = c.reason if c.present is None else "license not known to be open"
        why.setdefault(reason or "unknown", []).append(c.name)
    parts = [f"{', '.join(names)} ({reason})" for reason, names in why.items()]
    return f"class {above} needs {'; '.join(parts)}"


def _needed(comps: list[Component], cls: str) -> list[Component]:
    classes = {"III": ("III",), "II": ("III", "II"), "I": ("III", "II", "I")}[cls]
    return [c for c in comps if c.required and c.mof_class in classes]


def _earns(comp: Component) -> bool:
    return comp.present is True and (comp.license is None or comp.license_open is True)


def bind_to_effective_terms(ladder: Openness, lic: LicenseAssessment) -> None:
    """A derivative's components are licensed under its bases' terms too: judge MOF and OSAID
    on the terms that bind, not on what its own card declares."""
    terms = lic.effective
    if terms is None or len(terms.licenses) < 2 or terms.osd_compliant is lic.osd_compliant:
        return
    for comp in ladder.components:
        if comp.license is not None and comp.license_open is not False:
            comp.license_open = terms.osd_compliant
    judge_mof(ladder)
    ladder.osaid = osaid(lic, ladder)


def judge_mof(ladder: Openness) -> None:
    """The MOF class of the components, and why a higher one is unknown when it is."""
    ladder.mof_class = mof_class(ladder.components)  # type: ignore[assignment]
    ladder.mof_class_unknown = mof_class_unknown(ladder.components)


def osaid(lic: LicenseAssessment, ladder: Openness) -> Osaid:
    steps = {s.rung: s for s in ladder.steps}
    terms = lic.effective
    freedoms = (
        (terms.osd_compliant, terms.reason)
        if terms is not None
        else (lic.osd_compliant, lic.osd_reason or "")
    )
    checks = {
        "freedoms (license)": freedoms,
        "parameters (weights)": (steps[1].met, steps[1].reason or ""),
        "data information": _data_information(steps),
        "training code": (steps[3].met, steps[3].reason or ""),
        "data-processing code": (steps[5].met, steps[5].reason or ""),
    }
    missing = [name for name, (ok, _) in checks.items() if ok is not True]
    reasons = [f"{name}: {why}" for name, (ok, why) in checks.items() if ok is not True and why]
    if any(ok is False for ok, _ in checks.values()):
        verdict = "fail"
    elif missing:
        verdict = "unknown"
    else:
        verdict = "pass"
    return Osaid(verdict=verdict, missing=missing, reasons=reasons)  # type: ignore[arg-type]


def _data_information(steps: dict) -> tuple[bool | None, str]:
    """The training data named (rung 4) or described with its mixture (in the report); when
    that is unknown, the reason is the unread evidence, not a missing description."""
    report, data = steps[2], steps[4]
    if data.met is True:
        return True, ""
    mixture = any(e.kind == "card_mixture" for e in report.evidence)
    if report.met is True and mixture:
        return True, ""
    if report.met is False and data.met is False:
        return False, "training data is neither named nor described with its mixture"
    unknown = data if data.met is None else report
    return None, unknown.reason or "training data is neither named nor described with its mixture"
