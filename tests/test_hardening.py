"""Issue 6: faults, hostile repos, terminal safety and secrets, against the real program."""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness
from fakehub import FakeHub, Fault
from hostile import BIDI, build

OPEN = "openness-fixtures/open-apache-7b"
LLAMA = "meta-llama/Llama-2-7b"
BIDI_CHARS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def faulty_hub(tmp_path):
    with FakeHub(FIXTURES) as server:
        yield server, server.client_env(tmp_path / "hf")


# -- faults --------------------------------------------------------------------------------------


def test_two_429s_on_model_info_then_success_is_a_complete_audit(faulty_hub):
    hub, env = faulty_hub
    hub.faults.append(
        Fault(
            method="GET", path=r"^/api/models/", status=429, headers={"Retry-After": "1"}, times=2
        )
    )
    run = run_openness("audit", OPEN, "--format", "json", env=env)
    assert run.code == 0, run.stderr
    report = run.json()["reports"][0]
    assert report["complete"] is True
    assert len([r for r in hub.requests if r.path == f"/api/models/{OPEN}"]) == 3


def test_429_with_an_unreasonable_retry_after_ends_at_once_with_exit_3(faulty_hub):
    hub, env = faulty_hub
    hub.faults.append(
        Fault(
            method="GET",
            path=r"^/api/models/",
            status=429,
            headers={"Retry-After": "86400"},
            times=99,
        )
    )
    run = run_openness("audit", OPEN, env=env, timeout=60)
    assert run.code == 3
    assert run.stderr.strip().splitlines() == [
        f"openness: model {OPEN}: rate limited by the Hub; try again later"
    ]


def test_persistent_503_ends_in_exit_3_with_one_line(faulty_hub):
    hub, env = faulty_hub
    hub.faults.append(Fault(method="GET", path=r"^/api/models/", status=503, times=999))
    run = run_openness("audit", OPEN, env=env, timeout=120)
    assert run.code == 3
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "HTTP 503" in lines[0]
    assert "Traceback" not in run.stderr


def test_dropped_connection_is_retried(faulty_hub):
    hub, env = faulty_hub
    hub.faults.append(Fault(method="GET", path=r"^/api/models/", drop=True, times=1))
    run = run_openness("audit", OPEN, "--format", "json", env=env)
    assert run.code == 0, run.stderr


def test_truncated_readme_never_yields_a_complete_report(faulty_hub):
    hub, env = faulty_hub
    hub.faults.append(
        Fault(method="GET", path=r"/resolve/[^/]+/README\.md$", truncate=40, times=999)
    )
    run = run_openness("audit", OPEN, "--format", "json", env=env, timeout=120)
    assert run.code == 3
    report = run.json()["reports"][0]
    assert report["complete"] is False
    assert any(p["file"] == "README.md" and p["kind"] == "fetch_failed" for p in report["problems"])


def test_a_hub_that_never_answers_times_out(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])  # and never answer
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        env = {
            "HF_ENDPOINT": f"http://127.0.0.1:{listener.getsockname()[1]}",
            "HF_HOME": str(tmp_path),
        }
        run = run_openness("audit", OPEN, "--timeout", "0.5", env=env, timeout=120)
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()
    assert run.code == 3
    assert "network error" in run.stderr and len(run.stderr.strip().splitlines()) == 1


# -- hostile repos ---------------------------------------------------------------------------------

HOSTILE = [
    "hostile/terminal",
    "hostile/alias-bomb",
    "hostile/malformed-yaml",
    "hostile/deep-yaml",
    "hostile/wrong-types",
    "hostile/huge-readme",
    "hostile/encodings",
    "hostile/many-files",
    "hostile/cycle-a",
]


@pytest.fixture(scope="module")
def hostile_reports(hostile) -> dict[str, dict]:
    run = run_openness("audit", *HOSTILE, "--mirror", str(hostile), "--format", "json", timeout=300)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.code in (0, 3)
    doc = run.json()
    assert not doc["errors"]
    return {r["subject"]["repo_id"]: r for r in doc["reports"]}


def _problems(report: dict) -> str:
    return " ".join(p["message"] for p in report["problems"])


def test_alias_bomb_malformed_and_deep_yaml_are_problems(hostile_reports):
    assert "aliases are not accepted" in _problems(hostile_reports["hostile/alias-bomb"])
    assert "malformed YAML" in _problems(hostile_reports["hostile/malformed-yaml"])
    assert "malformed YAML" in _problems(hostile_reports["hostile/deep-yaml"])
    for repo in ("hostile/alias-bomb", "hostile/malformed-yaml", "hostile/deep-yaml"):
        assert hostile_reports[repo]["license"]["osd_compliant"] is None


def test_wrong_types_are_reported_and_read_as_far_as_they_go(hostile_reports):
    report = hostile_reports["hostile/wrong-types"]
    problems = _problems(report)
    assert "`license` is a int" in problems
    assert "`datasets`" not in problems  # a single string is a fine dataset id
    assert "`base_model` is a list" in problems
    assert report["license"]["osd_compliant"] is None


