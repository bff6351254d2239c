"""The JSON documents are a public API: their committed schemas change only on purpose."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, run_openness


@pytest.mark.parametrize(
    "kind",
    ["audit", "license", "licenses", "clauses", "scan", "lock", "diff", "changes", "compare"],
)
def test_schema_matches_the_committed_one(kind):
    committed = json.loads((ROOT / "docs" / "schema" / f"{kind}.schema.json").read_text())
    current = json.loads(run_openness("schema", kind).stdout)
    assert current == committed, (
        f"the {kind} schema changed: if on purpose (fields added, none renamed), run "
        f"`openness schema {kind} > docs/schema/{kind}.schema.json`"
    )


def test_contract_field_names_are_present():
    schema = json.loads((ROOT / "docs" / "schema" / "audit.schema.json").read_text())
    defs = schema["$defs"]
    assert set(defs["Subject"]["properties"]) >= {"repo_id", "revision", "source", "gated"}
    assert set(defs["LicenseAssessment"]["properties"]) >= {
        "declared",
        "identified",
        "spdx",
        "osi_approved",
        "osd_compliant",
        "clauses",
        "osd",
    }
    assert set(defs["Clause"]["properties"]) >= {
        "kind",
        "title",
        "severity",
        "osd_criteria",
        "excerpt",
        "source",
        "line",
        "value",
    }
    assert set(defs["Identified"]["properties"]) >= {
        "id",
        "name",
        "confidence",
        "source",
        "modified",
    }
    assert set(defs["OsdCriterion"]["properties"]) >= {"criterion", "title", "status", "clauses"}
    assert set(defs["Openness"]["properties"]) >= {
        "rung",
        "steps",
        "components",
        "mof_class",
        "osaid",
    }
    assert set(defs["Step"]["properties"]) >= {"rung", "name", "met", "confidence", "evidence"}
    assert set(defs["Evidence"]["properties"]) >= {"kind", "detail", "source", "url"}
    assert set(defs["Lineage"]["properties"]) >= {"base_chain", "license_conflicts"}
    assert set(defs["PolicyResult"]["properties"]) >= {
        "source",
        "passed",
        "violations",
        "exceptions_applied",
    }
    assert set(schema["properties"]) >= {"schema_version", "tool", "reports"}
