"""The README's JSON excerpts are what the command named above each one prints.

Each excerpt follows a line "From `openness …`:" and may leave parts out ("…"). Every string in
it, and every `"key": "value"` pair, must be in the document that command writes; a string
shortened with "…" must have each of its pieces in one of the document's strings.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest
from conftest import ROOT, run_openness

EXCERPT = re.compile(r"From `openness ([^`]+)`:\n+\s*```json\n(.*?)```", re.S)
STRING = r'"((?:[^"\\]|\\.)*)"'
PAIR = re.compile(STRING + r"\s*:\s*" + STRING)


def _excerpts() -> list[tuple[str, str]]:
    return EXCERPT.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def _strings(node: Any, pairs: set[tuple[str, str]], found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if isinstance(value, str):
                pairs.add((key, value))
            _strings(value, pairs, found)
    elif isinstance(node, list):
        for value in node:
            _strings(value, pairs, found)
    elif isinstance(node, str):
        found.add(node)


def test_the_readme_names_the_command_of_each_format_excerpt():
    commands = [command for command, _ in _excerpts()]
    assert any("--format cyclonedx" in c for c in commands)
    assert any("--format spdx" in c for c in commands)
    assert any("--format json" in c for c in commands)


@pytest.mark.parametrize(("command", "excerpt"), _excerpts(), ids=lambda x: x[:60])
def test_an_excerpt_is_what_its_command_prints(command: str, excerpt: str):
    run = run_openness(*shlex.split(command))
    assert run.code in (0, 1), run.stderr
    pairs: set[tuple[str, str]] = set()
    found: set[str] = set()
    _strings(json.loads(run.stdout), pairs, found)
    for key, value in PAIR.findall(excerpt):
        key, value = json.loads(f'"{key}"'), json.loads(f'"{value}"')
        if "…" not in key + value:
            assert (key, value) in pairs, f'"{key}": "{value}" is not in the output'
    for raw in re.findall(STRING, excerpt):
        text = json.loads(f'"{raw}"')
        if "…" not in text:
            assert text in found, f"{text!r} is not in the output"
            continue
        for piece in filter(None, (p.strip() for p in text.split("…"))):
            assert any(piece in s for s in found), f"{piece!r} (of {text!r}) is not in the output"
