"""Issue 12: `openness diff` on two revisions of a fixture whose license changed."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, run_openness

REPO = "openness-fixtures/relicensed-3b"
OLD = "56d377d5cad0c6b253c6845f4bf4790d2ad31b2f"  # Apache-2.0
NEW = "70a6e27496f64ffa080fd7bd79afbbe44301f7ed"  # CC-BY-NC-4.0


@pytest.mark.parametrize("source", ["mirror", "hub"])
def test_a_license_change_is_reported_and_fails_the_policy_it_now_breaks(tmp_path, hub_env, source):
    (tmp_path / "openness.toml").write_text("require-osd = true\n")
    where = ("--mirror", str(FIXTURES)) if source == "mirror" else ()
    env = hub_env if source == "hub" else None
    run = run_openness(
        "diff", f"{REPO}@{OLD}", f"{REPO}@{NEW}", *where, "-f", "json", cwd=tmp_path, env=env
    )
    assert run.code == 1, run.stderr
    diff = run.json()["diffs"][0]
    assert diff["old"]["revision"] == OLD and diff["new"]["revision"] == NEW
    assert diff["regressed"] is True
    assert diff["license"]["identified"] == {"old": "apache-2.0", "new": "cc-by-nc-4.0"}
    assert diff["policy"]["old"] == "passed" and diff["policy"]["new"] == "failed"
    table = run_openness("diff", f"{REPO}@{OLD}", f"{REPO}@{NEW}", *where, cwd=tmp_path, env=env)
    assert "apache-2.0" in table.stdout and "cc-by-nc-4.0" in table.stdout


def test_saved_audits_compare_without_a_network_and_no_policy_means_exit_0(tmp_path):
    for rev, name in ((OLD, "old.json"), (NEW, "new.json")):
        run = run_openness(
            "audit",
            REPO,
            "--revision",
            rev,
            "--mirror",
            str(FIXTURES),
            "-f",
            "json",
            "-o",
            str(tmp_path / name),
            cwd=tmp_path,
        )
        assert run.code == 0, run.stderr
    run = run_openness("diff", "old.json", "new.json", "-f", "markdown", cwd=tmp_path)
    assert run.code == 0 and "cc-by-nc-4.0" in run.stdout
    run = run_openness("diff", "old.json", "new.json", "--policy", "p.toml", cwd=tmp_path)
    assert run.code == 2  # no such policy file
    (tmp_path / "p.toml").write_text('deny-licenses = ["cc-by-nc-4.0"]\n')
    run = run_openness(
        "diff", "old.json", "new.json", "--policy", "p.toml", "-f", "json", cwd=tmp_path
    )
    assert run.code == 1 and json.loads(run.stdout)["regressed"] is True


def test_a_side_that_is_neither_file_nor_repo_at_revision_is_a_usage_error(tmp_path):
    run = run_openness("diff", "nothing-here", f"{REPO}@{NEW}", cwd=tmp_path)
    assert run.code == 2 and "REPO@REVISION" in run.stderr
