"""Issue 11: whole inventories in (`--from FILE`, Hub listings with --author/--search/--top),
and the options of a big batch (--jobs, --offline, --no-cache, `openness cache info|clear`),
through the real program against the loopback Hub or the fixtures mirror."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness
from fakehub import FakeHub, Fault

from openness.batch import DEFAULT_JOBS
from openness.sources.hub import INFO_FIELDS

LLAMA = "meta-llama/Llama-2-7b"
OPEN = "openness-fixtures/open-apache-7b"
NC = "openness-fixtures/nc-research-1b"
# The fixtures' most downloaded models (info.json `downloads`), most first.
TOP3 = [
    "openness-fixtures/Llama-2-7b-hf-GGUF",
    "openness-fixtures/gated-prose-license",
    "openness-fixtures/llama2-lora-adapter-only",
]


@pytest.fixture
def fresh(tmp_path):
    """A loopback Hub of our own (its request log is this test's alone) and a fresh cache."""
    with FakeHub(FIXTURES) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        yield hub, env


def _ids(run) -> list[str]:
    return [r["subject"]["repo_id"] for r in run.json()["reports"]]


def _listings(hub: FakeHub) -> list:
    """Our listings (a re-upload's search for its base by name is a listing too)."""
    calls = hub.calls("GET", r"^/api/models/?$")
    return [r for r in calls if "siblings" in r.query.get("expand", [])]


def _sha(repo: str) -> str:
    return json.loads((FIXTURES / "models" / repo / "info.json").read_text())["sha"]


# -- --from FILE -------------------------------------------------------------------------------


def test_from_file_with_comments_revisions_urls_and_repeats(tmp_path):
    inventory = tmp_path / "models.txt"
    inventory.write_text(
        "# models we ship\n"
        f"{LLAMA}    # the base\n"
        "\n"
        f"   {OPEN}@main\n"
        f"https://huggingface.co/{NC}\n"
        f"{LLAMA.upper()}\n"  # the Hub compares ids case-insensitively: audited once
        f"{OPEN}@main\n"
    )
    run = run_openness(
        "audit", NC, "--from", str(inventory), "--mirror", str(FIXTURES), "-f", "json"
    )
    assert run.code == 0, run.stderr
    assert _ids(run) == [NC, LLAMA, OPEN]  # the command line first, then the file, in order


def test_from_file_revision_is_used(tmp_path):
    inventory = tmp_path / "models.txt"
    inventory.write_text(f"{OPEN}@{_sha(OPEN)}\n{NC}@v9\n")
    run = run_openness("audit", "--from", str(inventory), "--mirror", str(FIXTURES), "-f", "json")
    assert run.code == 3, run.stderr  # NC has no v9 in the mirror
    document = run.json()
    assert document["reports"][0]["subject"]["revision"] == _sha(OPEN)
    assert document["errors"][0]["subject"] == NC
    assert document["errors"][0]["kind"] == "revision_not_found"


def test_from_stdin(tmp_path):
    run = run_openness(
        "audit",
        "--from",
        "-",
        "--mirror",
        str(FIXTURES),
        "-f",
        "json",
        stdin=f"# piped\n{OPEN}\n{NC}\n".encode(),
    )
    assert run.code == 0, run.stderr
    assert _ids(run) == [OPEN, NC]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (f"{OPEN}\nnot a repo id\n", 2, "'not a repo id' is not a valid repo id"),
        (f"{OPEN}\n\n# fine\nhttps://huggingface.co/datasets/org/data\n", 4, "is a dataset"),
        (f"{OPEN}@v1\n", 1, "names revision 'v1' but --revision is 'main'"),
        ("org/na\u0441me\n", 1, "only ASCII"),  # a Cyrillic look-alike
    ],
)
def test_a_bad_line_is_a_usage_error_naming_file_and_line_before_any_request(
    fresh, tmp_path, body, line, words
):
    hub, env = fresh
    inventory = tmp_path / "models.txt"
    inventory.write_text(body)
    args = ["audit", "--from", str(inventory)]
    if "@v1" in body:
        args += ["--revision", "main"]
    run = run_openness(*args, env=env)
    assert run.code == 2, run.stderr
    assert f"{inventory}:{line}: " in run.stderr and words in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert hub.requests == []


