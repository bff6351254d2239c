"""CycloneDX 1.6 ML-BOM (issue 12): real reports rendered, validated against the bundled 1.6
schema (strict), and checked for what the schema does not check: every reference points at a
bom-ref, no LicenseRef as a license id, datasets without purl, escaped repo text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, run_openness
from hostile import BIDI, build, write_repo

from openness.report import AuditDocument, Evidence, Problem, ScanDocument, SubjectError

pytest.importorskip("cyclonedx.validation.json", reason="cyclonedx-python-lib not installed")

from openness.formats.cyclonedx import render_audit, render_scan

LLAMA = "meta-llama/Llama-2-7b"
OPEN = "openness-fixtures/open-apache-7b"
FINETUNE = "openness-fixtures/llama2-finetune-apache"
GGUF = "openness-fixtures/Llama-2-7B-GGUF"
MERGE = "openness-fixtures/llama2-apache-merge"
BASE = "meta-llama/Llama-2-7b-hf"
SUBJECTS = [LLAMA, OPEN, FINETUNE, GGUF, MERGE]
# keys whose string values (or lists of strings) are references to a bom-ref
REF_KEYS = {
    "ref",
    "dependsOn",
    "assessor",
    "requirement",
    "requirements",
    "claims",
    "counterClaims",
    "target",
    "evidence",
    "counterEvidence",
    "mitigationStrategies",
    "parent",
}
PURL = re.compile(r"^pkg:huggingface/([\w.-]+/)?[\w.-]+(@[0-9a-f]{40})?(\?repository_url=.+)?$")


@pytest.fixture(scope="session")
def validator():
    """Built once. Its `iri-reference` check parses each URL with an Earley parser (tens of
    ms a URL); the same URL recurs across a BOM, so the check is memoised for the session
    (same answers, a third of the time) and restored afterwards."""
    from functools import lru_cache

    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from jsonschema import Draft7Validator

    checkers = Draft7Validator.FORMAT_CHECKER.checkers
    saved = {k: checkers[k] for k in ("iri", "iri-reference") if k in checkers}
    for key, (func, raises) in saved.items():
        checkers[key] = (lru_cache(maxsize=None)(func), raises)
    yield JsonStrictValidator(SchemaVersion.V1_6)
    checkers.update(saved)


def _audit(*args: str, env: dict | None = None) -> AuditDocument:
    run = run_openness("audit", *args, "--format", "json", env=env)
    assert run.code in (0, 3), run.stderr
    return AuditDocument.model_validate_json(run.stdout)


@pytest.fixture(scope="module")
def audited() -> AuditDocument:
    return _audit(*SUBJECTS, "--mirror", str(FIXTURES))


def _walk(node: Any):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def check(text: str, validator) -> dict:
    """Valid CycloneDX 1.6, and what the schema leaves to us."""
    errors = validator.validate_str(text, all_errors=True)
    assert errors is None, [str(e)[:500] for e in errors]
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", bom["serialNumber"])
    assert bom["metadata"]["timestamp"]
    refs = [d["bom-ref"] for d in _walk(bom) if "bom-ref" in d]
    assert len(refs) == len(set(refs)), "bom-refs must be unique"
    known = set(refs)
    for d in _walk(bom):
        for key in REF_KEYS & d.keys():
            values = d[key] if isinstance(d[key], list) else [d[key]]
            for value in values:
                if isinstance(value, str):
                    assert value in known, f"{key} -> {value} points at no bom-ref"
    for d in _walk(bom):
        lic = d.get("license")
        if isinstance(lic, dict):
            assert "id" in lic or "name" in lic
            assert not lic.get("id", "").startswith("LicenseRef"), lic
        if "expression" in d:
            assert "LicenseRef" not in d["expression"]
    for d in _walk(bom):
        if d.get("type") == "data" and "name" in d and "bom-ref" in d:
            assert "purl" not in d, "datasets have no purl"
            kinds = {r["type"] for r in d.get("externalReferences", [])}
            assert kinds <= {"distribution"}
    for d in _walk(bom):
        if d.get("type") == "machine-learning-model" and "purl" in d:
            assert PURL.match(d["purl"]), d["purl"]
    return bom


def _models(bom: dict) -> dict[str, dict]:
    return {c["name"]: c for c in bom["components"] if c["type"] == "machine-learning-model"}


def _props(component: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in component.get("properties", []):
        out.setdefault(p["name"], []).append(p["value"])
    return out


@pytest.fixture(scope="module")
def bom(audited, validator) -> dict:
    return check(render_audit(audited), validator)


def test_fixtures_validate_one_component_per_subject(audited, bom):
    models = _models(bom)
    assert set(models) == set(SUBJECTS)
    for report in audited.reports:
        component = models[report.subject.repo_id]
        sha = report.subject.revision
        assert component["version"] == sha
        # a mirror is a copy of the Hub: no repository_url
        assert component["purl"] == f"pkg:huggingface/{report.subject.repo_id}@{sha.lower()}"
        assert component["bom-ref"] == component["purl"]
        assert component["modelCard"]["bom-ref"].startswith(component["bom-ref"])
    tools = bom["metadata"]["tools"]["components"]
    assert tools[0]["name"] == "openness"


def test_licenses_declared_and_concluded(bom):
    models = _models(bom)
    llama = models[LLAMA]
    (declared,) = llama["licenses"]
    assert declared["license"]["name"] == "Llama 2 Community License Agreement"
    assert declared["license"]["acknowledgement"] == "declared"
    assert declared["license"]["url"].endswith("/LICENSE.txt")
    concluded = {x["license"]["name"] for x in llama["evidence"]["licenses"]}
    assert "Llama 2 Acceptable Use Policy" in concluded
    assert any(n.startswith("Llama 2 Community License Agreement") for n in concluded)
    assert all(
        x["license"]["acknowledgement"] == "concluded" for x in llama["evidence"]["licenses"]
    )
    (apache,) = models[OPEN]["licenses"]
    assert apache["license"]["id"] == "Apache-2.0"
    assert apache["license"]["acknowledgement"] == "declared"
    # the fine-tune declares Apache (declared), but Llama 2 binds: properties say so
    props = _props(models[FINETUNE])
    assert models[FINETUNE]["licenses"][0]["license"]["id"] == "Apache-2.0"
    assert props["openness:osd_compliant"] == ["true"]
    assert props["openness:effective_osd_compliant"] == ["false"]
    assert set(props["openness:effective_license"]) == {"apache-2.0", "llama2"}
    assert {"mau_threshold", "no_train_other_models"} <= set(props["openness:clause"])


def test_a_named_license_carries_the_text_read(bom):
    """A license without an SPDX id is named, with its URL and the text the audit read."""
    llama = _models(bom)[LLAMA]
    (declared,) = llama["licenses"]
    text = declared["license"]["text"]
    assert text["contentType"] == "text/plain"
    assert text["content"].startswith("LLAMA 2 COMMUNITY LICENSE AGREEMENT")
    assert "more than 700 million monthly active" in text["content"]
    concluded = {x["license"]["name"]: x["license"] for x in llama["evidence"]["licenses"]}
    policy = concluded["Llama 2 Acceptable Use Policy"]["text"]["content"]
    assert policy.startswith("# Llama 2 Acceptable Use Policy")
    # an SPDX id names its text already: none is copied
    (apache,) = _models(bom)[OPEN]["licenses"]
    assert "text" not in apache["license"]


def test_verdicts_are_properties(bom, audited):
    models = _models(bom)
    for report in audited.reports:
        props = _props(models[report.subject.repo_id])
        assert props["openness:rung"] == [str(report.openness.rung)]
        for step in report.openness.steps:
            expected = {True: "met", False: "not met", None: "unknown"}[step.met]
            assert props[f"openness:step:{step.rung}"] == [expected]
        assert props["openness:mof_class"] == [report.openness.mof_class or "none"]
        assert props["openness:osaid"] == [report.openness.osaid.verdict]
        assert props["openness:complete"] == [str(report.complete).lower()]
    assert _props(models[OPEN])["openness:rung"] == ["5"]
    assert _props(models[OPEN])["openness:mof_class"] == ["III"]


def test_pedigree_ancestors_variants_and_notes(bom):
    models = _models(bom)
    finetune = models[FINETUNE]["pedigree"]
    assert [a["name"] for a in finetune["ancestors"]] == [BASE]
    assert "finetune" in finetune["notes"]
    base = finetune["ancestors"][0]
    assert base["type"] == "machine-learning-model"
    assert base["purl"].startswith(f"pkg:huggingface/{BASE}@")
    assert base["licenses"][0]["license"]["name"] == "Llama 2 Community License Agreement"
    assert _props(base)["openness:osd_compliant"] == ["false"]
    gguf = models[GGUF]["pedigree"]
    assert [v["name"] for v in gguf["variants"]] == [BASE]
    assert "ancestors" not in gguf
    assert "quantized" in gguf["notes"]
    merge = models[MERGE]["pedigree"]
    assert {a["name"] for a in merge["ancestors"]} == {BASE, OPEN}
    assert "merge" in merge["notes"]
    assert "pedigree" not in models[LLAMA]


def test_external_references_from_the_evidence(bom):
    refs = {(r["type"], r["url"]) for r in _models(bom)[OPEN]["externalReferences"]}
    kinds = {t for t, _ in refs}
    assert {"distribution", "model-card", "license", "documentation", "vcs", "other"} <= kinds
    assert ("documentation", "https://arxiv.org/abs/2402.00838") in refs
    assert ("vcs", "https://github.com/openness-fixtures/open-apache-train") in refs
    assert ("vcs", "https://github.com/openness-fixtures/data-cleaning") in refs
    assert any(t == "model-card" and u.endswith("/README.md") for t, u in refs)
    assert any(t == "license" and u.endswith("/LICENSE") for t, u in refs)


def test_datasets_are_data_components_referenced_from_the_model_card(bom):
    card = _models(bom)[OPEN]["modelCard"]
    (dataset,) = card["modelParameters"]["datasets"]
    data = {c["bom-ref"]: c for c in bom["components"] if c["type"] == "data"}
    component = data[dataset["ref"]]
    assert component["name"] == "openness-fixtures/open-pretrain-mix"
    assert "purl" not in component
    assert component["licenses"][0]["license"]["id"] == "ODC-By-1.0"
    assert component["data"][0]["type"] == "dataset"
    (page,) = component["externalReferences"]
    assert page["type"] == "distribution" and page["url"].endswith("/open-pretrain-mix")


def test_license_restrictions_are_considerations(bom):
    llama = _models(bom)[LLAMA]["modelCard"]["considerations"]["ethicalConsiderations"]
    assert any("700 million" in c["name"] for c in llama)
    finetune = _models(bom)[FINETUNE]["modelCard"]["considerations"]["ethicalConsiderations"]
    assert any(f"through base {BASE}" in c["name"] for c in finetune)


def test_the_model_card_carries_what_the_card_states(bom):
    card = _models(bom)[OPEN]["modelCard"]
    parameters = card["modelParameters"]
    assert parameters["task"] == "text-generation"  # pipeline_tag
    assert parameters["architectureFamily"] == "transformer, autoregressive language model"
    assert parameters["modelArchitecture"] == "OlmoForCausalLM"  # the model info's config
    (limits,) = card["considerations"]["technicalLimitations"]
    assert limits.startswith("A base model: not tuned to follow instructions")
    assert limits.endswith("(Limitations, README.md:92)")
    assert {"name": "openness:library", "value": "transformers"} in card["properties"]
    llama = _models(bom)[LLAMA]["modelCard"]
    (uses,) = llama["considerations"]["useCases"]
    assert uses.startswith("Commercial and research use in English.")
    assert "(Intended use, README.md:79)" in uses
    gguf = _models(bom)[GGUF]["modelCard"]["modelParameters"]
    assert gguf["modelArchitecture"] == "llama"  # the GGUF block of the model info


CARD = """\
---
license: apache-2.0
pipeline_tag: text-classification
library_name: transformers
---
# Template card

