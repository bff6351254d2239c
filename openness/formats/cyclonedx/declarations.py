"""The ladder and the OSD as CycloneDX 1.6 standards (`definitions`), and per model an
attestation (`declarations`) that maps each requirement to a claim, or a counter-claim when it
is not met, citing the evidence: file, line and URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openness import __version__
from openness.formats.cyclonedx.common import (
    ASSESSOR,
    CONFIDENCE,
    LADDER,
    LADDER_TEXT,
    OSD,
    as_iri,
    document_url,
    endpoint_of,
    lib,
    met,
    tri,
)
from openness.sanitize import one_line

if TYPE_CHECKING:
    from openness.report import Evidence, Report


class Declarations:
    """Claims, evidence and attestations, collected model by model."""

    def __init__(self, rules: Any) -> None:
        self.lib = lib()
        self.rules = rules
        self.claims: list[dict[str, Any]] = []
        self.evidence: list[dict[str, Any]] = []
        self.attestations: list[dict[str, Any]] = []

    def __bool__(self) -> bool:
        return bool(self.attestations)

    def document(self) -> dict[str, Any]:
        """The `declarations` object (the library cannot model it yet)."""
        return {
            "assessors": [
                {
                    "bom-ref": ASSESSOR,
                    "thirdParty": True,
                    "organization": {"name": f"openness {__version__} (automated audit)"},
                }
            ],
            "attestations": self.attestations,
            "claims": self.claims,
            "evidence": self.evidence,
        }

    def standards(self) -> Any:
        from openness.ladder import STEP_NAMES

        lib = self.lib
        rungs = [
            lib.Requirement(
                bom_ref=f"{LADDER}:rung-{n}",
                identifier=f"rung-{n}",
                title=STEP_NAMES[n],
                text=LADDER_TEXT[n],
            )
            for n in sorted(STEP_NAMES)
        ]
        levels = [
            lib.Level(
                bom_ref=f"{LADDER}:level-{n}",
                identifier=f"rung-{n}",
                title=f"rung {n} of 5",
                description=f"rungs 1 to {n} are met",
                requirements=[f"{LADDER}:rung-{k}" for k in range(1, n + 1)],
            )
            for n in sorted(STEP_NAMES)
        ]
        ladder = lib.Standard(
            bom_ref=LADDER,
            name="openness ladder",
            version=__version__,
            owner="openness",
            description="Five rungs of openness of an AI model, each decided from the "
            "repository's own evidence; a rung counts only when every rung below it holds.",
            requirements=rungs,
            levels=levels,
        )
        criteria = [
            lib.Requirement(
                bom_ref=f"{OSD}:{n}",
                identifier=str(n),
                title=str(self.rules.criteria[n].get("title", f"criterion {n}")),
            )
            for n in sorted(self.rules.criteria)
        ]
        osd = lib.Standard(
            bom_ref=OSD,
            name="The Open Source Definition",
            version="1.9",
            owner="Open Source Initiative",
            description="The ten criteria a license must meet to be open source, applied to "
            "the terms that bind a user of the model: its own license and every base's.",
            requirements=criteria,
            external_references=[
                lib.ExternalReference(
                    type=lib.ExternalReferenceType.WEBSITE,
                    url=lib.XsUri("https://opensource.org/osd"),
                )
            ],
        )
        return lib.Definitions(standards=[ladder, osd])

    def _evidence(self, ref: str, description: str, name: str, url: str | None) -> str:
        bom_ref = f"{ref}|evidence:{len(self.evidence) + 1}"
        data: dict[str, Any] = {"name": name}
        if (iri := as_iri(url)) is not None:
            data["contents"] = {"url": iri}
        self.evidence.append(
            {"bom-ref": bom_ref, "description": one_line(description, 600), "data": [data]}
        )
        return bom_ref

    def _step_evidence(self, ref: str, e: Evidence) -> str:
        at = e.source + (f":{e.line}" if e.line else "")
        text = f"{e.kind}: {e.detail} ({at})" + (" (attested by a person)" if e.attested else "")
        return self._evidence(ref, text, at, e.url)

    def attest(self, report: Report, ref: str) -> None:
        entries = []
        for step in report.openness.steps:
            claim_ref = f"{ref}|claim:rung-{step.rung}"
            reasoning = step.reason or ("met" if step.met else "")
            if step.met is not True and step.looked_for:
                reasoning += ("; " if reasoning else "") + "looked for: "
                reasoning += "; ".join(step.looked_for)
            claim: dict[str, Any] = {
                "bom-ref": claim_ref,
                "target": ref,
                "predicate": f"rung {step.rung}, {step.name}: {met(step.met)}",
            }
            if step.evidence:
                claim["evidence"] = [self._step_evidence(ref, e) for e in step.evidence]
            if reasoning:
                claim["reasoning"] = one_line(reasoning, 1000)
            self.claims.append(claim)
            entry: dict[str, Any] = {"requirement": f"{LADDER}:rung-{step.rung}"}
            entry["counterClaims" if step.met is False else "claims"] = [claim_ref]
            conformance: dict[str, Any] = {"rationale": met(step.met)}
            if step.met is not None:
                conformance["score"] = 1.0 if step.met else 0.0
            entry["conformance"] = conformance
            entry["confidence"] = {
                "score": CONFIDENCE.get(step.confidence, 0.3),
                "rationale": f"{step.confidence} confidence",
            }
            entries.append(entry)
        entries += self._osd_entries(report, ref)
        lic = report.license
        effective = lic.effective
        verdict = tri(effective.osd_compliant if effective else lic.osd_compliant)
        summary = (
            f"{report.subject.repo_id}@{report.subject.revision or 'unknown'}: openness ladder "
            f"rung {report.openness.rung} of 5; the terms that bind meet the OSD: {verdict}"
        )
        self.attestations.append({"summary": summary, "assessor": ASSESSOR, "map": entries})

    def _osd_entries(self, report: Report, ref: str) -> list[dict[str, Any]]:
        lic = report.license
        effective = lic.effective
        binding = effective.licenses if effective else []
        own = {o.criterion: o for o in lic.osd}
        clause_evidence: dict[int, str] = {}
        for i, c in enumerate(lic.clauses):
            if c.osd_criteria and c.severity == "blocking":
                at = c.source + (f":{c.line}" if c.line else "")
                quoted = f": “{c.excerpt}”" if c.excerpt else ""
                text = f"{c.kind} in {c.document or 'the license'} ({at}){quoted}"
                url = document_url(report, c.source)
                clause_evidence[i] = self._evidence(ref, text, at, url)
        endpoint = endpoint_of(report.subject)
        entries = []
        for n in sorted(self.rules.criteria):
            evidence = [
                clause_evidence[i]
                for i, c in enumerate(lic.clauses)
                if i in clause_evidence and n in c.osd_criteria
            ]
            failing = False
            for b in binding:
                for crit in b.osd_failing:
                    if crit.criterion != n:
                        continue
                    failing = True
                    if b.relation != "own":
                        text = (
                            f"{b.id or 'unknown license'}, the license of base {b.from_} "
                            f"({b.relation}): {', '.join(crit.clauses)}"
                        )
                        page = f"{endpoint}/{b.from_}" if endpoint else None
                        evidence.append(self._evidence(ref, text, b.from_, page))
            status = own.get(n).status if n in own else "unknown"
            if failing or status == "fail":
                status = "fail"
            elif effective is not None and effective.osd_compliant is True:
                status = "pass"
            elif len(binding) > 1:
                status = "unknown"
            claim_ref = f"{ref}|claim:osd-{n}"
            reason = (
                effective.reason if effective and effective.reason else lic.osd_reason
            ) or status
            claim: dict[str, Any] = {
                "bom-ref": claim_ref,
                "target": ref,
                "predicate": f"OSD {n}, {self.rules.criteria[n].get('title', '')}: {status}",
                "reasoning": one_line(reason, 1000),
            }
            if evidence:
                claim["evidence" if status == "fail" else "counterEvidence"] = evidence
            self.claims.append(claim)
            entry: dict[str, Any] = {"requirement": f"{OSD}:{n}"}
            entry["counterClaims" if status == "fail" else "claims"] = [claim_ref]
            conformance: dict[str, Any] = {"rationale": status}
            if status != "unknown":
                conformance["score"] = 0.0 if status == "fail" else 1.0
            entry["conformance"] = conformance
            entries.append(entry)
        return entries

    # -- the document -----------------------------------------------------------------------
