"""The rules as rows: the license catalog (`openness licenses`) and the clause kinds
(`openness clauses`)."""

from __future__ import annotations

from openness.license.identify import osi_approved
from openness.report import CatalogDocument, CatalogEntry, ClauseDocument, ClauseKindEntry
from openness.rules import Rules


def catalog_entries(rules: Rules) -> list[CatalogEntry]:
    return [
        CatalogEntry(
            id=lic.id,
            name=lic.name,
            kind=lic.kind,
            family=lic.family,
            spdx=lic.spdx,
            hub_id=lic.hub_id,
            osi_approved=osi_approved(lic.spdx),
            url=lic.url,
            aup=lic.aup,
            clauses=sorted({c.kind for c in lic.clauses}),
        )
        for lic in sorted(rules.licenses.values(), key=lambda x: (x.family, x.id))
    ]


def catalog_document(rules: Rules) -> CatalogDocument:
    return CatalogDocument(licenses=catalog_entries(rules))


def clause_kinds(rules: Rules) -> list[ClauseKindEntry]:
    """Every clause kind, in the order of the rules (clauses.yaml, then user rules)."""
    return [
        ClauseKindEntry(
            kind=spec.kind,
            title=spec.title,
            severity=spec.severity,  # type: ignore[arg-type]
            osd_criteria=list(spec.osd_criteria),
            rationale=spec.rationale,
            freedoms=list(spec.freedoms),
        )
        for spec in rules.kinds.values()
    ]


def clause_document(rules: Rules) -> ClauseDocument:
    return ClauseDocument(clauses=clause_kinds(rules))
