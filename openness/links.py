"""Links in a card body: markdown links and bare URLs, with their line and link text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from openness.report import Evidence
from openness.sanitize import one_line

_MD_LINK = re.compile(r"\[([^\]\n]{0,300})\]\((https?://[^\s)]{1,500})\)")
_BARE = re.compile(r"(?<![(\[<\"'=])https?://[^\s)<>\"'\]]{1,500}")
_ANGLE = re.compile(r"<(https?://[^\s>]{1,500})>")
# The tail of a markdown link whose [text] began on an earlier line.
_TAIL = re.compile(r"^([^\[\]]{0,200})\]\((https?://[^\s)]{1,500})\)")
MAX_LINKS = 500
MAX_LINE = 4000


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    line: int
    source: str
    context: str  # the (cleaned, shortened) line the link sits on


def find_links(text: str, source: str, first_line: int = 1) -> list[Link]:
    links: list[Link] = []
    previous = ""
    for number, line in enumerate(text.split("\n"), start=first_line):
        line = line[:MAX_LINE]
        if "http" not in line:
            previous = line
            continue
        # The line before is part of the context: link text often wraps ("first released in\n
        # [this repository](…)").
        context = one_line(f"{previous[-120:]} {line}", 320)
        previous = line
        for m in _MD_LINK.finditer(line):
            links.append(
                Link(m.group(2).rstrip(".,;"), one_line(m.group(1), 120), number, source, context)
            )
        for m in _ANGLE.finditer(line):
            links.append(Link(m.group(1), "", number, source, context))
        tail = _TAIL.match(line.strip())
        if tail:
            links.append(
                Link(
                    tail.group(2).rstrip(".,;"),
                    one_line(tail.group(1), 120),
                    number,
                    source,
                    context,
                )
            )
        stripped = _MD_LINK.sub(" ", _ANGLE.sub(" ", _TAIL.sub(" ", line.strip())))
        for m in _BARE.finditer(stripped):
            links.append(Link(m.group(0).rstrip(".,;:*_`"), "", number, source, context))
        if len(links) >= MAX_LINKS:
            break
    return links[:MAX_LINKS]


def host_and_path(url: str) -> str:
    """`host/path` in lower case, without scheme, query or fragment."""
    rest = url.split("://", 1)[-1]
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    return rest.lower().removeprefix("www.")


def link_evidence(kind: str, link: Link) -> Evidence:
    """A link found in a card, as evidence: its text (or line), file, line and URL."""
    return Evidence(
        kind=kind,
        detail=link.text or link.context,
        source=link.source,
        line=link.line,
        url=link.url,
    )