## Model details

- **Model type:** encoder-only transformer

## Uses

### Direct Use

Sorting support tickets by topic.

### Out-of-Scope Use

Medical or legal decisions.

## How to use

Run it with the pipeline.

## Bias, Risks, and Limitations

Trained on English tickets only; it may misfile tickets written in other languages.

## Ethical considerations

Tickets can hold personal data: <script>alert(1)</script> redact them first.
"""


def test_the_card_templates_sections_become_considerations(tmp_path, validator):
    """The Hub's card template: uses, out-of-scope uses, bias and risks, ethics; a section
    whose text is all in its sub-sections, and 'How to use', are not considerations."""
    model = tmp_path / "ticket-sorter"
    model.mkdir()
    (model / "README.md").write_text(CARD)
    (model / "model.safetensors").write_bytes(b"\0" * 16)
    doc = _audit(str(model))
    (report,) = doc.reports
    kinds = [(c.kind, c.title) for c in report.card.considerations]
    assert kinds == [
        ("use_cases", "Direct Use"),
        ("out_of_scope", "Out-of-Scope Use"),
        ("bias_risks", "Bias, Risks, and Limitations"),
        ("ethical_considerations", "Ethical considerations"),
    ]
    assert report.card.task.source == "README.md:3 (pipeline_tag)"
    bom = check(render_audit(doc), validator)
    (component,) = _models(bom).values()
    card = component["modelCard"]
    assert card["modelParameters"]["task"] == "text-classification"
    assert card["modelParameters"]["architectureFamily"] == "encoder-only transformer"
    considerations = card["considerations"]
    uses = ["Sorting support tickets by topic. (Direct Use, README.md:14)"]
    assert considerations["useCases"] == uses
    assert considerations["technicalLimitations"] == [
        "Out of scope: Medical or legal decisions. (Out-of-Scope Use, README.md:18)"
    ]
    # a local folder has no other address: its own is shown
    assert component["externalReferences"][0]["url"] == model.resolve().as_uri()
    risks = [r["name"] for r in considerations["ethicalConsiderations"]]
    assert risks[0].startswith("Trained on English tickets only")
    assert "<script>alert(1)</script>" in risks[1]  # a string like any other


def test_a_declared_expression_is_spelled_as_spdx_and_other_is_no_license(tmp_path, validator):
    """The expression a card declares is written with SPDX's ids (as openness:spdx has it);
    a dataset whose card says only `other` gets no license (SPDX's NoAssertion), not one
    named "Other"."""
    card = {"license": "apache-2.0 OR mit", "datasets": ["org/corpus"]}
    readme = "---\nlicense: apache-2.0 OR mit\ndatasets:\n- org/corpus\n---\n# M\n"
    write_repo(tmp_path, "org/m", card, {"README.md": readme.encode(), "model.safetensors": b""})
    dataset = tmp_path / "datasets" / "org" / "corpus"
    dataset.mkdir(parents=True)
    info = {"id": "org/corpus", "sha": "1" * 40, "cardData": {"license": "other"}, "tags": []}
    (dataset / "info.json").write_text(json.dumps(info))
    doc = _audit("org/m", "--mirror", str(tmp_path))
    bom = check(render_audit(doc), validator)
    (component,) = _models(bom).values()
    declared = [x for x in component["licenses"] if "expression" in x]
    assert [x["expression"] for x in declared] == ["Apache-2.0 OR MIT"]
    (data,) = [c for c in bom["components"] if c["type"] == "data"]
    assert data["name"] == "org/corpus" and "licenses" not in data


def test_ladder_and_osd_as_standards_and_attestations(bom, audited):
    standards = {s["bom-ref"]: s for s in bom["definitions"]["standards"]}
    assert len(standards["openness:ladder"]["requirements"]) == 5
    assert len(standards["openness:ladder"]["levels"]) == 5
    assert len(standards["openness:osd"]["requirements"]) == 10
    declarations = bom["declarations"]
    attestations = declarations["attestations"]
    assert len(attestations) == len(audited.reports)
    claims = {c["bom-ref"]: c for c in declarations["claims"]}
    evidence = {e["bom-ref"]: e for e in declarations["evidence"]}
    models = _models(bom)
    llama = next(a for a in attestations if a["summary"].startswith(LLAMA + "@"))
    assert len(llama["map"]) == 15
    rung1 = next(m for m in llama["map"] if m["requirement"] == "openness:ladder:rung-1")
    claim = claims[rung1["claims"][0]]
    assert claim["target"] == models[LLAMA]["bom-ref"]
    assert "consolidated.00.pth" in " ".join(evidence[e]["description"] for e in claim["evidence"])
    rung3 = next(m for m in llama["map"] if m["requirement"] == "openness:ladder:rung-3")
    assert rung3["conformance"]["score"] == 0.0 and "counterClaims" in rung3
    osd5 = next(m for m in llama["map"] if m["requirement"] == "openness:osd:5")
    fail = claims[osd5["counterClaims"][0]]
    assert fail["predicate"].endswith(": fail")
    assert any("LICENSE.txt:39" in evidence[e]["description"] for e in fail["evidence"])
    apache = next(a for a in attestations if a["summary"].startswith(OPEN + "@"))
    assert all(m["conformance"]["score"] == 1.0 for m in apache["map"] if "osd" in m["requirement"])


def test_every_fixture_model_validates(validator):
    models = FIXTURES / "models"
    subjects = sorted(f"{o.name}/{n.name}" for o in models.iterdir() for n in o.iterdir())
    doc = _audit(*subjects, "--mirror", str(FIXTURES))
    text = render_audit(doc)
    bom = check(text, validator)
    assert len(_models(bom)) == len(subjects)
    assert "file:" not in text and str(FIXTURES) not in text  # a shared BOM shows no local path


def test_a_mirror_subject_is_linked_on_the_hub(audited, bom):
    """A mirror is a copy in the Hub's layout: the BOM links the Hub, as the purl says, and
    says where it was read."""
    assert "file:" not in json.dumps(bom) and str(FIXTURES) not in json.dumps(bom)
    hub = "https://huggingface.co"
    for report in audited.reports:
        assert report.subject.url.startswith("file://")  # the report itself keeps the path
        component = _models(bom)[report.subject.repo_id]
        assert _props(component)["openness:source"] == ["mirror"]
        refs = {
            (r["type"], r["url"]): r.get("comment", "") for r in component["externalReferences"]
        }
        page = f"{hub}/{report.subject.repo_id}"
        assert "read from a mirror" in refs["distribution", page]
        blob = f"{page}/blob/{report.subject.revision}/"
        assert ("model-card", blob + "README.md") in refs
        files = [u for t, u in refs if t in ("license", "model-card") and u.startswith(hub)]
        assert files and all(u.startswith(blob) for u in files)  # the repo's files at its sha
    refs = {(r["type"], r["url"]) for r in _models(bom)[OPEN]["externalReferences"]}
    assert ("other", f"{hub}/datasets/openness-fixtures/open-pretrain-mix") in refs
    base = _models(bom)[FINETUNE]["pedigree"]["ancestors"][0]
    assert base["externalReferences"] == [{"type": "distribution", "url": f"{hub}/{BASE}"}]
    evidence = [
        e["data"][0].get("contents", {}).get("url") for e in bom["declarations"]["evidence"]
    ]
    assert any(u and u.startswith(f"{hub}/{LLAMA}/blob/") for u in evidence)


def test_hub_endpoint_other_than_huggingface_co_is_a_repository_url(hub, tmp_path, validator):
    doc = _audit(FINETUNE, GGUF, env=hub.client_env(tmp_path / "hf"))
    bom = check(render_audit(doc), validator)
    for component in _models(bom).values():
        assert component["purl"].endswith(f"?repository_url={hub.url}")
        pages = [r for r in component["externalReferences"] if r["type"] == "distribution"]
        assert pages[0]["url"] == f"{hub.url}/{component['name']}"
        card = next(r for r in component["externalReferences"] if r["type"] == "model-card")
        assert card["url"] == f"{hub.url}/{component['name']}/blob/{component['version']}/README.md"


def test_errors_are_metadata_properties(audited, validator):
    doc = audited.model_copy(deep=True)
    doc.errors = [SubjectError(subject="acme/gone", kind="not_found", message="no such repo")]
    bom = check(render_audit(doc), validator)
    props = bom["metadata"]["properties"]
    assert {"name": "openness:error", "value": "acme/gone: not_found: no such repo"} in props


APP = """\
from transformers import AutoModel, pipeline

MODEL = "openness-fixtures/open-apache-7b"
a = AutoModel.from_pretrained(MODEL)
b = AutoModel.from_pretrained("openness-fixtures/open-apache-7b")
c = AutoModel.from_pretrained("meta-llama/Llama-2-7b")
d = pipeline(model="openness-fixtures/nc-research-1b")  # openness: ignore[research use]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "train.yaml").write_text(
        f"model:\n  base_model: {FINETUNE}\n  other: meta-llama/Llama-2-7b\n"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.openness]\nrequire-osd = true\n")
    return tmp_path


