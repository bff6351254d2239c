"""Which files a scan reads: walking the given paths (never out of the tree through a
symlink), capped in number and size, decoded as text."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from openness.scan.context import Findings
from openness.textio import decode

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILES = 20_000
SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", "site-packages", ".tox"}
)


_KINDS = {".py": "python", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


def _kind_of(name: str) -> str | None:
    lower = name.lower()
    if lower == "models.txt":
        return "models.txt"
    return _KINDS.get(os.path.splitext(lower)[1])


def display(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return path.as_posix()


def capped(files: Iterable[tuple[Path, str]], findings: Findings) -> Iterator[tuple[Path, str]]:
    """Stop after MAX_FILES distinct files (overlapping PATHS are read once)."""
    seen: set[str] = set()
    for path, kind in files:
        key = os.path.realpath(path)
        if key in seen:
            continue
        if len(seen) >= MAX_FILES:
            findings.problem(f"stopped after {MAX_FILES} files; the rest was not scanned")
            return
        seen.add(key)
        yield path, kind


def iter_files(paths: list[Path], root: Path, findings: Findings) -> Iterator[tuple[Path, str]]:
    for given in paths:
        shown = display(given, root)
        try:
            is_dir, exists = given.is_dir(), os.path.lexists(given)
        except OSError as exc:
            findings.problem(f"{shown}: cannot be read ({exc.strerror})", shown)
            continue
        if is_dir:
            yield from _walk(given, root, findings)
        elif not exists:
            findings.problem(f"{shown}: no such file or directory", shown)
        elif (kind := _kind_of(given.name)) is None:  # nothing a reference could be read from
            kinds = ".py, .yaml, .yml, .json, .toml or models.txt"
            findings.note(f"{shown}: not a supported file type ({kinds})", shown)
        else:
            yield given, kind


def _walk(top: Path, root: Path, findings: Findings) -> Iterator[tuple[Path, str]]:
    """Files of known kinds under `top`, in sorted order, never leaving the tree via symlinks."""
    real_top = os.path.realpath(top)

    def on_error(exc: OSError) -> None:
        shown = display(Path(exc.filename or top), root)
        findings.problem(f"{shown}: cannot be read ({exc.strerror})", shown)

    for dirpath, dirnames, filenames in os.walk(top, onerror=on_error):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not d.startswith(".")
            and not os.path.islink(os.path.join(dirpath, d))
        )
        for name in sorted(filenames):
            kind = _kind_of(name)
            path = Path(dirpath, name)
            if kind is None:
                continue
            if path.is_symlink() and not _inside(path, real_top):
                # Deliberate, and said: the tree's own files were all read.
                shown = display(path, root)
                findings.note(f"{shown}: symlink leads outside the tree, skipped", shown)
                continue
            yield path, kind


def _inside(path: Path, real_top: str) -> bool:
    try:
        target = os.path.realpath(path)
    except (OSError, RuntimeError):  # symlink loops
        return False
    return os.path.commonpath([target, real_top]) == real_top


def read_text(path: Path) -> tuple[str | None, str | None]:
    """(text, None) or (None, problem). Only regular files: a FIFO would block forever."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file, skipped"
        if info.st_size > MAX_FILE_BYTES:
            return None, f"larger than 2 MiB ({info.st_size} bytes), skipped"
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if len(data) > MAX_FILE_BYTES:
        return None, "larger than 2 MiB, skipped"
    decoded = decode(data)
    return decoded.text, decoded.problem
