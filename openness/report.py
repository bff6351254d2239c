"""The report contract: pydantic models that every renderer reads.

Field names here are a public API (JSON consumers key on them): add fields, rename none.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from openness import __version__

SCHEMA_VERSION = "1.0"

Confidence = Literal["high", "medium", "low"]
OsdStatus = Literal["pass", "fail", "unknown"]
Source = Literal["hub", "mirror", "local"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Tool(_Model):
    name: str = "openness"
    version: str = __version__


class Subject(_Model):
    repo_id: str
    revision: str | None = Field(None, description="The 40-hex commit sha the audit read.")
    source: Source
    gated: Literal["auto", "manual"] | bool | None = None
    url: str | None = None
    renamed_from: str | None = Field(
        None,
        description="The id asked for, when the Hub answered under another: the repo was "
        "renamed, and repo_id is its new id.",
    )
    last_modified: str | None = Field(
        None, description="When the Hub says the repo last changed (its lastModified), ISO 8601."
    )


class DatasetRef(_Model):
    """A dataset the model names, as the Hub (or mirror) answered for it."""

    repo_id: str
    status: Literal["released", "terms_gated", "manual_gated", "private", "missing", "error"] = (
        Field(description="error: it could not be checked (not in the mirror, network...).")
    )
    license: str | None = None
    url: str | None = None
    source: str = Field(description="Where the model names it: card field, tag or link line.")
    detail: str = ""


class Identified(_Model):
    id: str
    name: str
    confidence: float = Field(ge=0, le=1)
    source: str = Field(description="Where the identification came from: a file, 'card', 'tags'…")
    modified: bool = False
    differences: list[str] = Field(default_factory=list)


class Clause(_Model):
    kind: str
    title: str
    severity: Literal["blocking", "warning", "info"]
    osd_criteria: list[int] = Field(default_factory=list)
    excerpt: str | None = None
    source: str = Field(
        description="File the clause was read in, or 'catalog:<id>' when only the id was known."
    )
    line: int | None = None
    value: int | None = None
    unit: str | None = None
    document: str | None = Field(
        None, description="Catalog id of the document the clause was found in."
    )
    from_catalog: bool = False
    rationale: str | None = None


class OsdCriterion(_Model):
    criterion: int = Field(ge=1, le=10)
    title: str
    status: OsdStatus
    clauses: list[str] = Field(default_factory=list)
    reason: str | None = None


class Freedom(_Model):
    freedom: Literal["use", "study", "modify", "share"]
    restricted: bool | None
    clauses: list[str] = Field(default_factory=list)


class Finding(_Model):
    """A fact about the license that is not a clause: conflicts, missing names, unknown texts."""

    kind: str
    message: str
    source: str | None = None


class UsePolicy(_Model):
    """An acceptable use policy incorporated by reference, assessed as a document of its own."""

    id: str
    name: str
    url: str | None = None
    read_from: str | None = Field(
        None, description="The file it was read from, or null when only the catalog knows it."
    )
    clauses: list[str] = Field(default_factory=list)


class Document(_Model):
    """One license-like text that was read (LICENSE, USE_POLICY, card section, gated prompt)."""

    source: str
    role: Literal["license", "aup", "notice", "card", "gated_prompt", "other"]
    identified: Identified | None = None
    clauses: list[str] = Field(default_factory=list)
    truncated: bool = Field(False, description="The file was cut when read (1 MiB at most).")
    text: str | None = Field(
        None,
        description="The text as read, control and bidi characters removed, at most 64 KiB "
        "(UTF-8); null for a card section (the card itself is linked).",
    )
    text_truncated: bool = Field(False, description="`text` was cut at 64 KiB.")


class BindingLicense(_Model):
    """One license that binds a user of the repo: its own, or one up its base chain."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    id: str | None = Field(description="Catalog id, SPDX id or declared id; null when unknown.")
    name: str | None = None
    from_: str = Field(alias="from", description="The repo whose license this is.")
    relation: str = Field(
        description="'own', or how the audited repo derives from that base: finetune, "
        "adapter, quantized, merge (the relation of the link that reaches it)."
    )
    osd_compliant: bool | None = None
    osi_approved: bool | None = None
    spdx: str | None = None
    clauses: list[str] = Field(
        default_factory=list, description="Clause kinds found in that license (and its AUP)."
    )
    osd_failing: list[OsdCriterion] = Field(
        default_factory=list, description="The OSD criteria its clauses break, with the clauses."
    )
    via: list[str] = Field(
        default_factory=list, description="Repos between the audited repo and this base."
    )
    reason: str | None = Field(None, description="Why the verdict is what it is, or unknown.")


