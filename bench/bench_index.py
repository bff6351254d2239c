"""`openness index build` at scale: 1,000 generated models behind the slow loopback Hub.

    .venv/bin/python bench/bench_index.py --models 1000 --rtt 0.1 --json bench/results/index.json

The Hub is bench_scale's synthetic one (build_hub: 10 bases, 4 datasets, derivatives of the
bases) with `downloads` written into each info.json so that `--top` has an order (bases first,
then the derivatives in the order generated). Each case is the real CLI in a child process,
`HF_ENDPOINT` at the fake Hub; what the Hub received is counted per kind (the listing, model
info, dataset info, files on /resolve/), and the child's peak resident memory is read from
os.wait4 (ru_maxrss).

- cold: an empty database and cache, `index build --top N`; also `--top N/4` into another
  database, to show that peak memory does not grow with the listing.
- unchanged: the same again: one listing request, nothing audited.
- refresh: 10 models get a new sha (their info.json rewritten; one is relicensed too), then
  the same command: exactly those 10 are audited, and `index changes` lists the relicensed one.
- interrupted: a fresh database and cache, SIGINT once half the rows are stored, then the
  same command again: it resumes, no request is made for a model already indexed, and every
  model is in the index once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import fakehub  # noqa: E402
from bench_scale import BASES, OPENNESS, build_hub, child_env  # noqa: E402
from fakehub import FakeHub, RequestRecord  # noqa: E402

BEGIN, END = "<!-- bench_index results: begin -->", "<!-- bench_index results: end -->"
RELICENSED_TO = "cc-by-nc-4.0"


# -- the Hub ---------------------------------------------------------------------------------------


def generate(root: Path, models: int) -> list[str]:
    """bench_scale's synthetic Hub with `models` models (10 bases, the rest derivatives), each
    info.json given `downloads`; returns the model ids, most downloaded first."""
    synth = build_hub(root, max(models - len(BASES), 1))
    ranked = [base.id for base in BASES] + synth.derivatives
    ranked = ranked[:models]
    for rank, repo_id in enumerate(ranked):
        path = root / "models" / repo_id / "info.json"
        info = json.loads(path.read_text(encoding="utf-8"))
        info["downloads"] = 10 * (len(ranked) - rank) + 5
        path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return ranked


def move(root: Path, repo_ids: list[str], tag: str) -> dict[str, str]:
    """A new commit for each repo: its info.json's sha rewritten (the files stay). Returns the
    new shas."""
    moved = {}
    for repo_id in repo_ids:
        path = root / "models" / repo_id / "info.json"
        info = json.loads(path.read_text(encoding="utf-8"))
        info["sha"] = hashlib.sha1(f"{info['sha']}:{tag}".encode()).hexdigest()
        path.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        moved[repo_id] = info["sha"]
    return moved


def relicense(root: Path, repo_id: str, license_id: str) -> None:
    """The card's declared license changed (README front matter, cardData and tags agree)."""
    folder = root / "models" / repo_id
    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    old = info["cardData"]["license"]
    info["cardData"]["license"] = license_id
    info["tags"] = [f"license:{license_id}" if t == f"license:{old}" else t for t in info["tags"]]
    (folder / "info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    (folder / "README.md").write_text(
        readme.replace(f"\nlicense: {old}\n", f"\nlicense: {license_id}\n", 1), encoding="utf-8"
    )


def adapter_of_mit(ranked: list[str]) -> str:
    """A LoRA adapter of the MIT base (no license file of its own): relicensing its card
    changes the licenses that bind it."""
    return next(r for r in ranked if re.search(r"/mit-1b-adapter-\d+$", r))


