"""Other frameworks' views of the same evidence, kept apart because they ask other questions.

MOF (the Linux Foundation's Model Openness Framework): 17 components in three classes, each
released and under an open licence. OSAID (OSI's Open Source AI Definition 1.0): the four
freedoms over the preferred form to modify (parameters, code incl. data processing, data
information).
"""

from __future__ import annotations

import re

from openness.card import Card
from openness.links import link_evidence
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
    steps = {s.rung: s for s in ladder.steps}
    model_license = lic.spdx or (lic.identified.id if lic.identified else None)
    is_open = license_open(lic)
    body = card.body
    card_data = card.data
    links = card.links

    def comp(
        name: str,
        cls: str,
        present: bool | None,
        evidence: list[Evidence],
        required: bool = True,
        licensed: bool = False,
    ) -> Component:
        return Component(
            name=name,
            mof_class=cls,
            required=required,  # type: ignore[arg-type]
            present=present,
            evidence=evidence[:3],
            license=(model_license or "none declared") if licensed and present else None,
            license_open=is_open if licensed and present else None,
        )

    def from_step(rung: int) -> tuple[bool | None, list[Evidence]]:
        step = steps[rung]
        return step.met, step.evidence

    arch = [f for f in snap.files if _ARCH_FILES.search(f)]
    library = snap.info.get("library_name")
    evals = "model-index" in card_data or bool(re.search(r"^#+ .*evaluation", body, re.I | re.M))
    eval_code = [lnk for lnk in links if _EVAL.search(lnk.url) and "github" in lnk.url]
    intermediate = _INTERMEDIATE.search(body) is not None
    weights_met, weights_ev = from_step(1)
    full_weights = weights_met and any(e.kind == "weights" for e in weights_ev)
    paper = [e for e in steps[2].evidence if e.kind == "paper"]
    data_card = bool(card_data.get("datasets")) or bool(
        re.search(r"^#+ .*(training data|dataset)", body, re.I | re.M)
    )
    file_ev = [Evidence(kind="file", detail=f, source="file list") for f in arch]
    return [
        comp("Model architecture", "III", bool(arch), file_ev, licensed=True),
        comp(
            "Model parameters (Final)",
            "III",
            bool(full_weights) if weights_met is not None else None,
            weights_ev,
            licensed=True,
        ),
        comp("Technical report", "III", *from_step(2)),
        comp(
            "Evaluation results", "III", evals, _card_ev(evals, "evaluation section or model-index")
        ),
        comp(
            "Model card",
            "III",
            bool(body.strip()),
            _card_ev(bool(body.strip()), "README.md"),
            licensed=True,
        ),
        comp("Data card", "III", data_card, _card_ev(data_card, "training data described")),
        comp("Training code", "II", *from_step(3)),
        comp(
            "Inference code",
            "II",
            bool(library or arch),
            _card_ev(bool(library), f"library {library}"),
        ),
        comp(
            "Evaluation code",
            "II",
            bool(eval_code),
            [link_evidence("link", lnk) for lnk in eval_code],
        ),
        comp(
            "Evaluation data",
            "II",
            "model-index" in card_data,
            _card_ev("model-index" in card_data, "model-index names evaluation datasets"),
        ),
        comp("Research paper", "I", bool(paper), paper),
        comp("Datasets", "I", *from_step(4)),
        comp("Data preprocessing code", "I", *from_step(5)),
        comp(
            "Model parameters (Intermediate)",
            "I",
            intermediate,
            _card_ev(intermediate, "intermediate checkpoints are described"),
        ),
    ]


def _card_ev(present: bool, detail: str) -> list[Evidence]:
    return [Evidence(kind="card", detail=detail, source="README.md")] if present else []


def mof_class(comps: list[Component]) -> str | None:
    """The best class all of whose required components (cumulatively) are present and open.

    A component whose licence is the model's must be under an open licence, known to be open:
    an unknown licence never earns a class. Components whose own licence the repo does not
    state (papers, code elsewhere) count on presence.
    """
    best = None
    for cls in ("III", "II", "I"):
        needed = [
            c
            for c in comps
            if c.required
            and c.mof_class in {"III": ("III",), "II": ("III", "II"), "I": ("III", "II", "I")}[cls]
        ]
        if all(c.present is True and (c.license is None or c.license_open is True) for c in needed):
            best = cls
        else:
            break
    return best


def bind_to_effective_terms(ladder: Openness, lic: LicenseAssessment) -> None:
    """A derivative's components are licensed under its bases' terms too: judge MOF and OSAID
    on the terms that bind, not on what its own card declares."""
    terms = lic.effective
    if terms is None or len(terms.licenses) < 2 or terms.osd_compliant is lic.osd_compliant:
        return
    for comp in ladder.components:
        if comp.license is not None and comp.license_open is not False:
            comp.license_open = terms.osd_compliant
    ladder.mof_class = mof_class(ladder.components)  # type: ignore[assignment]
    ladder.osaid = osaid(lic, ladder)


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
        "data information": (
            _data_information(steps),
            "training data is neither named nor described with its mixture",
        ),
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


def _data_information(steps: dict) -> bool | None:
    report, data = steps[2], steps[4]
    if data.met is True:
        return True
    mixture = any(e.kind == "card_mixture" for e in report.evidence)
    if report.met is True and mixture:
        return True
    return False if report.met is False and data.met is False else None
