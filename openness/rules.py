"""Loading the rules data: shipped rules (in the wheel, or rules/ in a checkout) and user rules."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from openness.errors import UsageError
from openness.prefilter import needles

RULES_ENV = "OPENNESS_RULES"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def shipped_rules_dir() -> Path:
    packaged = Path(__file__).parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    unit: str | None = None
    unless: re.Pattern[str] | None = None
    needles: tuple[str, ...] | None = None  # one must be in the lower-cased text to try it

    @property
    def has_value(self) -> bool:
        return "value" in self.regex.groupindex


@dataclass(frozen=True)
class ClauseKind:
    kind: str
    title: str
    severity: str
    osd_criteria: tuple[int, ...]
    rationale: str
    freedoms: tuple[str, ...]
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class CatalogClause:
    kind: str
    section: str | None = None
    value: int | None = None
    unit: str | None = None


@dataclass(frozen=True)
class CatalogLicense:
    id: str
    name: str
    kind: str  # license | aup
    family: str
    spdx: str
    hub_id: str | None = None
    aliases: tuple[str, ...] = ()
    version: str | None = None
    url: str | None = None
    urls: tuple[str, ...] = ()  # other pages that publish this license (for license_link)
    aup: str | None = None
    osd_review: dict[str, Any] | None = None
    clauses: tuple[CatalogClause, ...] = ()
    titles: tuple[str, ...] = ()
    # the line after which the text is boilerplate a copy may leave out (how to apply it)
    appendix_after: str | None = None


@dataclass
class Rules:
    criteria: dict[int, dict[str, str]]
    kinds: dict[str, ClauseKind]
    licenses: dict[str, CatalogLicense]
    fingerprints: dict[str, frozenset[int]] = field(default_factory=dict)
    ladder: dict[str, Any] = field(default_factory=dict)
    hub_licenses: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    digest: str = ""  # of every rule file read: a cache or lock made with other rules is stale

    def license_by_name(self, name: str) -> CatalogLicense | None:
        """Find a catalog license by its id, Hub id, SPDX id or an alias (case-insensitive)."""
        return self._name_index.get(name.strip().lower())

    @cached_property
    def _name_index(self) -> dict[str, CatalogLicense]:
        index: dict[str, CatalogLicense] = {}
        for lic in self.licenses.values():
            # Several versions share a Hub id (gemma): the first listed, the current one, wins.
            for name in (lic.spdx, *lic.aliases, lic.hub_id if lic.kind == "license" else None):
                if name:
                    index.setdefault(name.lower(), lic)
        for lic in self.licenses.values():  # exact ids win over aliases
            index[lic.id.lower()] = lic
        return index


def _load_yaml(path: Path) -> Any:
    try:
        # libyaml's safe loader when PyYAML was built with it: rules load at every start
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except UnicodeDecodeError as exc:
        raise UsageError(f"rules file {path}: not UTF-8 text (at offset {exc.start})") from None
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"rules file {path}: {exc}") from None


def _compile(regex: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error as exc:
        raise UsageError(f"rules: bad pattern in {where}: {exc}") from None


def _kinds(data: Any, path: Path) -> dict[str, ClauseKind]:
    """clauses.yaml: `kinds:`, a mapping of kind name to its title, severity, osd_criteria,
    rationale, freedoms and patterns (a list of mappings with a regex each)."""
    kinds = {}
    for name, spec in _mapping(_mapping(data, "the file").get("kinds"), "kinds").items():
        where = f"kinds.{name}"
        spec = _mapping(spec, where)
        patterns = []
        for number, pattern in enumerate(_sequence(spec.get("patterns"), f"{where}.patterns")):
            at = f"{where}.patterns[{number + 1}]"
            regex = _required(_mapping(pattern, at), "regex", at)
            patterns.append(
                Pattern(
                    regex=_compile(regex, f"{path}:{name}"),
                    needles=needles(regex),
                    unit=pattern.get("unit"),
                    unless=_compile(pattern["unless"], f"{path}:{name}")
                    if pattern.get("unless")
                    else None,
                )
            )
        kinds[name] = ClauseKind(
            kind=name,
            title=_required(spec, "title", where),
            severity=spec.get("severity", "warning"),
            osd_criteria=tuple(_sequence(spec.get("osd_criteria"), f"{where}.osd_criteria")),
            rationale=spec.get("rationale", ""),
            freedoms=tuple(_sequence(spec.get("freedoms"), f"{where}.freedoms")),
            patterns=tuple(patterns),
        )
    return kinds


def _licenses(data: Any) -> dict[str, CatalogLicense]:
    """licenses/*.yaml: `licenses:`, a list of mappings, each with an id and a name, and its
    clauses (a list of mappings with a kind each)."""
    data = _mapping(data, "the file")
    family = data.get("family", "user")
    out = {}
    for number, spec in enumerate(_sequence(data.get("licenses"), "licenses"), start=1):
        where = f"licenses[{number}]"
        spec = _mapping(spec, where)
        lic_id = str(_required(spec, "id", where))
        clauses = []
        for at, c in enumerate(_sequence(spec.get("clauses"), f"{where}.clauses"), start=1):
            c = _mapping(c, f"{where}.clauses[{at}]")
            clauses.append(
                CatalogClause(
                    kind=_required(c, "kind", f"{where}.clauses[{at}]"),
                    section=_str(c.get("section")),
                    value=c.get("value"),
                    unit=c.get("unit"),
                )
            )
        spdx = str(spec.get("spdx") or license_ref(lic_id))
        if not SPDX_ID.fullmatch(spdx):
            raise _Shape(
                f"{where}.spdx {spdx!r} is not one SPDX id: a list id (MIT, Apache-2.0) or "
                "LicenseRef- with letters, digits, '.' and '-' only"
            )
        out[lic_id] = CatalogLicense(
            id=lic_id,
            name=_required(spec, "name", where),
            kind=spec.get("kind", "license"),
            family=family,
            spdx=spdx,
            hub_id=spec.get("hub_id"),
            aliases=tuple(_sequence(spec.get("aliases"), f"{where}.aliases")),
            version=_str(spec.get("version")),
            url=spec.get("url"),
            urls=tuple(str(u) for u in _sequence(spec.get("urls"), f"{where}.urls")),
            aup=spec.get("aup"),
            osd_review=spec.get("osd_review"),
            titles=tuple(str(t) for t in _sequence(spec.get("titles"), f"{where}.titles")),
            appendix_after=_str(spec.get("appendix_after")),
            clauses=tuple(clauses),
        )
    return out


# Hub license ids that name no license: the card says which elsewhere, or nothing.
UNSTATED_LICENSES = frozenset({"other", "unknown"})

# An SPDX short id (a trailing "+" means "or later"), or a LicenseRef of letters, digits, . and -.
SPDX_ID = re.compile(r"LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.-]*\+?")


def license_ref(name: str) -> str:
    """A valid SPDX LicenseRef for a catalog id (ids like openrail++ carry other characters)."""
    spelled = re.sub(r"[^A-Za-z0-9.-]+", "-", name.replace("+", "-plus-"))
    return f"LicenseRef-{re.sub('-{2,}', '-', spelled).strip('-')}"


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _rule_dirs(extra: list[Path]) -> list[Path]:
    dirs = [shipped_rules_dir()]
    env = os.environ.get(RULES_ENV)
    if env:
        dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += extra
    for d in dirs[1:]:
        if not d.is_dir():
            raise UsageError(f"rules directory not found: {d}")
    return dirs


def load_rules(extra: tuple[Path, ...] = ()) -> Rules:
    return _load_rules(tuple(_rule_dirs(list(extra))))


@cache
def _load_rules(dirs: tuple[Path, ...]) -> Rules:
    rules = Rules(criteria={}, kinds={}, licenses={}, sources=list(dirs))
    digest = hashlib.sha256()
    for folder in dirs:
        for path in sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".json")):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
        _load_folder(rules, folder)
    _check(rules)
    rules.digest = digest.hexdigest()[:16]
    return rules


SEVERITIES = ("blocking", "warning", "info")


def _check(rules: Rules) -> None:
    """Rules that refer to what does not exist are errors, not silent gaps."""
    for kind in rules.kinds.values():
        if kind.severity not in SEVERITIES:
            raise UsageError(
                f"rules: clause kind {kind.kind}: severity {kind.severity!r} is not one of "
                f"{', '.join(SEVERITIES)}"
            )
    for lic in rules.licenses.values():
        for clause in lic.clauses:
            if clause.kind not in rules.kinds:
                raise UsageError(f"rules: license {lic.id}: unknown clause kind {clause.kind!r}")


def _load_folder(rules: Rules, folder: Path) -> None:
    """One rules directory, read in a fixed order: later directories override earlier. A file
    not in its shape is a usage error naming the file, the place in it and what was expected."""
    for path, read in _readers(rules, folder):
        try:
            read(path)
        except _Shape as exc:
            raise UsageError(f"rules file {path}: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError):
            raise UsageError(
                f"rules file {path}: not in the expected shape: {_SHAPES[path.suffix]}"
            ) from None


def _readers(rules: Rules, folder: Path) -> list[tuple[Path, Callable[[Path], None]]]:
    """Each rule file of `folder` that exists, with what reads it into `rules`."""

    def osd(path: Path) -> None:
        crit = _mapping(_mapping(_load_yaml(path), "the file").get("criteria"), "criteria")
        rules.criteria.update({_whole(k, "criteria"): v for k, v in crit.items()})

    def kinds(path: Path) -> None:
        rules.kinds.update(_kinds(_load_yaml(path), path))

    def licenses(path: Path) -> None:
        rules.licenses.update(_licenses(_load_yaml(path)))

    def hub(path: Path) -> None:
        data = _mapping(_mapping(_load_yaml(path), "the file").get("hub_licenses"), "hub_licenses")
        rules.hub_licenses.update(
            {name: _mapping(spec, f"hub_licenses.{name}") for name, spec in data.items()}
        )

    def ladder(path: Path) -> None:
        rules.ladder.update(_mapping(_load_yaml(path), "the file"))

    def fingerprints(path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))["licenses"]
        rules.fingerprints.update(
            {key: frozenset(int(h, 16) for h in v["shingles"]) for key, v in data.items()}
        )

    named = [
        (folder / "osd.yaml", osd),
        (folder / "clauses.yaml", kinds),
        *((path, licenses) for path in sorted((folder / "licenses").glob("*.yaml"))),
        (folder / "hub_licenses.yaml", hub),
        (folder / "ladder.yaml", ladder),
        (folder / "fingerprints.json", fingerprints),
    ]
    return [(path, read) for path, read in named if path.is_file()]


_SHAPES = {
    ".yaml": "see rules/README.md and the shipped file of the same name for its keys",
    ".json": "a file generated by tools/build_fingerprints.py",
}


class _Shape(Exception):
    """A rule file that is not in its shape; the message says where and what was expected."""


def _yaml_kind(value: Any) -> str:
    names = {dict: "mapping", list: "list", str: "string", bool: "boolean"}
    return names.get(type(value), "number" if isinstance(value, int | float) else "value")


def _mapping(value: Any, where: str) -> dict[Any, Any]:
    """`value` as a mapping (`key: value` lines); absent (None) is an empty one."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Shape(f"{where} must be a mapping (key: value lines), not a {_yaml_kind(value)}")
    return value


def _sequence(value: Any, where: str) -> list[Any]:
    """`value` as a list (`- item` lines); absent (None) is an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Shape(f"{where} must be a list (- item lines), not a {_yaml_kind(value)}")
    return value


def _required(spec: dict[Any, Any], key: str, where: str) -> Any:
    if spec.get(key) is None:
        raise _Shape(f"{where} is missing {key!r} (required)")
    return spec[key]


def _whole(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _Shape(f"{where}: {value!r} is not a criterion number") from None
