"""Agreement of the ladder with hand judgments and third-party ratings on the shared corpus.

    python tools/compare_ladder.py [CORPUS_HUB_DIR]

Reads tests/data/ladder_expectations.yaml (hand judgments) and tests/data/framework_ratings.yaml
(MOT and OSAI index ratings mapped onto the five steps) and prints step and rung agreement.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def audit(repos: list[str], hub: Path) -> dict[str, dict]:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "openness",
            "audit",
            *repos,
            "--mirror",
            str(hub),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return {r["subject"]["repo_id"]: r for r in json.loads(run.stdout)["reports"]}


def agreement(
    ours: dict[str, dict], theirs: dict[str, dict[int, object]], rungs: dict[str, int]
) -> str:
    steps = agree = 0
    for repo, judged in theirs.items():
        for step in ours[repo]["openness"]["steps"]:
            want = judged.get(step["rung"])
            if want is None:
                continue
            steps += 1
            agree += (want is True or want == "true") == (step["met"] is True)
    rung_agree = sum(ours[r]["openness"]["rung"] == n for r, n in rungs.items())
    return f"steps {agree}/{steps}, rungs {rung_agree}/{len(rungs)}"


def main(hub: Path) -> None:
    hand = yaml.safe_load((DATA / "ladder_expectations.yaml").read_text())
    ratings = yaml.safe_load((DATA / "framework_ratings.yaml").read_text())
    ours = audit(list(hand), hub)
    judged = {
        r: {k: (v["met"] if v["met"] != "unknown" else None) for k, v in e["steps"].items()}
        for r, e in hand.items()
    }
    print(
        "hand judgment:", agreement(ours, judged, {r: e["expected_rung"] for r, e in hand.items()})
    )
    for name in ("mot", "osai"):
        steps, rungs = {}, {}
        for repo, entry in ratings.items():
            rating = entry.get(name)
            if isinstance(rating, list):
                rating = next((x for x in rating if x.get("usable")), None)
            if rating and rating.get("usable", True) and rating.get("steps"):
                steps[repo] = rating["steps"]
            implied = (entry.get("implied_rungs") or {}).get(name)
            if implied is not None:
                rungs[repo] = implied
        print(f"{name}:", agreement(ours, steps, rungs))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "hub")