class EffectiveTerms(_Model):
    """The terms that bind a user: the repo's own license plus every base's license."""

    licenses: list[BindingLicense] = Field(default_factory=list)
    osd_compliant: bool | None = Field(
        None,
        description="false if any binding license fails the OSD; null if any is unknown and "
        "none fails; true only when every one is known to pass.",
    )
    reason: str = ""
    missing: list[str] = Field(
        default_factory=list,
        description="What could not be read and could change the verdict (unread license "
        "files, unreadable bases). Empty when the verdict is decided.",
    )


class LicenseAssessment(_Model):
    declared: list[str] = Field(default_factory=list)
    identified: Identified | None = None
    spdx: str | None = None
    osi_approved: bool | None = None
    osd_compliant: bool | None = None
    osd_reason: str | None = None
    clauses: list[Clause] = Field(default_factory=list)
    osd: list[OsdCriterion] = Field(default_factory=list)
    freedoms: list[Freedom] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    use_policy: UsePolicy | None = Field(
        None, description="The acceptable use policy the identified license incorporates."
    )
    basis: list[str] = Field(
        default_factory=list,
        description="What the identification and verdict rest on: license files read, or, when "
        "they could not be read, the declared id, license_name/license_link, a card line, the "
        "gated prompt, with the catalog.",
    )
    unread: list[str] = Field(
        default_factory=list,
        description="License evidence listed in the repo that could not be read: license "
        "files, and README.md (its license fields, section and prose).",
    )
    decided: bool = Field(
        True,
        description="False when the verdict could change if the unread files were read "
        "(a pass is never decided on unread files; a failure found elsewhere is).",
    )
    effective: EffectiveTerms | None = Field(
        None,
        description="The terms that actually bind (own + bases). Set by audits; "
        "osd_compliant above keeps meaning the repo's own license.",
    )


class Evidence(_Model):
    kind: str
    detail: str
    source: str
    url: str | None = None
    line: int | None = None
    attested: bool = False


class Step(_Model):
    rung: int = Field(ge=1, le=5)
    name: str
    met: bool | None = Field(description="true met, false not met, null unknown")
    confidence: Confidence
    evidence: list[Evidence] = Field(default_factory=list)
    looked_for: list[str] = Field(default_factory=list)
    reason: str | None = None


class Component(_Model):
    """One MOF component: is it released, and under an open licence?"""

    name: str
    mof_class: Literal["I", "II", "III"]
    required: bool = True
    present: bool | None
    license: str | None = None
    license_open: bool | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    reason: str | None = Field(
        None, description="Why `present` is unknown: its evidence could not be read."
    )


class Osaid(_Model):
    """The OSI Open Source AI Definition 1.0 view: four freedoms plus the preferred form."""

    verdict: Literal["pass", "fail", "unknown"]
    missing: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class Openness(_Model):
    rung: int = Field(ge=0, le=5)
    steps: list[Step] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)
    mof_class: Literal["I", "II", "III"] | None = Field(
        None, description="The MOF class the components imply; null when none is complete."
    )
    mof_class_unknown: str | None = Field(
        None,
        description="Why a higher class than `mof_class` could not be judged: a component it "
        "needs is unknown (its evidence could not be read). `mof_class` is then the class the "
        "evidence read establishes, a floor.",
    )
    osaid: Osaid | None = None


