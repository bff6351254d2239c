"""Hostile repos, written by the tests into a temporary mirror in the Hub layout."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ESC = "\x1b"
BIDI = "\u202e"
PAYLOAD = (
    f"[red]owned[/red] [link=https://evil.example]click[/link] {ESC}[2J{ESC}[31m "
    f"{ESC}]8;;https://evil.example{ESC}\\link{ESC}]8;;{ESC}\\ {BIDI}txt.exe\u202c "
    "\x9b31m bell\x07 back\x08space"
)


def _info(repo_id: str, card: dict, files: list[str], **extra: object) -> dict:
    sha = hashlib.sha1(f"hostile:{repo_id}".encode()).hexdigest()
    return {
        "_id": sha[:24],
        "id": repo_id,
        "sha": sha,
        "private": False,
        "disabled": False,
        "gated": False,
        "tags": [],
        "cardData": card,
        "siblings": [{"rfilename": f} for f in files],
        **extra,
    }


def write_repo(
    root: Path,
    repo_id: str,
    card: dict,
    files: dict[str, bytes],
    siblings: list[str] | None = None,
    **extra: object,
) -> None:
    folder = root / "models" / repo_id
    folder.mkdir(parents=True, exist_ok=True)
    names = siblings if siblings is not None else list(files)
    (folder / "info.json").write_text(json.dumps(_info(repo_id, card, names, **extra)))
    for name, data in files.items():
        (folder / name).write_bytes(data)


def build(root: Path) -> Path:
    """A mirror of hostile repos; returns its root."""
    weights = ["model.safetensors"]
    write_repo(
        root,
        "hostile/terminal",
        {"license": "other", "license_name": PAYLOAD, "datasets": [PAYLOAD]},
        {
            "README.md": f"---\nlicense: other\n---\n# Model {PAYLOAD}\n\n## License\n\n"
            f"{PAYLOAD} For non-commercial use only.\n"
            f"[x]({'https://github.com/a/train'}) {PAYLOAD}\n".encode(),
            "LICENSE": f"{PAYLOAD}\nYou may not use the model for military purposes.".encode(),
        },
        siblings=["README.md", "LICENSE", *weights],
    )
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    write_repo(
        root,
        "hostile/alias-bomb",
        {},
        {"README.md": f"---\n{bomb}license: mit\n---\n# bomb\n".encode()},
        siblings=["README.md", *weights],
    )
    write_repo(
        root,
        "hostile/malformed-yaml",
        {},
        {"README.md": b"---\nlicense: [mit\n  datasets: {\n---\n# broken\n"},
        siblings=["README.md", *weights],
    )
    write_repo(
        root,
        "hostile/deep-yaml",
        {},
        {"README.md": ("---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n").encode()},
        siblings=["README.md", *weights],
    )
    write_repo(
        root,
        "hostile/wrong-types",
        {
            "license": 42,
            "datasets": "not-a-list",
            "base_model": [None, 3, {"a": 1}, "x/../y"],
            "license_name": ["a", "b"],
        },
        {"README.md": b"---\nlicense: 42\n---\n# types\n"},
        siblings=["README.md", *weights],
    )
    big = root / "big-readme.tmp"
    with big.open("wb") as handle:
        handle.write(b"---\nlicense: apache-2.0\n---\n")
        line = b"x" * 1023 + b"\n"
        for _ in range(100 * 1024):  # 100 MiB
            handle.write(line)
    folder = root / "models" / "hostile" / "huge-readme"
    folder.mkdir(parents=True)
    big.rename(folder / "README.md")
    (folder / "info.json").write_text(
        json.dumps(_info("hostile/huge-readme", {"license": "apache-2.0"}, ["README.md", *weights]))
    )
    write_repo(
        root,
        "hostile/encodings",
        {"license": "other"},
        {
            "README.md": b"---\nlicense: other\n---\n",
            "LICENSE": bytes(range(256)) * 40,
            "LICENSE-UTF16": "This model is for non-commercial use only.".encode("utf-16"),
            "LICENSE-LATIN1": "Société: usage for non-commercial purposes only.".encode("latin-1"),
        },
        siblings=["README.md", "LICENSE", "LICENSE-UTF16", "LICENSE-LATIN1", *weights],
    )
    many = [f"shard-{i:05d}.safetensors" for i in range(50_000)]
    write_repo(
        root,
        "hostile/many-files",
        {"license": "mit"},
        {"README.md": b"# many\n"},
        siblings=["README.md", *many],
    )
    write_repo(
        root,
        "hostile/cycle-a",
        {"license": "mit", "base_model": "hostile/cycle-b"},
        {"README.md": b"---\nlicense: mit\nbase_model: hostile/cycle-b\n---\n"},
        siblings=["README.md", *weights],
    )
    write_repo(
        root,
        "hostile/cycle-b",
        {"license": "mit", "base_model": "hostile/cycle-a"},
        {"README.md": b"---\nlicense: mit\nbase_model: hostile/cycle-a\n---\n"},
        siblings=["README.md", *weights],
    )
    return root
