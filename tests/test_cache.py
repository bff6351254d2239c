"""Issue 11: the commit-keyed cache, offline audits and shared bases, counted in requests
against the loopback Hub (request counts are deterministic; timings live in bench/)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness
from fakehub import GRANTED_TOKEN, FakeHub, Fault

OPEN = "openness-fixtures/open-apache-7b"
FINETUNE = "openness-fixtures/llama2-finetune-apache"


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


def test_warm_audit_of_an_unchanged_repo_makes_one_request(counted):
    hub, env = counted
    cold = _count(hub, lambda: _audit(env, FINETUNE))
    assert cold >= 5
    warm = None

    def again():
        nonlocal warm
        warm = _audit(env, FINETUNE)

    assert _count(hub, again) == 1
    assert hub.requests[-1].method == "HEAD" and "/resolve/main/" in hub.requests[-1].path
    report = warm.json()["reports"][0]
    assert report["cache"]["age_seconds"] >= 0 and report["cache"]["offline"] is False
    assert report["license"]["effective"]["osd_compliant"] is False  # the whole report


def test_telemetry_is_off_unless_asked_for_so_a_warm_audit_stays_one_request(counted):
    """huggingface_hub asks {HF_ENDPOINT}/api/agent-harnesses for its user agent unless
    HF_HUB_DISABLE_TELEMETRY is set: openness sets it, so users need not."""
    hub, env = counted
    bare = {k: v for k, v in env.items() if k != "HF_HUB_DISABLE_TELEMETRY"}
    unset = ("HF_HUB_DISABLE_TELEMETRY",)
    run_openness("audit", OPEN, "-f", "json", env=bare, unset=unset)
    before = len(hub.requests)
    warm = run_openness("audit", OPEN, "-f", "json", env=bare, unset=unset)
    assert warm.code == 0, warm.stderr
    assert [(r.method, "/resolve/main/" in r.path) for r in hub.requests[before:]] == [
        ("HEAD", True)
    ]
    assert not hub.calls(path="agent-harnesses")
    # A user who wants it keeps it: the client then asks for the registry.
    asked = {**bare, "HF_HUB_DISABLE_TELEMETRY": "0", "HF_HOME": env["HF_HOME"] + "-2"}
    run_openness("audit", OPEN, "-f", "json", env=asked)
    assert hub.calls("GET", "/api/agent-harnesses")


def test_pinned_sha_and_offline_make_no_request(counted):
    hub, env = counted
    first = _audit(env, FINETUNE).json()["reports"][0]
    sha = first["subject"]["revision"]
    assert _count(hub, lambda: _audit(env, FINETUNE, "--revision", sha)) == 0
    offline = {**env, "HF_HUB_OFFLINE": "1"}
    runs = []
    assert _count(hub, lambda: runs.append(_audit(offline, FINETUNE))) == 0
    report = runs[0].json()["reports"][0]
    assert report["cache"]["offline"] is True and report["cache"]["revision_seen_at"]
    assert report["subject"]["revision"] == sha


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
    assert json.loads(reports[0].read_text())["format"] == 1  # replaced by a good entry


@pytest.mark.parametrize("kind", ["reports", "snapshots", "refs"])
def test_an_entry_of_the_wrong_shape_is_ignored_replaced_and_warned_about(counted, kind):
    """Valid JSON, right key, wrong content: not served, replaced, and said (one line)."""
    _hub, env = counted
    _audit(env, OPEN)
    entries = list((Path(env["OPENNESS_CACHE"]) / kind).glob("*.json"))
    assert entries
    for path in entries:
        data = json.loads(path.read_text())
        data["value"] = {"bogus": 1}
        path.write_text(json.dumps(data))
    if kind == "snapshots":  # read only when there is no report to serve
        for path in (Path(env["OPENNESS_CACHE"]) / "reports").glob("*.json"):
            path.unlink()
    run = _audit(env, OPEN)
    assert run.code == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "corrupt or foreign" in line]
    assert len(warnings) == 1, run.stderr
    assert run.json()["reports"][0]["cache"] is None
    assert all(json.loads(p.read_text())["value"] != {"bogus": 1} for p in entries if p.exists())


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


def _model(root: Path, repo_id: str, card: dict, files: dict[str, str], siblings: list[str]):
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
        "sha": _sha(repo_id),
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
        assert len(hub.requests) - before <= len(subjects)  # at most one request a subject


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
    subjects = [f"org/model-{i}" for i in range(6)]
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
        run = _audit(env, *subjects, "--jobs", str(jobs))
        warm = hub.requests[before:]
    assert run.code == 0, run.stderr
    reports = run.json()["reports"]
    assert [r["subject"]["repo_id"] for r in reports] == subjects
    assert all(r["cache"] is not None for r in reports)  # each from the cache, after its HEAD
    assert [r.method for r in warm] == ["HEAD"] * (len(subjects) + 1)  # one retry, no more
    tries = [i for i, r in enumerate(warm) if r.path == refused]
    assert [warm[i].status for i in tries] == [429, 200]
    # While the pool waits, no worker asks the Hub: at most the requests already on their way
    # when the 429 came back (one per other worker) arrive between it and its retry.
    answered = warm[tries[0]].answered
    meanwhile = [r for r in warm[tries[0] + 1 : tries[1]] if r.arrived > answered]
    assert len(meanwhile) <= jobs - 1, [r.path for r in meanwhile]
