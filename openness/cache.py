"""A cache keyed by commit sha: what a repo holds at a sha never changes.

Three kinds of entry, each one small JSON file:
- refs: (kind, repo, revision) -> sha, with when it was resolved (for --offline);
- snapshots: (kind, repo, sha, scope) -> the files read (a base's or dataset's, and subjects');
- reports: (repo, sha, tool version, rules digest, options, scope) -> the finished report,
  with the commits of the bases and datasets it was assessed against (served while they stay).

`scope` is "public" for what was read without a token and a hash of the token otherwise: a
run never gets what a token could read unless it holds that same token (a public entry is
served to a token run only when nothing in it was gated). Entries are written to a temporary
file and renamed into place, so concurrent processes (a pre-commit run and an IDE) never see
half an entry; a corrupt or foreign entry is ignored, replaced, and warned about once.

Location: $OPENNESS_CACHE, else the platform's user cache directory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_ENV = "OPENNESS_CACHE"
# Bump to ignore every entry written by an incompatible version. 2: model info asks for config
# and gguf; reports carry license texts and the card summary.
FORMAT = 2
KINDS = ("refs", "snapshots", "reports")
EARLIEST = 1_577_836_800.0  # 2020-01-01: no entry is older than the tool
TEMP_PREFIX = ".tmp-"  # an entry being written; renamed into place when complete
TEMP_GRACE = 600.0  # seconds after which a temporary file is a leftover, not a write in flight
CLOCK_SKEW = 300.0  # seconds an entry may seem to come from the future (another process's clock)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def cache_dir() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("openness", appauthor=False))


def scope_of(token: str | None) -> str:
    """Who an entry may be served to. The token itself is never stored, only a digest."""
    if not token:
        return "public"
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    entries: int
    size_bytes: int
    oldest: dt.datetime | None
    newest: dt.datetime | None


@dataclass(frozen=True)
class Entry:
    """A value read back, with when it was written."""

    value: dict[str, Any]
    stored_at: float  # epoch seconds

    @property
    def age_seconds(self) -> float:
        return max(0.0, time.time() - self.stored_at)


class Cache:
    def __init__(self, root: Path, warn: Callable[[str], None] | None = None) -> None:
        self.root = root
        self._warn = warn
        self._warned = False
        self._lock = threading.Lock()

    # -- keys ------------------------------------------------------------------------------

    @staticmethod
    def _name(*parts: str) -> str:
        safe = "_".join(_UNSAFE.sub("-", p)[:80] for p in parts)
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]
        return f"{safe}.{digest}.json"  # readable, and unique even when cleaning collides

    def _path(self, kind: str, *parts: str) -> Path:
        return self.root / kind / self._name(*parts)

    # -- read and write ----------------------------------------------------------------------

    def get(self, kind: str, *parts: str) -> Entry | None:
        path = self._path(kind, *parts)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") != FORMAT or data.get("key") != list(parts):
                raise ValueError("written by another version, or for another key")
            if not isinstance(data["value"], dict):
                raise ValueError("its value is not an object")
            return Entry(data["value"], _stored_at(data["stored_at"]))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            self._corrupt(path, exc)  # UnicodeDecodeError is a ValueError
            return None

    def put(self, kind: str, value: dict[str, Any], *parts: str) -> None:
        path = self._path(kind, *parts)
        data = {"format": FORMAT, "key": list(parts), "stored_at": time.time(), "value": value}
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)  # atomic: readers see the old entry or the new one
        except OSError as exc:
            if tmp is not None:  # a full disk: leave no half-written file behind
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            self._say(f"cache: could not write {path.name} ({exc.strerror or exc}); continuing")

    def discard(self, kind: str, *parts: str, reason: str) -> None:
        """An entry that was read but holds the wrong thing (it parsed, its content does not
        fit): dropped and warned about as a corrupt one is."""
        self._corrupt(self._path(kind, *parts), ValueError(reason))

    def _corrupt(self, path: Path, exc: Exception) -> None:
        self._say(f"cache: ignoring a corrupt or foreign entry {path.name} ({exc}); replacing it")
        with contextlib.suppress(OSError):
            path.unlink()

    def _say(self, message: str) -> None:
        with self._lock:
            if self._warn is not None and not self._warned:
                self._warned = True  # once per run: a broken cache is one problem, not many
                self._warn(message)


def _stored_at(value: Any) -> float:
    """When an entry was written: a time this tool could have written it, or it is corrupt
    (a bool is an int to Python; an absurd number would make every age and date fail)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("stored_at is not a number")
    if not EARLIEST <= value <= time.time() + CLOCK_SKEW:
        raise ValueError("stored_at is not a plausible time")  # also NaN: no comparison holds
    return float(value)


# -- `openness cache info` / `openness cache clear` ----------------------------------------------


def _files(root: Path) -> list[Path]:
    return [p for kind in KINDS for p in (root / kind).glob("*.json") if p.is_file()]


def _is_temporary(path: Path) -> bool:
    """A write in flight, or one a killed process left behind: not an entry."""
    return path.name.startswith(TEMP_PREFIX)


def info(root: Path | None = None) -> CacheInfo:
    root = root or cache_dir()
    stats = []
    for path in _files(root):
        if not _is_temporary(path):
            with contextlib.suppress(OSError):  # another process may clear it meanwhile
                stats.append(path.stat())
    times = [dt.datetime.fromtimestamp(s.st_mtime, tz=dt.timezone.utc) for s in stats]
    return CacheInfo(
        path=root,
        entries=len(stats),
        size_bytes=sum(s.st_size for s in stats),
        oldest=min(times) if times else None,
        newest=max(times) if times else None,
    )


def clear(root: Path | None = None) -> int:
    """Remove every entry, and temporary files left behind (not one young enough to be another
    process's write in flight); returns how many entries went, as `info` counts them."""
    root = root or cache_dir()
    removed = 0
    for path in _files(root):
        temporary = _is_temporary(path)
        try:
            if temporary and time.time() - path.stat().st_mtime < TEMP_GRACE:
                continue
            path.unlink()
            removed += not temporary
        except OSError:
            pass
    return removed
