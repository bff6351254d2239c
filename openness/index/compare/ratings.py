"""The other frameworks' ratings the project keeps: openness/index/framework_ratings.yaml,
built by tools/build_framework_ratings.py, or another build of it (`--ratings FILE`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from openness.errors import UsageError

RATINGS_FILE = Path(__file__).parent.parent / "framework_ratings.yaml"


@dataclass
class Ratings:
    path: str
    snapshots: dict[str, dict]
    frameworks: dict[str, dict]
    models: dict[str, dict]  # lower-case repo id -> model

    def model(self, repo_id: str) -> dict | None:
        return self.models.get(repo_id.lower())


def load_ratings(path: Path | None = None) -> Ratings:
    """The kept ratings: the shipped file, or another build of it."""
    where = path or RATINGS_FILE
    try:
        data = yaml.safe_load(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{where}: cannot read the ratings ({exc})") from None
    if not isinstance(data, dict) or data.get("version") != 1 or "models" not in data:
        raise UsageError(f"{where}: not a ratings file tools/build_framework_ratings.py wrote")
    shown = "shipped (openness/index/framework_ratings.yaml)" if path is None else str(path)
    return Ratings(
        path=shown,
        snapshots=data.get("snapshots") or {},
        frameworks=data.get("frameworks") or {},
        models={repo.lower(): {"repo_id": repo, **m} for repo, m in data["models"].items()},
    )
