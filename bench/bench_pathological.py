"""Linear-time matching: clause and evidence patterns on 5 MB adversarial texts.

    python bench/bench_pathological.py [--mb 5]

Each input is built to provoke backtracking (long runs of the words patterns look for, without
the sentence ends that bound segments, unclosed markdown tables, endless links). The engine is
called directly, past the 1 MiB read cap, to measure the matching itself. Times should grow
linearly with size: the script also runs at a fifth of the size and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def inputs(size: int) -> dict[str, str]:
    def fill(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return {
        "no sentence ends": fill("you shall not use the model or any output to improve "),
        "numbers before users": fill("700 million 700 million monthly active "),
        "one huge line": fill("non-commercial research purposes evaluation only solely "),
        "table rows": fill("| data | 50% | web | source | tokens |\n"),
        "links": fill("[x](https://github.com/a/train-train-train-train "),
        "whitespace": fill(" \t" * 50 + "\n"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=5.0)
    args = parser.parse_args()

    from openness.ladder import _depth
    from openness.license.assess import LicenseInputs, LicenseText, assess
    from openness.links import find_links
    from openness.rules import load_rules

    rules = load_rules()
    depth = rules.ladder["technical_report"]["depth"]

    def run(text: str) -> float:
        start = time.perf_counter()
        assess(LicenseInputs(texts=[LicenseText(source="LICENSE", text=text)]), rules)
        find_links(text, "README.md")
        _depth(text, 1, depth, None)
        return time.perf_counter() - start

    size = int(args.mb * 1024 * 1024)
    results = {}
    for name, text in inputs(size).items():
        small = run(text[: size // 5])
        full = run(text)
        results[name] = {"seconds": round(full, 2), "ratio_to_fifth": round(full / small, 1)}
    print(json.dumps({"mb": args.mb, "inputs": results}, indent=2))


if __name__ == "__main__":
    main()
