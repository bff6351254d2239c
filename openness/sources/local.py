"""A downloaded model folder on disk (a snapshot from the HF cache or `hf download`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from openness.errors import FetchError
from openness.report import Problem
from openness.snapshot import Snapshot
from openness.sources.base import MAX_SIBLINGS, RawFile, fill_snapshot
from openness.sources.mirror import read_capped

SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass
class LocalSource:
    def fetch(self, folder: Path) -> Snapshot:
        if not folder.is_dir():
            raise FetchError(f"{folder}: not a directory", kind="not_found")
        files = _list_files(folder)
        # In the HF cache a snapshot lives at models--org--name/snapshots/<sha>/.
        revision = folder.name if SHA.match(folder.name) else None
        repo_id = _repo_id_from_cache(folder) or folder.name
        snapshot = Snapshot(
            repo_id=repo_id,
            revision=revision,
            source="local",
            url=folder.resolve().as_uri(),
            files=files,
            info={"siblings": [{"rfilename": f} for f in files]},
        )
        if revision is None:
            snapshot.problems.append(
                Problem(
                    kind="no_revision",
                    message="local folder: no commit sha is known, the audit is not pinned",
                )
            )
        return fill_snapshot(snapshot, lambda path: _read(folder, path))


def _list_files(folder: Path) -> list[str]:
    files: list[str] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            files.append(str((Path(root) / name).relative_to(folder)).replace(os.sep, "/"))
            if len(files) >= MAX_SIBLINGS:
                return files
    return files


def _repo_id_from_cache(folder: Path) -> str | None:
    for parent in folder.parents:
        if parent.name.startswith("models--"):
            return parent.name[len("models--") :].replace("--", "/")
    return None


def _read(folder: Path, path: str) -> RawFile:
    target = folder / path
    if not target.is_file():
        return RawFile(
            path=path,
            problem=Problem(kind="missing_file", file=path, message=f"{path}: not readable"),
        )
    data, truncated = read_capped(target)
    return RawFile(path=path, data=data, truncated=truncated, url=target.resolve().as_uri())
