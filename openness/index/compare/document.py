"""The document `openness index compare` writes: agreement figures per framework and field,
and each disagreement with both sides' evidence and its class (one schema for every format)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from openness.report import SCHEMA_VERSION, Tool

FRAMEWORKS = ("mot", "osai", "fmti", "os_ai_map", "osi")
STEP_FIELDS = tuple(f"step{n}" for n in range(1, 6))
FIELDS = (*STEP_FIELDS, "rung", "class", "osd", "osaid")
CLASSES = ("ours", "theirs", "definition", "stale", "unclassified")
CLASS_LABELS = {
    "ours": "our bug",
    "definition": "difference of definition",
    "theirs": "their error",
    "stale": "their staleness",
    "unclassified": "unclassified",
}

Classification = Literal["ours", "theirs", "definition", "stale", "unclassified"]
Value = bool | int | str | None


def shown_value(value: Value) -> str:
    """A compared value in words: met, not met, unknown, or the value itself."""
    if value is True:
        return "met"
    if value is False:
        return "not met"
    return "unknown" if value is None else str(value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceRef(_Model):
    detail: str
    source: str
    url: str | None = None


class OurSide(_Model):
    """What the index says, and on what evidence."""

    value: Value
    reason: str | None = Field(None, description="The step's reason, or why the verdict is so.")
    confidence: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)
    looked_for: list[str] = Field(default_factory=list)
    revision: str | None = None
    last_modified: str | None = None
    audited_at: str | None = None


class TheirSide(_Model):
    """What the framework says, and where it says it."""

    value: Value
    framework: str
    source: str = Field(description="The snapshot the rating came from (its key).")
    entry: str = Field(description="The rating's file, or edition and developer, in the snapshot.")
    rates: str | None = Field(None, description="What the entry rates, in its own names.")
    match: str = Field(description="How the rated subject relates to the repo.")
    field: str = Field(description="The framework's fields this comparison reads.")
    reading: str = Field(description="Their values of those fields.")
    snapshot: str = Field(description="repo@commit (date) of the snapshot, or the page and date.")
    date: str | None = Field(None, description="The rating is no newer than this.")
    url: str | None = None


class Disagreement(_Model):
    repo_id: str
    framework: str
    field: str = Field(description="step1..step5, rung, class, osd or osaid.")
    ours: Value
    theirs: Value
    hand: bool | None = Field(
        None, description="The hand judgment of the step for the revision it was made for."
    )
    classification: Classification
    why: str = Field(description="What the classification rests on.")
    recorded: bool = Field(
        False, description="A disagreement with the hand judgment recorded with its reason."
    )
    gap: int = Field(1, description="How far apart the answers are: rungs or classes apart.")
    our_side: OurSide
    their_side: TheirSide


class Undecided(_Model):
    """A field our side could not decide: not counted, listed with why."""

    repo_id: str
    framework: str
    field: str
    theirs: Value
    why: str
    our_side: OurSide
    their_side: TheirSide


class FieldAgreement(_Model):
    framework: str
    field: str
    compared: int = 0
    agree: int = 0
    undecided: int = 0
    by_class: dict[str, int] = Field(default_factory=dict)

    rate: float | None = Field(None, description="agree / compared; null when none compared.")

    def settle(self) -> FieldAgreement:
        self.rate = round(self.agree / self.compared, 4) if self.compared else None
        return self


class FrameworkCoverage(_Model):
    framework: str
    name: str
    snapshots: list[str]
    rated: int = Field(0, description="Repos with a usable rating.")
    not_usable: int = Field(0, description="Repos whose rating rates another generation or model.")
    no_entry: int = Field(0, description="Repos the framework has no entry for.")


class CompareDocument(_Model):
    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    ratings: str = Field(description="The ratings file compared against.")
    models: int = Field(0, description="Repos both in the index and in the ratings.")
    not_rated: int = Field(0, description="Repos in the index the ratings do not cover.")
    not_indexed: list[str] = Field(
        default_factory=list, description="Repos the ratings cover that the index lacks."
    )
    frameworks: list[FrameworkCoverage] = Field(default_factory=list)
    agreement: list[FieldAgreement] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    undecided: list[Undecided] = Field(default_factory=list)

    def figure(self, framework: str, field: str) -> FieldAgreement | None:
        return next(
            (a for a in self.agreement if a.framework == framework and a.field == field), None
        )
