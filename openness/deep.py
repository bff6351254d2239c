"""`--deep`: confirm code links against the repositories they point to."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from openness.ladder import rung_of
from openness.report import Evidence, Openness, Problem, Step
from openness.sources.github import MAX_REPOS, GitHubClient, RepoCheck, repo_slug

CHECKED = {
    3: ("training_code", "training_files", "training code"),
    5: ("pipeline_code", "pipeline_files", "data-processing code"),
}


def deepen(ladder: Openness, client: GitHubClient) -> list[Problem]:
    """Check the GitHub links behind rungs 3 and 5 and adjust those steps by what is there.

    A repository that could not be checked (GitHub unreachable, rate limited) leaves its step
    as the card showed it and is returned as a problem: the audit asked for is incomplete."""
    urls: list[str] = []
    for rung, (kind, _attr, _label) in CHECKED.items():
        for e in ladder.steps[rung - 1].evidence:
            if e.kind == kind and e.url and repo_slug(e.url) and e.url not in urls:
                urls.append(e.url)
    urls = urls[:MAX_REPOS]
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=4) as pool:
        checks = {u: c for u, c in zip(urls, pool.map(client.check, urls), strict=True) if c}
    for rung, (kind, attr, label) in CHECKED.items():
        _adjust(ladder.steps[rung - 1], kind, attr, label, checks)
    ladder.rung = rung_of(ladder.steps)
    return [
        Problem(
            kind="github_unreachable",
            message=f"--deep: GitHub repository {check.slug} could not be checked "
            f"({check.problem})",
        )
        for check in checks.values()
        if check.exists is None
    ]


def _adjust(step: Step, kind: str, attr: str, label: str, checks: dict[str, RepoCheck]) -> None:
    mine = [checks[e.url] for e in step.evidence if e.kind == kind and e.url in checks]
    if not mine:
        return
    for check in mine:
        step.evidence.append(
            Evidence(
                kind="repo_checked",
                detail=check.summary(),
                source="GitHub API",
                url=f"https://github.com/{check.slug}",
            )
        )
    alive = [c for c in mine if c.exists]
    if all(c.exists is False for c in mine):
        step.met = False
        step.confidence = "high"
        step.reason = f"every linked repository for {label} is missing or private"
    elif any(getattr(c, attr) for c in alive):
        step.confidence = "high"
    elif alive:
        step.confidence = "low"
        step.reason = f"the linked repositories exist but show no {label} in their file tree"
