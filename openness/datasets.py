"""What the Hub (or a mirror) says about one dataset a model names.

`missing` is said only when the Hub itself answers that the dataset does not exist (or is
private); anything else that keeps us from it (a mirror that lacks it, a network error, a
rate limit) is `error`, which the ladder reads as unknown, never as not released.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openness.card import read_card
from openness.errors import OpennessError
from openness.links import Link
from openness.snapshot import Snapshot

RELEASED = ("released", "terms_gated")


@dataclass
class DatasetStatus:
    repo_id: str
    status: str  # released | terms_gated | manual_gated | private | missing | error
    url: str | None
    source: str  # where the model names it: "README.md: datasets" or "tags"
    license: str | None = None
    detail: str = ""
    links: list[Link] = field(default_factory=list)
    card_unread: str | None = None  # why its card could not be read, when it lists one
    revision: str | None = None  # the commit it was read at


def from_snapshot(requested: str, source: str, snap: Snapshot) -> DatasetStatus:
    status = "released"
    if snap.private:
        status = "private"
    elif snap.gated == "manual":
        status = "manual_gated"
    elif snap.gated:
        status = "terms_gated"
    card = read_card(snap)
    licenses = card.strings("license")
    return DatasetStatus(
        snap.repo_id,
        status,
        snap.url,
        source,
        license=licenses[0] if licenses else None,
        detail="" if snap.repo_id == requested else f"renamed to {snap.repo_id}",
        links=[
            Link(link.url, link.text, link.line, f"dataset {snap.repo_id}: README.md", link.context)
            for link in card.links
        ],
        card_unread=card.unread_reason,
        revision=snap.revision,
    )


def from_error(requested: str, source: str, exc: OpennessError) -> DatasetStatus:
    reason = getattr(exc, "reason", str(exc))
    if exc.kind == "not_found":  # the Hub said so: it does not exist, or is private
        return DatasetStatus(requested, "missing", None, source, detail=reason)
    return DatasetStatus(requested, "error", None, source, detail=reason)
