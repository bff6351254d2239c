"""Decoding untrusted bytes into bounded text, and reading model-card front matter safely."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import yaml

# Caps on what is read from any one repo file (documented in README, Security).
MAX_TEXT_BYTES = 1024 * 1024  # 1 MiB per license file or card
MAX_FRONT_MATTER_BYTES = 256 * 1024
MAX_YAML_NODES = 20_000


@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str | None
    truncated: bool
    problem: str | None = None


def decode(data: bytes, *, truncated: bool = False) -> Decoded:
    """Decode bytes from a repo: BOM-aware UTF-8/UTF-16, then Latin-1; refuse binary."""
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(data[3:].decode("utf-8", "replace"), "utf-8-sig", truncated)
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[2:]
            body = body[: len(body) - len(body) % 2]
            return Decoded(body.decode(enc, "replace"), "utf-16", truncated)
    if _looks_binary(data):
        return Decoded(None, None, truncated, "binary content (not a text file)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", truncated)
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character is not a reason to give up on UTF-8.
        if truncated and exc.start >= len(data) - 4:
            return Decoded(data[: exc.start].decode("utf-8"), "utf-8", truncated)
        return Decoded(data.decode("latin-1"), "latin-1", truncated)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / len(sample) > 0.05


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (yaml_block, body, body_first_line) of a card with `---` front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    return None, text, 1


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (billion laughs) and documents with too many nodes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("YAML aliases are not accepted in model cards")
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise yaml.YAMLError(f"front matter has more than {MAX_YAML_NODES} nodes")
        return super().compose_node(parent, index)


def parse_front_matter(block: str) -> tuple[dict, str | None]:
    """Parse card YAML safely. Returns (data, problem); data is {} when unusable."""
    if len(block.encode("utf-8", "replace")) > MAX_FRONT_MATTER_BYTES:
        return {}, f"front matter larger than {MAX_FRONT_MATTER_BYTES} bytes was not parsed"
    try:
        data = yaml.load(block, Loader=_BoundedLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        return {}, f"malformed YAML front matter: {_first_line(str(exc))}"
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        return {}, "YAML front matter is not a mapping"
    return data, None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"
