"""The model card, read once: front matter, body, sections, links and what they name.

Built once per snapshot (`read_card`) and read by every assessment: the license engine, the
ladder, lineage and the frameworks. Each fact keeps the README line it was read on, so that
evidence can point at it. Nothing downstream splits or parses the card again.

The card is the repo's own account of itself, so the Hub's tags (`base_model:…`, `dataset:…`,
`license:…`) are read here too: they are the Hub's parse of the same card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from openness.links import Link, find_links
from openness.report import CardConsideration, CardFact, CardSummary, Problem
from openness.sanitize import one_line
from openness.snapshot import Snapshot
from openness.textio import parse_front_matter, split_front_matter

MAX_CARD_LINES = 5000
MAX_SECTION_LINES = 200
MAX_MENTIONS = 20
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LICENSE_WORD = re.compile(r"licen[cs]|terms of use", re.IGNORECASE)
_DATASET_LINK = re.compile(
    r"^https?://huggingface\.co/datasets/([\w.-]+/[\w.-]+|[\w.-]+)(?:[/?#]|$)"
)
# Section headings that say how to use the model or what to watch for; the first that
# matches a heading names its kind (out-of-scope before use, bias before limitations).
CONSIDERATION_HEADINGS = (
    ("out_of_scope", re.compile(r"out[- ]of[- ]scope|misuse|malicious|prohibited|restricted us")),
    (
        "use_cases",
        re.compile(r"^uses?$|intended (?:use|purpose)|direct use|downstream use|use cases?"),
    ),
    ("bias_risks", re.compile(r"\bbias|\brisks?\b|\bharms?\b|fairness")),
    ("limitations", re.compile(r"limitation|caveat|known issues|shortcoming")),
    ("ethical_considerations", re.compile(r"ethic|responsible ai|\bsafety\b")),
)
MAX_EXCERPT = 500
MAX_PER_KIND = 3
# 'Model type: …' or 'Architecture: …' as a list item (bold or not) or a two-column table row.
_STATED = re.compile(
    r"^\s*(?:[-*+]\s+)?(?P<label>model type|model architecture|architecture)\s*:\s*(?P<value>\S.*)$"
    r"|^\s*\|\s*(?P<row>model type|model architecture|architecture)\s*\|\s*(?P<cell>[^|]*\S)\s*\|",
    re.IGNORECASE,
)

# Card fields whose type we rely on, and what they should be.
CARD_FIELDS = {
    "license": "a string or a list of strings",
    "license_name": "a string",
    "license_link": "a string",
    "datasets": "a list of dataset ids",
    "base_model": "a repo id or a list of repo ids",
    "base_model_relation": "a string",
    "extra_gated_prompt": "a string",
}
LIST_FIELDS = ("license", "datasets", "base_model")


@dataclass(frozen=True)
class Section:
    """A heading and the lines under it, up to the next heading of its level or higher."""

    title: str
    level: int
    line: int  # README line of the heading
    text: str


@dataclass(frozen=True)
class Named:
    """Something the card names (a dataset, a base model), with where it is named."""

    id: str
    source: str  # "README.md: base_model", "model info: tags", "README.md:12 (link)"


@dataclass(frozen=True)
class LicenseMention:
    """A line of the card body that speaks of the license: 'License: [X](url)'."""

    line: int
    text: str  # the cleaned line
    link_text: str = ""
    url: str | None = None


@dataclass
class Card:
    data: dict[str, Any]  # the front matter: the Hub's cardData when present, else our parse
    text: str | None  # the README as read; None when it is absent or could not be read
    body: str = ""  # the README after the front matter, bounded to MAX_CARD_LINES
    body_line: int = 1  # README line where the body starts
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unread: Problem | None = None  # why a listed README could not be read
    # where the front matter was read: "README.md", the Hub's "model info: cardData" (when the
    # README itself could not be read), or "" when neither was
    data_source: str = ""

    @property
    def readable(self) -> bool:
        return self.text is not None

    @property
    def unread_reason(self) -> str | None:
        """Why the card could not be read, when the repo lists one: what only the card says
        is then unknown, never absent."""
        if self.unread is None:
            return None
        return f"README.md could not be read ({self.unread.kind.replace('_', ' ')})"

    @property
    def front_matter_unread(self) -> str | None:
        """Why the front matter is unknown: the README could not be read and the Hub gave no
        card data."""
        return None if self.data_source else self.unread_reason

    # -- front matter ----------------------------------------------------------------------

    def strings(self, key: str) -> list[str]:
        """A field's string values: a string, or the strings of a list."""
        value = self.data.get(key)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str)]
        return []

    def string(self, key: str) -> str | None:
        value = self.data.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def field_line(self, key: str) -> int | None:
        """The README line where a front-matter value starts (the line after `key: |`)."""
        if self.text is None:
            return None
        for number, line in enumerate(self.text.split("\n")[:MAX_CARD_LINES], start=1):
            if line.startswith(f"{key}:"):
                rest = line.split(":", 1)[1].strip()
                return number + 1 if rest[:1] in ("|", ">", "") else number
            if number > 1 and line.strip() == "---":
                return None  # past the front matter
        return None

    def where(self, key: str) -> str:
        """Where a front-matter field was read: a README line, or the Hub's card data (when
        the README itself could not be read, it is not named as the source)."""
        line = self.field_line(key)
        if line:
            return f"README.md:{line} ({key})"
        if self.data_source == "README.md" or not self.data_source:
            return f"README.md: {key}"
        return f"{self.data_source}.{key}"

    @cached_property
    def declared_licenses(self) -> list[str]:
        """License ids the card declares: `license`, `license_name`, then `license:` tags."""
        declared = list(self.strings("license"))
        name = self.string("license_name")
        if name:
            declared.append(name)
        for tag in self.tags:
            if tag.startswith("license:") and tag.split(":", 1)[1] not in declared:
                declared.append(tag.split(":", 1)[1])
        return declared

    @cached_property
    def base_models(self) -> list[Named]:
        """Bases from `base_model` (a string or list) and the Hub's `base_model:` tags."""
        found: dict[str, str] = {}
        for name in self.strings("base_model"):
            found.setdefault(name.strip(), self.where("base_model"))
        for tag in self.tags:
            if tag.startswith("base_model:"):
                found.setdefault(tag.split(":")[-1].strip(), "model info: tags")
        return [Named(k, v) for k, v in found.items() if k]

    @cached_property
    def base_relation(self) -> str | None:
        """`base_model_relation`, or the relation part of a `base_model:<relation>:` tag."""
        declared = self.string("base_model_relation")
        if declared:
            return declared
        for tag in self.tags:
            parts = tag.split(":")
            if len(parts) >= 3 and parts[0] == "base_model":
                return parts[1]
        return None

    def named_datasets(self, link_context: str | None = None) -> list[Named]:
        """Datasets the model names: card `datasets:`, `dataset:` tags, and dataset links in
        the body whose line presents them as training data (`link_context`)."""
        seen: dict[str, str] = {}
        for name in self.strings("datasets"):
            seen.setdefault(name.strip(), "README.md: datasets")
        for tag in self.tags:
            if tag.startswith("dataset:"):
                seen.setdefault(tag.split(":", 1)[1].strip(), "model info: tags")
        training = re.compile(link_context, re.IGNORECASE) if link_context else None
        if training is not None:
            for link in self.links:
                m = _DATASET_LINK.match(link.url)
                if m and training.search(f"{link.text} {link.context}"):
                    seen.setdefault(m.group(1), f"README.md:{link.line} (link)")
        return [Named(k, v) for k, v in seen.items() if k]

    @cached_property
    def gated_prompt(self) -> tuple[str, int | None] | None:
        """The `extra_gated_prompt` (often the license itself) and its README line."""
        prompt = self.data.get("extra_gated_prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            return None
        return prompt[:200_000], self.field_line("extra_gated_prompt")

    # -- body ------------------------------------------------------------------------------

    @cached_property
    def links(self) -> list[Link]:
        """Links in the body, with README line numbers."""
        return find_links(self.body, "README.md", self.body_line) if self.body else []

    @cached_property
    def sections(self) -> list[Section]:
        lines = self.body.split("\n")
        heads = [
            (i, m)
            for i, line in enumerate(lines)
            if (m := _HEADING.match(line.strip())) is not None
        ]
        out = []
        for n, (i, m) in enumerate(heads):
            level = len(m.group(1))
            end = next((j for j, h in heads[n + 1 :] if len(h.group(1)) <= level), len(lines))
            end = min(end, i + MAX_SECTION_LINES)
            title = one_line(m.group(2), 200)
            out.append(Section(title, level, self.body_line + i, "\n".join(lines[i:end])))
        return out

    @cached_property
    def license_section(self) -> Section | None:
        """The card's own License (or Terms of use) section."""
        return next((s for s in self.sections if _LICENSE_WORD.search(s.title)), None)

    @cached_property
    def license_mentions(self) -> list[LicenseMention]:
        """Body lines that speak of the license: 'License: [Name](link)' and the like."""
        out: list[LicenseMention] = []
        linked = {link.line: link for link in self.links}
        for number, line in enumerate(self.body.split("\n"), start=self.body_line):
            if not _LICENSE_WORD.search(line[:2000]) or _HEADING.match(line.strip()):
                continue
            link = linked.get(number)
            out.append(
                LicenseMention(
                    line=number,
                    text=one_line(line, 400),
                    link_text=link.text if link else "",
                    url=link.url if link else None,
                )
            )
            if len(out) >= MAX_MENTIONS:
                break
        return out

    def mentions(self, pattern: re.Pattern[str]) -> bool:
        return pattern.search(self.body) is not None

    @cached_property
    def considerations(self) -> list[CardConsideration]:
        """Sections on uses, out-of-scope uses, limitations, bias and risks, ethics: each as
        an excerpt of its own text (up to its first sub-heading), with its README line."""
        out: list[CardConsideration] = []
        for section in self.sections:
            title = re.sub(r"\[optional\]", "", section.title, flags=re.IGNORECASE)
            title = title.strip(" :#*_").lower()
            kind = next((k for k, p in CONSIDERATION_HEADINGS if p.search(title)), None)
            if kind is None or sum(c.kind == kind for c in out) >= MAX_PER_KIND:
                continue
            own = []
            for line in section.text.split("\n")[1:]:
                if _HEADING.match(line.strip()):
                    break
                own.append(line)
            text = one_line("\n".join(own), 100_000)
            if not text:
                continue  # a heading whose text is in its sub-sections
            out.append(
                CardConsideration(
                    kind=kind,  # type: ignore[arg-type]
                    title=section.title,
                    excerpt=one_line(text, MAX_EXCERPT),
                    source=f"README.md:{section.line}",
                    truncated=len(text) > MAX_EXCERPT,
                )
            )
        return out

    @cached_property
    def stated_architecture(self) -> CardFact | None:
        """The body's 'Model type: …' line, else its 'Architecture: …' line."""
        found: dict[str, CardFact] = {}
        for number, line in enumerate(self.body.split("\n"), start=self.body_line):
            m = _STATED.match(line.replace("**", "").replace("__", "")[:2000])
            if m is None:
                continue
            label = (m["label"] or m["row"]).lower()
            value = one_line(m["value"] or m["cell"], 200).rstrip(",;. ")
            if value and label not in found:
                where = f"README.md:{number} ({label.capitalize()})"
                found[label] = CardFact(value=value, source=where)
        return (
            found.get("model type") or found.get("model architecture") or found.get("architecture")
        )


def card_summary(card: Card, info: dict[str, Any]) -> CardSummary | None:
    """What the card and the model info state that BOMs carry; None when they state nothing."""
    summary = CardSummary(
        task=_stated(card, info, "pipeline_tag"),
        library=_stated(card, info, "library_name"),
        architecture_family=card.stated_architecture,
        model_architecture=_architecture(info),
        considerations=card.considerations,
    )
    return summary if summary.model_dump(exclude_defaults=True) else None


def _stated(card: Card, info: dict[str, Any], key: str) -> CardFact | None:
    value = info.get(key)
    if isinstance(value, str) and value.strip():
        return CardFact(value=one_line(value, 100), source=f"model info: {key}")
    value = card.string(key)
    return CardFact(value=one_line(value, 100), source=card.where(key)) if value else None


def _architecture(info: dict[str, Any]) -> CardFact | None:
    """The class the weights are built for (`LlamaForCausalLM`), else the model type, from
    the model info's config; else a GGUF file's architecture."""
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    gguf = info.get("gguf") if isinstance(info.get("gguf"), dict) else {}
    classes = config.get("architectures")
    candidates = [
        (classes[0] if isinstance(classes, list) and classes else None, "config.architectures"),
        (config.get("model_type"), "config.model_type"),
        (gguf.get("architecture"), "gguf.architecture"),
    ]
    for value, where in candidates:
        if isinstance(value, str) and value.strip():
            return CardFact(value=one_line(value, 100), source=f"model info: {where}")
    return None


def card_of_info(info: dict[str, Any]) -> Card:
    """What the Hub's model info alone says of the card (before the README is read)."""
    data = info.get("cardData")
    tags = info.get("tags")
    return Card(
        data=data if isinstance(data, dict) else {},
        text=None,
        tags=[t for t in tags if isinstance(t, str)] if isinstance(tags, list) else [],
        data_source="model info: cardData" if isinstance(data, dict) and data else "",
    )


def read_card(snapshot: Snapshot) -> Card:
    """The card of a snapshot: the Hub's cardData wins over our parse of the front matter."""
    readme = snapshot.texts.get("README.md")
    card = Card(data={}, text=readme.text if readme else None, url=readme.url if readme else None)
    card.tags = snapshot.tags
    if readme is None and "README.md" in snapshot.files:
        card.unread = next((p for p in snapshot.problems if p.file == "README.md"), None)
    block, body, card.body_line = split_front_matter(readme.text) if readme else (None, "", 1)
    card.body = "\n".join(body.split("\n")[:MAX_CARD_LINES])
    hub_card = snapshot.info.get("cardData")
    if readme is not None:
        card.data_source = "README.md"
    if isinstance(hub_card, dict) and hub_card:
        card.data = hub_card
        card.data_source = card.data_source or "model info: cardData"
    elif block is not None:
        card.data, problem = parse_front_matter(block)
        if problem:
            card.problems.append(
                Problem(kind="malformed_card", file="README.md", message=f"README.md: {problem}")
            )
    card.problems += _type_problems(card.data)
    return card


def _type_problems(data: dict[str, Any]) -> list[Problem]:
    """Card fields of the wrong type are reported, then read as far as they can be."""
    out = []
    for key, expected in CARD_FIELDS.items():
        value = data.get(key)
        if value is None or isinstance(value, str):
            continue
        if (
            key in LIST_FIELDS
            and isinstance(value, list)
            and all(isinstance(v, str) for v in value)
        ):
            continue
        out.append(
            Problem(
                kind="malformed_card",
                file="README.md",
                message=f"README.md: `{key}` is a {type(value).__name__}, expected "
                f"{expected}; only its string parts were read",
            )
        )
    return out