class BaseLink(_Model):
    repo_id: str
    revision: str | None = None
    last_modified: str | None = Field(
        None, description="When the Hub says the base last changed (its lastModified), ISO 8601."
    )
    relation: str | None = Field(None, description="How `child` derives from this base.")
    license: str | None = None
    osd_compliant: bool | None = None
    rung: int | None = None
    child: str | None = Field(None, description="The repo that names this base.")
    source: str | None = Field(
        None,
        description="Where the link was read: 'README.md:5' (base_model), 'model info: tags', "
        "'adapter_config.json: base_model_name_or_path', or a re-upload's name.",
    )
    inferred: bool = Field(False, description="Found by a re-upload's name, not declared.")
    error: str | None = Field(None, description="Why the base could not be read.")


class LicenseConflict(_Model):
    derivative: str
    derivative_license: str | None
    base: str
    base_license: str | None
    message: str


class Lineage(_Model):
    relation: str | None = Field(None, description="finetune, adapter, quantized, merge, …")
    base_chain: list[BaseLink] = Field(default_factory=list)
    license_conflicts: list[LicenseConflict] = Field(default_factory=list)
    inherited_steps: list[int] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class CardFact(_Model):
    """Something the card or the Hub's model info states about the model, with where."""

    value: str
    source: str = Field(
        description="'model info: pipeline_tag', 'README.md:32 (Model type)', "
        "'model info: config.architectures'…"
    )


class CardConsideration(_Model):
    """A card section on how to use the model or what to watch for, as an excerpt."""

    kind: Literal[
        "use_cases", "out_of_scope", "limitations", "bias_risks", "ethical_considerations"
    ]
    title: str = Field(description="The section's heading.")
    excerpt: str = Field(description="The section's own text on one line, at most 500 characters.")
    source: str = Field(description="README.md:<line of the heading>.")
    truncated: bool = False


class CardSummary(_Model):
    """What the model card states that BOMs carry (CycloneDX modelCard, SPDX AI fields)."""

    task: CardFact | None = None
    library: CardFact | None = None
    architecture_family: CardFact | None = Field(
        None, description="The card's 'Model type' or 'Architecture' line."
    )
    model_architecture: CardFact | None = Field(
        None, description="The model info's config (architectures, model_type) or GGUF block."
    )
    considerations: list[CardConsideration] = Field(default_factory=list)


class Problem(_Model):
    kind: str
    message: str
    file: str | None = None
    remedy: str | None = None


class Violation(_Model):
    rule: str
    detail: str
    key: str | None = Field(
        default=None,
        description="What the violation is about where a rule can fail several times (the "
        "clause kind of deny-clauses): a stable handle for tools that track findings.",
    )


class AppliedException(_Model):
    repo: str
    revision: str | None = None
    reason: str
    approved_by: str
    expires: str


class PolicyResult(_Model):
    source: str = Field(description="Where the policy came from: a file, or 'flags'.")
    passed: bool = Field(description="True when the status is passed or exempted.")
    status: Literal["passed", "failed", "exempted", "incomplete"] = Field(
        "passed",
        description="exempted > failed > incomplete > passed: an unexpired exception applies "
        "whatever the audit found; a known failure is a failure even when some files were "
        "unreadable; incomplete only when what is missing could change the outcome.",
    )
    violations: list[Violation] = Field(default_factory=list)
    undecided: list[Violation] = Field(
        default_factory=list,
        description="Rules whose outcome depends on what could not be read.",
    )
    exceptions_applied: list[AppliedException] = Field(default_factory=list)
    exceptions_expired: list[AppliedException] = Field(default_factory=list)


class CacheUse(_Model):
    """Set when a report was served from the cache: how old the answer is."""

    stored_at: str = Field(description="When the report was computed and stored (UTC).")
    age_seconds: int
    offline: bool = Field(False, description="Served with no request at all (--offline).")
    revision_seen_at: str | None = Field(
        None,
        description="Offline: when the branch was last resolved to this sha (it may have moved).",
    )
    dependencies_checked: bool | None = Field(
        None,
        description="Whether the bases the report was assessed against were checked to be at "
        "the same commits (true: they were, one HEAD each). false: not re-checked (--offline, "
        "or a pinned sha), so their terms are as of stored_at. null: it has no base. Datasets "
        "are never re-checked: their reading is as of stored_at.",
    )