def test_inventory_file_problems_are_usage_errors(tmp_path):
    missing = run_openness("audit", "--from", str(tmp_path / "nope.txt"))
    assert missing.code == 2 and "no such file" in missing.stderr
    folder = run_openness("audit", "--from", str(tmp_path))
    assert folder.code == 2 and f"--from {tmp_path}: is a folder" in folder.stderr
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n\n")
    run = run_openness("audit", "--from", str(empty))
    assert run.code == 2 and "nothing to audit" in run.stderr
    binary = tmp_path / "models.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    run = run_openness("audit", "--from", str(binary))
    assert run.code == 2 and "not UTF-8" in run.stderr
    nothing = run_openness("audit")
    assert nothing.code == 2 and "nothing to audit" in nothing.stderr
    assert "Traceback" not in missing.stderr + run.stderr + nothing.stderr


# -- listings ----------------------------------------------------------------------------------


def test_top_lists_once_and_audits_without_model_info_requests(fresh):
    hub, env = fresh
    run = run_openness("audit", "--top", "3", "-f", "json", env=env)
    assert run.code == 3, run.stderr  # gated-prose-license cannot be read without a token
    assert _ids(run) == TOP3
    listings = _listings(hub)
    assert len(listings) == 1
    query = listings[0].query
    assert query["sort"] == ["downloads"] and query["limit"] == ["3"]
    assert sorted(query["expand"]) == sorted(INFO_FIELDS["model"])
    for repo in TOP3:  # the listing brought each model's info
        assert not hub.calls("GET", f"^/api/models/{repo}(/revision/.*)?$"), repo
    assert all(r.status == 200 for r in listings)


def test_a_listed_audit_reads_the_same_as_an_audit_by_id(fresh):
    _hub, env = fresh
    listed = run_openness("audit", "--top", "3", "-f", "json", "--no-cache", env=env)
    by_id = run_openness("audit", *TOP3, "-f", "json", "--no-cache", env=env)
    assert listed.json()["reports"] == by_id.json()["reports"]


def test_author_and_search_narrow_the_listing(fresh):
    hub, env = fresh
    run = run_openness("audit", "--author", "meta-llama", "-f", "json", env=env)
    assert sorted(_ids(run)) == ["meta-llama/Llama-2-7b", "meta-llama/Llama-2-7b-hf"]
    run = run_openness("audit", "--search", "gguf", "--top", "1", "-f", "json", env=env)
    assert _ids(run) == ["openness-fixtures/Llama-2-7b-hf-GGUF"]
    query = _listings(hub)[-1].query
    assert query["search"] == ["gguf"] and query["limit"] == ["1"]


def test_listing_follows_pages(tmp_path):
    with FakeHub(FIXTURES, page_size=2) as hub:
        env = hub.client_env(tmp_path / "hf")
        run = run_openness("audit", "--top", "5", "--author", "openness-fixtures", env=env)
        assert "Traceback" not in run.stderr
        assert len(_listings(hub)) == 3  # 2 + 2 + 2, stops at 5
        assert "5 audited" in run.stderr


def test_listing_and_given_subjects_combine_once(fresh):
    _hub, env = fresh
    run = run_openness("audit", OPEN, TOP3[0], "--top", "2", "-f", "json", env=env)
    assert _ids(run) == [OPEN, TOP3[0], TOP3[1]]


def test_mirror_listing_sorts_by_downloads():
    run = run_openness("audit", "--top", "3", "--mirror", str(FIXTURES), "-f", "json")
    assert _ids(run) == TOP3
    run = run_openness(
        "audit", "--author", "meta-llama", "--search", "hf", "--mirror", str(FIXTURES), "-f", "json"
    )
    assert _ids(run) == ["meta-llama/Llama-2-7b-hf"]


def test_listing_problems(fresh):
    hub, env = fresh
    run = run_openness("audit", "--author", "nobody-here", env=env)
    assert run.code == 2 and "lists no model: nothing to audit" in run.stderr
    run = run_openness("audit", "--author", "bad org!", env=env)
    assert run.code == 2 and "not a user or organisation name" in run.stderr
    before = len(hub.requests)
    run = run_openness("audit", "--top", "3", "--offline", env=env)
    assert run.code == 2 and "not possible offline" in run.stderr
    run = run_openness("audit", "--top", "3", env={**env, "HF_HUB_OFFLINE": "1"})
    assert run.code == 2 and "not possible offline" in run.stderr
    assert len(hub.requests) == before
    hub.faults.append(Fault(method="GET", path=r"^/api/models/?$", status=404, times=1))
    run = run_openness("audit", "--top", "3", env=env)
    assert run.code == 3 and "nothing was audited" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


# -- --jobs, --offline, --no-cache, `openness cache` ----------------------------------------------


