"""Build rules/fingerprints.json from reference license texts (default: ../shared/corpus/licenses).

Only hashes of word shingles are written, never the text, in the order of the text with the
word each starts at (so a missing stretch, or added words, can be located), and for each text:
- `optional`: the word ranges a faithful copy may leave out: the title lines above the first
  sentence, and what follows the catalog entry's `appendix_after` line (how to apply it);
- `permissions`: how often each word that grants a right ("distribute", "sublicense") occurs
  in the rest, so that a copy which lost some can say which.
Run after adding a catalog license, or after changing how openness/license/fingerprint.py reads
words:
    python tools/build_fingerprints.py [CORPUS_DIR]
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openness.license.fingerprint import (  # noqa: E402
    SAMPLE,
    SHINGLE,
    shingles_of,
    word_lines,
    words,
)
from openness.rules import CatalogLicense, load_rules  # noqa: E402

# words that grant a right: a copy with fewer of them than the catalog text lost part of a grant
PERMISSION_WORDS = [
    "use",
    "reproduce",
    "copy",
    "modify",
    "merge",
    "publish",
    "distribute",
    "redistribute",
    "sublicense",
    "sell",
    "display",
    "perform",
    "prepare",
    "create",
    "import",
    "transfer",
    "share",
    "adapt",
    "host",
    "deploy",
    "grant",
    "grants",
    "permitted",
    "perpetual",
    "irrevocable",
    "worldwide",
    "royalty",
]
TITLE_WORDS = 15  # a paragraph this short, above the first sentence, is a title or date line


def _heading_words(text: str) -> int:
    """How many words the title paragraphs at the top hold (before the first sentence)."""
    count = 0
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        tokens = words(paragraph)
        if not tokens:
            continue
        if len(tokens) > TITLE_WORDS or paragraph.rstrip()[-1:] in ".:;,":
            break
        count += len(tokens)
    return count


def _appendix_start(text: str, lic: CatalogLicense) -> int | None:
    """The first word after the `appendix_after` line, when the catalog entry names one."""
    if not lic.appendix_after:
        return None
    marker = words(lic.appendix_after)
    lines = word_lines(text)
    tokens = words(text)
    for i in range(len(tokens) - len(marker) + 1):
        if tokens[i : i + len(marker)] == marker:
            end = i + len(marker)
            while end < len(tokens) and lines[end] == lines[end - 1]:
                end += 1
            return end
    raise SystemExit(f"{lic.id}: appendix_after {lic.appendix_after!r} is not in the text")


def entry(text: str, lic: CatalogLicense) -> dict:
    tokens = words(text)
    hashes = shingles_of(tokens)
    optional = []
    heading = _heading_words(text)
    if heading:
        optional.append([0, heading])
    appendix = _appendix_start(text, lic)
    if appendix is not None and appendix < len(tokens):
        optional.append([appendix, len(tokens)])
    body = [t for i, t in enumerate(tokens) if not any(start <= i < end for start, end in optional)]
    counts = Counter(t for t in body if t in PERMISSION_WORDS)
    starts = [i for _, i in hashes]
    return {
        "words": len(tokens),
        "shingles": [f"{h:016x}" for h, _ in hashes],
        # the word each shingle starts at, as steps from the previous one (small numbers)
        "steps": [b - a for a, b in zip([0, *starts], starts, strict=False)],
        "optional": optional,
        "permissions": dict(sorted(counts.items())),
    }


def main(corpus: Path) -> None:
    manifest = json.loads((corpus / "MANIFEST.json").read_text(encoding="utf-8"))
    catalog = load_rules().licenses
    out: dict[str, dict] = {}
    for item in manifest:
        if item["kind"] == "alias" or item["id"] not in catalog:
            continue
        text = (corpus / item["file"]).read_text(encoding="utf-8")
        out[item["id"]] = entry(text, catalog[item["id"]])
    doc = {"shingle": SHINGLE, "sample": SAMPLE, "order": "text", "licenses": out}
    target = ROOT / "rules" / "fingerprints.json"
    target.write_text(json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n", "utf-8")
    print(f"wrote {len(out)} fingerprints to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "licenses")