def _scan(project: Path, *args: str) -> ScanDocument:
    run = run_openness("scan", *args, "--format", "json", cwd=project)
    assert run.code in (0, 1, 3), run.stderr
    return ScanDocument.model_validate_json(run.stdout)


def test_scan_lists_each_model_once_with_where_it_is_used(project, validator):
    doc = _scan(project, "--mirror", str(FIXTURES))
    bom = check(render_scan(doc, project="demo"), validator)
    names = [c["name"] for c in bom["components"] if c["type"] == "machine-learning-model"]
    assert sorted(names) == sorted({r.repo_id for r in doc.references})
    assert len(names) == len(set(names))
    models = _models(bom)
    used = models[OPEN]["evidence"]["occurrences"]
    assert {(o["location"], o["line"]) for o in used} == {("app.py", 4), ("app.py", 5)}
    llama = _props(models[LLAMA])
    assert llama["openness:scan_status"] == ["failed"]
    assert llama["openness:policy_status"] == ["failed"]
    assert any(v.startswith("require-osd") for v in llama["openness:violation"])
    ignored = _props(models["openness-fixtures/nc-research-1b"])
    assert ignored["openness:scan_status"] == ["ignored"]
    assert ignored["openness:audited"] == ["false"]
    root = bom["metadata"]["component"]
    assert root["name"] == "demo" and root["type"] == "application"
    (deps,) = [d for d in bom["dependencies"] if d["ref"] == root["bom-ref"]]
    assert set(deps["dependsOn"]) == {c["bom-ref"] for c in models.values()}


