"""What every file scanner shares: the Reference it finds, the per-file context it writes
to, the scan's findings, repo-id shapes and `# openness: ignore` comments."""

from __future__ import annotations

import bisect
import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

CONFIG_KEYS = frozenset(
    {
        "model",
        "model_id",
        "model_name",
        "model_name_or_path",
        "base_model",
        "pretrained_model_name_or_path",
        "tokenizer_name",
        "tokenizer_name_or_path",
        "repo_id",
        "hub_model_id",
    }
)
# A "repo id" ending like this is a file someone points at, not a repo.
_FILE_SUFFIXES = (
    ".json", ".yaml", ".yml", ".toml", ".txt", ".py", ".bin", ".pt", ".pth", ".ckpt",
    ".safetensors", ".onnx", ".h5", ".pkl", ".npz", ".csv", ".parquet", ".zip", ".gz", ".tar",
)  # fmt: skip
_IGNORE_RE = re.compile(r"openness:\s*ignore\b(?:\[([^\]\r\n]*)\])?")
_CONFIG_COMMENT_RE = re.compile(r"(?:^|\s)#\s*(openness:.*)$")
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Reference:
    repo_id: str  # "org/name" or a bare legacy id like "gpt2"
    file: str  # relative to the scan root when inside it, "/" separators
    line: int  # 1-based
    column: int  # 1-based, in characters, at the value (its opening quote when quoted)
    kind: str  # "python" | "yaml" | "json" | "toml" | "models.txt"
    via: str  # "AutoModel.from_pretrained", "pipeline(model=)", "key model_name_or_path", ...
    ignored: bool = False
    ignore_reason: str | None = None  # from `# openness: ignore[reason]`; "" when none given
    revision: str | None = None  # models.txt `org/name@revision`


class Site(NamedTuple):
    """A problem or note with where it is, for formats that point at it (SARIF): the file as
    the scan shows it (None: the scan as a whole) and the line, when known."""

    kind: str  # "problem" | "note"
    file: str | None
    line: int | None
    text: str


class Findings:
    """What a scan says besides references, in order: problems (a file or line that could not
    be read as intended, so a reference may be missing) and notes (the rest)."""

    def __init__(self) -> None:
        self.sites: list[Site] = []

    @property
    def problems(self) -> list[str]:
        return [s.text for s in self.sites if s.kind == "problem"]

    @property
    def notes(self) -> list[str]:
        return [s.text for s in self.sites if s.kind == "note"]

    def problem(self, text: str, file: str | None = None, line: int | None = None) -> None:
        self.sites.append(Site("problem", file, line, text))

    def note(self, text: str, file: str | None = None, line: int | None = None) -> None:
        self.sites.append(Site("note", file, line, text))


class Refused(Exception):
    """A file we will not scan, with the reason as its message."""


@dataclass
class FileContext:
    file: str
    kind: str
    bases: tuple[Path, ...]  # directories a relative local path would be resolved against
    text: str
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, text): unread lines
    notes: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, text)
    refs: list[Reference] = field(default_factory=list)
    _starts: list[int] | None = None
    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = _NEWLINE_RE.split(self.text)
        return self._lines

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _NEWLINE_RE.finditer(self.text))]
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def add(
        self,
        repo_id: str,
        at: tuple[int, int],
        via: str,
        ignore: str | None = None,
        revision: str | None = None,
    ) -> None:
        """Record a reference at (line, column); `ignore` is the reason of an ignore comment."""
        line, column = at
        self.refs.append(
            Reference(repo_id, self.file, line, column, self.kind, via, ignore is not None, ignore,
                      revision)
        )  # fmt: skip


def ignore_reason(comment: str) -> str | None:
    """The reason of an `openness: ignore[reason]` comment ("" without one), else None."""
    match = _IGNORE_RE.search(comment)
    if match is None:
        return None
    return (match.group(1) or "").strip()


def config_ignore(line: str) -> str | None:
    """`# openness: ignore[...]` at the end of a YAML or TOML line."""
    match = _CONFIG_COMMENT_RE.search(line)
    return None if match is None else ignore_reason(match.group(1))


def is_model_repo_id(value: str, *, allow_bare: bool, bases: Iterable[Path] = ()) -> bool:
    """Does `value` look like a Hub model id rather than a local path, URL or file name?"""
    if not _repo_id_shape(value, allow_bare):
        return False
    return not any(_exists(os.path.join(base, value)) for base in bases)


@functools.lru_cache(maxsize=4096)
def _repo_id_shape(value: str, allow_bare: bool) -> bool:
    if not value or value.startswith((".", "/", "~")) or "\\" in value:
        return False
    if any(ch.isspace() for ch in value) or "://" in value or value.count("/") > 1:
        return False
    if "/" not in value and not allow_bare:
        return False
    if value.lower().endswith(_FILE_SUFFIXES):
        return False
    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return True


def _exists(path: str) -> bool:
    try:
        return os.path.exists(path)
    except (OSError, ValueError):
        return False
