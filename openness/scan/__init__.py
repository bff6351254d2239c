"""`openness scan`: find references to Hugging Face model repos in a code tree.

Nothing found here is imported or executed: Python is read with `ast`, YAML is only composed
(never constructed), JSON and TOML go through their stdlib parsers. Every failure on one file
becomes a line in `problems`; scanning carries on with the next file, and a last line starting
with INCOMPLETE says the scan is incomplete (is_incomplete). What the scan says besides is a
note: a model id computed at run time ("not resolved"), the default of an environment variable,
how many files were read when nothing was found. Each problem and note keeps its file and line
(`sites`) for the formats that point at them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import yaml

from openness.scan.config import scan_json, scan_models_txt, scan_toml, scan_yaml, toml
from openness.scan.context import (
    CONFIG_KEYS,
    FileContext,
    Findings,
    Reference,
    Refused,
    Site,
    is_model_repo_id,
)
from openness.scan.files import MAX_FILE_BYTES, MAX_FILES, capped, display, iter_files, read_text
from openness.scan.python import scan_python

__all__ = [
    "CONFIG_KEYS",
    "INCOMPLETE",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "Reference",
    "Site",
    "is_incomplete",
    "is_model_repo_id",
    "scan_paths",
    "scan_tree",
]

# The line that ends the problems of a scan that could have missed references. It is written
# by scan_tree itself, after every file, so no file name can fake or hide it.
INCOMPLETE = "scan incomplete: "


class Scanned(NamedTuple):
    references: list[Reference]
    problems: list[str]  # files or lines not read as intended; the last starts with INCOMPLETE
    notes: list[str]  # the rest, in file order
    sites: list[Site]  # the problems and notes with their file and line (INCOMPLETE is not one)


def scan_tree(paths: list[Path], root: Path | None = None) -> Scanned:
    """References found under the paths (files or directories), the problems (bad files etc.)
    and the notes, each in file order.

    `root` (default: the current directory) only shapes `Reference.file`; files outside it keep
    the path as given.
    """
    root = Path.cwd() if root is None else root
    findings = Findings()
    refs: set[Reference] = set()
    files = unread = 0
    for path, kind in capped(iter_files(paths, root, findings), findings):
        found, ok = _scan_file(path, display(path, root), kind, root, findings)
        refs.update(found)
        files += 1
        unread += not ok
    ordered = sorted(refs, key=lambda r: (r.file, r.line, r.column, r.repo_id, r.via))
    if not ordered:
        unread_part = f" ({unread} could not be read)" if unread else ""
        findings.note(f"no model references found in {_count(files, 'file')}{unread_part}")
    problems = findings.problems
    if problems:
        problems.append(
            f"{INCOMPLETE}{_count(len(problems), 'file or line')} could not be read as "
            "intended; a model referenced there was not checked"
        )
    return Scanned(ordered, problems, findings.notes, findings.sites)


def scan_paths(paths: list[Path], root: Path | None = None) -> tuple[list[Reference], list[str]]:
    """`scan_tree`, with its problems (the INCOMPLETE line last among them) and then its notes
    in one list."""
    scanned = scan_tree(paths, root)
    return scanned.references, scanned.problems + scanned.notes


def is_incomplete(problems: list[str]) -> bool:
    """Could the scan that gave these problems have missed a reference?"""
    return any(p.startswith(INCOMPLETE) for p in problems)


def _count(n: int, what: str) -> str:
    plural = what if n == 1 else {"file": "files", "file or line": "files or lines"}[what]
    return f"{n} {plural}"


def _scan_file(
    path: Path, rel: str, kind: str, root: Path, findings: Findings
) -> tuple[list[Reference], bool]:
    """The file's references, and whether it was read through; its problems go to findings."""
    text, problem = read_text(path)
    if text is None:
        findings.problem(f"{rel}: {problem or 'unreadable'}", rel)
        return [], False
    ctx = FileContext(rel, kind, (path.parent, root), text)
    try:
        SCANNERS[kind](ctx)
    except Exception as exc:  # one bad file must never stop the scan
        findings.problem(f"{rel}: {_describe(exc)}", rel, _line_of(exc))
        return [], False
    for line, text in ctx.problems:
        findings.problem(text, rel, line)
    for line, _, note in sorted(ctx.notes):
        findings.note(note, rel, line)
    return ctx.refs, True


def _line_of(exc: Exception) -> int | None:
    """The line a parser stopped at, when it says."""
    if isinstance(exc, (SyntaxError, json.JSONDecodeError)):
        return exc.lineno
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return exc.problem_mark.line + 1
    return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, Refused):
        return str(exc)
    if isinstance(exc, (RecursionError, MemoryError)):  # MemoryError: the parser's own stack
        return "nested too deeply to parse"
    if isinstance(exc, SyntaxError):
        where = f" at line {exc.lineno}" if exc.lineno else ""
        return f"Python syntax error{where}: {exc.msg}"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno}: {exc.msg}"
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f"invalid YAML at line {exc.problem_mark.line + 1}: {exc.problem}"
    if isinstance(exc, yaml.YAMLError):
        return "invalid YAML"
    if isinstance(exc, toml.TOMLDecodeError):
        return f"invalid TOML: {exc}"
    return f"could not be scanned ({type(exc).__name__}: {str(exc)[:200]})"


SCANNERS: dict[str, Callable[[FileContext], None]] = {
    "python": scan_python,
    "yaml": scan_yaml,
    "json": scan_json,
    "toml": scan_toml,
    "models.txt": scan_models_txt,
}
