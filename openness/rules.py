"""Loading the rules data: shipped rules (in the wheel, or rules/ in a checkout) and user rules."""

from __future__ import annotations

import hashlib
import json
import os
import re
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
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"rules file {path}: {exc}") from None


def _compile(regex: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error as exc:
        raise UsageError(f"rules: bad pattern in {where}: {exc}") from None


def _kinds(data: dict[str, Any], where: Path) -> dict[str, ClauseKind]:
    kinds = {}
    for name, spec in (data.get("kinds") or {}).items():
        patterns = tuple(
            Pattern(
                regex=_compile(p["regex"], f"{where}:{name}"),
                needles=needles(p["regex"]),
                unit=p.get("unit"),
                unless=_compile(p["unless"], f"{where}:{name}") if p.get("unless") else None,
            )
            for p in spec.get("patterns", [])
        )
        kinds[name] = ClauseKind(
            kind=name,
            title=spec["title"],
            severity=spec.get("severity", "warning"),
            osd_criteria=tuple(spec.get("osd_criteria", [])),
            rationale=spec.get("rationale", ""),
            freedoms=tuple(spec.get("freedoms", [])),
            patterns=patterns,
        )
    return kinds


def _licenses(data: dict[str, Any]) -> dict[str, CatalogLicense]:
    family = data.get("family", "user")
    out = {}
    for spec in data.get("licenses", []):
        clauses = tuple(
            CatalogClause(
                kind=c["kind"],
                section=_str(c.get("section")),
                value=c.get("value"),
                unit=c.get("unit"),
            )
            for c in spec.get("clauses", [])
        )
        out[spec["id"]] = CatalogLicense(
            id=spec["id"],
            name=spec["name"],
            kind=spec.get("kind", "license"),
            family=family,
            spdx=spec.get("spdx") or license_ref(spec["id"]),
            hub_id=spec.get("hub_id"),
            aliases=tuple(spec.get("aliases", [])),
            version=_str(spec.get("version")),
            url=spec.get("url"),
            urls=tuple(str(u) for u in spec.get("urls", [])),
            aup=spec.get("aup"),
            osd_review=spec.get("osd_review"),
            titles=tuple(str(t) for t in spec.get("titles", [])),
            appendix_after=_str(spec.get("appendix_after")),
            clauses=clauses,
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
        try:
            _load_folder(rules, folder)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise UsageError(f"rules directory {folder}: malformed rule ({what})") from None
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
        if not SPDX_ID.fullmatch(lic.spdx):
            raise UsageError(
                f"rules: license {lic.id}: spdx {lic.spdx!r} is not a valid SPDX id (a "
                "LicenseRef- takes only letters, digits, '.' and '-')"
            )
        for clause in lic.clauses:
            if clause.kind not in rules.kinds:
                raise UsageError(f"rules: license {lic.id}: unknown clause kind {clause.kind!r}")


def _load_folder(rules: Rules, folder: Path) -> None:
    """One rules directory, read in a fixed order: later directories override earlier."""
    if (folder / "osd.yaml").is_file():
        crit = _load_yaml(folder / "osd.yaml")["criteria"]
        rules.criteria.update({int(k): v for k, v in crit.items()})
    if (folder / "clauses.yaml").is_file():
        rules.kinds.update(_kinds(_load_yaml(folder / "clauses.yaml"), folder / "clauses.yaml"))
    for path in sorted((folder / "licenses").glob("*.yaml")):
        rules.licenses.update(_licenses(_load_yaml(path) or {}))
    if (folder / "hub_licenses.yaml").is_file():
        data = _load_yaml(folder / "hub_licenses.yaml") or {}
        rules.hub_licenses.update(data.get("hub_licenses") or {})
    if (folder / "ladder.yaml").is_file():
        rules.ladder.update(_load_yaml(folder / "ladder.yaml") or {})
    fp = folder / "fingerprints.json"
    if fp.is_file():
        data = json.loads(fp.read_text(encoding="utf-8"))["licenses"]
        rules.fingerprints.update(
            {key: frozenset(int(h, 16) for h in v["shingles"]) for key, v in data.items()}
        )
