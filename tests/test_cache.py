"""Issue 11: the commit-keyed cache, offline audits and shared bases, counted in requests
against the loopback Hub (request counts are deterministic; timings live in bench/)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness
from fakehub import GRANTED_TOKEN, FakeHub, Fault

from openness.cache import FORMAT

OPEN = "openness-fixtures/open-apache-7b"  # names one dataset
PLAIN = "openness-fixtures/other-licensed-7b"  # no base, no dataset
FINETUNE = "openness-fixtures/llama2-finetune-apache"  # of meta-llama/Llama-2-7b-hf


@pytest.fixture
def counted(tmp_path):
    """A fresh loopback Hub (so its request log is ours alone) and a fresh cache."""
    with FakeHub(FIXTURES) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        yield hub, env


def _audit(env: dict, *args: str):
    run = run_openness("audit", *args, "--format", "json", env=env)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def _count(hub: FakeHub, run) -> int:
    before = len(hub.requests)
    run()
    return len(hub.requests) - before


def _heads(hub: FakeHub, since: int) -> list[str]:
    """The paths of the requests made since `since`, each checked to be a warm-check HEAD."""
    made = hub.requests[since:]
    assert all(r.method == "HEAD" and "/resolve/main/README.md" in r.path for r in made), made
    return [r.path.split("/resolve/")[0].lstrip("/") for r in made]


def test_warm_audit_of_an_unchanged_repo_makes_one_request(counted):
    hub, env = counted
    assert _count(hub, lambda: _audit(env, PLAIN)) >= 3
    before = len(hub.requests)
    report = _audit(env, PLAIN).json()["reports"][0]
    assert _heads(hub, before) == [PLAIN]
    assert report["cache"]["age_seconds"] >= 0 and report["cache"]["offline"] is False
    assert report["cache"]["dependencies_checked"] is None  # it has none


def test_warm_finetune_checks_its_bases_but_not_its_datasets(counted):
    """1 HEAD for the subject, and one per base it was assessed against (its license binds);
    a base model naming a dataset stays at one request."""
    hub, env = counted
    assert _count(hub, lambda: _audit(env, FINETUNE)) >= 5
    before = len(hub.requests)
    report = _audit(env, FINETUNE).json()["reports"][0]
    assert _heads(hub, before) == [FINETUNE, "meta-llama/Llama-2-7b-hf"]
    assert report["cache"]["dependencies_checked"] is True
    assert report["license"]["effective"]["osd_compliant"] is False  # the whole report
    _audit(env, OPEN)
    before = len(hub.requests)
    _audit(env, OPEN)
    assert _heads(hub, before) == [OPEN]


def test_telemetry_is_off_unless_asked_for_so_a_warm_audit_stays_one_request(counted):
    """huggingface_hub asks {HF_ENDPOINT}/api/agent-harnesses for its user agent unless
    HF_HUB_DISABLE_TELEMETRY is set: openness sets it, so users need not."""
    hub, env = counted
    bare = {k: v for k, v in env.items() if k != "HF_HUB_DISABLE_TELEMETRY"}
    unset = ("HF_HUB_DISABLE_TELEMETRY",)
    run_openness("audit", PLAIN, "-f", "json", env=bare, unset=unset)
    before = len(hub.requests)
    warm = run_openness("audit", PLAIN, "-f", "json", env=bare, unset=unset)
    assert warm.code == 0, warm.stderr
    assert [(r.method, "/resolve/main/" in r.path) for r in hub.requests[before:]] == [
        ("HEAD", True)
    ]
    assert not hub.calls(path="agent-harnesses")
    # A user who wants it keeps it: the client then asks for the registry.
    asked = {**bare, "HF_HUB_DISABLE_TELEMETRY": "0", "HF_HOME": env["HF_HOME"] + "-2"}
    run_openness("audit", PLAIN, "-f", "json", env=asked)
    assert hub.calls("GET", "/api/agent-harnesses")


def test_pinned_sha_and_offline_make_no_request(counted):
    hub, env = counted
    first = _audit(env, FINETUNE).json()["reports"][0]
    sha = first["subject"]["revision"]
    runs = []
    assert _count(hub, lambda: runs.append(_audit(env, FINETUNE, "--revision", sha))) == 0
    offline = {**env, "HF_HUB_OFFLINE": "1"}
    assert _count(hub, lambda: runs.append(_audit(offline, FINETUNE))) == 0
    pinned, report = (run.json()["reports"][0] for run in runs)
    assert report["cache"]["offline"] is True and report["cache"]["revision_seen_at"]
    assert report["subject"]["revision"] == sha
    # No request, so the base was not re-checked: the report says so, and so does the table.
    assert pinned["cache"]["dependencies_checked"] is False
    assert report["cache"]["dependencies_checked"] is False
    table = run_openness("audit", FINETUNE, "--offline", env=env)
    assert "bases not re-checked" in table.stdout


def test_offline_says_not_cached_per_subject_without_crashing(counted):
    hub, env = counted
    _audit(env, OPEN)
    offline = {**env, "HF_HUB_OFFLINE": "1"}
    runs = []
    assert _count(hub, lambda: runs.append(_audit(offline, OPEN, FINETUNE))) == 0
    run = runs[0]
    document = run.json()
    assert [r["subject"]["repo_id"] for r in document["reports"]] == [OPEN]
    assert document["errors"][0]["kind"] == "offline"
    assert "offline: not cached" in document["errors"][0]["message"]
    assert run.code == 3


def test_a_moved_branch_is_audited_again(counted, tmp_path):
    hub, env = counted
    _audit(env, OPEN)
    info = json.loads((FIXTURES / "models" / OPEN / "info.json").read_text())
    moved = tmp_path / "moved"
    (moved / "models" / OPEN).mkdir(parents=True)
    for item in (FIXTURES / "models" / OPEN).iterdir():
        (moved / "models" / OPEN / item.name).write_bytes(item.read_bytes())
    info["sha"] = "1" * 40
    (moved / "models" / OPEN / "info.json").write_text(json.dumps(info))
    hub.roots.insert(0, moved)
    run = _audit(env, OPEN)
    report = run.json()["reports"][0]
    assert report["subject"]["revision"] == "1" * 40 and report["cache"] is None


def test_a_token_view_is_never_served_to_a_run_without_the_token(counted):
    _hub, env = counted
    with_token = {**env, "HF_TOKEN": GRANTED_TOKEN}
    full = _audit(with_token, "meta-llama/Llama-2-7b").json()["reports"][0]
    assert full["complete"] is True and full["license"]["unread"] == []
    anonymous = _audit(env, "meta-llama/Llama-2-7b").json()["reports"][0]
    assert anonymous["cache"] is None  # asked the Hub again, as itself
    assert anonymous["complete"] is False and anonymous["license"]["unread"]
    cache = Path(env["OPENNESS_CACHE"])
    assert GRANTED_TOKEN not in "".join(p.read_text() for p in cache.rglob("*.json"))


def test_a_corrupt_entry_is_ignored_replaced_and_warned_about(counted):
    _hub, env = counted
    _audit(env, OPEN)
    reports = list((Path(env["OPENNESS_CACHE"]) / "reports").glob("*.json"))
    assert reports
    for path in reports:
        path.write_text("{not json")
    run = _audit(env, OPEN)
    assert run.code == 0 and "corrupt or foreign" in run.stderr
    assert run.json()["reports"][0]["cache"] is None
    assert json.loads(reports[0].read_text())["format"] == FORMAT  # replaced by a good entry


@pytest.mark.parametrize(
    ("kind", "value"),
    [("reports", {"bogus": 1}), ("snapshots", {"bogus": 1}), ("refs", {"bogus": 1}), ("refs", [1])],
)
def test_an_entry_of_the_wrong_shape_is_ignored_replaced_and_warned_about(counted, kind, value):
    """Valid JSON, right key, wrong content: not served, replaced, and said (one line)."""
    _hub, env = counted
    _audit(env, OPEN)
    entries = list((Path(env["OPENNESS_CACHE"]) / kind).glob("*.json"))
    assert entries
    for path in entries:
        data = json.loads(path.read_text())
        data["value"] = value
        path.write_text(json.dumps(data))
    if kind == "snapshots":  # read only when there is no report to serve
        for path in (Path(env["OPENNESS_CACHE"]) / "reports").glob("*.json"):
            path.unlink()
    run = _audit(env, OPEN)
    assert run.code == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "corrupt or foreign" in line]
    assert len(warnings) == 1, run.stderr
    assert run.json()["reports"][0]["cache"] is None
    assert all(json.loads(p.read_text())["value"] != value for p in entries if p.exists())


def _warnings(run) -> list[str]:
    return [line for line in run.stderr.splitlines() if "corrupt or foreign" in line]


def test_entries_that_are_not_utf8_are_ignored_replaced_and_warned_about(counted):
    """Bytes that are not text (a disk error, another program's file) are a corrupt entry,
    online and offline, not an internal error."""
    _hub, env = counted
    _audit(env, PLAIN)
    cache = Path(env["OPENNESS_CACHE"])
    for path in (cache / "reports").glob("*.json"):
        path.unlink()
    snapshots = list((cache / "snapshots").glob("*.json"))
    for path in snapshots:
        path.write_bytes(b"\xff")
    run = _audit(env, PLAIN)
    assert run.code == 0 and len(_warnings(run)) == 1, run.stderr
    assert run.json()["reports"][0]["cache"] is None
    assert all(json.loads(p.read_text())["format"] == FORMAT for p in snapshots)
    for path in (cache / "refs").glob("*.json"):
        path.write_bytes(b"\xff")
    offline = _audit(env, PLAIN, "--offline")
    assert offline.code == 3 and len(_warnings(offline)) == 1, offline.stderr
    assert "offline: not cached" in offline.json()["errors"][0]["message"]


@pytest.mark.parametrize("stored_at", [1e300, float("nan"), True, "1700000000", 10.0**12])
def test_an_implausible_stored_at_is_a_corrupt_entry(counted, stored_at):
    """When an entry was written decides its age and dates: one that no run could have
    written (out of range, not a number, a bool, far in the future) is corrupt, not served."""
    _hub, env = counted
    _audit(env, PLAIN)
    for path in (Path(env["OPENNESS_CACHE"]) / "reports").glob("*.json"):
        data = json.loads(path.read_text())
        data["stored_at"] = stored_at
        path.write_text(json.dumps(data))  # NaN and Infinity as Python's json writes them
    run = _audit(env, PLAIN)
    assert run.code == 0 and len(_warnings(run)) == 1, run.stderr
    assert run.json()["reports"][0]["cache"] is None


@pytest.mark.parametrize("kind", ["reports", "snapshots"])
def test_a_foreign_entry_is_not_served(counted, kind):
    """Another repo's report or snapshot under this one's key (copied in by hand, or by a
    broken tool) would give this repo another's terms: warned about, replaced, read again."""
    _hub, env = counted
    _audit(env, PLAIN)
    _audit(env, OPEN)
    cache = Path(env["OPENNESS_CACHE"])
    entries = {p: json.loads(p.read_text()) for p in (cache / kind).glob("*.json")}
    (mine,) = [p for p in entries if "other-licensed" in p.name]
    (theirs,) = [p for p in entries if "open-apache" in p.name]
    entries[mine]["value"] = entries[theirs]["value"]  # the envelope still names PLAIN
    mine.write_text(json.dumps(entries[mine]))
    if kind == "snapshots":  # read only when there is no report to serve
        for path in (cache / "reports").glob("*other-licensed*"):
            path.unlink()
    run = _audit(env, PLAIN)
    assert run.code == 0 and len(_warnings(run)) == 1, run.stderr
    assert "foreign" in _warnings(run)[0]
    report = run.json()["reports"][0]
    assert report["subject"]["repo_id"] == PLAIN and report["cache"] is None
    assert json.loads(mine.read_text())["value"] != entries[theirs]["value"]  # replaced


RENAMED = "openness-fixtures/nc-research-1b"  # names a dataset that was renamed too
NEW_NAME = RENAMED + "-renamed"


def _rename(hub: FakeHub, tmp_path: Path) -> None:
    """From now on the Hub answers the old id with a redirect to the new one."""
    import shutil

    folder = tmp_path / "renamed" / "models" / RENAMED
    shutil.copytree(FIXTURES / "models" / RENAMED, folder)
    info = json.loads((folder / "info.json").read_text())
    info["id"] = NEW_NAME
    info["_fakehub"] = {**info.get("_fakehub", {}), "moved_to": NEW_NAME}
    (folder / "info.json").write_text(json.dumps(info))
    hub.roots.insert(0, tmp_path / "renamed")


@pytest.mark.parametrize("cached_before", [False, True])
def test_a_renamed_repo_is_served_from_the_cache_under_its_new_id(counted, tmp_path, cached_before):
    """The rename is remembered with the commit: a warm audit of the old id asks for the new
    one directly (one HEAD, no redirect) and is served from the cache; offline too, none.
    A report cached before the rename is not served under the old id."""
    hub, env = counted
    if cached_before:
        _audit(env, RENAMED)
    _rename(hub, tmp_path)
    first = _audit(env, RENAMED).json()["reports"][0]
    assert first["subject"]["repo_id"] == NEW_NAME and first["cache"] is None
    assert first["subject"]["renamed_from"] == RENAMED
    before = len(hub.requests)
    warm = _audit(env, RENAMED).json()["reports"][0]
    assert [(r.method, r.path) for r in hub.requests[before:]] == [
        ("HEAD", f"/{NEW_NAME}/resolve/main/README.md")
    ]
    assert warm["cache"]["age_seconds"] >= 0
    assert warm["subject"] == first["subject"]
    before = len(hub.requests)
    offline = _audit(env, RENAMED, "--offline").json()["reports"][0]
    assert len(hub.requests) == before
    assert offline["cache"]["offline"] is True and offline["subject"] == first["subject"]
    table = run_openness("audit", RENAMED, "--offline", env=env)
    assert f"renamed from {RENAMED}" in table.stdout


def test_no_cache_reads_and_writes_nothing(counted):
    _hub, env = counted
    _audit(env, OPEN)  # a cached entry that --no-cache must not serve
    assert _audit(env, OPEN, "--no-cache").json()["reports"][0]["cache"] is None
    fresh = {**env, "OPENNESS_CACHE": env["OPENNESS_CACHE"] + "-unused"}
    _audit(fresh, OPEN, "--no-cache")
    assert not Path(fresh["OPENNESS_CACHE"]).exists()


# -- shared bases ----------------------------------------------------------------------------


def _sha(repo_id: str) -> str:
    return hashlib.sha1(f"fixture:{repo_id}".encode()).hexdigest()


def _model(
    root: Path,
    repo_id: str,
    card: dict,
    files: dict[str, str],
    siblings: list[str],
    sha: str | None = None,
):
    folder = root / "models" / repo_id
    folder.mkdir(parents=True)
    front = "".join(f"{k}: {json.dumps(v)}\n" for k, v in card.items())
    files = {"README.md": f"---\n{front}---\n# {repo_id}\n\nA model for tests.\n", **files}
    for name, text in files.items():
        (folder / name).write_text(text)
    tags = [f"license:{card['license']}"] if "license" in card else []
    if "base_model" in card:
        rel = card.get("base_model_relation", "finetune")
        tags += [f"base_model:{card['base_model']}", f"base_model:{rel}:{card['base_model']}"]
    info = {
        "id": repo_id,
        "sha": sha or _sha(repo_id),
        "gated": False,
        "private": False,
        "tags": tags,
        "cardData": card,
        "siblings": [{"rfilename": n} for n in sorted({*files, *siblings})],
    }
    (folder / "info.json").write_text(json.dumps(info))


def test_a_batch_of_20_finetunes_of_2_bases_reads_each_base_once(tmp_path):
    root = tmp_path / "hub"
    for base in ("org/base-a", "org/base-b"):
        _model(root, base, {"license": "mit"}, {"LICENSE": "MIT License\n"}, ["model.safetensors"])
    subjects = []
    for i in range(20):
        repo = f"org/tune-{i:02d}"
        base = "org/base-a" if i % 2 else "org/base-b"
        card = {"license": "mit", "base_model": base, "base_model_relation": "finetune"}
        _model(root, repo, card, {}, ["model.safetensors"])
        subjects.append(repo)
    with FakeHub(root) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        run = _audit(env, *subjects)
        assert run.code == 0, run.stderr
        reports = run.json()["reports"]
        assert [r["subject"]["repo_id"] for r in reports] == subjects  # input order
        infos = [r.path for r in hub.requests if r.path.startswith("/api/models/org/base-")]
        assert sorted(infos) == ["/api/models/org/base-a", "/api/models/org/base-b"]
        assert all(r["license"]["effective"]["osd_compliant"] is True for r in reports)
        before = len(hub.requests)
        warm = _audit(env, *subjects)
        assert warm.code == 0
        # One HEAD a subject, and one per distinct base for the whole run.
        heads = _heads(hub, before)
        assert sorted(heads) == sorted([*subjects, "org/base-a", "org/base-b"])


def test_a_429_on_a_file_waits_for_retry_after_and_completes(counted):
    hub, env = counted
    hub.faults.append(
        Fault(
            method="GET",
            path=r"/resolve/[0-9a-f]{40}/LICENSE$",
            status=429,
            headers={"Retry-After": "1"},
            times=1,
        )
    )
    report = _audit(env, OPEN).json()["reports"][0]
    assert report["complete"] is True
    assert [r.status for r in hub.requests if r.path.endswith("/LICENSE")] == [429, 200]


def test_a_429_on_the_warm_check_pauses_every_worker_and_all_are_audited(tmp_path):
    """The warm check is a HEAD; a 429 on it is retried after Retry-After, and the other
    workers wait too (the pause is shared), so the Hub is not asked again meanwhile."""
    root = tmp_path / "hub"
    subjects = [f"org/model-{i}" for i in range(10)]
    for repo in subjects:
        _model(root, repo, {"license": "mit"}, {"LICENSE": "MIT License\n"}, [])
    jobs = 2
    with FakeHub(root) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        assert _audit(env, *subjects).code == 0
        refused = f"/{subjects[0]}/resolve/main/README.md"
        hub.faults.append(
            Fault(method="HEAD", path=f"^{refused}$", status=429, headers={"Retry-After": "1"})
        )
        before = len(hub.requests)
        hub.latency = 0.1  # a worker that did not pause would ask ~8 times in Retry-After's 1 s
        run = _audit(env, *subjects, "--jobs", str(jobs))
        warm = hub.requests[before:]
    assert run.code == 0, run.stderr
    reports = run.json()["reports"]
    assert [r["subject"]["repo_id"] for r in reports] == subjects
    assert all(r["cache"] is not None for r in reports)  # each from the cache, after its HEAD
    assert [r.method for r in warm] == ["HEAD"] * (len(subjects) + 1)  # one retry, no more
    tries = [i for i, r in enumerate(warm) if r.path == refused]
    assert [warm[i].status for i in tries] == [429, 200]
    # While the pool waits, no worker asks the Hub. Between the 429 and its retry arrive at
    # most, per other worker, the request it had on its way when the 429 came back and the
    # one it sends when the pause ends, together with the retry.
    answered = warm[tries[0]].answered
    meanwhile = [r for r in warm[tries[0] + 1 : tries[1]] if r.arrived > answered]
    assert len(meanwhile) <= 2 * (jobs - 1), [r.path for r in meanwhile]


MIT = "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy"
NON_COMMERCIAL = "Attribution-NonCommercial 4.0 International\n"


def test_a_cached_finetune_is_assessed_again_when_its_base_moves(tmp_path):
    """The base gets a new commit and a new license: the fine-tunes' cached reports are not
    served; each is assessed again from its cached snapshot (no file of its own is read
    again) with the base read anew, once for the run."""
    root, moved = tmp_path / "hub", tmp_path / "moved"
    tunes = ["org/tune-1", "org/tune-2"]
    weights = ["model.safetensors"]
    _model(root, "org/base", {"license": "mit"}, {"LICENSE": MIT}, weights)
    for tune in tunes:
        _model(root, tune, {"license": "mit", "base_model": "org/base"}, {}, weights)
    new_sha = "2" * 40
    relicensed = {"LICENSE": NON_COMMERCIAL}
    _model(moved, "org/base", {"license": "cc-by-nc-4.0"}, relicensed, weights, sha=new_sha)

    def audit() -> tuple:
        before = len(hub.requests)
        run = run_openness("audit", *tunes, "-f", "json", "--require-osd", env=env, cwd=tmp_path)
        assert "Traceback" not in run.stderr, run.stderr
        return run, hub.requests[before:]

    with FakeHub(root) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        first, _ = audit()
        assert first.code == 0, first.stderr
        unchanged, made = audit()
        assert unchanged.code == 0 and len(made) == 3  # 2 subjects + the base, all HEADs
        hub.roots.insert(0, moved)
        run, made = audit()
        again, made_again = audit()
    assert run.code == 1, run.stderr  # the policy fails now, as it does with --no-cache
    for report in run.json()["reports"]:
        assert report["cache"] is None
        assert report["lineage"]["base_chain"][0]["revision"] == new_sha
        assert report["license"]["effective"]["osd_compliant"] is False
    asked = [(r.method, r.path.split("/resolve/")[-1]) for r in made if "/tune-" in r.path]
    assert sorted(asked) == [("HEAD", "main/README.md")] * 2  # no file of theirs read again
    base = [(r.method, r.path) for r in made if "org/base" in r.path]
    assert base.count(("HEAD", "/org/base/resolve/main/README.md")) == 1  # once for the run
    assert sum(path.startswith("/api/models/org/base") for _, path in base) == 1
    assert len(made) == len(asked) + len(base)
    # Then served from the cache again, with the new base.
    assert again.code == 1 and len(made_again) == 3
    report = again.json()["reports"][0]
    assert report["cache"]["dependencies_checked"] is True
    assert report["lineage"]["base_chain"][0]["revision"] == new_sha
