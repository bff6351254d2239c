"""`--deep`: check linked GitHub repositories through the GitHub REST API (requests).

Only repositories linked as training or data-processing code are checked, at most MAX_REPOS
per audit. GITHUB_TOKEN is sent only to the configured API base, never to another host.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from openness.httplog import requests_hook
from openness.sanitize import one_line

DEFAULT_API = "https://api.github.com"
API_ENV = "OPENNESS_GITHUB_API"
MAX_REPOS = 6
MAX_TREE_ENTRIES = 100_000
_REPO = re.compile(
    r"^https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]{1,100})/([A-Za-z0-9_.-]{1,100})"
)
TRAINING_PATH = re.compile(
    r"(^|/)[^/]*(pre-?train|train|finetun|fine_tun|sft)[^/]*\.(py|sh|ya?ml|json)$|"
    r"(^|/)(recipes|configs?/(train|pretrain)[^/]*)/",
    re.IGNORECASE,
)
PIPELINE_PATH = re.compile(
    r"(^|/)[^/]*(dedup|filter|clean|preprocess|tokeniz|decontam|minhash|"
    r"quality)[^/]*\.(py|sh|rs|ya?ml)$",
    re.IGNORECASE,
)


@dataclass
class RepoCheck:
    url: str
    slug: str
    exists: bool | None
    public: bool | None = None
    license: str | None = None
    training_files: list[str] = field(default_factory=list)
    pipeline_files: list[str] = field(default_factory=list)
    problem: str | None = None

    def summary(self) -> str:
        if self.exists is False:
            return f"{self.slug}: not found on GitHub (dead link or private)"
        if self.exists is None:
            return f"{self.slug}: not checked ({self.problem})"
        parts = [
            f"{self.slug}: {'public' if self.public else 'private'}",
            f"license {self.license or 'none'}",
        ]
        if self.training_files:
            parts.append(f"training code e.g. {self.training_files[0]}")
        if self.pipeline_files:
            parts.append(f"data processing e.g. {self.pipeline_files[0]}")
        if not self.training_files and not self.pipeline_files:
            parts.append("no training or data-processing files in its tree")
        return one_line(", ".join(parts), 240)


def repo_slug(url: str) -> str | None:
    m = _REPO.match(url)
    if not m:
        return None
    return f"{m.group(1)}/{m.group(2).removesuffix('.git')}"


class GitHubClient:
    def __init__(
        self, api: str | None = None, token: str | None = None, timeout: float = 10.0
    ) -> None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.api = (api or os.environ.get(API_ENV) or DEFAULT_API).rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        retry = Retry(
            total=2,
            backoff_factor=0.5,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=("GET",),
            respect_retry_after_header=False,
        )
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        self.session.headers["Accept"] = "application/vnd.github+json"
        self.session.hooks["response"].append(requests_hook)  # --verbose
        self._token = token if token is not None else os.environ.get("GITHUB_TOKEN")
        self._api_origin = urlsplit(self.api)[:2]

    def _get(self, path: str):  # type: ignore[no-untyped-def]
        url = f"{self.api}{path}"
        headers = {}
        # The token goes to the configured API origin only, never to a host found in a card.
        if self._token and urlsplit(url)[:2] == self._api_origin:
            headers["Authorization"] = f"Bearer {self._token}"
        return self.session.get(url, headers=headers, timeout=self.timeout, allow_redirects=False)

    def check(self, url: str) -> RepoCheck | None:
        import requests

        slug = repo_slug(url)
        if slug is None:
            return None
        try:
            repo = self._get(f"/repos/{slug}")
            if repo.status_code == 404:
                return RepoCheck(url, slug, exists=False)
            if repo.status_code != 200:
                return RepoCheck(url, slug, exists=None, problem=f"HTTP {repo.status_code}")
            meta = repo.json()
            check = RepoCheck(
                url,
                slug,
                exists=True,
                public=not meta.get("private", False),
                license=((meta.get("license") or {}).get("spdx_id")),
            )
            branch = meta.get("default_branch") or "HEAD"
            tree = self._get(f"/repos/{slug}/git/trees/{branch}?recursive=1")
            if tree.status_code == 200:
                paths = [
                    e.get("path", "")
                    for e in tree.json().get("tree", [])[:MAX_TREE_ENTRIES]
                    if isinstance(e, dict)
                ]
                check.training_files = [p for p in paths if TRAINING_PATH.search(p)][:5]
                check.pipeline_files = [p for p in paths if PIPELINE_PATH.search(p)][:5]
            return check
        except (requests.RequestException, ValueError) as exc:
            return RepoCheck(url, slug, exists=None, problem=type(exc).__name__)
