"""Model references in configuration files: YAML (composed, never constructed), JSON and
TOML (stdlib parsers), and models.txt lists, under the watched keys (CONFIG_KEYS)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import yaml

from openness.scan.context import (
    CONFIG_KEYS,
    FileContext,
    Refused,
    config_ignore,
    ignore_reason,
    is_model_repo_id,
)

if sys.version_info >= (3, 11):
    import tomllib as toml
else:  # pragma: no cover - Python 3.10, where tomli is a dependency
    import tomli as toml

# --- YAML ----------------------------------------------------------------------------------

# libyaml is ~6x faster and caps nesting itself; both only compose nodes, never build objects.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def scan_yaml(ctx: FileContext) -> None:
    docs = list(yaml.compose_all(ctx.text, Loader=_YamlLoader))
    seen: set[int] = set()
    stack: list[yaml.Node] = [d for d in reversed(docs) if d is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # a composed alias is the same node object again
            raise Refused("YAML aliases are not accepted (they can expand without bound)")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                _yaml_pair(ctx, key, value)
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def _yaml_pair(ctx: FileContext, key: yaml.Node, value: yaml.Node) -> None:
    if not isinstance(key, yaml.ScalarNode) or str(key.value).lower() not in CONFIG_KEYS:
        return
    items = value.value if isinstance(value, yaml.SequenceNode) else [value]
    for item in items:
        if isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:str":
            line = item.start_mark.line + 1
            if is_model_repo_id(item.value, allow_bare=False, bases=ctx.bases):
                ignore = config_ignore(ctx.line_text(line))
                at = (line, item.start_mark.column + 1)
                ctx.add(item.value, at, f"key {key.value}", ignore)


# --- JSON and TOML -------------------------------------------------------------------------

_KEY_ALT = "|".join(sorted(CONFIG_KEYS, key=len, reverse=True))
# `key = "value"` / `"key": ["a", "b"]`: where each parsed pair sits in the text.
_PAIR_RE = re.compile(
    rf"""(?<![\w-])(?:"(?P<k1>{_KEY_ALT})"|'(?P<k2>{_KEY_ALT})'|(?P<k3>{_KEY_ALT}))\s*[:=]\s*
    (?:(?P<q>["'])(?P<v>[^"'\\\r\n]*)(?P=q)|\[(?P<items>[^\[\]{{}}]*)\])""",
    re.IGNORECASE | re.VERBOSE,
)
_ITEM_RE = re.compile(r"""(["'])([^"'\\\r\n]*)\1""")


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs, so duplicate keys are all seen."""


def scan_json(ctx: FileContext) -> None:
    data = json.loads(ctx.text, object_pairs_hook=_Pairs)
    _emit_pairs(ctx, _config_pairs(data), comments=False)


def scan_toml(ctx: FileContext) -> None:
    _emit_pairs(ctx, _config_pairs(toml.loads(ctx.text)), comments=True)


def _config_pairs(data: Any) -> Iterator[tuple[str, str]]:
    """(key as written, string value) for the watched keys anywhere in parsed JSON/TOML."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            node = _Pairs(node.items())
        if isinstance(node, _Pairs):
            for key, value in node:
                if isinstance(key, str) and key.lower() in CONFIG_KEYS:
                    values = value if isinstance(value, list) else [value]
                    yield from ((key, v) for v in values if isinstance(v, str))
            stack.extend(reversed([v for _, v in node]))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def _pair_offsets(text: str) -> dict[tuple[str, str], list[int]]:
    """(lowercased key, value) -> offsets of the value's opening quote, in text order."""
    found: dict[tuple[str, str], list[int]] = {}
    for match in _PAIR_RE.finditer(text):
        key = (match.group("k1") or match.group("k2") or match.group("k3")).lower()
        if match.group("v") is not None:
            found.setdefault((key, match.group("v")), []).append(match.start("q"))
            continue
        start = match.start("items")
        for item in _ITEM_RE.finditer(match.group("items")):
            found.setdefault((key, item.group(2)), []).append(start + item.start())
    return found


def _emit_pairs(ctx: FileContext, pairs: Iterable[tuple[str, str]], *, comments: bool) -> None:
    """Locate each parsed pair in the text: the n-th (key, value) gets the n-th text match."""
    offsets: dict[tuple[str, str], list[int]] | None = None
    used: dict[tuple[str, str], int] = {}
    for key, value in pairs:
        if not is_model_repo_id(value, allow_bare=False, bases=ctx.bases):
            continue
        if offsets is None:
            offsets = _pair_offsets(ctx.text)
        slot = (key.lower(), value)
        nth = used[slot] = used.get(slot, -1) + 1
        known = offsets.get(slot, [])
        offset = known[nth] if nth < len(known) else _fallback_offset(ctx.text, value)
        at = ctx.position(offset)
        ignore = config_ignore(ctx.line_text(at[0])) if comments else None
        ctx.add(value, at, f"key {key}", ignore)


def _fallback_offset(text: str, value: str) -> int:
    """Where a value the key pattern missed (escapes, triple quotes) first appears quoted."""
    for quoted in (f'"{value}"', f"'{value}'"):
        if (at := text.find(quoted)) >= 0:
            return at
    return max(text.find(value), 0)


# --- models.txt ----------------------------------------------------------------------------


def scan_models_txt(ctx: FileContext) -> None:
    """One id per line, `org/name[@revision]`; bare legacy ids are allowed (the file says so)."""
    for number, raw in enumerate(ctx.lines, start=1):
        body, hash_sign, comment = raw.partition("#")
        entry = body.strip()
        if not entry:
            continue
        repo_id, at_sign, revision = entry.partition("@")
        bad_revision = bool(at_sign) and (not revision or any(c.isspace() for c in revision))
        if bad_revision or not is_model_repo_id(repo_id, allow_bare=True, bases=ctx.bases):
            ctx.problems.append(
                (number, f"{ctx.file}:{number}: not a Hub model id: {entry[:100]!r}")
            )
            continue
        ignore = ignore_reason(comment) if hash_sign else None
        column = len(body) - len(body.lstrip()) + 1
        ctx.add(repo_id, (number, column), "models.txt", ignore, revision or None)
