"""What the user asked to audit: a Hub repo id, a Hub URL or a local folder, checked before any
request. Repeats are dropped here; a close match is suggested for an id the Hub does not know."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from openness.errors import UsageError

# The Hub's own rule (huggingface_hub.utils.validate_repo_id) plus: ASCII only, no "..", no
# percent-escapes, at most one "/". Look-alike Unicode never reaches the network.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")

HUB_HOSTS = ("huggingface.co", "www.huggingface.co", "hf.co")
# Pages of a repo whose next path segment is a revision: /tree/<rev>, /blob/<rev>/<file>, ...
_REVISION_PAGES = frozenset({"tree", "blob", "resolve", "raw", "commit", "commits", "blame"})
_OTHER_PAGES = frozenset({"discussions"})
_NOT_MODELS = {"datasets": "a dataset", "spaces": "a Space"}
# First path segments that are Hub pages, never an organisation.
_RESERVED = frozenset(
    {"models", "docs", "api", "collections", "papers", "organizations", "settings", "blog",
     "posts", "learn", "tasks", "pricing", "join", "login", "search", "chat"}
)  # fmt: skip
_MAX_REVISION = 256
# `org/name@revision`, on the command line as in --from files: the revision is what follows "@".
_AT_REVISION = re.compile(r"^(?P<repo>[^@\s/]+(?:/[^@\s/]+)?)@(?P<revision>\S+)$")


@dataclass(frozen=True)
class Subject:
    repo_id: str
    path: Path | None = None  # set for a local folder (absolute)
    revision: str | None = None  # from a Hub URL: /tree/<rev>, /blob/<rev>/..., /resolve/<rev>/...

    @property
    def is_local(self) -> bool:
        return self.path is not None

    @property
    def argument(self) -> str:
        """What Auditor.audit takes for this subject."""
        return str(self.path) if self.path is not None else self.repo_id


def _shown(value: str) -> str:
    return ascii(value) if not value.isascii() or not value.isprintable() else repr(value)


def validate_repo_id(value: str, what: str = "repo id") -> str:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id as hub_validate

    shown = _shown(value)
    if not value.isascii() or unicodedata.normalize("NFKC", value) != value:
        raise UsageError(
            f"{shown} is not a valid {what}: only ASCII letters, digits, '-', '_', "
            "'.' and one '/' are allowed"
        )
    if not _REPO_ID.match(value) or ".." in value or "--" in value or value.endswith(".git"):
        raise UsageError(f"{shown} is not a valid {what} (expected 'org/name')")
    try:
        hub_validate(value)
    except HFValidationError as exc:
        raise UsageError(f"{shown} is not a valid {what}: {str(exc).splitlines()[0]}") from None
    return value


def parse_subject(value: str) -> Subject:
    """A Hub URL is a repo (and maybe a revision); a path that exists (or is written as one) is
    a local folder; anything else a repo id, `org/name@revision` naming a revision."""
    if _looks_like_url(value):
        return _from_url(value)
    looks_like_path = value.startswith((".", "/", "~")) or "\\" in value or value.endswith("/")
    path = Path(value).expanduser()
    # An existing folder not written as org/name is one; so is any existing path with two or
    # more '/' (never a repo id), to be told it is a file when it is one.
    slashes = value.count("/")
    if looks_like_path or (path.is_dir() and slashes != 1) or (path.exists() and slashes > 1):
        if path.exists() and not path.is_dir():
            raise UsageError(
                f"{_shown(value)} is a file, not a model folder: give the folder that holds "
                "the model's files (or a repo id)"
            )
        if not path.is_dir():
            hint = " (a repo id has no trailing '/')" if value.endswith("/") else ""
            raise UsageError(f"{_shown(value)}: no such folder{hint}")
        # Absolute: a relative path can't be expressed as a file URI, and the name of "." is "".
        folder = path.resolve()
        return Subject(repo_id=folder.name or str(folder), path=folder)
    at = _AT_REVISION.match(value)
    if at is not None:
        revision = _checked_revision(value, at["revision"])
        return Subject(repo_id=validate_repo_id(at["repo"]), revision=revision)
    return Subject(repo_id=validate_repo_id(value))


def _checked_revision(value: str, revision: str) -> str:
    if len(revision) > _MAX_REVISION or not revision.isprintable() or " " in revision:
        raise UsageError(f"{_shown(value)}: {_shown(revision)} is not a valid revision")
    return revision


def plan_subjects(values: list[str], revision: str | None = None) -> list[tuple[str, str | None]]:
    """(subject, revision) to audit, in the order given: every value is checked first (a usage
    error before any request), the revision a URL or `@revision` names must agree with
    --revision, and a repeated
    subject is audited once, under its first spelling (repo ids compare as the Hub compares
    them: case-insensitively)."""
    planned: list[tuple[str, str | None]] = []
    seen: set[tuple[str, str | None]] = set()
    for value in values:
        subject = parse_subject(value)
        if subject.revision and revision and subject.revision != revision:
            raise UsageError(
                f"{_shown(value)} names revision {subject.revision!r} but --revision is "
                f"{revision!r}: give one of them"
            )
        key = (subject.argument if subject.is_local else subject.repo_id.lower(), subject.revision)
        if key in seen:
            continue
        seen.add(key)
        planned.append((subject.argument, subject.revision))
    return planned


# -- Hub URLs ------------------------------------------------------------------------------------


def _looks_like_url(value: str) -> bool:
    lower = value.lower()
    return "://" in value or any(lower == h or lower.startswith(h + "/") for h in HUB_HOSTS)


def _endpoint() -> tuple[str, int | None, str] | None:
    """(host, port, path prefix) of the configured HF_ENDPOINT."""
    from huggingface_hub import constants

    try:
        parts = urlsplit(constants.ENDPOINT)
        port = parts.port or _default_port(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port, parts.path.rstrip("/")


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme.lower())


def _from_url(value: str) -> Subject:
    shown = _shown(value)
    raw = value if "://" in value else f"https://{value}"
    try:
        parts = urlsplit(raw)
        port = parts.port or _default_port(parts.scheme)
    except ValueError:
        raise UsageError(f"{shown} is not a valid URL") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    endpoint = _endpoint()
    path = parts.path
    if scheme not in ("http", "https") or parts.username or parts.password:
        raise UsageError(f"{shown}: only http(s) URLs of the Hub are accepted")
    if host in HUB_HOSTS:
        pass
    elif endpoint is not None and (host, port) == endpoint[:2]:
        prefix = endpoint[2]
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            path = path[len(prefix) :]
    else:
        hosts = ", ".join(dict.fromkeys(["huggingface.co", "hf.co", *(endpoint or ())[:1]]))
        raise UsageError(f"{shown} is not a Hugging Face Hub URL (expected a host of: {hosts})")
    segments = [unquote(s) for s in path.split("/") if s]
    if not segments:
        raise UsageError(f"{shown} names no model (expected https://huggingface.co/org/name)")
    if segments[0] in _NOT_MODELS:
        raise UsageError(
            f"{shown} is {_NOT_MODELS[segments[0]]}, not a model: only models are audited"
        )
    if segments[0] in _RESERVED:
        raise UsageError(
            f"{shown} is not a model's page (expected https://huggingface.co/org/name)"
        )
    pages = _REVISION_PAGES | _OTHER_PAGES
    if len(segments) <= 2:
        repo, rest = segments, []
    elif segments[2] in pages:
        repo, rest = segments[:2], segments[2:]
    elif segments[1] in pages:  # a legacy id without an organisation: /gpt2/tree/main
        repo, rest = segments[:1], segments[1:]
    else:
        raise UsageError(
            f"{shown} is not a model's page (expected https://huggingface.co/org/name)"
        )
    revision = None
    if rest and rest[0] in _REVISION_PAGES and len(rest) > 1:
        revision = _checked_revision(value, rest[1])
    repo_id = validate_repo_id("/".join(repo), "repo id in the URL")
    return Subject(repo_id=repo_id, revision=revision)


# -- did you mean ----------------------------------------------------------------------------------


def search_term(repo_id: str) -> str | None:
    """What to search the Hub for, to find what a mistyped id meant: its name, less the last
    -/_/. separated part (a mistyped suffix such as 7bb, or a wrong case, still matches) or,
    for a one-part name, less its last character. The Hub matches substrings, ignoring case.
    None for what is not a repo id (a local folder)."""
    if not _REPO_ID.match(repo_id):
        return None
    name = repo_id.rsplit("/", 1)[-1]
    cut = max(name.rfind("-"), name.rfind("_"), name.rfind("."))
    if cut >= 3:
        return name[:cut]
    return name[: max(3, len(name) - 1)]


@dataclass(frozen=True)
class Search:
    name: str | None  # a substring of the id
    author: str | None = None  # the models of this user or organisation


def suggestion_searches(repo_id: str) -> list[Search]:
    """The searches that find what a mistyped id meant, in order, each one request: by the
    name less its last part (a mistyped suffix, case or organisation still matches), then the
    org's most downloaded models (a typo early in the name: `openai-community/gtp2`, whose
    `gtp` matches nothing). Empty for what is not a repo id (a local folder)."""
    term = search_term(repo_id)
    if term is None:
        return []
    searches = [Search(term)]
    if "/" in repo_id:
        searches.append(Search(None, author=repo_id.split("/", 1)[0]))
    return searches


def closest_repo(repo_id: str, candidates: list[str]) -> str | None:
    """The candidate closest to a repo id that was not found (ignoring case), if close enough:
    a few typing slips away (a swapped pair such as `gtp2` counts as one), however long the
    shared organisation; ties go to the more similar (difflib), then to the earlier (the more
    downloaded). Never the id itself."""
    if not _REPO_ID.match(repo_id):
        return None
    typed = repo_id.lower()
    name = typed.rsplit("/", 1)[-1]
    allowed = max(1, min(3, len(name) // 4))
    ranked = []
    for order, candidate in enumerate(candidates):
        if candidate == repo_id or not _REPO_ID.match(candidate):
            continue
        slips = typing_slips(typed, candidate.lower(), allowed)
        if slips <= allowed:
            similar = difflib.SequenceMatcher(None, typed, candidate.lower()).ratio()
            ranked.append((slips, -similar, order, candidate))
    return min(ranked)[-1] if ranked else None


def typing_slips(a: str, b: str, most: int) -> int:
    """The edits (a letter added, dropped, changed, or two neighbours swapped) that make `a`
    into `b` (optimal string alignment distance); anything over `most` is `most + 1`."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > most:
            return most + 1
        before, previous = previous, row
    return min(previous[-1], most + 1)
