"""Subjects as users write them: Hub URLs pasted from the browser, relative folders, repeats, and
a did-you-mean for an id the Hub does not know. Through the real program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness
from fakehub import Fault

LLAMA = "meta-llama/Llama-2-7b"
SHA = json.loads((FIXTURES / "models" / LLAMA / "info.json").read_text())["sha"]
MIRROR = ("--mirror", str(FIXTURES))


def _audited(run) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(r["subject"]["repo_id"], r["subject"]["revision"]) for r in run.json()["reports"]]


@pytest.mark.parametrize(
    "url",
    [
        f"https://huggingface.co/{LLAMA}",
        f"https://huggingface.co/{LLAMA}/",
        f"http://huggingface.co/{LLAMA}",
        f"https://hf.co/{LLAMA}",
        f"hf.co/{LLAMA}/",
        f"huggingface.co/{LLAMA}",
        f"https://huggingface.co/{LLAMA}/tree/main",
        f"https://huggingface.co/{LLAMA}/tree/{SHA}/",
        f"https://huggingface.co/{LLAMA}/blob/main/README.md",
        f"https://huggingface.co/{LLAMA}/resolve/{SHA}/LICENSE.txt?download=true",
    ],
)
def test_a_hub_url_is_a_subject(url: str) -> None:
    run = run_openness("audit", url, *MIRROR, "--format", "json")
    assert run.code == 0, run.stderr
    assert _audited(run) == [(LLAMA, SHA)]


def test_the_revision_is_taken_from_the_url(hub, hub_env) -> None:
    before = len(hub.requests)
    run = run_openness("audit", f"{hub.url}/{LLAMA}/tree/{SHA}", "--format", "json", env=hub_env)
    assert run.code == 3, run.stderr  # gated files without a token: the audit is incomplete
    assert _audited(run) == [(LLAMA, SHA)]
    info = [r.path for r in hub.requests[before:] if r.path.startswith("/api/models/")]
    assert info == [f"/api/models/{LLAMA}/revision/{SHA}"]
    bad = run_openness("audit", f"https://hf.co/{LLAMA}/blob/v9/README.md", env=hub_env)
    assert bad.code == 3 and "revision not found" in bad.stderr


def test_url_revision_and_revision_flag_must_agree(hub, hub_env) -> None:
    before = len(hub.requests)
    run = run_openness(
        "audit", f"https://huggingface.co/{LLAMA}/tree/main", "--revision", SHA, env=hub_env
    )
    assert run.code == 2
    assert "names revision 'main' but --revision is" in run.stderr
    assert len(hub.requests) == before  # nothing was fetched
    same = run_openness(
        "audit", f"https://huggingface.co/{LLAMA}/tree/{SHA}", "--revision", SHA, *MIRROR
    )
    assert same.code == 0, same.stderr


@pytest.mark.parametrize("revision", [SHA, "main"])
def test_at_revision_on_the_command_line_as_in_from_files(revision: str) -> None:
    """README: `org/name@<sha>` pins a model; the command line takes it as --from files do."""
    run = run_openness("audit", f"{LLAMA}@{revision}", *MIRROR, "--format", "json")
    assert run.code == 0, run.stderr
    assert _audited(run) == [(LLAMA, SHA)]  # main resolves to the sha it points at


def test_at_revision_and_revision_flag_must_agree(hub, hub_env) -> None:
    before = len(hub.requests)
    run = run_openness("audit", f"{LLAMA}@main", "--revision", SHA, env=hub_env)
    assert run.code == 2
    assert "names revision 'main' but --revision is" in run.stderr
    bad = run_openness("audit", f"{LLAMA}@has space", env=hub_env)
    assert bad.code == 2 and "not a valid" in bad.stderr
    assert len(hub.requests) == before  # nothing was fetched


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://huggingface.co/datasets/org/data", "only models are audited"),
        ("https://huggingface.co/spaces/org/demo", "only models are audited"),
        ("hf.co/datasets/org/data/tree/main", "only models are audited"),
        ("https://github.com/meta-llama/llama", "not a Hugging Face Hub URL"),
        ("https://huggingface.co.evil.example/meta-llama/Llama-2-7b", "not a Hugging Face Hub URL"),
        ("ftp://huggingface.co/meta-llama/Llama-2-7b", "only http(s) URLs"),
        ("https://token@huggingface.co/meta-llama/Llama-2-7b", "only http(s) URLs"),
        ("https://huggingface.co/", "names no model"),
        ("https://huggingface.co/docs/transformers", "not a model's page"),
        ("https://huggingface.co/org/name/settings/x", "not a model's page"),
    ],
)
def test_other_urls_are_usage_errors(hub, hub_env, url: str, says: str) -> None:
    before = len(hub.requests)
    run = run_openness("audit", url, env=hub_env)
    assert run.code == 2, run.stderr
    assert says in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert len(hub.requests) == before


def test_repeated_subjects_are_audited_once_in_order(hub, hub_env) -> None:
    apache = "openness-fixtures/open-apache-7b"
    before = len(hub.requests)
    run = run_openness(
        "audit",
        apache,
        f"https://huggingface.co/{apache}",
        "OPENNESS-FIXTURES/Open-Apache-7B",
        "openness-fixtures/card-only",
        f"hf.co/{apache}/",
        "--format",
        "json",
        env=hub_env,
    )
    assert run.code == 0, run.stderr
    assert [repo for repo, _ in _audited(run)] == [apache, "openness-fixtures/card-only"]
    info = [r.path for r in hub.requests[before:] if r.path.startswith(f"/api/models/{apache}")]
    assert info == [f"/api/models/{apache}"]


@pytest.mark.parametrize("branch_first", [True, False])
def test_a_branch_and_the_sha_it_points_at_are_reported_once(hub, hub_env, branch_first) -> None:
    """`org/name/tree/main` and the URL (or @) of the commit main is at: one commit, one report,
    under the first spelling; a later revision of the repo finds the earlier one's commit in
    the cache."""
    apache = "openness-fixtures/open-apache-7b"
    sha = json.loads((FIXTURES / "models" / apache / "info.json").read_text())["sha"]
    branch, pinned = f"https://huggingface.co/{apache}/tree/main", f"{apache}@{sha}"
    subjects = [branch, pinned] if branch_first else [pinned, branch]
    before = len(hub.requests)
    run = run_openness("audit", *subjects, "--format", "jsonl", env=hub_env)
    assert run.code == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(r["subject"]["repo_id"], r["subject"]["revision"]) for r in lines] == [(apache, sha)]
    info = [r.path for r in hub.requests[before:] if r.path.startswith(f"/api/models/{apache}")]
    assert len(info) == (1 if branch_first else 2), info  # the later one resolves main, no more
    other = run_openness("audit", f"{apache}@{sha}", "openness-fixtures/card-only", *MIRROR)
    assert other.code == 0 and other.stdout.count("╭") == 2  # two repos: two reports


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("meta-llama/llama-2-7B", LLAMA),
        ("meta-llama/Llama-2-7bb", LLAMA),
        ("meta-lama/Llama-2-7b", LLAMA),
    ],
)
def test_not_found_suggests_a_close_match_from_one_search(hub, hub_env, typed, meant) -> None:
    before = len(hub.requests)
    run = run_openness("audit", typed, "--format", "json", env=hub_env)
    assert run.code == 3
    line = run.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    assert "not found" in line and line.endswith(f"did you mean {meant}?")
    assert run.json()["errors"][0]["message"].endswith(f"did you mean {meant}?")
    searches = [r for r in hub.requests[before:] if r.path.rstrip("/") == "/api/models"]
    assert len(searches) == 1
    mirror = run_openness("audit", typed, *MIRROR)
    assert mirror.code == 3 and "not in the mirror" in mirror.stderr
    assert mirror.stderr.strip().endswith(f"did you mean {meant}?")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("openness-fixtures/oepn-apache-7b", "openness-fixtures/open-apache-7b"),
        ("openness-fixtures/cadr-only", "openness-fixtures/card-only"),
    ],
)
def test_a_transposition_early_in_the_name_is_found_among_the_orgs_models(
    hub, hub_env, typed, meant
) -> None:
    """`openai-community/gtp2`: a search for `gtp` finds nothing; the org's own models, ranked
    by closeness, do. One more request, never more."""
    before = len(hub.requests)
    run = run_openness("audit", typed, env=hub_env)
    assert run.code == 3
    assert run.stderr.strip().endswith(f"did you mean {meant}?"), run.stderr
    searches = [r for r in hub.requests[before:] if r.path.rstrip("/") == "/api/models"]
    assert len(searches) == 2
    assert "author" in searches[1].query and "search" not in searches[1].query
    mirror = run_openness("audit", typed, *MIRROR)
    assert mirror.stderr.strip().endswith(f"did you mean {meant}?"), mirror.stderr


def test_no_suggestion_when_nothing_is_close_or_the_search_fails(hub, hub_env) -> None:
    run = run_openness("audit", "openness-fixtures/no-such-model", env=hub_env)
    assert run.code == 3 and "did you mean" not in run.stderr
    fault = Fault(method="GET", path=r"^/api/models/?$", status=500, times=1000)
    hub.faults.append(fault)
    try:
        run = run_openness("audit", "meta-llama/Llama-2-7bb", "--timeout", "2", env=hub_env)
    finally:
        hub.faults.remove(fault)
    assert fault.hits >= 1  # the search was tried, and failed
    assert run.code == 3
    assert run.stderr.strip() == (
        "openness: model meta-llama/Llama-2-7bb: not found "
        "(or private: set HF_TOKEN if you have access)"
    )


def _model_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# A local model\n")
    (folder / "model.safetensors").write_bytes(b"\0" * 16)
    return folder


@pytest.mark.parametrize("written", ["./localmodel", "localmodel/", "localmodel", "."])
def test_relative_local_folders_are_audited(tmp_path: Path, written: str) -> None:
    folder = _model_folder(tmp_path / "work" / "localmodel")
    cwd = folder if written == "." else folder.parent
    offline = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_OFFLINE": "1"}
    run = run_openness("audit", written, "--format", "json", cwd=cwd, env=offline)
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    report = run.json()["reports"][0]
    assert report["subject"]["source"] == "local"
    assert report["subject"]["repo_id"] == "localmodel"
    assert report["subject"]["url"] == folder.resolve().as_uri()
    assert report["license"]["osd_compliant"] is True


def test_a_missing_folder_with_a_trailing_slash_is_a_usage_error(tmp_path: Path) -> None:
    run = run_openness("audit", "nothere/", cwd=tmp_path)
    assert run.code == 2
    assert "no such folder" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("written", ["./p9/app.py", "p9/sub/app.py"])
def test_a_file_given_for_a_model_folder_is_called_a_file(tmp_path: Path, written: str) -> None:
    (tmp_path / "p9" / "sub").mkdir(parents=True)
    (tmp_path / "p9" / "app.py").write_text("print('hi')\n")
    (tmp_path / "p9" / "sub" / "app.py").write_text("print('hi')\n")
    run = run_openness("audit", written, cwd=tmp_path)
    assert run.code == 2, run.stderr
    assert "is a file, not a model folder" in run.stderr and "no such folder" not in run.stderr


def test_each_commands_output_help_names_only_its_own_formats() -> None:
    """jsonl is audit's alone: `license -f jsonl` and `diff -f jsonl` are rejected, so their
    -o help does not speak of it."""
    for command in ("license", "diff", "scan"):
        assert "jsonl" not in run_openness(command, "-h").stdout, command
        assert run_openness(command, "-f", "jsonl", "x").code == 2, command
    assert "jsonl" in " ".join(run_openness("audit", "-h").stdout.split("--output", 1)[1].split())
