"""The URLs a shared document may carry: a mirror's local paths become the Hub's own.

A mirror (`--mirror DIR`) is a copy of the Hub in the Hub's layout, so what was read at
`DIR/models/<id>/<path>` is, for whoever receives a bill of materials, the file at
`https://huggingface.co/<id>/blob/<sha>/<path>` (datasets under `/datasets/`), as the purl already
says. CycloneDX and SPDX documents are shared: a `file://` path means nothing to their reader
and tells them about the machine that wrote it, so they are given a copy of the report whose
URLs are the Hub's; a local path that stands for no Hub repo is dropped. The subject's `source`
still says `mirror`. A local folder (`audit ./model`) has no other address and keeps its own.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openness.report import Evidence, Report

HUB = "https://huggingface.co"
_REVISION_FOLDER = re.compile(r"/revisions/[^/]+$")


def public_report(report: Report) -> Report:
    """The report as a shared document may show it: for a mirror subject, a copy with every
    URL the Hub's; any other report as it is."""
    if report.subject.source != "mirror":
        return report
    urls = _MirrorUrls(report)
    copy = report.model_copy(deep=True)
    copy.subject.url = urls.page(report.subject.repo_id, "models")
    for dataset in copy.datasets:
        dataset.url = urls(dataset.url)
    for step in copy.openness.steps:
        _rewrite(step.evidence, urls)
    for component in copy.openness.components:
        _rewrite(component.evidence, urls)
    return copy


def _rewrite(evidence: list[Evidence], urls: _MirrorUrls) -> None:
    for e in evidence:
        e.url = urls(e.url)


class _MirrorUrls:
    """Maps a mirror's file URLs to the Hub's, for the repos a report read: the subject, its
    bases (at the commits read) and its datasets."""

    def __init__(self, report: Report) -> None:
        subject = report.subject
        own = (subject.url or "").rstrip("/")
        tail = f"/models/{subject.repo_id}"
        canonical = _REVISION_FOLDER.sub("", own)
        root = canonical[: -len(tail)] if canonical.endswith(tail) else None
        # (folder URL, Hub page, revision), the longest folder first so that a repo's
        # `revisions/<sha>` folder wins over the repo itself
        folders: list[tuple[str, str, str | None]] = []
        if own:
            folders.append((own, self.page(subject.repo_id, "models"), subject.revision))
        if root is not None:
            repos = [(subject.repo_id, "models", subject.revision)]
            repos += [(b.repo_id, "models", b.revision) for b in report.lineage.base_chain]
            repos += [(d.repo_id, "datasets", None) for d in report.datasets]
            for repo_id, kind, revision in repos:
                folders.append((f"{root}/{kind}/{repo_id}", self.page(repo_id, kind), revision))
        self.folders = sorted(folders, key=lambda f: -len(f[0]))

    @staticmethod
    def page(repo_id: str, kind: str) -> str:
        return f"{HUB}/{repo_id}" if kind == "models" else f"{HUB}/datasets/{repo_id}"

    def __call__(self, url: str | None) -> str | None:
        if not url or not url.lower().startswith("file:"):
            return url
        for folder, page, revision in self.folders:
            if url.rstrip("/") == folder:
                return page
            if url.startswith(folder + "/"):
                return f"{page}/blob/{revision or 'main'}/{url[len(folder) + 1 :]}"
        return None  # a local path that stands for no Hub repo: never shown
