"""SPDX 3.0.1 output: real audits of the fixtures are valid against the 3.0.1 JSON Schema and
SHACL shapes, carry what the AI profile wants but no validator checks, and say what the
report says (licenses, lineage, datasets, verdicts)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, run_openness

from openness.formats.spdx import CONTEXT, render_audit, render_scan
from openness.report import AuditDocument, CacheUse, Evidence, ScanDocument

# rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

SPEC = ROOT.parent / "shared" / "specs" / "spdx-3.0.1"
FIVE = (
    "meta-llama/Llama-2-7b",
    "openness-fixtures/open-apache-7b",
    "openness-fixtures/llama2-finetune-apache",
    "openness-fixtures/Llama-2-7B-GGUF",
    "openness-fixtures/llama2-apache-merge",
)
CREATED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
# Individuals of the SPDX model a document may point at without defining them.
INDIVIDUALS = {
    "expandedlicensing_NoAssertionLicense",
    "expandedlicensing_NoneLicense",
    "NoAssertionElement",
    "NoneElement",
    "SpdxOrganization",
}
SHA = re.compile(r"^[0-9a-f]{40}$")


# -- documents -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def five() -> AuditDocument:
    run = run_openness("audit", *FIVE, "--mirror", str(FIXTURES), "-f", "json")
    document = AuditDocument.model_validate_json(run.stdout)
    assert [r.subject.repo_id for r in document.reports] == list(FIVE), run.stderr
    return document


@pytest.fixture(scope="module")
def every_fixture() -> AuditDocument:
    models = sorted(
        f"{org.name}/{repo.name}"
        for org in (FIXTURES / "models").iterdir()
        for repo in org.iterdir()
        if (repo / "info.json").is_file()
    )
    run = run_openness("audit", *models, "--mirror", str(FIXTURES), "-f", "json")
    document = AuditDocument.model_validate_json(run.stdout)
    assert len(document.reports) == len(models), run.stderr
    return document


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> ScanDocument:
    tree = tmp_path_factory.mktemp("scanned")
    (tree / "app.py").write_text(
        "from transformers import AutoModel\n"
        'a = AutoModel.from_pretrained("openness-fixtures/llama2-finetune-apache")\n'
        'b = AutoModel.from_pretrained("openness-fixtures/open-apache-7b")\n'
        'c = AutoModel.from_pretrained("openness-fixtures/Llama-2-7B-GGUF")'
        "  # openness: ignore[reviewed]\n"
        'd = AutoModel.from_pretrained("openness-fixtures/not-in-the-mirror")\n',
        encoding="utf-8",
    )
    run = run_openness(
        "scan", ".", "--mirror", str(FIXTURES), "-f", "json", "--require-osd", cwd=tree
    )
    document = ScanDocument.model_validate_json(run.stdout)
    assert len(document.references) == 4, run.stderr
    return document


def graph(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)
    assert data["@context"] == CONTEXT
    return data["@graph"]


def by_type(nodes: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [n for n in nodes if n["type"] == kind]


def package(nodes: list[dict[str, Any]], name: str, kind: str = "ai_AIPackage") -> dict:
    found = [n for n in by_type(nodes, kind) if n.get("name") == name]
    assert len(found) == 1, f"{len(found)} {kind} named {name}"
    return found[0]


def relationships(nodes: list[dict[str, Any]], source: dict, kind: str) -> list[dict]:
    return [
        r
        for r in by_type(nodes, "Relationship")
        if r["from"] == source["spdxId"] and r["relationshipType"] == kind
    ]


def targets(nodes: list[dict[str, Any]], source: dict, kind: str) -> list[dict | str]:
    ids = {n.get("spdxId"): n for n in nodes if "spdxId" in n}
    return [ids.get(t, t) for r in relationships(nodes, source, kind) for t in r["to"]]


def expressions(nodes: list[dict[str, Any]], source: dict, kind: str) -> set[str]:
    return {
        t["simplelicensing_licenseExpression"] if isinstance(t, dict) else t
        for t in targets(nodes, source, kind)
    }


def properties(node: dict) -> dict[str, str]:
    return {
        p["extension_cdxPropName"]: p.get("extension_cdxPropValue")
        for ext in node.get("extension", [])
        for p in ext["extension_cdxProperty"]
    }


# -- the validators --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def spec() -> Path:
    if not (SPEC / "schema.json").is_file():
        pytest.skip(
            f"the SPDX 3.0.1 schema, context and model are not at {SPEC} "
            "(see ../shared/specs/README.md); nothing to validate against offline"
        )
    return SPEC


@pytest.fixture(scope="session")
def json_schema(spec: Path) -> Any:
    """schema.json, applied as it applies itself, one node at a time.

    The official schema checks each `@graph` node against `AnyClass`, an anyOf of every class
    under `unevaluatedProperties: false`, which makes jsonschema evaluate every branch for
    every node (about 0.3 s a node). A node can only match the branch of its own `type` (each
    branch pins its type with a const), so each node is checked against that class's
    definition with the same `unevaluatedProperties: false`, and the document's frame
    (`@context`, `@graph`) against the whole schema: the same verdict, several times faster.
    """
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((spec / "schema.json").read_text(encoding="utf-8"))
    kind = jsonschema.validators.validator_for(schema)
    kind.check_schema(schema)
    whole = kind(schema)
    by_type: dict[str, Any] = {}

    def node_validator(name: str) -> Any:
        if name not in by_type:
            assert name in schema["$defs"], f"no class {name} in schema.json"
            by_type[name] = kind(
                {
                    "$schema": schema["$schema"],
                    "$defs": schema["$defs"],
                    "$ref": f"#/$defs/{name}",
                    "unevaluatedProperties": False,
                }
            )
        return by_type[name]

    def errors(data: dict[str, Any]) -> list[str]:
        found = [f"document: {e.message[:300]}" for e in whole.iter_errors({**data, "@graph": []})]
        for node in data.get("@graph", []):
            found += [
                f"{node.get('spdxId') or node.get('@id')}: {e.message[:300]}"
                for e in node_validator(node.get("type", "")).iter_errors(node)
            ]
        return found

    return errors


@pytest.fixture(scope="session")
def shacl(spec: Path) -> Any:
    rdflib = pytest.importorskip("rdflib", reason="rdflib (test extra) validates SHACL")
    pyshacl = pytest.importorskip("pyshacl", reason="pyshacl (test extra) validates SHACL")
    model = rdflib.Graph().parse(spec / "spdx-model.ttl", format="turtle")
    context = json.loads((spec / "spdx-context.jsonld").read_text(encoding="utf-8"))

    def validate(text: str) -> tuple[bool, str]:
        data = json.loads(text)
        data["@context"] = context["@context"]  # the context URL, inlined: no network
        data_graph = rdflib.Graph().parse(data=json.dumps(data), format="json-ld")
        assert len(data_graph) > 0
        conforms, _, report = pyshacl.validate(data_graph, shacl_graph=model, ont_graph=model)
        return bool(conforms), str(report)

    return validate


def assert_valid(text: str, json_schema: Any, shacl: Any) -> None:
    assert json_schema(json.loads(text)) == []
    conforms, report = shacl(text)
    assert conforms, report[:4000]


def test_five_fixtures_are_valid_spdx_3(five: AuditDocument, json_schema, shacl) -> None:
    assert_valid(render_audit(five, created=CREATED), json_schema, shacl)


def test_every_fixture_is_valid_spdx_3(every_fixture: AuditDocument, json_schema, shacl) -> None:
    """Gated, unlicensed, unreadable bases, private and missing datasets: all still valid."""
    text = render_audit(every_fixture, created=CREATED)
    assert_valid(text, json_schema, shacl)
    # read from a mirror, linked on the Hub: a shared document shows no local path
    assert "file:" not in text and str(FIXTURES) not in text
    for node in by_type(graph(text), "ai_AIPackage"):
        if node.get("spdxId") in by_type(graph(text), "SpdxDocument")[0]["rootElement"]:
            assert properties(node)["openness:source"] == "mirror"


def test_scan_is_valid_spdx_3(scan: ScanDocument, json_schema, shacl) -> None:
    assert_valid(render_scan(scan, created=CREATED), json_schema, shacl)


def test_empty_documents_are_valid(json_schema, shacl) -> None:
    assert_valid(render_audit(AuditDocument(), created=CREATED), json_schema, shacl)
    assert_valid(render_scan(ScanDocument(), created=CREATED), json_schema, shacl)


def test_the_validators_catch_mistakes(five: AuditDocument, json_schema, shacl) -> None:
    """Neither check passes everything: a stray property, a bad enum value and a dataset
    without its datasetType are each refused."""
    data = json.loads(render_audit(five, created=CREATED))
    node = next(n for n in data["@graph"] if n["type"] == "ai_AIPackage")
    node["stray"] = "x"
    node["software_primaryPurpose"] = "weights"
    errors = json_schema(data)
    assert any("Unevaluated properties" in e and "'stray'" in e for e in errors)
    assert any("'weights' is not one of" in e for e in errors)
    data = json.loads(render_audit(five, created=CREATED))
    node = next(n for n in data["@graph"] if n["type"] == "dataset_DatasetPackage")
    del node["dataset_datasetType"]
    conforms, report = shacl(json.dumps(data))
    assert not conforms
    assert "datasetType" in report


# -- what no validator checks ----------------------------------------------------------------


def check_ai_profile(node: dict, nodes: list[dict[str, Any]]) -> None:
    """The AIPackage's external property restrictions (AI profile, 3.0.1)."""
    agents = {n["spdxId"] for n in nodes if n["type"] in ("Agent", "Organization", "Person")}
    name = node["name"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", node.get("releaseTime", "")), name
    assert node.get("suppliedBy") in agents, name
    assert node.get("software_downloadLocation") == f"https://huggingface.co/{name}"
    assert SHA.match(node.get("software_packageVersion", "")), name
    assert node.get("software_primaryPurpose") == "model", name


def test_ai_packages_carry_what_the_profile_requires(five: AuditDocument) -> None:
    nodes = graph(render_audit(five, created=CREATED))
    packages = by_type(nodes, "ai_AIPackage")
    # the five, and Llama-2-7b-hf, the base three of them name (open-apache-7b is one package)
    assert sorted(p["name"] for p in packages) == sorted([*FIVE, "meta-llama/Llama-2-7b-hf"])
    for node in packages:
        check_ai_profile(node, nodes)
    for report in five.reports:
        node = package(nodes, report.subject.repo_id)
        assert node["software_packageVersion"] == report.subject.revision
        assert node["software_packageUrl"] == (
            f"pkg:huggingface/{report.subject.repo_id}@{report.subject.revision}"
        )
    supplier = {n["spdxId"]: n for n in by_type(nodes, "Agent")}
    assert supplier[package(nodes, "meta-llama/Llama-2-7b")["suppliedBy"]]["name"] == "meta-llama"


def test_every_audited_model_carries_what_the_profile_requires(
    every_fixture: AuditDocument,
) -> None:
    nodes = graph(render_audit(every_fixture, created=CREATED))
    document = by_type(nodes, "SpdxDocument")[0]
    roots = [n for n in nodes if n.get("spdxId") in document["rootElement"]]
    assert len(roots) == len(every_fixture.reports)
    for node in roots:
        check_ai_profile(node, nodes)
    unreadable = package(nodes, "openness-fixtures/deleted-base-7b")
    assert "could not be read" in unreadable["comment"]


def test_every_reference_names_an_element_of_the_document(
    five: AuditDocument, every_fixture: AuditDocument, scan: ScanDocument
) -> None:
    for text in (
        render_audit(five, created=CREATED),
        render_audit(every_fixture, created=CREATED),
        render_scan(scan, created=CREATED),
    ):
        nodes = graph(text)
        ids = [n["spdxId"] for n in nodes if "spdxId" in n]
        assert len(ids) == len(set(ids)), "an spdxId is defined twice"
        known = set(ids) | INDIVIDUALS
        blank = {n["@id"] for n in nodes if "@id" in n}
        document = by_type(nodes, "SpdxDocument")[0]
        assert set(document["element"]) == set(ids) - {document["spdxId"]}
        assert set(document["rootElement"]) <= known
        for node in nodes:
            if "creationInfo" in node:
                assert node["creationInfo"] in blank
            for key in ("from", "suppliedBy"):
                if key in node:
                    assert node[key] in known, (key, node[key])
            for key in ("to", "originatedBy", "createdBy", "createdUsing"):
                for ref in node.get(key, []):
                    assert ref in known, (key, ref)


# -- what it says ----------------------------------------------------------------------------


def test_licenses_declared_by_the_card_and_concluded_with_the_bases(five: AuditDocument) -> None:
    nodes = graph(render_audit(five, created=CREATED))
    llama = package(nodes, "meta-llama/Llama-2-7b")
    assert expressions(nodes, llama, "hasDeclaredLicense") == {"LicenseRef-llama2"}
    assert expressions(nodes, llama, "hasConcludedLicense") == {"LicenseRef-llama2-modified"}

    finetune = package(nodes, "openness-fixtures/llama2-finetune-apache")
    assert expressions(nodes, finetune, "hasDeclaredLicense") == {"Apache-2.0"}
    concluded = relationships(nodes, finetune, "hasConcludedLicense")
    assert expressions(nodes, finetune, "hasConcludedLicense") == {
        "Apache-2.0",
        "LicenseRef-llama2-modified",
    }
    base = [r for r in concluded if "through base meta-llama/Llama-2-7b-hf" in r["comment"]]
    assert len(base) == 1
    assert "OSD compliant: false" in base[0]["comment"]
    names = {
        n["simplelicensing_licenseExpression"]: n.get("name")
        for n in nodes
        if n["type"] == "simplelicensing_LicenseExpression"
    }
    assert names["LicenseRef-llama2"] == "Llama 2 Community License Agreement"
    assert names["LicenseRef-llama2-modified"].endswith("(modified text)")


def test_unknown_licenses_are_no_assertion(every_fixture: AuditDocument) -> None:
    nodes = graph(render_audit(every_fixture, created=CREATED))
    bare = package(nodes, "openness-fixtures/no-license-model")
    assert expressions(nodes, bare, "hasDeclaredLicense") == {
        "expandedlicensing_NoAssertionLicense"
    }
    assert expressions(nodes, bare, "hasConcludedLicense") == {
        "expandedlicensing_NoAssertionLicense"
    }
    # `license: other` with a license_name no catalog knows: said in words, asserted nowhere
    qwen = package(nodes, "openness-fixtures/other-licensed-7b")
    (declared,) = relationships(nodes, qwen, "hasDeclaredLicense")
    assert declared["to"] == ["expandedlicensing_NoAssertionLicense"]
    assert "'qwen-license' has no SPDX id" in declared["comment"]
    assert expressions(nodes, qwen, "hasConcludedLicense") == {"LicenseRef-qwen-modified"}


def test_lineage_descendants_and_variants(five: AuditDocument) -> None:
    nodes = graph(render_audit(five, created=CREATED))
    base = package(nodes, "meta-llama/Llama-2-7b-hf")
    finetune = package(nodes, "openness-fixtures/llama2-finetune-apache")
    assert targets(nodes, finetune, "descendantOf") == [base]
    assert "finetune" in relationships(nodes, finetune, "descendantOf")[0]["comment"]

    gguf = package(nodes, "openness-fixtures/Llama-2-7B-GGUF")
    assert targets(nodes, base, "hasVariant") == [gguf]
    assert targets(nodes, gguf, "descendantOf") == []

    merge = package(nodes, "openness-fixtures/llama2-apache-merge")
    open_7b = package(nodes, "openness-fixtures/open-apache-7b")  # the audited one, not a copy
    assert {t["spdxId"] for t in targets(nodes, merge, "descendantOf")} == {
        base["spdxId"],
        open_7b["spdxId"],
    }
    # the base is described once, from the report that names it
    assert len(relationships(nodes, base, "hasConcludedLicense")) == 1
    assert properties(base)["openness:osd_compliant"] == "false"


def test_datasets_and_their_availability(five: AuditDocument, every_fixture: AuditDocument) -> None:
    nodes = graph(render_audit(five, created=CREATED))
    model = package(nodes, "openness-fixtures/open-apache-7b")
    (mix,) = targets(nodes, model, "trainedOn")
    assert mix["type"] == "dataset_DatasetPackage"
    assert mix["name"] == "openness-fixtures/open-pretrain-mix"
    assert mix["dataset_datasetAvailability"] == "directDownload"
    assert mix["dataset_datasetType"] == ["noAssertion"]
    assert mix["software_primaryPurpose"] == "data"
    assert mix["software_downloadLocation"] == (
        "https://huggingface.co/datasets/openness-fixtures/open-pretrain-mix"
    )
    assert expressions(nodes, mix, "hasDeclaredLicense") == {"ODC-By-1.0"}
    assert any("data-cleaning" in p for p in mix["dataset_dataPreprocessing"])
    assert any("data-cleaning" in p for p in model["ai_modelDataPreprocessing"])
    for name in FIVE:
        if name != "openness-fixtures/open-apache-7b":
            assert targets(nodes, package(nodes, name), "trainedOn") == []

    nodes = graph(render_audit(every_fixture, created=CREATED))
    availability = {
        d["name"]: d.get("dataset_datasetAvailability")
        for d in by_type(nodes, "dataset_DatasetPackage")
    }
    assert availability["openness-fixtures/auto-gated-corpus"] == "clickthrough"
    assert availability["openness-fixtures/manual-gated-corpus"] == "clickthrough"
    assert availability["openness-fixtures/private-corpus"] is None
    assert availability["openness-fixtures/does-not-exist"] is None
    closed = package(nodes, "openness-fixtures/closed-data-3b")
    assert {t["name"] for t in targets(nodes, closed, "trainedOn")} == {
        "openness-fixtures/private-corpus",
        "openness-fixtures/manual-gated-corpus",
        "openness-fixtures/does-not-exist",
    }


def test_verdicts_in_the_profile_and_the_extension(five: AuditDocument) -> None:
    nodes = graph(render_audit(five, created=CREATED))
    open_7b = package(nodes, "openness-fixtures/open-apache-7b")
    assert open_7b["ai_standardCompliance"] == [
        "Open Source Definition (every license that binds)",
        "OSI Open Source AI Definition 1.0",
        "Model Openness Framework, Class III",
    ]
    assert "arxiv.org/abs/2402.00838" in open_7b["ai_informationAboutTraining"]
    refs = {r["externalRefType"]: r["locator"] for r in open_7b["externalRef"]}
    assert refs["sourceArtifact"] == ["https://github.com/openness-fixtures/open-apache-train"]
    assert refs["documentation"] == ["https://arxiv.org/abs/2402.00838"]

    finetune = package(nodes, "openness-fixtures/llama2-finetune-apache")
    assert "ai_standardCompliance" not in finetune
    props = properties(finetune)
    assert props["openness:rung"] == "2"
    assert props["openness:osd_compliant"] == "true"  # its own license
    assert props["openness:effective_osd_compliant"] == "false"  # what binds
    assert props["openness:step:3"] == "not met"
    assert props["openness:osaid"] == "fail"
    assert "rung 2 of 5" in finetune["comment"]
    assert "bound by llama2" in finetune["comment"]
    llama = package(nodes, "meta-llama/Llama-2-7b")
    assert properties(llama)["openness:gated"] == "manual"
    for node in by_type(nodes, "ai_AIPackage"):
        assert "ai_safetyRiskAssessment" not in node  # openness assesses no safety risk


def test_what_the_card_states_goes_to_the_ai_fields(five: AuditDocument) -> None:
    nodes = graph(render_audit(five, created=CREATED))
    open_7b = package(nodes, "openness-fixtures/open-apache-7b")
    assert open_7b["ai_typeOfModel"] == [
        "transformer, autoregressive language model",  # README.md:32, Model type
        "OlmoForCausalLM",  # the model info's config
    ]
    application = open_7b["ai_informationAboutApplication"]
    assert "task: text-generation [model info: pipeline_tag]" in application
    limitation = open_7b["ai_limitation"]
    assert "Limitations: A base model: not tuned to follow instructions" in limitation
    assert "[README.md:92]" in limitation
    llama = package(nodes, "meta-llama/Llama-2-7b")
    application = llama["ai_informationAboutApplication"]
    assert "Intended use: Commercial and research use in English." in application
    assert "ai_limitation" not in llama  # its card has no such section


def test_release_time_is_the_hubs_last_change(five: AuditDocument) -> None:
    report = five.reports[0]
    assert report.subject.last_modified
    nodes = graph(render_audit(AuditDocument(reports=[report]), created=CREATED))
    released = package(nodes, report.subject.repo_id)["releaseTime"]
    assert released.startswith(report.subject.last_modified[:19])


def test_release_time_stands_in_and_says_so(five: AuditDocument) -> None:
    report = five.reports[0].model_copy(deep=True)
    report.subject.last_modified = None  # a report written before the field existed
    nodes = graph(render_audit(AuditDocument(reports=[report]), created=CREATED))
    node = package(nodes, report.subject.repo_id)
    assert node["releaseTime"] == "2025-01-02T03:04:05Z"
    assert "releaseTime" in node["comment"]
    report.cache = CacheUse(stored_at="2024-12-31T23:00:00Z", age_seconds=10)
    nodes = graph(render_audit(AuditDocument(reports=[report]), created=CREATED))
    assert package(nodes, report.subject.repo_id)["releaseTime"] == "2024-12-31T23:00:00Z"


def test_a_base_is_released_when_the_hub_says_or_its_time_is_left_out(five: AuditDocument):
    report = next(r for r in five.reports if r.subject.repo_id.endswith("llama2-finetune-apache"))
    (link,) = report.lineage.base_chain
    assert link.last_modified == "2024-04-17T08:40:16.000Z"  # the base's own lastModified
    nodes = graph(render_audit(AuditDocument(reports=[report]), created=CREATED))
    base = package(nodes, link.repo_id)
    assert base["releaseTime"] == "2024-04-17T08:40:16Z"
    assert "releaseTime" not in base["comment"]
    report = report.model_copy(deep=True)
    report.lineage.base_chain[0].last_modified = None  # a report written before the field
    nodes = graph(render_audit(AuditDocument(reports=[report]), created=CREATED))
    base = package(nodes, link.repo_id)
    assert "releaseTime" not in base  # never the time of the document, made up
    assert "releaseTime: not known" in base["comment"]


def test_scan_files_depend_on_the_models(scan: ScanDocument) -> None:
    nodes = graph(render_scan(scan, created=CREATED))
    (app,) = by_type(nodes, "software_File")
    assert app["name"] == "app.py"
    document = by_type(nodes, "SpdxDocument")[0]
    assert document["rootElement"] == [app["spdxId"]]
    uses = relationships(nodes, app, "dependsOn")
    assert len(uses) == 4
    by_model = {
        t["name"]: r["comment"]
        for r in uses
        for t in targets(nodes, app, "dependsOn")
        if t["spdxId"] in r["to"]
    }
    assert "policy: failed: require-osd" in by_model["openness-fixtures/llama2-finetune-apache"]
    assert "policy: ignored" in by_model["openness-fixtures/Llama-2-7B-GGUF"]
    assert "app.py:5" in by_model["openness-fixtures/not-in-the-mirror"]
    check_ai_profile(package(nodes, "openness-fixtures/llama2-finetune-apache"), nodes)
    assert "not-in-the-mirror" in document["comment"]


# -- the text --------------------------------------------------------------------------------


def test_risky_characters_are_escaped(five: AuditDocument) -> None:
    report = five.reports[1].model_copy(deep=True)
    hidden = "tokens\u202e\u200bhidden"
    report.openness.steps[1].evidence.append(
        Evidence(kind="card_tokens", detail=hidden, source="README.md", line=3)
    )
    text = render_audit(AuditDocument(reports=[report]), created=CREATED)
    assert "\u202e" not in text and "\u200b" not in text
    assert "\\u202e\\u200b" in text
    node = package(graph(text), report.subject.repo_id)
    assert hidden in node["ai_informationAboutTraining"]


def test_same_document_same_text(five: AuditDocument) -> None:
    first = render_audit(five, created=CREATED)
    assert render_audit(five, created=CREATED) == first
    later = render_audit(five, created=datetime(2025, 1, 3, tzinfo=timezone.utc))
    assert graph(later)[0]["created"] == "2025-01-03T00:00:00Z"
    namespace = by_type(graph(first), "SpdxDocument")[0]["spdxId"]
    assert namespace not in later  # a document of its own, with ids of its own
    assert first.endswith("}\n")


def test_the_library_is_imported_only_to_render() -> None:
    code = "import sys, openness.formats.spdx; sys.exit('spdx_python_model' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
