"""Issue 4: the ladder on the fixtures, lineage, datasets, attestations and --deep."""

from __future__ import annotations

import pytest
from conftest import run_openness
from fakegithub import FakeGitHub


def _audit(repo: str, *args: str, env: dict | None = None, mirror: bool = True) -> dict:
    extra = ("--mirror", "fixtures/hub") if mirror else ()
    run = run_openness("audit", repo, *extra, "--format", "json", *args, env=env)
    assert "Traceback" not in run.stderr, run.stderr
    return run.json()["reports"][0]


def _step(report: dict, rung: int) -> dict:
    return report["openness"]["steps"][rung - 1]


def test_fully_open_model_reaches_rung_5_through_its_dataset_card():
    report = _audit("openness-fixtures/open-apache-7b")
    assert report["openness"]["rung"] == 5
    pipeline = _step(report, 5)
    assert any("data-cleaning" in (e["url"] or "") for e in pipeline["evidence"])
    assert any(
        e["source"].startswith("dataset openness-fixtures/open-pretrain-mix")
        for e in pipeline["evidence"]
    )
    assert report["openness"]["osaid"]["verdict"] == "pass"


def test_every_met_step_has_evidence_with_source_and_url_and_unmet_steps_say_what_was_sought():
    for repo in (
        "openness-fixtures/open-apache-7b",
        "meta-llama/Llama-2-7b",
        "openness-fixtures/closed-data-3b",
        "openness-fixtures/rail-bloom-560m",
    ):
        for step in _audit(repo)["openness"]["steps"]:
            if step["met"] is True:
                assert step["evidence"], (repo, step)
                assert any(e["source"] and e["url"] for e in step["evidence"]), (repo, step)
            else:
                assert step["looked_for"], (repo, step)


def test_quantised_reupload_shows_its_base_chain_and_the_llama_license():
    report = _audit("openness-fixtures/Llama-2-7B-GGUF")
    lineage = report["lineage"]
    assert lineage["relation"] == "quantized"
    assert [b["repo_id"] for b in lineage["base_chain"]] == ["meta-llama/Llama-2-7b-hf"]
    assert lineage["base_chain"][0]["license"] == "llama2"
    assert report["license"]["identified"]["id"] == "llama2"
    assert report["license"]["osd_compliant"] is False
    assert not lineage["license_conflicts"]
    for rung in lineage["inherited_steps"]:
        assert "judged from base meta-llama/Llama-2-7b-hf" in _step(report, rung)["reason"]


def test_llama2_finetune_tagged_apache_shows_a_license_conflict():
    report = _audit("openness-fixtures/llama2-finetune-apache")
    conflicts = report["lineage"]["license_conflicts"]
    assert len(conflicts) == 1
    assert conflicts[0]["base"] == "meta-llama/Llama-2-7b-hf"
    assert conflicts[0]["derivative_license"] == "apache-2.0"
    assert conflicts[0]["base_license"] == "llama2"


def test_finetune_keeps_its_own_training_verdicts():
    report = _audit("openness-fixtures/llama2-chat-finetune")
    assert report["lineage"]["relation"] in ("finetune", "adapter")
    assert report["lineage"]["inherited_steps"] == []
    weights = _step(report, 1)
    assert weights["met"] is True and weights["confidence"] == "medium"  # adapter only


@pytest.mark.parametrize("mirror", [True, False])
def test_private_manual_gated_and_missing_datasets_block_rung_4(mirror, hub_env):
    report = _audit("openness-fixtures/closed-data-3b", env=hub_env, mirror=mirror)
    data = _step(report, 4)
    assert data["met"] is False and data["confidence"] == "high"
    kinds = {e["kind"] for e in data["evidence"]}
    assert "dataset_manual_gated" in kinds
    # The Hub answers a private repo as it answers a missing one; a mirror can tell them apart,
    # but a mirror is a partial copy: a dataset it lacks is unknown, never "does not exist".
    if mirror:
        assert "dataset_private" in kinds and "dataset_missing" not in kinds
        missing = next(e for e in data["evidence"] if "does-not-exist" in e["detail"])
        assert missing["kind"] == "dataset_error" and "not in the mirror" in missing["detail"]
        assert "does-not-exist" not in data["reason"]
        assert any(
            p["kind"] == "dataset_error" and p["message"].count("does-not-exist") == 1
            for p in report["problems"]
        )
        assert report["complete"] is False
    else:
        assert "dataset_missing" in kinds and "does-not-exist" in data["reason"]
    assert "private-corpus" in data["reason"]
    assert report["openness"]["rung"] < 4
    named = {d["repo_id"]: d["status"] for d in report["datasets"]}
    assert named["openness-fixtures/manual-gated-corpus"] == "manual_gated"
    assert named["openness-fixtures/does-not-exist"] == ("error" if mirror else "missing")


def test_a_dataset_the_mirror_lacks_is_unknown_not_failed(tmp_path):
    """Rung 4 on a mirror that holds the model and none of its datasets: unknown, low."""
    import shutil

    root = tmp_path / "mirror"
    shutil.copytree(
        "fixtures/hub/models/openness-fixtures/open-apache-7b",
        root / "models/openness-fixtures/open-apache-7b",
    )
    run = run_openness(
        "audit", "openness-fixtures/open-apache-7b", "--mirror", str(root), "-f", "json"
    )
    report = run.json()["reports"][0]
    data = _step(report, 4)
    assert data["met"] is None and data["confidence"] == "low"
    assert "not in the mirror" in data["reason"]
    assert report["openness"]["rung"] == 3
    assert report["complete"] is False and run.code == 3


