"""The license catalog as rows, for `openness licenses`."""

from __future__ import annotations

from openness.license.identify import osi_approved
from openness.report import CatalogEntry
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