class Report(_Model):
    subject: Subject
    license: LicenseAssessment
    openness: Openness
    lineage: Lineage = Field(default_factory=Lineage)
    policy: PolicyResult | None = None
    problems: list[Problem] = Field(default_factory=list)
    complete: bool = Field(
        True, description="False when something the verdicts depend on could not be read."
    )
    cache: CacheUse | None = Field(None, description="Set when served from the cache.")
    datasets: list[DatasetRef] = Field(
        default_factory=list, description="The training datasets the card names, as checked."
    )
    card: CardSummary | None = Field(
        None, description="What the card states of the model: task, architecture, uses, limits."
    )


class SubjectError(_Model):
    """A subject that could not be audited at all; the batch's other reports are kept."""

    subject: str
    kind: str
    message: str


class AuditDocument(_Model):
    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    reports: list[Report] = Field(default_factory=list)
    errors: list[SubjectError] = Field(default_factory=list)
    interrupted: bool = Field(
        False, description="The run was stopped (Ctrl-C) before every subject was audited."
    )
    not_audited: list[str] = Field(
        default_factory=list,
        description="When interrupted: the subjects with neither a report nor an error, in "
        "input order, as `--from` reads them (`org/name@revision`).",
    )


class LicenseFileResult(LicenseAssessment):
    file: str
    problems: list[Problem] = Field(default_factory=list)


class CatalogEntry(_Model):
    id: str
    name: str
    kind: str
    family: str
    spdx: str
    hub_id: str | None = None
    osi_approved: bool | None = None
    url: str | None = None
    aup: str | None = None
    clauses: list[str] = Field(default_factory=list)


class CatalogDocument(_Model):
    """`openness licenses --format json`: the license catalog."""

    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    licenses: list[CatalogEntry] = Field(default_factory=list)


class ClauseKindEntry(_Model):
    """One clause kind of the rules: what it means and which OSD criteria it breaks."""

    kind: str
    title: str
    severity: Literal["blocking", "warning", "info"] = Field(
        description="blocking: breaks the OSD; warning and info: a duty or condition that does not."
    )
    osd_criteria: list[int] = Field(default_factory=list)
    rationale: str = ""
    freedoms: list[str] = Field(
        default_factory=list, description="The OSAID freedoms it restricts."
    )


class ClauseDocument(_Model):
    """`openness clauses --format json`: every clause kind."""

    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    clauses: list[ClauseKindEntry] = Field(default_factory=list)


class LicenseDocument(_Model):
    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    licenses: list[LicenseFileResult] = Field(default_factory=list)


class ReferenceResult(_Model):
    """One place in the code that references a model, with the verdict for it."""

    repo_id: str
    file: str
    line: int
    column: int = 1
    kind: str
    via: str
    revision: str | None = None
    status: Literal[
        "passed", "failed", "exempted", "ignored", "incomplete", "unlocked", "audited"
    ] = Field(description="audited: no policy applies, nothing was enforced (never 'passed').")
    violations: list[Violation] = Field(default_factory=list)
    exception: AppliedException | None = None
    message: str | None = None


def unenforced_reason(policy_source: str | None, enforces_nothing: bool) -> str | None:
    """Why a scan enforced nothing, naming the policy it read; None when a policy judged."""
    if policy_source is None:
        return "no policy"
    if not enforces_nothing:
        return None
    if policy_source == "flags":
        return "the policy flags set no rule that can fail a model"
    return f"{policy_source} has no rule that can fail a model"


class ScanSite(_Model):
    """A problem or note of the scan, with where it is."""

    kind: Literal["problem", "note"]
    file: str | None = Field(None, description="The file; null: the scan as a whole.")
    line: int | None = Field(None, description="The line, when known.")
    text: str = Field(description="The line of `problems` or `notes` it is.")


