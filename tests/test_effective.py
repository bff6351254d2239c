"""Issue 9: verdicts that hold on derivatives, gated repos and unreadable evidence.

Every case runs the real program against the loopback Hub with no token, as CI does.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, ROOT, Run, run_openness
from fakehub import FakeHub, Fault

SCHEMA = json.loads((ROOT / "docs" / "schema" / "audit.schema.json").read_text())
LLAMA_HF = "meta-llama/Llama-2-7b-hf"


def _audit(hub_env: dict, repo: str, *args: str) -> tuple[dict, int, str]:
    run = run_openness("audit", repo, "--format", "json", *args, env=hub_env)
    assert "Traceback" not in run.stderr, run.stderr
    document = run.json()
    jsonschema.validate(document, SCHEMA)
    return document["reports"][0], run.code, run.stderr


def _fixtures_copy(tmp_path: Path) -> Path:
    """A copy of the fixtures to take something away from (a mirror, or a Hub's root)."""
    root = tmp_path / "mirror"
    shutil.copytree(FIXTURES, root)
    return root


def _audit_mirror(root: Path, repo: str) -> Run:
    return run_openness("audit", repo, "--mirror", str(root), "-f", "json")


def _table(hub_env: dict, repo: str, *args: str) -> str:
    run = run_openness("audit", repo, *args, env={**hub_env, "COLUMNS": "200"})
    return " ".join(run.stdout.replace("│", " ").split())


def _bindings(report: dict) -> dict[str, dict]:
    return {b["from"]: b for b in report["license"]["effective"]["licenses"]}


def test_finetune_declaring_apache_is_bound_by_llama2(hub_env):
    report, code, _ = _audit(hub_env, "openness-fixtures/llama2-finetune-apache")
    lic = report["license"]
    assert lic["osd_compliant"] is True  # the repo's own license, as the contract says
    assert lic["effective"]["osd_compliant"] is False
    base = _bindings(report)[LLAMA_HF]
    assert (base["id"], base["relation"], base["osd_compliant"]) == ("llama2", "finetune", False)
    assert {c["criterion"] for c in base["osd_failing"]} == {3, 5, 6}
    assert report["lineage"]["base_chain"][0]["source"].startswith("README.md:")
    assert code == 0  # no policy: the audit itself is complete
    headline = _table(hub_env, "openness-fixtures/llama2-finetune-apache")
    assert (
        "OSD compliant ✘ no: declared apache-2.0, but bound by llama2 through "
        "meta-llama/Llama-2-7b-hf" in headline
    )
    assert "own license ✔ yes (Apache-2.0 is OSI-approved)" in headline  # a space before "("


def test_lora_adapter_names_its_base_only_in_adapter_config(hub_env):
    report, _, _ = _audit(hub_env, "openness-fixtures/llama2-lora-adapter-only")
    link = report["lineage"]["base_chain"][0]
    assert link["repo_id"] == LLAMA_HF
    assert link["source"] == "adapter_config.json: base_model_name_or_path"
    assert report["lineage"]["relation"] == "adapter"
    assert report["license"]["effective"]["osd_compliant"] is False
    assert _bindings(report)[LLAMA_HF]["relation"] == "adapter"


def test_gguf_reupload_with_no_declared_base_is_linked_by_its_name(hub_env):
    report, _, _ = _audit(hub_env, "openness-fixtures/Llama-2-7b-hf-GGUF")
    link = report["lineage"]["base_chain"][0]
    assert link["repo_id"] == LLAMA_HF and link["inferred"] is True
    assert "Llama-2-7b-hf-GGUF" in link["source"] and "searched by name" in link["source"]
    assert report["lineage"]["relation"] == "quantized"
    effective = report["license"]["effective"]
    assert effective["osd_compliant"] is False
    assert "bound by llama2" in effective["reason"]
    assert report["lineage"]["inherited_steps"]  # training rungs judged from the base


def test_gguf_reupload_is_linked_through_the_mirror_too():
    run = run_openness(
        "audit", "openness-fixtures/Llama-2-7b-hf-GGUF", "--mirror", str(FIXTURES), "-f", "json"
    )
    report = run.json()["reports"][0]
    assert report["lineage"]["base_chain"][0]["repo_id"] == LLAMA_HF


def test_merge_is_bound_by_every_base(hub_env):
    report, _, _ = _audit(hub_env, "openness-fixtures/llama2-apache-merge")
    bindings = _bindings(report)
    assert bindings[LLAMA_HF]["osd_compliant"] is False
    assert bindings["openness-fixtures/open-apache-7b"]["osd_compliant"] is True
    assert {b["relation"] for b in bindings.values()} == {"own", "merge"}
    assert report["lineage"]["relation"] == "merge"
    assert report["license"]["effective"]["osd_compliant"] is False


def test_gated_other_license_named_only_in_card_prose(hub_env):
    report, code, _ = _audit(hub_env, "openness-fixtures/gated-prose-license")
    lic = report["license"]
    assert lic["identified"]["id"] == "stability-ai-community"
    assert lic["identified"]["source"].startswith("README.md:")
    assert lic["identified"]["confidence"] < 0.9  # rests on a card line, not the text
    assert lic["unread"] == ["LICENSE.md"]
    assert any("catalog stability-ai-community" in b for b in lic["basis"])
    assert lic["osd_compliant"] is False and lic["decided"] is True
    assert report["complete"] is False and code == 3  # the file is unread: incomplete audit
    # ... yet a policy is decided: the failure is known from what could be read.
    report, code, stderr = _audit(hub_env, "openness-fixtures/gated-prose-license", "--require-osd")
    assert report["policy"]["status"] == "failed" and code == 1
    assert "policy failed (require-osd)" in stderr


def test_a_gated_prompt_alone_decides_a_failure(hub_env, tmp_path):
    """fully-gated: LICENSE and README are gated, the Hub's model info carries the prompt
    ("non-commercial research and evaluation only ... no commercial use"). That is a known
    failure with the prompt as its evidence, not an unknown that rests on nothing."""
    gated = "openness-fixtures/fully-gated"
    report, _, _ = _audit(hub_env, gated)
    lic = report["license"]
    prompt = "model info: extra_gated_prompt"
    document = next(d for d in lic["documents"] if d["role"] == "gated_prompt")
    assert document["source"] == prompt
    assert {"non_commercial", "no_redistribution"} <= set(document["clauses"])
    assert lic["osd_compliant"] is False and lic["decided"] is True
    assert any(b.startswith(f"{prompt} (clauses: non_commercial") for b in lic["basis"])
    assert {c["source"] for c in lic["clauses"]} == {prompt}
    assert "the verdict rests on nothing" not in _table(hub_env, gated)
    report, code, _ = _audit(hub_env, gated, "--require-osd")
    assert report["policy"]["status"] == "failed" and code == 1
    (tmp_path / "app.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("{gated}")\n'
    )
    (tmp_path / "openness.toml").write_text("require-osd = true\n")
    scan = run_openness("scan", "-f", "json", cwd=tmp_path, env=hub_env)
    assert scan.code == 1, scan.stderr
    assert scan.json()["references"][0]["status"] == "failed"
    assert "require-osd" in scan.stderr and "non_commercial" in scan.stderr


def test_a_base_that_404s_makes_the_effective_verdict_unknown_never_true(hub_env):
    report, code, _ = _audit(hub_env, "openness-fixtures/finetune-of-deleted-base")
    effective = report["license"]["effective"]
    assert report["license"]["osd_compliant"] is True  # MIT, its own
    assert effective["osd_compliant"] is None
    assert "deleted-base-7b" in effective["reason"] and effective["missing"]
    link = report["lineage"]["base_chain"][0]
    assert link["error"] and "not found" in link["error"]
    assert any(p["kind"] == "base_unreadable" for p in report["problems"])
    assert report["complete"] is False and code == 3
    headline = _table(hub_env, "openness-fixtures/finetune-of-deleted-base")
    assert "OSD compliant ? unknown: base openness-fixtures/deleted-base-7b" in headline
    assert headline.count("unknown:") == 1  # said once, and the reason whole, not cut short
    assert "set HF_TOKEN if you have access)" in headline
    # require-osd cannot be decided: incomplete (3), not failed (1), never passed (0)
    report, code, _ = _audit(hub_env, "openness-fixtures/finetune-of-deleted-base", "--require-osd")
    assert report["policy"]["status"] == "incomplete" and code == 3
    assert report["policy"]["undecided"][0]["rule"] == "require-osd"


@pytest.mark.parametrize(
    ("flag", "rule"),
    [
        (("--require-osd",), "require-osd"),
        (("--deny-clause", "mau_threshold"), "deny-clauses"),
        (("--deny-license", "llama2"), "deny-licenses"),
        (("--allow-license", "apache-2.0"), "allow-licenses"),
        (("--require-osi-approved",), "require-osi-approved"),
    ],
)
def test_policies_judge_the_effective_terms(hub_env, flag, rule):
    report, code, _ = _audit(hub_env, "openness-fixtures/llama2-finetune-apache", *flag)
    assert code == 1
    violation = report["policy"]["violations"][0]
    assert violation["rule"] == rule
    assert LLAMA_HF in violation["detail"] or "llama2" in violation["detail"]


# -- never a guessed fail --------------------------------------------------------------------


def test_connection_dropped_after_model_info_makes_card_steps_unknown(tmp_path):
    with FakeHub(FIXTURES) as hub:
        hub.faults.append(Fault(method="GET", path=r"/resolve/", drop=True, times=10_000))
        env = hub.client_env(tmp_path / "hf")
        run = run_openness(
            "audit", "openness-fixtures/open-apache-7b", "-f", "json", "--timeout", "2", env=env
        )
    report = run.json()["reports"][0]
    steps = report["openness"]["steps"]
    assert steps[0]["met"] is True  # weights: from the file list, which was read
    assert all(s["met"] is not False for s in steps), [(s["rung"], s["reason"]) for s in steps]
    for step in steps[2:]:
        assert step["met"] is None and step["confidence"] != "high", step
        assert "README.md could not be read" in step["reason"] or "could not" in step["reason"]
    assert report["license"]["osd_compliant"] is None  # declared apache-2.0, LICENSE unread
    assert report["license"]["decided"] is False
    assert report["complete"] is False and run.code == 3


def _dropped(root, repo: str, pattern: str, tmp_path) -> dict:
    """The audit of `repo` with every request matching `pattern` dropped by the Hub."""
    with FakeHub(root) as hub:
        hub.faults.append(Fault(method="GET", path=pattern, drop=True, times=10_000))
        env = hub.client_env(tmp_path / "hf")
        run = run_openness("audit", repo, "-f", "json", "--timeout", "2", env=env)
    document = run.json()
    jsonschema.validate(document, SCHEMA)
    return document["reports"][0]


def test_frameworks_do_not_guess_what_an_unread_card_would_show(tmp_path):
    report = _dropped(
        FIXTURES, "openness-fixtures/open-apache-7b", r"/resolve/|/api/datasets", tmp_path
    )
    comps = {c["name"]: c for c in report["openness"]["components"]}
    for name in (
        "Model card",
        "Evaluation results",
        "Evaluation code",
        "Model parameters (Intermediate)",
        "Training code",
        "Data preprocessing code",
    ):
        assert comps[name]["present"] is None, comps[name]
        assert "could not" in comps[name]["reason"], comps[name]
    # what the Hub's model info says is still known, and says where it was read
    assert comps["Model parameters (Final)"]["present"] is True
    assert comps["Data card"]["present"] is True
    assert comps["Data card"]["evidence"][0]["source"] == "model info: cardData"
    assert comps["Inference code"]["evidence"][0]["source"] == "model info"
    assert all(c["present"] is not False or c["name"] == "Evaluation data" for c in comps.values())
    assert report["openness"]["mof_class"] is None
    assert "README.md could not be read" in report["openness"]["mof_class_unknown"]
    osaid = report["openness"]["osaid"]
    assert osaid["verdict"] == "unknown"
    assert not any("neither named nor described" in r for r in osaid["reasons"]), osaid


def test_a_license_link_read_from_model_info_is_labelled_so(tmp_path):
    """A gated repo whose README is not public either: license_link comes from the Hub's
    cardData, and the basis says so, not "README.md" (which is listed as unread)."""
    repo = tmp_path / "hub" / "models" / "t" / "gemma-link"
    repo.mkdir(parents=True)
    card = {"license": "other", "license_link": "https://ai.google.dev/gemma/terms"}
    files = ["README.md", "LICENSE", "model.safetensors"]
    info = {
        "id": "t/gemma-link",
        "sha": "40ea432729978b2eb11a228af5b4155af9fc59bc",
        "private": False,
        "gated": "auto",
        "tags": [],
        "cardData": card,
        "siblings": [{"rfilename": name} for name in files],
        "_fakehub": {"public_files": []},
    }
    (repo / "info.json").write_text(json.dumps(info))
    (repo / "README.md").write_text("---\nlicense: other\nlicense_link: x\n---\n# a model\n")
    report = _dropped(tmp_path / "hub", "t/gemma-link", r"^$", tmp_path)  # nothing dropped
    lic = report["license"]
    assert "README.md" in lic["unread"]
    assert lic["identified"]["id"] == "gemma"
    assert lic["identified"]["source"] == "model info: cardData.license_link"
    assert "model info: cardData.license_link + catalog gemma" in lic["basis"]
    assert not any(b.startswith("README.md") for b in lic["basis"]), lic["basis"]


def test_a_readme_that_could_not_be_read_is_listed_unread(corpus, tmp_path):
    """pythia declares apache-2.0 in the Hub's model info: that decides the verdict, but the
    card, which was not read, is named as unread."""
    report = _dropped(corpus / "hub", "EleutherAI/pythia-6.9b", r"/resolve/", tmp_path)
    lic = report["license"]
    assert lic["unread"] == ["README.md"]
    assert lic["decided"] is True and lic["osd_compliant"] is True
    assert any("catalog apache-2.0" in b for b in lic["basis"])
    comps = {c["name"]: c for c in report["openness"]["components"]}
    assert comps["Model card"]["present"] is None
    assert comps["Data card"]["evidence"][0]["source"] == "model info: cardData"


def test_a_dataset_the_mirror_lacks_leaves_the_pipeline_rung_unknown(tmp_path):
    mirror = _fixtures_copy(tmp_path)
    shutil.rmtree(mirror / "datasets" / "openness-fixtures" / "open-pretrain-mix")
    run = _audit_mirror(mirror, "openness-fixtures/open-apache-7b")
    steps = {s["rung"]: s for s in run.json()["reports"][0]["openness"]["steps"]}
    assert steps[4]["met"] is None and "not in the mirror" in steps[4]["reason"]
    assert steps[5]["met"] is None, steps[5]
    assert "open-pretrain-mix" in steps[5]["reason"] and steps[5]["confidence"] != "high"
    # the whole mirror holds the dataset, whose card links the code that builds it
    full = run_openness(
        "audit", "openness-fixtures/open-apache-7b", "--mirror", str(FIXTURES), "-f", "json"
    )
    assert full.json()["reports"][0]["openness"]["steps"][4]["met"] is True


@pytest.mark.parametrize("mirror", [False, True], ids=["hub", "mirror"])
def test_a_dataset_card_the_pipeline_rung_needs_is_a_problem(mirror, tmp_path):
    """The dataset is known released, its card (which links its build code) is not read:
    rung 5 is unknown, and the report says so in problems[] and is incomplete."""
    dataset = "openness-fixtures/open-pretrain-mix"
    if mirror:
        root = _fixtures_copy(tmp_path)
        (root / "datasets" / dataset / "README.md").unlink()
        run = _audit_mirror(root, "openness-fixtures/open-apache-7b")
        report = run.json()["reports"][0]
    else:
        report = _dropped(
            FIXTURES, "openness-fixtures/open-apache-7b", f"/datasets/{dataset}/resolve/", tmp_path
        )
    step = report["openness"]["steps"][4]
    assert step["met"] is None and dataset in step["reason"]
    problems = [p for p in report["problems"] if dataset in p["message"]]
    assert len(problems) == 1 and problems[0]["kind"] == "dataset_error", report["problems"]
    assert problems[0]["message"].count(dataset) == 1
    assert "README.md could not be read" in problems[0]["message"]
    assert report["complete"] is False


def test_an_unread_dataset_card_above_a_step_not_met_changes_nothing(tmp_path):
    """No training code (step 3 not met): whatever a dataset's card says of its build code,
    the rung stays 2, so the unread card is no problem and the audit is complete."""
    root = _fixtures_copy(tmp_path)
    model = root / "models" / "openness-fixtures" / "open-apache-7b"
    readme = (model / "README.md").read_text()
    (model / "README.md").write_text(re.sub(r"https://github\.com/\S+", "", readme))
    (root / "datasets" / "openness-fixtures" / "open-pretrain-mix" / "README.md").unlink()
    run = _audit_mirror(root, "openness-fixtures/open-apache-7b")
    report = run.json()["reports"][0]
    steps = report["openness"]["steps"]
    assert steps[2]["met"] is False and steps[4]["met"] is None
    assert report["problems"] == [] and report["complete"] is True and run.code == 0


def test_deep_with_github_unreachable_is_incomplete_with_the_problem_listed():
    run = run_openness(
        "audit",
        "openness-fixtures/open-apache-7b",
        "--mirror",
        str(FIXTURES),
        "--deep",
        "--github-api",
        "http://127.0.0.1:9",  # discard port: nothing listens
        "--timeout",
        "2",
        "-f",
        "json",
    )
    report = run.json()["reports"][0]
    assert report["complete"] is False and run.code == 3
    problems = [p for p in report["problems"] if p["kind"] == "github_unreachable"]
    assert problems and "could not be checked" in problems[0]["message"]
    assert all(
        s["confidence"] != "high" or s["met"] is not None for s in report["openness"]["steps"]
    )


def test_frameworks_judge_a_derivative_on_the_terms_that_bind(hub_env):
    report, _, _ = _audit(hub_env, "openness-fixtures/llama2-finetune-apache")
    osaid = report["openness"]["osaid"]
    assert osaid["verdict"] == "fail" and "freedoms (license)" in osaid["missing"]
    licensed = [c for c in report["openness"]["components"] if c["license"]]
    assert licensed and all(c["license_open"] is False for c in licensed)
    assert report["openness"]["mof_class"] is None


def test_reading_the_license_file_finds_at_least_what_the_catalog_knows():
    """With the file readable (a mirror), the gated-prose fixture's LICENSE.md is read: its
    revenue threshold and registration duty are found in it, so the verdict is no less complete
    than the catalog's without a token."""
    run = run_openness(
        "audit", "openness-fixtures/gated-prose-license", "--mirror", str(FIXTURES), "-f", "json"
    )
    lic = run.json()["reports"][0]["license"]
    found = {c["kind"]: c for c in lic["clauses"] if not c["from_catalog"]}
    assert found["mau_threshold"]["source"] == "LICENSE.md"
    assert found["mau_threshold"]["value"] == 1_000_000 and found["mau_threshold"]["unit"] == "usd"
    assert found["registration_required"]["source"] == "LICENSE.md"
    failing = [c["criterion"] for c in lic["osd"] if c["status"] == "fail"]
    assert failing == [3, 5, 6, 7]


# -- a base that may bind but cannot be judged is never a pass ---------------------------------


def test_an_adapter_whose_config_is_gated_is_not_passed(hub_env, tmp_path):
    """Its only base evidence, adapter_config.json, is behind the gate: the base, and so the
    terms that bind, are unknown. It passed --require-osd, and `lock` locked it."""
    repo = "openness-fixtures/gated-lora-adapter"
    report, code, stderr = _audit(hub_env, repo, "--require-osd")
    effective = report["license"]["effective"]
    assert report["license"]["osd_compliant"] is True  # its own apache-2.0
    assert effective["osd_compliant"] is None
    assert (
        "a base may be named in adapter_config.json, which could not be read: gated"
        in (effective["reason"])
    )
    assert report["complete"] is False and report["policy"]["status"] == "incomplete"
    assert code == 3 and "policy could not be decided (require-osd)" in stderr
    assert "OSD compliant ? unknown: a base may be named in adapter_config.json" in _table(
        hub_env, repo
    )
    (tmp_path / "openness.toml").write_text("require-osd = true\n")
    (tmp_path / "app.py").write_text(f'from x import M\nM.from_pretrained("{repo}")\n')
    run = run_openness("lock", cwd=tmp_path, env=hub_env)
    assert run.code == 3 and not (tmp_path / "openness.lock").exists(), run.stderr


def test_an_adapter_config_the_network_dropped_leaves_the_base_unknown(tmp_path):
    with FakeHub(FIXTURES) as hub:
        hub.faults.append(Fault(method="GET", path=r"adapter_config\.json", drop=True, times=99))
        env = hub.client_env(tmp_path / "hf")
        report, code, _ = _audit(
            env, "openness-fixtures/llama2-lora-adapter-only", "--require-osd", "--timeout", "2"
        )
    effective = report["license"]["effective"]
    assert effective["osd_compliant"] is None and effective["missing"]
    assert "adapter_config.json, which could not be read: fetch failed" in effective["reason"]
    assert report["policy"]["status"] == "incomplete" and code == 3


def test_an_adapter_on_a_local_base_path_is_unknown_not_guessed(hub_env):
    report, code, _ = _audit(hub_env, "openness-fixtures/lora-adapter-local-base")
    effective = report["license"]["effective"]
    why = "adapter_config.json names a local base /home/me/models/llama-2-7b-hf"
    assert effective["osd_compliant"] is None and why in effective["reason"]
    assert "its license is unknown" in effective["reason"]
    assert report["lineage"]["base_chain"] == []  # no repo guessed from the path's last name
    assert [p["kind"] for p in report["problems"]] == ["base_unreadable"]
    assert why in report["problems"][0]["message"]
    assert report["complete"] is False and code == 3


def test_a_base_whose_files_are_gated_leaves_the_derivative_incomplete(tmp_path):
    """The gated base's prompt says nothing of its terms here (the fixture's does: see the
    next test), so nothing read decides the base's license."""
    root = _fixtures_copy(tmp_path)
    info_path = root / "models" / "openness-fixtures" / "fully-gated" / "info.json"
    info = json.loads(info_path.read_text())
    info["cardData"]["extra_gated_prompt"] = "Share your contact details to access this model."
    info_path.write_text(json.dumps(info))
    with FakeHub(root) as hub:
        env = hub.client_env(tmp_path / "hf_home")
        report, code, _ = _audit(env, "openness-fixtures/finetune-of-fully-gated")
    effective = report["license"]["effective"]
    assert effective["osd_compliant"] is None
    assert "openness-fixtures/fully-gated" in effective["reason"] and "gated" in effective["reason"]
    problems = [p["message"] for p in report["problems"] if p["kind"] == "base_unreadable"]
    assert problems == [
        "base openness-fixtures/fully-gated: LICENSE, README.md could not be read: gated"
    ]
    assert report["complete"] is False and code == 3


def test_a_gated_base_whose_prompt_states_its_terms_binds_its_fine_tune(hub_env):
    """The base's files are gated, but its access prompt (in model info) says non-commercial
    research only: a known failure, reported as that failure through the base."""
    report, _, _ = _audit(hub_env, "openness-fixtures/finetune-of-fully-gated")
    effective = report["license"]["effective"]
    assert effective["osd_compliant"] is False
    assert "openness-fixtures/fully-gated" in effective["reason"]
    assert "bound by an unnamed license (declared other) through" in effective["reason"]
    (through,) = [b for b in effective["licenses"] if b["relation"] != "own"]
    assert "non_commercial" in through["clauses"]


def test_a_reupload_base_the_mirror_lacks_is_unknown_not_absent(tmp_path):
    mirror = _fixtures_copy(tmp_path)
    shutil.rmtree(mirror / "models" / "meta-llama" / "Llama-2-7b-hf")
    run = _audit_mirror(mirror, "openness-fixtures/Llama-2-7b-hf-GGUF")
    report = run.json()["reports"][0]
    jsonschema.validate(run.json(), SCHEMA)
    effective = report["license"]["effective"]
    assert report["lineage"]["base_chain"] == []
    assert effective["osd_compliant"] is None and "not in the mirror" in effective["reason"]
    assert "'Llama-2-7b-hf'" in effective["reason"]
    problems = [p["message"] for p in report["problems"] if p["kind"] == "base_unreadable"]
    assert problems and "not in the mirror" in problems[0]
    assert report["complete"] is False and run.code == 3
