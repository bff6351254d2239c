"""A directory in the Hub layout (`models/<org>/<name>/info.json` + files), for air-gapped sites."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from openness.errors import FetchError
from openness.report import Problem
from openness.snapshot import Snapshot
from openness.sources.base import RawFile, fill_snapshot, sibling_names
from openness.sources.hub import _gated
from openness.textio import MAX_TEXT_BYTES

MAX_INFO_BYTES = 64 * 1024 * 1024


def read_capped(path: Path) -> tuple[bytes, bool]:
    with path.open("rb") as handle:
        data = handle.read(MAX_TEXT_BYTES + 1)
    return data[:MAX_TEXT_BYTES], len(data) > MAX_TEXT_BYTES


@dataclass
class MirrorSource:
    root: Path

    def repo_dir(self, repo_id: str, kind: str = "model") -> Path:
        return self.root / f"{kind}s" / repo_id

    def fetch(self, repo_id: str, revision: str | None = None, kind: str = "model") -> Snapshot:
        folder = self.repo_dir(repo_id, kind)
        info = self._info(folder / "info.json", repo_id, kind)
        moved = (
            (info.get("_fakehub") or {}).get("moved_to")
            if isinstance(info.get("_fakehub"), dict)
            else None
        )
        if isinstance(moved, str) and moved != repo_id and self.repo_dir(moved, kind).is_dir():
            # The Hub redirects a renamed repo to its new id; the mirror records the same.
            folder = self.repo_dir(moved, kind)
            info = self._info(folder / "info.json", moved, kind)
        sha = info.get("sha") if isinstance(info.get("sha"), str) else None
        older = folder / "revisions" / (revision or "")
        if revision and sha and revision not in (sha, "main") and (older / "info.json").is_file():
            folder, info = older, self._info(older / "info.json", repo_id, kind)  # an older commit
            sha = info.get("sha") if isinstance(info.get("sha"), str) else None
        if revision and sha and revision not in (sha, "main"):
            raise FetchError(
                f"{kind} {repo_id}: revision {revision} is not in the mirror (it holds {sha[:12]})",
                kind="revision_not_found",
            )
        snapshot = Snapshot(
            repo_id=info["id"] if isinstance(info.get("id"), str) else repo_id,
            revision=sha,
            source="mirror",
            kind=kind,  # type: ignore[arg-type]
            url=folder.resolve().as_uri(),
            gated=_gated(info.get("gated")),
            private=info.get("private") if isinstance(info.get("private"), bool) else None,
            info={k: v for k, v in info.items() if not k.startswith("_") or k == "_id"},
            files=sibling_names(info),
        )
        return fill_snapshot(snapshot, lambda path: self._file(folder, path))

    def search_models(
        self, name: str | None, limit: int = 20, author: str | None = None
    ) -> list[tuple[str, int]]:
        """(repo id, downloads) of mirrored models (of `author`, if given) whose id contains
        `name`."""
        found = []
        for info in sorted((self.root / "models").glob("*/*/info.json"))[:100_000]:
            repo_id = f"{info.parent.parent.name}/{info.parent.name}"
            if author and info.parent.parent.name.lower() != author.lower():
                continue
            if not name or name.lower() in repo_id.lower():
                found.append((repo_id, _downloads(info)))
        return sorted(found, key=lambda f: -f[1])[:limit]

    def list_models(
        self, author: str | None = None, search: str | None = None, limit: int | None = None
    ) -> list[tuple[str, dict]]:
        """(repo id, info) of mirrored models of `author` whose id contains `search`, most
        downloaded first (`downloads` in info.json; then by id), at most `limit`. A rename
        pointer (`_fakehub.moved_to`) is not a model of its own."""
        found: list[tuple[int, str, dict]] = []
        for path in sorted((self.root / "models").glob("*/*/info.json"))[:100_000]:
            repo_id = f"{path.parent.parent.name}/{path.parent.name}"
            if author and path.parent.parent.name.lower() != author.lower():
                continue
            if search and search.lower() not in repo_id.lower():
                continue
            try:
                info = self._info(path, repo_id, "model")
            except FetchError:
                continue  # unreadable here; auditing it by name says why
            private = info.get("_fakehub") if isinstance(info.get("_fakehub"), dict) else {}
            if private.get("moved_to") or info.get("_redirect_to"):
                continue
            downloads = info.get("downloads")
            found.append((downloads if isinstance(downloads, int) else 0, repo_id, info))
        found.sort(key=lambda item: (-item[0], item[1].lower()))
        chosen = found[:limit] if limit else found
        return [(repo_id, info) for _, repo_id, info in chosen]

    @staticmethod
    def _info(path: Path, repo_id: str, kind: str) -> dict:
        if not path.is_file():
            # A mirror is a partial copy: absence there proves nothing about the Hub.
            raise FetchError(
                f"{kind} {repo_id}: not in the mirror ({path})",
                kind="not_in_mirror",
                reason="not in the mirror",
            )
        if path.stat().st_size > MAX_INFO_BYTES:
            raise FetchError(f"{kind} {repo_id}: info.json is too large", kind="bad_response")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FetchError(
                f"{kind} {repo_id}: info.json is not valid JSON ({exc})", kind="bad_response"
            ) from None
        if not isinstance(data, dict):
            raise FetchError(f"{kind} {repo_id}: info.json is not an object", kind="bad_response")
        return data

    @staticmethod
    def _file(folder: Path, path: str) -> RawFile:
        target = (folder / path).resolve()
        if folder.resolve() not in target.parents or not target.is_file():
            return RawFile(
                path=path,
                problem=Problem(
                    kind="missing_file",
                    file=path,
                    message=f"{path}: listed in the repo but not present in the mirror",
                ),
            )
        data, truncated = read_capped(target)
        return RawFile(path=path, data=data, truncated=truncated, url=target.as_uri())


def _downloads(info: Path) -> int:
    try:
        value = json.loads(info.read_text(encoding="utf-8")).get("downloads")
    except (OSError, ValueError, AttributeError):
        return 0
    return value if isinstance(value, int) else 0