@pytest.mark.parametrize("mirror", [True, False])
def test_terms_gated_dataset_counts_as_released_with_its_condition(mirror, hub_env):
    report = _audit("openness-fixtures/terms-gated-data-1b", env=hub_env, mirror=mirror)
    data = _step(report, 4)
    assert data["met"] is True
    assert any("terms gated" in e["detail"] for e in data["evidence"])


@pytest.mark.parametrize("mirror", [True, False])
def test_renamed_legacy_dataset_is_followed(mirror, hub_env):
    report = _audit("openness-fixtures/nc-research-1b", env=hub_env, mirror=mirror)
    details = " ".join(e["detail"] for e in _step(report, 4)["evidence"])
    assert "openness-fixtures/legacy-corpus" in details
    # the dataset is linked under the id it resolved to, never the old one
    (dataset,) = report["datasets"]
    assert dataset["repo_id"] == "openness-fixtures/legacy-corpus"
    assert dataset["url"].endswith("/datasets/openness-fixtures/legacy-corpus")
    urls = [e["url"] or "" for e in _step(report, 4)["evidence"]]
    assert not any("fixture_legacy_corpus" in u for u in urls)


def test_attestation_is_shown_as_attested_and_lifts_the_step(tmp_path):
    attest = tmp_path / "attest.yaml"
    attest.write_text(
        "- repo: meta-llama/Llama-2-7b\n  rung: 3\n  url: https://example.org/review/42\n"
        "  reviewer: Dana Reviewer\n  date: 2026-11-01\n  note: training code shared under NDA\n"
    )
    report = _audit("meta-llama/Llama-2-7b", "--attest", str(attest))
    step = _step(report, 3)
    attested = [e for e in step["evidence"] if e["attested"]]
    assert attested and attested[0]["kind"] == "attested"
    assert attested[0]["source"] == "attestation by Dana Reviewer on 2026-11-01"
    assert step["met"] is True and "attestation" in step["reason"]
    plain = _audit("meta-llama/Llama-2-7b")
    assert not any(e["attested"] for s in plain["openness"]["steps"] for e in s["evidence"])


def test_bad_attestation_file_is_a_usage_error(tmp_path):
    attest = tmp_path / "attest.yaml"
    attest.write_text("- repo: x/y\n  rung: 9\n  url: u\n  reviewer: r\n  date: 2026-01-01\n")
    run = run_openness(
        "audit", "meta-llama/Llama-2-7b", "--mirror", "fixtures/hub", "--attest", str(attest)
    )
    assert run.code == 2
    assert "rung" in run.stderr and "Traceback" not in run.stderr


def test_deep_checks_linked_repositories_and_sends_the_token_only_to_the_api(tmp_path):
    repos = {
        "openness-fixtures/open-apache-train": {
            "license": "Apache-2.0",
            "paths": ["scripts/pretrain.py", "README.md"],
        },
        "openness-fixtures/data-cleaning": {
            "license": "Apache-2.0",
            "paths": ["pipeline/dedup_minhash.py"],
        },
    }
    with FakeGitHub(repos) as github:
        run = run_openness(
            "audit",
            "openness-fixtures/open-apache-7b",
            "--mirror",
            "fixtures/hub",
            "--deep",
            "--github-api",
            github.url,
            "--format",
            "json",
            env={"GITHUB_TOKEN": "ghp_secret_for_test"},
        )
        assert run.code == 0, run.stderr
        report = run.json()["reports"][0]
        checked = [e for e in _step(report, 3)["evidence"] if e["kind"] == "repo_checked"]
        assert checked and "scripts/pretrain.py" in checked[0]["detail"]
        assert _step(report, 3)["confidence"] == "high"
        assert github.requests
        assert all(
            h.get("authorization") == "Bearer ghp_secret_for_test" for _, h in github.requests
        )
        assert "ghp_secret_for_test" not in run.stdout + run.stderr


def test_deep_marks_a_dead_training_link_as_not_met():
    with FakeGitHub({}) as github:
        report = _audit("openness-fixtures/open-apache-7b", "--deep", "--github-api", github.url)
    step = _step(report, 3)
    assert step["met"] is False
    assert "missing or private" in step["reason"]
    assert report["openness"]["rung"] == 2


def test_without_deep_nothing_but_the_hub_is_asked(hub, hub_env):
    with FakeGitHub({}) as github:
        env = {**hub_env, "OPENNESS_GITHUB_API": github.url}
        _audit("openness-fixtures/open-apache-7b", env=env, mirror=False)
        assert github.requests == []


def test_mof_components_and_class_are_reported_separately():
    report = _audit("openness-fixtures/open-apache-7b")
    names = {c["name"] for c in report["openness"]["components"]}
    assert {
        "Model parameters (Final)",
        "Training code",
        "Datasets",
        "Data preprocessing code",
    } <= names
    assert report["openness"]["mof_class"] in ("I", "II", "III")
    llama = _audit("meta-llama/Llama-2-7b")
    assert llama["openness"]["mof_class"] is None  # its licence is not open
    assert llama["openness"]["osaid"]["verdict"] == "fail"


def test_an_unknown_model_licence_never_earns_a_mof_class():
    from openness.frameworks import mof_class
    from openness.report import Component

    def comps(license_open):
        return [
            Component(
                name="Model parameters (Final)",
                mof_class="III",
                present=True,
                license="none declared",
                license_open=license_open,
            ),
            Component(name="Technical report", mof_class="III", present=True),
        ]

    assert mof_class(comps(True)) == "I"  # nothing of classes II and I is required here
    assert mof_class(comps(None)) is None
    assert mof_class(comps(False)) is None
