"""Issue 4 acceptance: the ladder on 33 real models (shared corpus, served by the loopback Hub)
agrees with hand judgment, step by step, except where a recorded disagreement says why."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import run_openness
from fakehub import FakeHub

DATA = Path(__file__).parent / "data"


def _met(value: object) -> bool | None:
    return None if value == "unknown" else bool(value)


@pytest.fixture(scope="module")
def corpus_reports(corpus, tmp_path_factory) -> dict[str, dict]:
    expectations = yaml.safe_load((DATA / "ladder_expectations.yaml").read_text())
    with FakeHub(corpus / "hub") as hub:
        env = hub.client_env(tmp_path_factory.mktemp("hf_home"))
        run = run_openness("audit", *expectations, "--format", "json", env=env, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    doc = run.json()
    assert not doc["errors"], doc["errors"]
    return {r["subject"]["repo_id"]: r for r in doc["reports"]}


def test_every_corpus_model_was_audited_at_its_pinned_sha(corpus, corpus_reports):
    expectations = yaml.safe_load((DATA / "ladder_expectations.yaml").read_text())
    assert set(corpus_reports) == set(expectations)
    for repo_id, report in corpus_reports.items():
        info = yaml.safe_load((corpus / "hub" / "models" / repo_id / "info.json").read_text())
        assert report["subject"]["revision"] == info["sha"]


def test_steps_agree_with_hand_judgment_or_a_recorded_disagreement(corpus_reports):
    expectations = yaml.safe_load((DATA / "ladder_expectations.yaml").read_text())
    known = yaml.safe_load((DATA / "ladder_disagreements.yaml").read_text())
    agree, unexpected, resolved = 0, [], []
    for repo_id, expected in expectations.items():
        steps = corpus_reports[repo_id]["openness"]["steps"]
        for step in steps:
            want = _met(expected["steps"][step["rung"]]["met"])
            listed = step["rung"] in known.get(repo_id, {})
            if step["met"] == want:
                agree += 1
                if listed:
                    resolved.append((repo_id, step["rung"]))
            elif not listed:
                unexpected.append((repo_id, step["rung"], want, step["met"], step["reason"]))
    assert not unexpected, unexpected
    assert not resolved, f"now agree; drop them from ladder_disagreements.yaml: {resolved}"
    assert agree >= 155  # of 165 steps (StableLM 5 is unknown: a corpus dataset card is absent)


def test_met_steps_carry_evidence_with_source_and_url(corpus_reports):
    for repo_id, report in corpus_reports.items():
        for step in report["openness"]["steps"]:
            if step["met"] is True:
                assert any(e["source"] and e["url"] for e in step["evidence"]), (repo_id, step)
            else:
                assert step["looked_for"], (repo_id, step)


@pytest.mark.parametrize(
    "repo_id, evidence",
    [
        ("allenai/OLMo-7B", "github.com/allenai"),
        ("EleutherAI/pythia-6.9b", "github.com/EleutherAI/the-pile"),
        ("EleutherAI/gpt-neox-20b", "github.com/EleutherAI/gpt-neox"),
    ],
)
def test_the_tool_finds_the_same_evidence_a_person_would(corpus_reports, repo_id, evidence):
    urls = [
        e["url"] or "" for s in corpus_reports[repo_id]["openness"]["steps"] for e in s["evidence"]
    ]
    assert any(evidence in url for url in urls), urls