def test_locked_scan_and_lock_documents_validate(project, validator, audited):
    run = run_openness("lock", "--mirror", str(FIXTURES), cwd=project)
    assert run.code == 0, run.stderr
    locked = _scan(project, "--locked")
    assert locked.locked and not locked.reports
    bom = check(render_scan(locked, project="demo"), validator)
    assert set(_models(bom)) == {r.repo_id for r in locked.references}
    # `lock` hands over its reports with no references: each report is listed
    # the lockfile keeps what the gate needs: no license text
    lock = (project / "openness.lock").read_text()
    assert "LICENSE AGREEMENT" not in lock and '"text"' not in lock
    lock_doc = ScanDocument(reports=audited.reports)
    bom = check(render_scan(lock_doc, project="demo"), validator)
    assert set(_models(bom)) == set(SUBJECTS)
    empty = check(render_scan(ScanDocument(), project="demo"), validator)
    assert "components" not in empty or not empty["components"]


def test_the_lock_bom_lists_every_model_the_code_references(project, validator):
    """`lock -f cyclonedx` is the BOM of what the code references, as `scan`'s is: a model
    that could not be locked is listed with its error, and each with where it is used."""
    (project / "more.py").write_text('M.from_pretrained("openness-fixtures/no-such-model")\n')
    run = run_openness("lock", "--mirror", str(FIXTURES), "-f", "cyclonedx", cwd=project)
    assert run.code == 3, run.stderr  # one model could not be audited
    bom = check(run.stdout, validator)
    models = _models(bom)
    scanned = _scan(project, "--mirror", str(FIXTURES))
    assert set(models) == {r.repo_id for r in scanned.references}
    missing = _props(models["openness-fixtures/no-such-model"])
    assert missing["openness:scan_status"] == ["incomplete"] and missing["openness:error"]
    used = models[OPEN]["evidence"]["occurrences"]
    assert {(o["location"], o["line"]) for o in used} == {("app.py", 4), ("app.py", 5)}
    assert _props(models[LLAMA])["openness:scan_status"] == ["failed"]  # the policy's verdict