def test_huge_readme_is_read_up_to_the_cap_and_says_so(hostile_reports):
    report = hostile_reports["hostile/huge-readme"]
    assert report["complete"] is False
    assert any(p["kind"] == "truncated" and p["file"] == "README.md" for p in report["problems"])
    assert report["license"]["osi_approved"] is True


def test_binary_utf16_and_latin1_licenses(hostile_reports):
    report = hostile_reports["hostile/encodings"]
    assert any(p["file"] == "LICENSE" and "binary" in p["message"] for p in report["problems"])
    sources = {c["source"] for c in report["license"]["clauses"] if c["kind"] == "non_commercial"}
    assert {"LICENSE-UTF16", "LICENSE-LATIN1"} <= sources


def test_fifty_thousand_siblings(hostile_reports):
    weights = hostile_reports["hostile/many-files"]["openness"]["steps"][0]
    assert weights["met"] is True
    assert len(weights["evidence"]) <= 10


def test_base_model_cycle_is_cut(hostile_reports):
    lineage = hostile_reports["hostile/cycle-a"]["lineage"]
    assert [b["repo_id"] for b in lineage["base_chain"]] == ["hostile/cycle-b"]
    assert any("cycle" in note for note in lineage["notes"])


@pytest.mark.parametrize(
    "bad",
    [
        "org/../name",
        "org%2Fname",
        "ｏｒｇ/name",
        "org/nаme",
        "../../etc/passwd",
        "org/name/../../x",
    ],
)
def test_hostile_repo_ids_are_refused_before_any_request(bad, hub, hub_env):
    before = len(hub.requests)
    run = run_openness("audit", bad, env=hub_env)
    assert run.code == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert len(hub.requests) == before


# -- terminal safety -------------------------------------------------------------------------------


def _assert_inert(data: str) -> None:
    assert "\x1b]" not in data  # no OSC (hyperlinks, titles, clipboard)
    assert not re.search(r"\x1b\[[0-9;]*[A-LN-Za-ln-z]", data)  # no CSI but colour (…m)
    assert "\x9b" not in data
    assert not BIDI_CHARS.search(data)


def test_hostile_text_is_inert_in_table_json_and_markdown(hostile, tmp_path):
    table = run_openness("audit", "hostile/terminal", "--mirror", str(hostile), "--color", "always")
    _assert_inert(table.stdout + table.stderr)
    assert "[red]owned[/red]" in table.stdout  # shown as text, not styled
    plain = run_openness("audit", "hostile/terminal", "--mirror", str(hostile))
    assert "\x1b" not in plain.stdout
    js = run_openness("audit", "hostile/terminal", "--mirror", str(hostile), "--format", "json")
    _assert_inert(js.stdout)
    assert "\x1b" not in js.stdout
    doc = json.loads(js.stdout)
    assert BIDI in doc["reports"][0]["license"]["declared"][1]  # the original text, escaped
    (tmp_path / "models.txt").write_text("hostile/terminal\n")
    md = run_openness("scan", "--mirror", str(hostile), "--format", "markdown", cwd=tmp_path)
    _assert_inert(md.stdout)
    assert "\x1b" not in md.stdout
    sarif = run_openness("scan", "--mirror", str(hostile), "--format", "sarif", cwd=tmp_path)
    _assert_inert(sarif.stdout)


# -- secrets ---------------------------------------------------------------------------------------

SECRET = "hf_very_secret_token_123456"


def test_tokens_never_reach_any_output(hub, tmp_path):
    env = hub.client_env(tmp_path / "hf", token=SECRET)
    env["GITHUB_TOKEN"] = "ghp_" + SECRET
    outputs = []
    for args in (
        ["audit", LLAMA],
        ["audit", LLAMA, "--format", "json"],
        ["audit", "openness-fixtures/fully-gated", "--token", SECRET],
        ["audit", "openness-fixtures/no-such", "--token", SECRET],
        ["audit", "not a repo", "--token", SECRET],
    ):
        run = run_openness(*args, env=env)
        outputs.append(run.stdout + run.stderr)
    text = "\n".join(outputs)
    assert SECRET not in text
    assert not list(tmp_path.rglob("token"))  # nothing written where a token file would live


def test_the_hub_token_does_not_follow_a_redirect_to_another_host(hub, tmp_path):
    with FakeHub(FIXTURES) as elsewhere:
        target = f"{elsewhere.url}/{OPEN}/resolve/main/LICENSE"
        hub.faults.append(
            Fault(
                method="GET",
                path=rf"^/{OPEN}/resolve/[^/]+/LICENSE$",
                status=302,
                headers={"Location": target},
                times=1,
            )
        )
        env = hub.client_env(tmp_path / "hf", token=SECRET)
        run_openness("audit", OPEN, "--format", "json", env=env)
        assert elsewhere.requests, "the redirect was not followed"
        assert all("authorization" not in r.headers for r in elsewhere.requests)
        assert all(SECRET not in json.dumps(r.headers) for r in elsewhere.requests)
