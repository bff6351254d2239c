"""One snapshot of a repo: everything the assessments read, and what could not be read.

Sources build it; assessments read it; nothing downstream talks to the network.
A snapshot is keyed by (repo_id, revision) so that a cache can store it as it is.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from openness.report import Problem

LICENSE_FILE = re.compile(
    r"^(?:[^/]*license[^/]*|[^/]*licence[^/]*|use[_-]?policy[^/]*|acceptable[_-]?use[^/]*"
    r"|notice[^/]*|copying[^/]*|terms[_-]?of[_-]?use[^/]*)$",
    re.IGNORECASE,
)
TEXT_SUFFIXES = ("", ".txt", ".md", ".markdown", ".rst")
BINARY_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".gif", ".docx", ".zip")
MAX_LICENSE_FILES = 12


class TextFile(BaseModel):
    path: str
    text: str
    url: str | None = None
    encoding: str | None = None
    truncated: bool = False


class Snapshot(BaseModel):
    repo_id: str
    revision: str | None
    source: Literal["hub", "mirror", "local"]
    kind: Literal["model", "dataset"] = "model"
    url: str | None = None
    gated: Literal["auto", "manual"] | bool | None = None
    private: bool | None = None
    info: dict[str, Any] = Field(default_factory=dict)
    files: list[str] = Field(default_factory=list)
    texts: dict[str, TextFile] = Field(default_factory=dict)
    problems: list[Problem] = Field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        tags = self.info.get("tags")
        return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []

    def file_url(self, path: str) -> str | None:
        """A URL a person can open for a repo file: the Hub's blob page, else where it was read."""
        if self.source == "hub" and self.url:
            return f"{self.url}/blob/{self.revision or 'main'}/{path}"
        text = self.texts.get(path)
        if text is not None and text.url:
            return text.url
        if self.url and "://" in self.url:
            return f"{self.url.rstrip('/')}/{path}"
        return None


def license_files(files: list[str]) -> list[str]:
    """License-like text files at the top of a repo, by name (content decides what they are)."""
    chosen = []
    for path in files:
        if "/" in path:
            continue
        suffix = path[path.rfind(".") :].lower() if "." in path else ""
        if suffix in BINARY_SUFFIXES:
            continue
        if suffix not in TEXT_SUFFIXES and not path.upper().startswith(("LICENSE", "LICENCE")):
            continue
        if LICENSE_FILE.match(path):
            chosen.append(path)
    return sorted(chosen)[:MAX_LICENSE_FILES]


# Small metadata files read for lineage: an adapter names its base in its config.
METADATA_FILES = ("adapter_config.json",)


def files_to_read(files: list[str]) -> list[str]:
    readme = ["README.md"] if "README.md" in files else []
    metadata = [f for f in METADATA_FILES if f in files]
    return readme + license_files(files) + metadata