def test_repo_text_is_escaped_and_urls_made_valid(audited, validator):
    doc = audited.model_copy(deep=True)
    report = next(r for r in doc.reports if r.subject.repo_id == OPEN)
    hostile = f"evil{BIDI}txt\u2028line\x1b[2J\x00end"
    report.problems.append(Problem(kind="hostile", message=hostile))
    step = report.openness.steps[2]
    step.evidence.append(
        Evidence(
            kind="training_code",
            detail=hostile,
            source="README.md",
            line=3,
            url='https://github.com/a/b c"d<e>{f}%zz#x#y\u00e9' + BIDI,
        )
    )
    report.license.declared.append(hostile)
    text = render_audit(doc)
    for raw in (BIDI, "\u2028", "\x1b", "\x00"):
        assert raw not in text
    bom = check(text, validator)
    component = _models(bom)[OPEN]
    names = [x["license"].get("name") for x in component["licenses"]]
    assert hostile.replace("\x00", "") in names or hostile in names  # the original text
    vcs = [r["url"] for r in component["externalReferences"] if r["type"] == "vcs"]
    assert any(u.startswith("https://github.com/a/b%20c%22d%3Ce%3E%7Bf%7D%25zz#x%23y") for u in vcs)


def test_hostile_repos_validate(tmp_path_factory, validator):
    mirror = build(tmp_path_factory.mktemp("hostile"))
    repos = ["hostile/terminal", "hostile/wrong-types", "hostile/encodings", "hostile/cycle-a"]
    doc = _audit(*repos, "--mirror", str(mirror))
    text = render_audit(doc)
    assert BIDI not in text and "\x1b" not in text
    check(text, validator)


def test_cyclonedx_is_imported_only_when_rendering():
    code = (
        "import sys, openness.formats.cyclonedx as m; "
        "print('cyclonedx' in sys.modules, 'packageurl' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.split() == ["False", "False"]
