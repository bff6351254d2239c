"""Build rules/fingerprints.json from reference license texts (default: ../shared/corpus/licenses).

Only hashes of word shingles are written, never the text, in the order of the text (so a
missing stretch can be located). Run after adding a catalog license, or after changing how
openness/license/fingerprint.py reads words:
    python tools/build_fingerprints.py [CORPUS_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openness.license.fingerprint import SAMPLE, SHINGLE, ordered_fingerprint  # noqa: E402
from openness.rules import load_rules  # noqa: E402


def main(corpus: Path) -> None:
    manifest = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    catalog = load_rules().licenses
    out: dict[str, dict] = {}
    for entry in manifest:
        if entry["kind"] == "alias" or entry["id"] not in catalog:
            continue
        text = (corpus / entry["file"]).read_text(encoding="utf-8")
        hashes = ordered_fingerprint(text)
        out[entry["id"]] = {"words": len(text.split()), "shingles": [f"{h:016x}" for h in hashes]}
    doc = {"shingle": SHINGLE, "sample": SAMPLE, "order": "text", "licenses": out}
    target = ROOT / "rules" / "fingerprints.json"
    target.write_text(json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n", "utf-8")
    print(f"wrote {len(out)} fingerprints to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "licenses")
