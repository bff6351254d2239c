"""Issue 13, items 1 and 2, and its scale: `openness index build` (listing -> audits -> rows,
resumable, refreshed by sha) and `openness index changes`, through the real program against the
loopback Hub serving bench_scale's generated models, or the fixtures mirror."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3
import sys
from html import unescape

import pytest
from conftest import FIXTURES, ROOT, run_openness
from fakehub import FakeHub, Fault

sys.path.insert(0, str(ROOT / "bench"))

from bench_index import (
    adapter_of_mit,
    generate,
    move,
    refresh_picks,
    relicense,
    repo_of,
    run_build,
    tally,
)
from bench_scale import child_env

from openness.index.changes import ChangesDocument, changes_since, parse_since
from openness.index.site import build_site
from openness.index.store import open_store

MODELS = 200  # CI time; bench/bench_index.py runs the same checks on 1,000 (bench/README.md)
RELICENSED = "openness-fixtures/relicensed-3b"
OLD_SHA = "56d377d5cad0c6b253c6845f4bf4790d2ad31b2f"
OPEN = "openness-fixtures/open-apache-7b"


def _rows(db) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT repo_id, sha FROM rows ORDER BY rowid").fetchall()


def _asked(run) -> set[str]:
    """The models a run made a request for (not the listing, not datasets), lower-cased."""
    return {(repo_of(r) or "").lower() for r in run["records"]} - {""}


# -- at scale: build, interrupt, resume, refresh -------------------------------------------------


def test_index_builds_resumes_after_ctrl_c_and_refreshes_only_what_moved(tmp_path):
    hub_root = tmp_path / "hub"
    ranked = generate(hub_root, MODELS)  # 10 bases, then derivatives: most downloaded first
    db = tmp_path / "index.db"
    start = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with FakeHub(hub_root) as hub:
        env = child_env(hub, tmp_path / "home", tmp_path / "cache")
        top = ["--top", str(MODELS), "--jobs", "8"]

        # Half the listing first: one listing request brings each model's sha and info.
        half = MODELS // 2
        first = run_build(hub, ["--top", str(half), "--jobs", "8"], env, tmp_path, db)
        assert first["exit"] == 0, first["summary"]
        assert tally(first["summary"]) == {
            "listed": half, "already indexed": 0, "audited": half, "failed": 0
        }  # fmt: skip
        assert first["by_kind"]["listing"] == 1
        assert "model info" not in first["by_kind"]  # primed by the listing
        assert {r for r, _ in _rows(db)} == set(ranked[:half])
        with sqlite3.connect(db) as conn:
            downloads = dict(conn.execute("SELECT repo_id, downloads FROM rows").fetchall())
        assert downloads[ranked[0]] > downloads[ranked[half - 1]] > 0  # from the listing

        # All of it, stopped by Ctrl-C once some more rows are stored (answers 50 ms late).
        hub.latency = 0.05
        stop_at = half + MODELS // 8
        stopped = run_build(hub, top, env, tmp_path, db, interrupt_at=stop_at)
        hub.latency = 0.0
        assert stopped["exit"] == 130, stopped["summary"]
        assert stopped["summary"].startswith(
            f"openness: interrupted: {MODELS} listed, {half} already indexed"
        )
        kept = {r.lower() for r, _ in _rows(db)}
        assert stop_at <= len(kept) < MODELS
        assert not _asked(stopped) & {r.lower() for r in ranked[:half]}

        # Resumed: the rest is audited, with no request for a model already indexed.
        resumed = run_build(hub, top, env, tmp_path, db)
        assert resumed["exit"] == 0, resumed["summary"]
        got = tally(resumed["summary"])
        assert got["already indexed"] == len(kept) and got["audited"] == MODELS - len(kept)
        assert not _asked(resumed) & kept
        assert resumed["by_kind"]["listing"] == 1 and "model info" not in resumed["by_kind"]
        rows = _rows(db)
        assert len(rows) == MODELS and {r for r, _ in rows} == set(ranked)  # each once

        # Nothing moved: the listing, and nothing else.
        again = run_build(hub, top, env, tmp_path, db)
        assert again["exit"] == 0 and again["requests"] == 1
        assert tally(again["summary"])["already indexed"] == MODELS

        # Ten models get a new commit (one of them relicensed): exactly those are audited.
        relicensed = adapter_of_mit(ranked[half:])
        step = MODELS // 10
        picked = [*ranked[step:half:step], *ranked[half + 7 :: step]][:9]
        assert relicensed not in picked
        relicense(hub_root, relicensed, "cc-by-nc-4.0")
        old_shas = dict(rows)
        moved = move(hub_root, [*picked, relicensed], "refresh")
        refresh = run_build(hub, top, env, tmp_path, db)
        assert refresh["exit"] == 0, refresh["summary"]
        assert tally(refresh["summary"]) == {
            "listed": MODELS, "already indexed": MODELS - 10, "audited": 10, "failed": 0
        }  # fmt: skip
        assert _asked(refresh) == {r.lower() for r in moved}  # by requests, too
        rows = _rows(db)
        assert len(rows) == MODELS + 10  # the old rows stay: the index has history
        assert set(rows[MODELS:]) == set(moved.items())

    # What changed: the relicensed model only (a new sha alone is not a change of verdict).
    run = run_openness("index", "changes", "--db", str(db), "--since", start, "-f", "json")
    assert run.code == 0, run.stderr
    document = ChangesDocument.model_validate_json(run.stdout)
    assert [c.repo_id for c in document.changes] == [relicensed]
    change = document.changes[0]
    assert change.cause == "revision" and "license" in change.changed
    assert (change.old.sha, change.new.sha) == (old_shas[relicensed], moved[relicensed])
    assert "cc-by-nc-4.0" in change.new.license_ids
    assert "cc-by-nc-4.0" not in change.old.license_ids
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    later = run_openness("index", "changes", "--db", str(db), "--since", tomorrow, "-f", "json")
    assert later.code == 0 and json.loads(later.stdout)["changes"] == []


def test_a_base_read_at_once_as_subject_and_as_base_costs_no_model_info(tmp_path):
    """A listed base is audited while a listed derivative reads it as its base: the info the
    listing brought serves both readers, and the repo is read once (CI once saw one more
    model-info request when the two reads overlapped)."""
    hub_root = tmp_path / "hub"
    generate(hub_root, 40)
    with FakeHub(hub_root) as hub:
        env = child_env(hub, tmp_path / "home", tmp_path / "cache")
        hub.latency = 0.1  # every read overlaps: 40 subjects on 40 workers
        build = run_build(hub, ["--top", "40", "--jobs", "40"], env, tmp_path, tmp_path / "i.db")
    assert build["exit"] == 0, build["summary"]
    assert build["by_kind"]["listing"] == 1
    assert "model info" not in build["by_kind"]
    readmes = [
        r.path
        for r in build["records"]
        if r.path.endswith("/README.md") and not r.path.startswith("/datasets/")
    ]
    assert len(readmes) == len(set(readmes)) == 40  # each model read once


@pytest.mark.parametrize("models", [40, 41, 45, 46, 47, 48, 60, 200])
def test_the_bench_refresh_picks_ten_models_at_any_size_it_accepts(tmp_path, models):
    """bench_index accepts --models 40 and up; at 40 to 47 the spread of moved models used to
    land on the only MIT adapter, leaving none to relicense (StopIteration)."""
    ranked = generate(tmp_path / "hub", models)
    picked, relicensed = refresh_picks(ranked)
    assert len(set(picked)) == 9 and relicensed not in picked
    assert set(picked) <= set(ranked) and relicensed in ranked


# -- changes ---------------------------------------------------------------------------------------


@pytest.fixture
def relicensed_index(tmp_path):
    """An index holding relicensed-3b at its older commit (Apache-2.0) and its current one
    (CC-BY-NC-4.0), from the fixtures mirror: the older by --from, the newer by a listing."""
    db = tmp_path / "index.db"
    older = tmp_path / "older.txt"
    older.write_text(f"# the commit before the relicensing\n{RELICENSED}@{OLD_SHA}\n")
    mirror = ["--mirror", str(FIXTURES), "--db", str(db)]
    run = run_openness("index", "build", "--from", str(older), *mirror)
    assert run.code == 0, run.stderr
    assert "1 listed, 0 already indexed, 1 audited, 0 failed" in run.stderr
    run = run_openness("index", "build", "--author", "openness-fixtures", "--search", "relicensed",
                       *mirror)  # fmt: skip
    assert run.code == 0, run.stderr
    return db


def test_changes_lists_a_relicensing_with_both_shas(relicensed_index):
    db = str(relicensed_index)
    run = run_openness("index", "changes", "--db", db, "--since", "2020-01-01", "-f", "json")
    assert run.code == 0, run.stderr
    document = run.json()
    assert document["schema_version"] and document["tool"]["name"] == "openness"
    [change] = document["changes"]
    assert change["repo_id"] == RELICENSED and change["cause"] == "revision"
    assert change["old"]["sha"] == OLD_SHA and change["new"]["sha"] != OLD_SHA
    assert change["old"]["license_ids"] == ["apache-2.0"]
    assert change["new"]["license_ids"] == ["cc-by-nc-4.0"]
    assert change["changed"] == ["license", "osd", "clauses"]
    assert change["old"]["effective_osd_compliant"] is True
    assert change["new"]["effective_osd_compliant"] is False
    assert change["clauses_added"] == ["non_commercial"]

    table = run_openness("index", "changes", "--db", db, "--since", "2020-01-01")
    assert table.code == 0
    assert f"{RELICENSED} {OLD_SHA[:12]} → " in table.stdout
    assert "license: apache-2.0 → cc-by-nc-4.0" in table.stdout
    assert "terms that bind meet the OSD: yes → no" in table.stdout
    markdown = run_openness("index", "changes", "--db", db, "--since", "2020-01-01", "-f",
                            "markdown")  # fmt: skip
    assert f"### `{RELICENSED}` `{OLD_SHA[:12]}` → `" in markdown.stdout
    assert "clause kinds added: non\\_commercial" in markdown.stdout  # escaped

    none = run_openness("index", "changes", "--db", db, "--since", "2999-01-01T00:00:00Z")
    assert none.code == 0 and "No model changed" in none.stdout


def test_changes_since_and_a_re_audit_in_process(relicensed_index):
    store = open_store(relicensed_index)
    try:
        older, newer = store.history(RELICENSED)
        assert (older.sha, newer.sha != OLD_SHA) == (OLD_SHA, True)
        # The same commit audited again under other rules, which rate it higher.
        later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat(
            timespec="seconds"
        )
        store.add(dataclasses.replace(newer, rules_digest="other", audited_at=later, rung=3))
        everything = changes_since(store, parse_since("2020-01-01"))
        assert [c.cause for c in everything.changes] == ["revision", "re-audit"]  # oldest first
        reaudit = everything.changes[1]
        assert reaudit.changed == ["rung"] and reaudit.old.sha == reaudit.new.sha
        assert reaudit.summary == [f"openness rung: {newer.rung} → 3"]
        just_now = changes_since(store, parse_since(later))
        assert [c.cause for c in just_now.changes] == ["re-audit"]
    finally:
        store.close()
    assert parse_since("2026-03-01") == "2026-03-01"
    assert parse_since("2026-03-01T12:00:00Z") == "2026-03-01T12:00:00+00:00"
    assert parse_since("2026-03-01T14:00:00+02:00") == "2026-03-01T12:00:00+00:00"
    assert parse_since("2026-03-01T12:00") == "2026-03-01T12:00:00+00:00"  # UTC unless told


# -- retries, failures, usage ----------------------------------------------------------------------


def test_an_incomplete_row_is_retried_and_replaced_only_when_it_reads_more(tmp_path):
    db = tmp_path / "index.db"
    listing = ["--author", "openness-fixtures", "--search", "open-apache", "--db", str(db)]
    with FakeHub(FIXTURES) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        limited = Fault(path=rf"^/{OPEN}/resolve/", status=429, headers={"Retry-After": "0"},
                        times=1000)  # fmt: skip
        hub.faults.append(limited)  # its files are refused: rate limited, whatever the wait
        run = run_openness("index", "build", *listing, env=env)
        assert run.code == 3, run.stderr  # stored, as incomplete: the model itself was read
        assert "1 audited (1 incomplete), 0 failed; 1 incomplete: rate limited" in run.stderr
        hub.faults.clear()
        run = run_openness("index", "build", *listing, env=env)
        assert run.code == 0 and "0 already indexed, 1 audited, 0 failed" in run.stderr
        store = open_store(db)
        [row] = store.history(OPEN)  # the same key: replaced, not added
        store.close()
        assert row.complete
        before = len(hub.requests)
        run = run_openness("index", "build", *listing, env=env)
        assert "1 already indexed, 0 audited" in run.stderr
        assert [r.path for r in hub.requests[before:]] == ["/api/models"]


def test_a_rate_limited_build_exits_3_and_its_unread_rows_are_not_changes(tmp_path):
    """429s (Retry-After longer than the pool waits) leave audits incomplete: the build says so
    and exits 3, and `index changes` does not publish the unread revision as yes -> unknown."""
    hub_root = tmp_path / "hub"
    ranked = generate(hub_root, 40)
    db = tmp_path / "index.db"
    start = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    mit = next(r for r in ranked if r.endswith("/mit-1b"))
    with FakeHub(hub_root) as hub:
        env = child_env(hub, tmp_path / "home", tmp_path / "cache")
        hub.faults.append(
            Fault(path="/resolve/", status=429, headers={"Retry-After": "60"}, times=30)
        )
        limited = run_build(hub, ["--top", "40"], env, tmp_path, db)
        assert limited["exit"] == 3, limited["summary"]
        assert "incomplete: rate limited or a network error" in limited["summary"]
        hub.faults.clear()
        clean = run_build(hub, ["--top", "40"], env, tmp_path, db)
        assert clean["exit"] == 0, clean["summary"]
        [complete] = [row for row in open_store(db).history(mit) if row.complete]

        # A new commit of an MIT base, whose files are then refused: an unread revision.
        [new_sha] = move(hub_root, [mit], "limited").values()
        hub.faults.append(Fault(path=rf"^/{mit}/resolve/", status=429,
                                headers={"Retry-After": "60"}, times=1000))  # fmt: skip
        unread = run_build(hub, ["--top", "40"], env, tmp_path, db)
        assert unread["exit"] == 3, unread["summary"]
    store = open_store(db)
    try:
        newest = store.history(mit)[-1]
        assert (newest.sha, newest.complete) == (new_sha, False)
        document = changes_since(store, parse_since(start))
        build_site(store, tmp_path / "site")  # its changes page compares the same way
    finally:
        store.close()
    assert "→ unknown" not in (tmp_path / "site" / "changes.html").read_text(encoding="utf-8")
    assert mit not in [c.repo_id for c in document.changes]  # no "yes -> unknown"
    assert [(u.repo_id, u.sha) for u in document.unread] == [(mit, new_sha)]
    assert complete.effective_osd is True
    run = run_openness("index", "changes", "--db", str(db), "--since", start)
    assert run.code == 0, run.stderr
    assert "→ unknown" not in run.stdout
    assert f"1 revision could not be read (rate limited or network): {mit}" in run.stdout
    markdown = run_openness("index", "changes", "--db", str(db), "--since", start, "-f",
                            "markdown")  # fmt: skip
    assert "1 revision could not be read" in markdown.stdout


def test_a_gated_model_stays_incomplete_and_its_retry_costs_no_request(tmp_path):
    db = tmp_path / "index.db"
    gated = ["--author", "openness-fixtures", "--search", "gated-prose", "--db", str(db)]
    with FakeHub(FIXTURES) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        run = run_openness("index", "build", *gated, env=env)
        assert run.code == 0 and "1 audited (1 incomplete)" in run.stderr, run.stderr
        before = len(hub.requests)
        run = run_openness("index", "build", *gated, env=env)
        assert "1 retried without change" in run.stderr, run.stderr
        assert [r.path for r in hub.requests[before:]] == ["/api/models"]  # the cache answered
    assert len(_rows(db)) == 1


def test_a_model_that_cannot_be_audited_is_not_stored_and_exits_3(tmp_path):
    inventory = tmp_path / "models.txt"
    inventory.write_text(f"{OPEN}\nopenness-fixtures/not-there\n")
    db = tmp_path / "index.db"
    run = run_openness("index", "build", "--from", str(inventory), "--mirror", str(FIXTURES),
                       "--db", str(db))  # fmt: skip
    assert run.code == 3, run.stderr
    assert "openness-fixtures/not-there: not in the mirror" in run.stderr
    assert "2 listed, 0 already indexed, 1 audited, 1 failed" in run.stderr
    assert [r for r, _ in _rows(db)] == [OPEN]
    again = run_openness("index", "build", "--from", str(inventory), "--mirror", str(FIXTURES),
                         "--db", str(db))  # fmt: skip
    assert "1 already indexed, 0 audited, 1 failed" in again.stderr  # by the sha, no audit


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "nothing to index"),
        (["--top", "0"], "0 is out of range"),
        (["--author", "no body"], "is not a user or organisation name"),
        (["--top", "3", "--offline"], "asks the Hub for a listing: not possible offline"),
        (["--from", "FOLDER"], "a local folder: the index holds Hub models only"),
        (["--top", "3", "--db", "DIR"], "is a folder"),
        (["--top", "3", "--db", "NOTDB"], "not an openness index database"),
    ],
)
def test_build_usage_errors_make_no_request(tmp_path, args, words):
    listing = tmp_path / "models.txt"
    listing.write_text(f"{tmp_path}\n")  # a folder
    (tmp_path / "notdb").write_bytes(b"not a database, just text " * 10)
    swap = {"FOLDER": str(listing), "DIR": str(tmp_path), "NOTDB": str(tmp_path / "notdb")}
    with FakeHub(FIXTURES) as hub:
        env = hub.client_env(tmp_path / "hf")
        run = run_openness("index", "build", *[swap.get(a, a) for a in args], env=env,
                           cwd=tmp_path)  # fmt: skip
        assert run.code == 2, run.stderr
        assert words in run.stderr and "Traceback" not in run.stderr
        assert hub.requests == []


def test_an_empty_listing_is_a_usage_error_and_creates_no_database(tmp_path):
    """A mistyped organisation lists nothing: said in one line, as `audit --author` does."""
    with FakeHub(FIXTURES) as hub:
        env = hub.client_env(tmp_path / "hf")
        run = run_openness("index", "build", "--author", "nobody", "--db", "g2.db", env=env,
                           cwd=tmp_path)  # fmt: skip
        audit = run_openness("audit", "--author", "nobody", env=env, cwd=tmp_path)
    assert run.code == audit.code == 2, run.stderr
    assert "lists no model: nothing to index" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("g2.db*"))  # no database, no side files


def test_changes_usage_errors(tmp_path):
    run = run_openness("index", "changes", "--since", "2026-01-01", "--db", str(tmp_path / "x.db"))
    assert run.code == 2 and "no such index" in run.stderr
    assert not (tmp_path / "x.db").exists()  # not created by looking
    run = run_openness("index", "changes", "--since", "last week", cwd=tmp_path)
    assert run.code == 2 and "--since 'last week' is not a date" in run.stderr
    run = run_openness("index", "changes", cwd=tmp_path)
    assert run.code == 2 and "--since" in run.stderr


def test_index_help_footers():
    for command, words in (
        ("build", "130 interrupted (Ctrl-C): every model that finished was stored"),
        ("changes", "0 printed (whether or not anything changed)"),
    ):
        run = run_openness("index", command, "-h")
        flat = " ".join(run.stdout.split())
        assert run.code == 0 and "Exit codes: 0" in flat and words in flat
        assert "4 internal error" in flat


# -- what the listing says without an audit: downloads, the current sha, membership -------------

LISTED = 40


def _leaderboard(site) -> dict[str, tuple[int, str]]:
    """The site's leaderboard, in order: repo id -> (downloads, licenses) as the rows say."""
    html = (site / "index.html").read_text(encoding="utf-8")
    rows = re.findall(
        r'<tr data-rank="\d+"[^>]* data-licenses="([^"]*)"[^>]* data-downloads="(-?\d+)"[^>]*>'
        r'\s*<td[^>]*>\d+</td>\s*<td><a href="[^"]*">(?:<span[^>]*>)?([^<]+)<',
        html,
    )
    return {unescape(repo): (int(downloads), lics) for lics, downloads, repo in rows}


