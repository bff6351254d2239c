"""What the user asked to audit: a Hub repo id or a local folder, checked before any request."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from openness.errors import UsageError

# The Hub's own rule (huggingface_hub.utils.validate_repo_id) plus: ASCII only, no "..", no
# percent-escapes, at most one "/". Look-alike Unicode never reaches the network.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


@dataclass(frozen=True)
class Subject:
    repo_id: str
    path: Path | None = None  # set for a local folder

    @property
    def is_local(self) -> bool:
        return self.path is not None


def validate_repo_id(value: str, what: str = "repo id") -> str:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id as hub_validate

    shown = ascii(value) if not value.isascii() or not value.isprintable() else repr(value)
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
    """A path that exists (or is written as one) is a local folder; anything else a repo id."""
    looks_like_path = value.startswith((".", "/", "~")) or "\\" in value
    path = Path(value).expanduser()
    if looks_like_path or (path.is_dir() and value.count("/") != 1):
        if not path.is_dir():
            raise UsageError(f"{value!r}: no such folder")
        return Subject(repo_id=path.resolve().name, path=path)
    return Subject(repo_id=validate_repo_id(value))
