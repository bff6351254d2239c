"""Issue 5: the policy file, its validation, exceptions and exit codes."""

from __future__ import annotations

import datetime as dt

from conftest import FIXTURES, run_openness

LLAMA = "meta-llama/Llama-2-7b"


def _audit(cwd, *args: str):
    return run_openness("audit", *args, "--mirror", str(FIXTURES), "--format", "json", cwd=cwd)


def _write(path, text: str):
    path.write_text(text)
    return path


def test_policy_in_pyproject_is_found_by_walking_up_and_fails_llama(tmp_path):
    pyproject = "[project]\nname='x'\n[tool.openness]\nrequire-osd = true\n"
    _write(tmp_path / "pyproject.toml", pyproject)
    sub = tmp_path / "src" / "pkg"
    sub.mkdir(parents=True)
    run = _audit(sub, LLAMA)
    assert run.code == 1, run.stderr
    policy = run.json()["reports"][0]["policy"]
    assert policy["passed"] is False
    assert policy["source"].endswith("pyproject.toml")
    violation = policy["violations"][0]
    assert violation["rule"] == "require-osd"
    assert "mau_threshold" in violation["detail"]
    assert "policy failed (require-osd)" in run.stderr


def test_apache_model_passes_the_same_policy(tmp_path):
    _write(tmp_path / "openness.toml", "require-osd = true\nmin-rung = 3\n")
    run = _audit(tmp_path, "openness-fixtures/open-apache-7b")
    assert run.code == 0, run.stderr
    assert run.json()["reports"][0]["policy"]["passed"] is True


def test_unexpired_exception_passes_and_expired_one_says_so(tmp_path):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    template = (
        'require-osd = true\n[[exceptions]]\nrepo = "meta-llama/Llama-2-7b"\n'
        'reason = "reviewed by legal for internal use"\napproved-by = "legal@example"\n'
        "expires = {}\n"
    )
    _write(tmp_path / "openness.toml", template.format(future))
    run = _audit(tmp_path, LLAMA)
    assert run.code == 0, run.stderr
    policy = run.json()["reports"][0]["policy"]
    assert policy["passed"] is True
    assert policy["exceptions_applied"][0]["approved_by"] == "legal@example"
    _write(tmp_path / "openness.toml", template.format(past))
    run = _audit(tmp_path, LLAMA)
    assert run.code == 1
    policy = run.json()["reports"][0]["policy"]
    assert policy["exceptions_expired"]
    assert "expired on " + past in policy["violations"][0]["detail"]


def test_flags_override_the_file(tmp_path):
    _write(tmp_path / "openness.toml", "require-osd = true\n")
    assert _audit(tmp_path, LLAMA).code == 1
    assert _audit(tmp_path, LLAMA, "--no-require-osd").code == 0
    run = _audit(tmp_path, LLAMA, "--no-require-osd", "--deny-clause", "mau_threshold")
    assert run.code == 1
    assert run.json()["reports"][0]["policy"]["violations"][0]["rule"] == "deny-clauses"


def test_unknown_key_and_wrong_type_exit_2_naming_them(tmp_path):
    _write(tmp_path / "openness.toml", "require-osd = true\nmin-rugn = 3\n")
    run = _audit(tmp_path, LLAMA)
    assert run.code == 2
    assert "min-rugn" in run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    _write(tmp_path / "openness.toml", 'min-rung = "high"\n')
    run = _audit(tmp_path, LLAMA)
    assert run.code == 2 and "min-rung" in run.stderr
    _write(tmp_path / "openness.toml", 'deny-clauses = ["no_such_kind"]\n')
    run = _audit(tmp_path, LLAMA)
    assert run.code == 2 and "no_such_kind" in run.stderr


def test_derivative_tagged_apache_fails_require_osd_through_its_base(tmp_path):
    run = _audit(tmp_path, "openness-fixtures/llama2-finetune-apache", "--require-osd")
    assert run.code == 1
    detail = run.json()["reports"][0]["policy"]["violations"][0]["detail"]
    assert "meta-llama/Llama-2-7b-hf" in detail


def test_allow_and_deny_licenses_and_gating(tmp_path):
    run = _audit(tmp_path, "openness-fixtures/open-apache-7b", "--allow-license", "mit")
    assert run.code == 1
    assert (
        _audit(tmp_path, "openness-fixtures/open-apache-7b", "--allow-license", "Apache-2.0").code
        == 0
    )
    assert (
        _audit(tmp_path, "openness-fixtures/nc-research-1b", "--deny-license", "cc-by-nc-4.0").code
        == 1
    )
    run = _audit(tmp_path, LLAMA, "--no-allow-gated")
    assert run.json()["reports"][0]["policy"]["violations"][0]["rule"] == "allow-gated"
