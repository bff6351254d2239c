"""Time `openness license` over every text in the shared license corpus.

    python bench/bench_license.py [CORPUS_DIR] [--repeat N]

Reports per-text time for the engine in-process (identification + clauses + OSD verdict), and
the wall time of one `openness license` run over the whole corpus (start-up included).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "licenses"


def measure(corpus: Path, repeat: int = 5) -> dict:
    """Per-text engine times (in-process) and one CLI run over the corpus; bench_scale.py
    reuses this. Raises FileNotFoundError when the corpus holds no .txt file."""
    files = sorted(p for p in corpus.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no .txt files in {corpus}")

    from openness.licensefiles import assess_file
    from openness.rules import load_rules

    t0 = time.perf_counter()
    rules = load_rules()
    load = time.perf_counter() - t0
    blobs = [(str(p), p.read_bytes()) for p in files]
    per_text = []
    for _ in range(repeat):
        for name, data in blobs:
            start = time.perf_counter()
            assess_file(name, data, False, rules)
            per_text.append(time.perf_counter() - start)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "openness", "license", "--format", "json", *map(str, files)],
        capture_output=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    return {
        "texts": len(files),
        "rules_load_ms": round(load * 1000, 1),
        "per_text_ms_median": round(statistics.median(per_text) * 1000, 2),
        "per_text_ms_p95": round(sorted(per_text)[int(len(per_text) * 0.95)] * 1000, 2),
        "per_text_ms_max": round(max(per_text) * 1000, 2),
        "cli_wall_s_whole_corpus": round(wall, 2),
        "cli_exit": proc.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        result = measure(Path(args.corpus), args.repeat)
    except FileNotFoundError as exc:
        sys.exit(str(exc))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