def refresh_picks(ranked: list[str], count: int = 10) -> tuple[list[str], str]:
    """The models a refresh moves: `count - 1` spread over the listing from its first third,
    and an adapter of the MIT base, to be relicensed. The adapter is chosen first and the others
    among the rest: at some sizes the spread lands on the only adapter there is."""
    relicensed = adapter_of_mit(ranked)
    rest = [r for r in ranked if r != relicensed]
    picked = rest[len(rest) // 3 :: max(1, len(rest) // 15)][: count - 1]
    return picked, relicensed


# -- requests ------------------------------------------------------------------------------------


def kind_of(record: RequestRecord) -> str:
    path = record.path
    if re.fullmatch(r"/api/models/?", path):
        return "listing" if "siblings" in record.query.get("expand", []) else "search"
    if path.startswith("/api/models/"):
        return "model info"
    if path.startswith("/api/datasets/"):
        return "dataset info"
    if "/resolve/" in path:
        return f"resolve {record.method}"
    return "other"


def repo_of(record: RequestRecord) -> str | None:
    """The model a request is for (None: the listing, or a dataset)."""
    m = re.match(r"^/api/models/([^/]+/[^/]+)", record.path) or re.match(
        r"^/(?!api/|datasets/)([^/]+/[^/]+)/resolve/", record.path
    )
    return m.group(1) if m else None


def count(records: list[RequestRecord]) -> dict[str, int]:
    out: dict[str, int] = {}
    for record in records:
        kind = kind_of(record)
        out[kind] = out.get(kind, 0) + 1
    return dict(sorted(out.items()))


def budget(kinds: dict[str, int]) -> dict[str, int]:
    """The Hub's two rate-limit budgets: API calls and resolver (/resolve/) calls."""
    api = sum(n for k, n in kinds.items() if not k.startswith("resolve"))
    return {"api": api, "resolver": sum(n for k, n in kinds.items() if k.startswith("resolve"))}


# -- running -------------------------------------------------------------------------------------


def rows_in(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM rows").fetchone()[0])
    except sqlite3.Error:
        return 0


def run_build(
    hub: FakeHub,
    args: list[str],
    env: dict[str, str],
    cwd: Path,
    db: Path,
    interrupt_at: int | None = None,
    timeout: float = 3600,
) -> dict[str, Any]:
    """One `openness index build` child: its exit, wall time, peak memory, closing line and
    what the Hub received (kept under "records", not written to the results)."""
    before = len(hub.calls())
    out, err = cwd / "stdout.txt", cwd / "stderr.txt"
    start = time.perf_counter()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [*OPENNESS, "index", "build", "--db", str(db), *args],
            env=env,
            cwd=cwd,
            stdout=stdout,
            stderr=stderr,
            # A shell's background job ignores SIGINT, and so would the child: it must hear it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        interrupted_at = None
        if interrupt_at is not None:
            while proc.poll() is None and time.perf_counter() - start < timeout:
                if rows_in(db) >= interrupt_at:
                    proc.send_signal(signal.SIGINT)
                    interrupted_at = rows_in(db)
                    break
                time.sleep(0.02)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    records = hub.calls()[before:]
    lines = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    kinds = count(records)
    return {
        "exit": proc.returncode,
        "wall_s": round(wall, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "requests": len(records),
        "by_kind": kinds,
        "budget": budget(kinds),
        "rows_after": rows_in(db),
        "signal_at_rows": interrupted_at,
        "summary": lines[-1] if lines else "",
        "records": records,
    }


def tally(summary: str) -> dict[str, int]:
    """The numbers of the closing line ("1000 listed, 0 already indexed, 1000 audited, ...")."""
    return {
        k: int(n) for n, k in re.findall(r"(\d+) (listed|already indexed|audited|failed)", summary)
    }


def changes(env: dict[str, str], cwd: Path, db: Path, since: str) -> dict[str, Any]:
    proc = subprocess.run(
        [*OPENNESS, "index", "changes", "--db", str(db), "--since", since, "-f", "json"],
        env=env,
        cwd=cwd,
        capture_output=True,
        timeout=600,
    )
    return json.loads(proc.stdout) if proc.returncode == 0 else {"exit": proc.returncode}


# -- the cases -------------------------------------------------------------------------------------


def bench(models: int, rtt: float, jobs: int, work: Path, hub_root: Path) -> dict[str, Any]:
    # A connection the child abandons at SIGINT is no error of the Hub's: no traceback for it.
    fakehub._Server.handle_error = lambda *_args: None
    ranked = generate(hub_root, models)
    top = ["--top", str(models), "--jobs", str(jobs)]
    results: dict[str, Any] = {"models": len(ranked), "jobs": jobs, "rtt_s": rtt, "cases": {}}
    cases = results["cases"]
    checks: dict[str, bool] = {}
    with FakeHub(hub_root, latency=rtt) as hub:
        env = child_env(hub, work / "home", work / "cache")
        db = work / "index.db"
        since = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")

        run = run_build(hub, top, env, work, db)
        cases["cold"] = run
        checks["cold: every model indexed once"] = run["exit"] == 0 and run["rows_after"] == len(
            ranked
        )
        print(f"  cold: {_line(run)}", file=sys.stderr)

        quarter = max(1, models // 4)
        small = run_build(
            hub,
            ["--top", str(quarter), "--jobs", str(jobs)],
            child_env(hub, work / "home-q", work / "cache-q"),
            work,
            work / "quarter.db",
        )
        cases[f"cold --top {quarter}"] = small
        print(f"  cold --top {quarter}: {_line(small)}", file=sys.stderr)

        run = run_build(hub, top, env, work, db)
        cases["unchanged"] = run
        checks["unchanged: the listing only"] = run["requests"] == 1 and run["rows_after"] == len(
            ranked
        )
        print(f"  unchanged: {_line(run)}", file=sys.stderr)

        picked, relicensed = refresh_picks(ranked)
        relicense(hub_root, relicensed, RELICENSED_TO)
        moved = move(hub_root, [*picked, relicensed], "bench")
        run = run_build(hub, top, env, work, db)
        cases["refresh, 10 moved"] = run
        touched = {repo_of(r) for r in run["records"]} - {None}
        checks["refresh: exactly the 10 moved are audited"] = (
            tally(run["summary"]).get("audited") == len(moved)
            and run["rows_after"] == len(ranked) + len(moved)
            and touched == set(moved)
        )
        found = changes(env, work, db, since)
        listed = [c["repo_id"] for c in found.get("changes", [])]
        checks["changes: the relicensed model, nothing else"] = listed == [relicensed]
        results["changes"] = found.get("changes", found)
        print(f"  refresh: {_line(run)}; changes: {listed}", file=sys.stderr)

        fresh_env = child_env(hub, work / "home-i", work / "cache-i")
        fresh_db = work / "interrupted.db"
        half = len(ranked) // 2
        run = run_build(hub, top, fresh_env, work, fresh_db, interrupt_at=half)
        cases["interrupted"] = run
        with sqlite3.connect(fresh_db) as conn:
            kept = {r[0].lower() for r in conn.execute("SELECT repo_id FROM rows")}
        print(f"  interrupted: {_line(run)}", file=sys.stderr)
        run = run_build(hub, top, fresh_env, work, fresh_db)
        cases["resumed"] = run
        asked = {(repo_of(r) or "").lower() for r in run["records"]}
        with sqlite3.connect(fresh_db) as conn:
            per_repo = conn.execute(
                "SELECT count(*), count(DISTINCT lower(repo_id)) FROM rows"
            ).fetchone()
        checks["interrupted: exit 130 with rows kept"] = cases["interrupted"][
            "exit"
        ] == 130 and 0 < len(kept) < len(ranked)
        checks["resumed: no request for an indexed model"] = not (asked & kept)
        checks["resumed: every model once"] = tuple(per_repo) == (len(ranked), len(ranked))
        checks["resumed: the rest audited"] = tally(run["summary"]).get("already indexed") == len(
            kept
        ) and tally(run["summary"]).get("audited") == len(ranked) - len(kept)
        print(f"  resumed: {_line(run)}", file=sys.stderr)
    for case in cases.values():
        case.pop("records", None)
        case["summary"] = case["summary"].replace(f"{work}{os.sep}", "")  # no temporary paths
    results["checks"] = checks
    results["per_model"] = per_model(results)
    return results


def _line(run: dict[str, Any]) -> str:
    return (
        f"exit {run['exit']}, {run['requests']} requests {run['by_kind']}, {run['wall_s']} s, "
        f"{run['peak_rss_mib']} MiB, rows {run['rows_after']}: {run['summary']}"
    )


def per_model(results: dict[str, Any]) -> dict[str, Any]:
    """Requests per model audited (cold: every model new; refresh: a new revision of models
    indexed before, the cache kept), split by budget."""
    out = {}
    for case, audited in (("cold", results["models"]), ("refresh, 10 moved", 10)):
        got = results["cases"][case]["budget"]
        out[case] = {k: round(v / audited, 2) for k, v in got.items()}
    return out


# -- the table -------------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Run {results['date']} · {results['machine']} · {results['cores']} cores · Python "
        f"{results['python']} · {results['models']} models · RTT "
        f"{round(results['rtt_s'] * 1000)} ms · --jobs {results['jobs']}",
        "",
        "| case | exit | wall s | peak RSS MiB | requests | API calls | resolver calls "
        "| by kind | closing line |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, run in results["cases"].items():
        kinds = ", ".join(f"{k} {n}" for k, n in run["by_kind"].items()) or "none"
        at = f" (SIGINT at {run['signal_at_rows']} rows)" if run.get("signal_at_rows") else ""
        summary = run["summary"].removeprefix("openness: ")
        lines.append(
            f"| {name}{at} | {run['exit']} | {run['wall_s']} | {run['peak_rss_mib']} "
            f"| {run['requests']} | {run['budget']['api']} | {run['budget']['resolver']} "
            f"| {kinds} | {summary} |"
        )
    lines += ["", "| requests per model audited | API | resolver |", "| --- | ---: | ---: |"]
    for case, got in results["per_model"].items():
        lines.append(f"| {case} | {got['api']} | {got['resolver']} |")
    lines += ["", "| check | met |", "| --- | --- |"]
    for check, met in results["checks"].items():
        lines.append(f"| {check} | {'✔' if met else '✘'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=1000, help="models in the Hub (≥ 40)")
    parser.add_argument("--rtt", type=float, default=0.1, help="seconds added to each answer")
    parser.add_argument("--jobs", type=int, default=16, help="--jobs for index build")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--readme", type=Path, help=f"replace the tables between {BEGIN} and {END} in this file"
    )
    parser.add_argument("--keep", type=Path, help="work (Hub, databases, cache) here and keep it")
    args = parser.parse_args()
    if args.models < 40:
        parser.error("--models: at least 40")
    work = args.keep or Path(tempfile.mkdtemp(prefix="openness-bench-index-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = {
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": platform.platform(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            **bench(args.models, args.rtt, args.jobs, work, work / "hub"),
        }
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    table = markdown(results)
    print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if args.readme:
        text = args.readme.read_text(encoding="utf-8")
        head, begin, rest = text.partition(BEGIN)
        _old, end, tail = rest.partition(END)
        if not begin or not end:
            sys.exit(f"{args.readme}: no {BEGIN} ... {END} block to replace")
        args.readme.write_text(f"{head}{BEGIN}\n{table}{END}{tail}", encoding="utf-8")
    if not all(results["checks"].values()):
        sys.exit(
            "some checks failed: " + ", ".join(k for k, v in results["checks"].items() if not v)
        )


if __name__ == "__main__":
    main()