class ScanDocument(_Model):
    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    policy_source: str | None = None
    policy_enforces_nothing: bool = Field(
        False,
        description="The policy (policy_source) has no rule that can fail a model, so nothing "
        "was enforced and each reference is 'audited', as with no policy.",
    )
    policy_exceptions: str | None = Field(
        None,
        description="The TOML header an exception is added under in the policy file "
        "([[exceptions]] or [[tool.openness.exceptions]]); null without a policy file.",
    )
    locked: bool = False
    lockfile: str | None = Field(
        None, description="The lockfile the references were judged against (scan --locked)."
    )
    references: list[ReferenceResult] = Field(default_factory=list)
    reports: list[Report] = Field(default_factory=list)
    errors: list[SubjectError] = Field(default_factory=list)
    problems: list[str] = Field(
        default_factory=list,
        description="Files or lines the scan could not read as intended (a reference there was "
        "not checked); when there is one, the last line starts with 'scan incomplete: ' and the "
        "scan is incomplete.",
    )
    notes: list[str] = Field(
        default_factory=list,
        description="What the scan says besides, in file order: a reference taken from an "
        "environment variable's default, one it could not resolve (computed at run time), or "
        "'no model references found in N files'.",
    )
    sites: list[ScanSite] = Field(
        default_factory=list,
        description="Each problem and note (the 'scan incomplete' line aside) with its file and "
        "line, for tools that point at them (SARIF tool execution notifications).",
    )

    @property
    def nothing_enforced(self) -> str | None:
        """Why nothing was enforced, naming the policy read; None when a policy judged."""
        return unenforced_reason(self.policy_source, self.policy_enforces_nothing)


class LockedLicense(_Model):
    """One binding license as locked: enough to re-apply a policy offline. What the catalog
    or the entry already says is left out (the own license's repo and relation, an SPDX id
    the catalog gives for the id)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    id: str | None
    from_: str | None = Field(None, alias="from", description="The base; absent: the repo.")
    relation: str = "own"
    osd_compliant: bool | None = None
    osi_approved: bool | None = None
    spdx: str | None = Field(None, description="Absent: the catalog's SPDX id for the id.")
    clauses: list[str] = Field(default_factory=list)


class LockEntry(_Model):
    """What the gate needs of one model, small enough to review in a diff (under 1 KB)."""

    repo_id: str = Field("", exclude=True, description="The key it is stored under.")
    revision: str | None = Field(description="The commit sha audited: pin revision= to it.")
    audited: str = Field(description="Date of the audit, YYYY-MM-DD.")
    tool: str | None = Field(
        None, description="Version of openness that audited it; absent: the lockfile's."
    )
    rules: str | None = Field(
        None, description="Digest of the rules it was judged with; absent: the lockfile's."
    )
    source: Literal["hub", "mirror", "local"] = "hub"
    gated: Literal["auto", "manual"] | bool | None = None
    incomplete: list[str] = Field(
        default_factory=list,
        description="Kinds of the problems that left the audit incomplete; empty: complete.",
    )
    declared: list[str] = Field(
        default_factory=list,
        description="License ids the card declares that its own license's id and SPDX id "
        "do not already say.",
    )
    effective_osd_compliant: bool | None = Field(None, description="The terms that bind.")
    missing: list[str] = Field(
        default_factory=list, description="What could not be read that the verdict needs."
    )
    rung: int = Field(ge=0, le=5)
    steps: list[bool | None] = Field(
        default_factory=list,
        description="Whether rungs 1..5 are met (null: unknown); absent when the rung says "
        "it all (rungs up to it met, the others not).",
    )
    licenses: list[LockedLicense] = Field(
        default_factory=list, description="The binding licenses: its own first, then bases'."
    )


class LockFile(_Model):
    lock_version: int = 3
    tool: Tool = Field(default_factory=Tool)
    rules: str | None = Field(None, description="Digest of the rules this lock was written with.")
    models: dict[str, LockEntry] = Field(default_factory=dict)
