"""Issue 12: the BOM and page formats through the real CLI (`-f cyclonedx|spdx|html`, `-o`),
for audit, scan and lock. The renderers' own tests check the documents in depth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness

MIRROR = ("--mirror", str(FIXTURES))
SPDX_SCHEMA = (
    Path(__file__).resolve().parents[2] / "shared" / "specs" / "spdx-3.0.1" / "schema.json"
)


@pytest.fixture(scope="module")
def cdx_validator():
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_6)


def _cdx_ok(validator, text: str) -> dict:
    error = validator.validate_str(text)
    assert error is None, error
    return json.loads(text)


def test_audit_writes_a_valid_cyclonedx_bom_to_a_file(tmp_path, cdx_validator):
    out = tmp_path / "bom.json"
    run = run_openness(
        "audit",
        "openness-fixtures/llama2-finetune-apache",
        *MIRROR,
        "-f",
        "cyclonedx",
        "-o",
        str(out),
    )
    assert run.code == 0, run.stderr
    bom = _cdx_ok(cdx_validator, out.read_text())
    model = bom["components"][0]
    assert model["type"] == "machine-learning-model"
    props = {p["name"]: p["value"] for p in model["properties"]}
    assert props["openness:effective_osd_compliant"] == "false"


def test_scan_and_lock_boms_list_every_referenced_model_once(tmp_path, cdx_validator):
    (tmp_path / "app.py").write_text(
        "from x import M\n"
        'M.from_pretrained("openness-fixtures/open-apache-7b")\n'
        'M.from_pretrained("openness-fixtures/open-apache-7b")\n'
        'M.from_pretrained("meta-llama/Llama-2-7b")\n'
    )
    for args in (("scan", *MIRROR, "-f", "cyclonedx"), ("lock", *MIRROR, "-f", "cyclonedx")):
        run = run_openness(*args, cwd=tmp_path)
        assert run.code == 0, run.stderr
        bom = _cdx_ok(cdx_validator, run.stdout)
        names = [c["name"] for c in bom["components"] if c["type"] == "machine-learning-model"]
        assert sorted(names) == ["meta-llama/Llama-2-7b", "openness-fixtures/open-apache-7b"]
    assert (tmp_path / "openness.lock").is_file()  # lock still writes the lock


def test_audit_and_scan_write_spdx_3_that_validates(tmp_path):
    if not SPDX_SCHEMA.is_file():
        pytest.skip(f"SPDX 3.0.1 schema not present at {SPDX_SCHEMA}")
    import jsonschema

    schema = json.loads(SPDX_SCHEMA.read_text())
    run = run_openness("audit", "openness-fixtures/Llama-2-7B-GGUF", *MIRROR, "-f", "spdx")
    assert run.code == 0, run.stderr
    document = json.loads(run.stdout)
    jsonschema.validate(document, schema)
    types = {node.get("type") for node in document["@graph"]}
    assert {"ai_AIPackage", "SpdxDocument"} <= types


def test_audit_writes_one_self_contained_html_page(tmp_path):
    out = tmp_path / "report.html"
    run = run_openness(
        "audit",
        "meta-llama/Llama-2-7b",
        "openness-fixtures/open-apache-7b",
        *MIRROR,
        "-f",
        "html",
        "-o",
        str(out),
    )
    assert run.code == 0, run.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "meta-llama/Llama-2-7b" in page and "openness-fixtures/open-apache-7b" in page
    assert "http://" not in page.split("<body", 1)[0]  # no external assets in the head