def test_jobs_option(fresh):
    """Several workers, and answers late enough that the first subject (a fine-tune: its base
    is read after its own info) finishes last: the document still follows input order."""
    hub, env = fresh
    slow = "openness-fixtures/llama2-chat-finetune"  # of meta-llama/Llama-2-7b-hf
    fast = ["openness-fixtures/other-licensed-7b", "openness-fixtures/relicensed-3b"]
    hub.latency = 0.3
    run = run_openness("audit", slow, *fast, "--jobs", "3", "-f", "json", env=env)
    hub.latency = 0.0
    assert _ids(run) == [slow, *fast]  # input order whatever the pool

    def last_answer(*repos: str) -> float:
        return max(r.answered or 0.0 for r in hub.requests if any(x in r.path for x in repos))

    # They did finish out of order: the slow one's last answer came after the others'.
    assert last_answer(slow, "meta-llama/Llama-2-7b-hf") > max(last_answer(r) for r in fast)
    bad = run_openness("audit", OPEN, "--jobs", "0", env=env)
    assert bad.code == 2 and "0 is out of range: use 1 to 64" in bad.stderr
    helps = " ".join(run_openness("audit", "-h").stdout.split())
    assert f"Models audited at once. [default: ({DEFAULT_JOBS})" in helps
    for command in ("scan", "lock"):
        assert "--jobs N" in run_openness(command, "-h").stdout


def test_offline_flag_makes_no_request(fresh):
    hub, env = fresh
    assert run_openness("audit", OPEN, env=env).code == 0
    before = len(hub.requests)
    run = run_openness("audit", OPEN, NC, "--offline", "-f", "json", env=env)
    assert len(hub.requests) == before
    assert _ids(run) == [OPEN] and run.json()["reports"][0]["cache"]["offline"] is True
    assert run.json()["errors"][0]["kind"] == "offline" and run.code == 3
    conflict = run_openness("audit", OPEN, "--offline", "--no-cache", env=env)
    assert conflict.code == 2 and "not with --no-cache" in conflict.stderr


def test_cache_info_and_clear(fresh):
    _hub, env = fresh
    empty = run_openness("cache", "info", "-f", "json", env=env)
    assert empty.code == 0, empty.stderr
    assert empty.json()["entries"] == 0 and empty.json()["oldest"] is None
    assert empty.json()["path"] == env["OPENNESS_CACHE"]
    run_openness("audit", OPEN, env=env)
    info = run_openness("cache", "info", "-f", "json", env=env).json()
    assert info["entries"] > 0 and info["size_bytes"] > 0 and info["oldest"] <= info["newest"]
    table = run_openness("cache", "info", env=env)
    assert f"entries  {info['entries']}" in table.stdout
    assert env["OPENNESS_CACHE"] in table.stdout
    cleared = run_openness("cache", "clear", env=env)
    assert cleared.code == 0
    assert f"removed {info['entries']} cache entries from {env['OPENNESS_CACHE']}" in cleared.stderr
    assert run_openness("cache", "info", "-f", "json", env=env).json()["entries"] == 0
    assert run_openness("cache", "clear", env=env).code == 0  # an empty cache clears too
    assert "Exit codes: 0" in run_openness("cache", "clear", "-h").stdout


def test_cache_info_and_clear_agree_on_temporary_files(fresh):
    """A write a killed process left behind is no entry: info does not count it, clear
    removes it (and not one young enough to be another process's write in flight)."""
    _hub, env = fresh
    run_openness("audit", OPEN, env=env)
    entries = run_openness("cache", "info", "-f", "json", env=env).json()["entries"]
    folder = Path(env["OPENNESS_CACHE"]) / "reports"
    leftover, in_flight = folder / ".tmp-leftover.json", folder / ".tmp-in-flight.json"
    leftover.write_text("{")
    in_flight.write_text("{")
    os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    assert run_openness("cache", "info", "-f", "json", env=env).json()["entries"] == entries
    cleared = run_openness("cache", "clear", env=env)
    assert f"removed {entries} cache entries" in cleared.stderr, cleared.stderr
    assert not leftover.exists() and in_flight.exists()


def test_cache_options_on_scan_and_lock(fresh, tmp_path):
    _hub, env = fresh
    (tmp_path / "app.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("{OPEN}")\n'
    )
    for command in ("scan", "lock"):
        run = run_openness(command, str(tmp_path / "app.py"), "--no-cache", env=env, cwd=tmp_path)
        assert run.code == 0, run.stderr
    assert not Path(env["OPENNESS_CACHE"]).exists()
    run_openness("scan", str(tmp_path / "app.py"), env=env, cwd=tmp_path)
    offline = run_openness(
        "scan", str(tmp_path / "app.py"), "--offline", "-f", "json", env=env, cwd=tmp_path
    )
    assert offline.code == 0, offline.stderr
    assert offline.json()["reports"][0]["cache"]["offline"] is True
