"""What every source shares: reading files into a Snapshot, bounded and concurrently."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from openness.report import Problem
from openness.snapshot import Snapshot, TextFile, files_to_read
from openness.textio import MAX_TEXT_BYTES, decode

MAX_SIBLINGS = 100_000


@dataclass
class RawFile:
    """Bytes of one repo file, or the problem that kept us from them."""

    path: str
    data: bytes | None = None
    truncated: bool = False
    url: str | None = None
    problem: Problem | None = None
    commit: str | None = None  # the commit the server said it read it at (X-Repo-Commit)


FileReader = Callable[[str], RawFile]


def sibling_names(info: dict[str, Any]) -> list[str]:
    siblings = info.get("siblings")
    if not isinstance(siblings, list):
        return []
    names = []
    for entry in siblings[:MAX_SIBLINGS]:
        name = entry.get("rfilename") if isinstance(entry, dict) else None
        if isinstance(name, str):
            names.append(name)
    return names


def read_files(paths: list[str], reader: FileReader, workers: int = 4) -> list[RawFile]:
    if not paths:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(paths))) as pool:
        return list(pool.map(reader, paths))


def fill_snapshot(
    snapshot: Snapshot, reader: FileReader, ready: dict[str, RawFile] | None = None
) -> Snapshot:
    """Read the card and license files named in the file list into the snapshot (the card
    is parsed later, once, by openness.card). `ready` holds files already read."""
    ready = ready or {}
    wanted = files_to_read(snapshot.files)
    fetched = read_files([p for p in wanted if p not in ready], reader)
    by_path = {raw.path: raw for raw in fetched} | ready
    for path in wanted:
        add_raw_file(snapshot, by_path[path])
    return snapshot


def add_raw_file(snapshot: Snapshot, raw: RawFile) -> None:
    if raw.problem:
        snapshot.problems.append(raw.problem)
        return
    decoded = decode(raw.data or b"", truncated=raw.truncated)
    if decoded.text is None:
        snapshot.problems.append(
            Problem(kind="unreadable", file=raw.path, message=f"{raw.path}: {decoded.problem}")
        )
        return
    if raw.truncated:
        snapshot.problems.append(
            Problem(
                kind="truncated",
                file=raw.path,
                message=f"{raw.path} is larger than {MAX_TEXT_BYTES} bytes; only the first "
                f"{MAX_TEXT_BYTES} bytes were read",
            )
        )
    snapshot.texts[raw.path] = TextFile(
        path=raw.path,
        text=decoded.text,
        url=raw.url,
        encoding=decoded.encoding,
        truncated=raw.truncated,
    )