def _site(db, out) -> dict[str, tuple[int, str]]:
    run = run_openness("index", "site", str(out), "--db", str(db), "--quiet")
    assert run.code == 0, run.stderr
    return _leaderboard(out)


def _info(root, repo_id: str) -> dict:
    return json.loads((root / "models" / repo_id / "info.json").read_text(encoding="utf-8"))


def _set_downloads(root, repo_id: str, downloads: int) -> None:
    info = _info(root, repo_id)
    info["downloads"] = downloads
    (root / "models" / repo_id / "info.json").write_text(json.dumps(info), encoding="utf-8")


@pytest.fixture
def listed_hub(tmp_path):
    """A 40-model generated Hub, indexed once (--top 40)."""
    hub_root = tmp_path / "hub"
    ranked = generate(hub_root, LISTED)
    db = tmp_path / "index.db"
    with FakeHub(hub_root) as hub:
        env = child_env(hub, tmp_path / "home", tmp_path / "cache")

        def build(*args: str) -> dict:
            run = run_build(hub, [*args, "--jobs", "8"], env, tmp_path, db)
            assert run["exit"] == 0, run["summary"]
            return run

        build("--top", str(LISTED))
        yield hub_root, ranked, db, build


def test_a_refresh_takes_the_listings_downloads_without_auditing_again(tmp_path, listed_hub):
    hub_root, ranked, db, build = listed_hub
    last = ranked[-1]
    _set_downloads(hub_root, last, 999_999)  # the sha stays: nothing to audit
    run = build("--top", str(LISTED + 1))
    assert tally(run["summary"])["audited"] == 0 and run["requests"] == 1  # the listing only
    board = _site(db, tmp_path / "site")
    assert board[last][0] == 999_999
    assert next(iter(board)) == last  # now the most downloaded: first on the leaderboard
    store = open_store(db)
    try:
        assert next(store.latest()).repo_id == last
    finally:
        store.close()


