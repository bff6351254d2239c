"""Whole inventories in: subject files (`--from FILE`) and Hub listings (`--author`, `--search`,
`--top`), turned into the (subject, revision) plan the batch audits.

Everything a file says is checked before any request (a bad line is a usage error naming
FILE:LINE). A listing is one paged request (1,000 models a page) that brings each model's info
with it: that info is handed to the Hub source, so auditing a listed model makes no model-info
request of its own.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openness.errors import UsageError

if TYPE_CHECKING:
    from openness.audit import Auditor

Planned = list[tuple[str, str | None]]
MAX_LINE = 2048  # a subject longer than this is not a subject
_AUTHOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


@dataclass(frozen=True)
class Listing:
    """What to list: models of `author`, whose id contains `search`, the `top` most
    downloaded (every match when None)."""

    author: str | None = None
    search: str | None = None
    top: int | None = None

    def __bool__(self) -> bool:
        return bool(self.author or self.search or self.top)

    def describe(self) -> str:
        parts = []
        if self.top:
            parts.append(f"--top {self.top}")
        if self.author:
            parts.append(f"--author {self.author}")
        if self.search:
            parts.append(f"--search {self.search!r}")
        return " ".join(parts)


def check_listing(listing: Listing) -> None:
    """Usage errors in --author / --search, before any request."""
    if listing.author is not None and not _AUTHOR.match(listing.author):
        raise UsageError(
            f"--author {listing.author!r} is not a user or organisation name "
            "(letters, digits, '-', '_' and '.')"
        )
    if listing.search is not None:
        text = listing.search
        if not text.strip() or not text.isprintable() or len(text) > 200:
            raise UsageError(f"--search {text!r}: give a few printable words (at most 200)")


# -- subject files ---------------------------------------------------------------------------------


def read_lines(name: str) -> list[str]:
    """The lines of FILE, or of stdin for "-"."""
    if name == "-":
        data = sys.stdin.buffer.read()
        shown = "<stdin>"
    else:
        if os.path.isdir(name):
            raise UsageError(f"--from {name}: is a folder; give a file of subjects, one a line")
        if not os.path.isfile(name):
            raise UsageError(f"--from {name}: no such file")
        try:
            with open(name, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise UsageError(f"--from {name}: cannot be read ({exc.strerror or exc})") from None
        shown = name
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    return text.splitlines()


def subjects_in(name: str, revision: str | None) -> Planned:
    """(subject, revision) for each subject line of FILE ("-": stdin): one a line, `#` starts a
    comment, blank lines are skipped, `org/name@revision` names a revision, Hub URLs and
    local folders are accepted. Raises UsageError naming FILE:LINE."""
    from openness.subjects import plan_subjects

    shown = "<stdin>" if name == "-" else name
    planned: Planned = []
    for number, raw in enumerate(read_lines(name), start=1):
        value = _strip_comment(raw).strip()
        if not value:
            continue
        where = f"{shown}:{number}"
        if len(value) > MAX_LINE:
            raise UsageError(f"{where}: a line of {len(value)} characters is not a subject")
        try:
            planned += plan_subjects([value], revision)
        except UsageError as exc:
            raise UsageError(f"{where}: {exc}") from None
    return planned


def _strip_comment(line: str) -> str:
    """Without a `#` comment: a whole-line one, or one after whitespace (a URL's #fragment,
    written without a space before it, is left to the URL parser)."""
    if line.lstrip().startswith("#"):
        return ""
    match = re.search(r"\s#", line)
    return line[: match.start()] if match else line


# -- combining -------------------------------------------------------------------------------------


def combine(*plans: Planned) -> Planned:
    """Every plan in order, a subject repeated across them audited once (repo ids compared as
    the Hub compares them: case-insensitively; local folders by path)."""
    out: Planned = []
    seen: set[tuple[str, str | None]] = set()
    for plan in plans:
        for subject, revision in plan:
            local = os.path.isabs(subject)
            key = (subject if local else subject.lower(), revision)
            if key not in seen:
                seen.add(key)
                out.append((subject, revision))
    return out


# -- listings --------------------------------------------------------------------------------------


def read_listing(
    auditor: Auditor,
    listing: Listing,
    say: Callable[[str], None] | None = None,
    extra: tuple[str, ...] = (),
    prime: bool = True,
) -> list[tuple[str, dict]]:
    """(valid repo id, info) of each model a listing names, most downloaded first; `extra`:
    more info fields to ask for. On the Hub each model's info (the fields an audit reads) comes
    with the listing and, with `prime`, is handed to the Hub source, so auditing a listed
    model, or reading it as another model's base, makes no model-info request."""
    from openness.subjects import validate_repo_id

    if auditor.mirror is not None:
        found = auditor.mirror.list_models(listing.author, listing.search, listing.top)
    else:
        if auditor.offline:
            raise UsageError(
                f"{listing.describe()} asks the Hub for a listing: not possible offline "
                "(use --mirror DIR, or --from FILE with models that are cached)"
            )
        found = auditor.hub.list_models(listing.author, listing.search, listing.top, extra=extra)
    out: list[tuple[str, dict]] = []
    for repo_id, info in found:
        try:
            valid = validate_repo_id(repo_id)
        except UsageError as exc:
            if say is not None:
                say(f"listing: skipped {exc}")
            continue
        if prime and auditor.mirror is None:
            auditor.hub.prime("model", valid, info)
        out.append((valid, info))
    return out


def listed_subjects(
    auditor: Auditor, listing: Listing, say: Callable[[str], None] | None = None
) -> Planned:
    """The models a listing names, most downloaded first; with --revision the listing's info
    (of main) is not handed on."""
    primed = auditor.options.revision is None
    return [(repo_id, None) for repo_id, _ in read_listing(auditor, listing, say, prime=primed)]