def test_a_sha_back_to_an_indexed_revision_makes_that_row_current_again(tmp_path, listed_hub):
    hub_root, ranked, db, build = listed_hub
    adapter = adapter_of_mit(ranked)
    folder = hub_root / "models" / adapter
    original = {name: (folder / name).read_bytes() for name in ("info.json", "README.md")}
    first_sha = _info(hub_root, adapter)["sha"]
    relicense(hub_root, adapter, "cc-by-nc-4.0")
    new_sha = move(hub_root, [adapter], "relicensed")[adapter]
    assert tally(build("--top", str(LISTED))["summary"])["audited"] == 1
    assert "cc-by-nc-4.0" in _site(db, tmp_path / "site")[adapter][1]

    for name, data in original.items():  # the Hub goes back to the first revision
        (folder / name).write_bytes(data)
    run = build("--top", str(LISTED))
    assert tally(run["summary"])["audited"] == 0 and run["requests"] == 1
    assert "cc-by-nc-4.0" not in _site(db, tmp_path / "site")[adapter][1]
    store = open_store(db)
    try:
        current = {row.repo_id: row.sha for row in store.latest()}
        assert current[adapter] == first_sha
        assert [r.sha for r in store.history(adapter)] == [first_sha, new_sha]  # kept
    finally:
        store.close()


def test_the_site_shows_the_models_of_the_latest_listing_and_keeps_the_others_rows(
    tmp_path, listed_hub
):
    _hub_root, ranked, db, build = listed_hub
    build("--top", "25")
    board = _site(db, tmp_path / "site")
    assert list(board) == ranked[:25]
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "15 more indexed earlier" in html
    assert len(list((tmp_path / "site" / "models").iterdir())) == 25
    assert len({repo for repo, _ in _rows(db)}) == LISTED  # their rows stay
    assert len(_site(db, tmp_path / "all")) == 25
    run = run_openness("index", "site", str(tmp_path / "all"), "--db", str(db), "--all")
    assert run.code == 0 and len(_leaderboard(tmp_path / "all")) == LISTED
