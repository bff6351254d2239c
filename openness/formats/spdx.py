"""SPDX 3.0.1 JSON-LD: each audited model as an AI package, with its licenses, lineage and
training data, for SBOM tools.

Written with spdx-python-model (bindings generated from the 3.0.1 model; spdx-tools writes a
draft namespace). The mapping:

- a model is an `ai_AIPackage`: name = repo id, packageVersion = the commit sha audited,
  downloadLocation = its Hub page (a mirror stands for the Hub: its local paths become the
  Hub's URLs, `openness.formats.public`), packageUrl =
  `pkg:huggingface/...@sha`, suppliedBy = an Agent for the repo's namespace (user or
  organisation: the report does not say which), primaryPurpose = model;
- the card's license is `hasDeclaredLicense`; the identified license and every base license
  that binds are `hasConcludedLicense`, one relationship each, whose comment says whose it is
  and its OSD verdict; targets are `simplelicensing_LicenseExpression`s (a LicenseRef is an
  expression too; its text, which the report keeps, would take an
  `expandedlicensing_CustomLicense` and that profile: CycloneDX carries it), or
  NoAssertionLicense when nothing is known;
- the base chain is `descendantOf` (fine-tune, adapter, merge) and `hasVariant` from a base to
  its re-upload (quantized);
- the datasets rung 4 names are `dataset_DatasetPackage`s (datasetType noAssertion: the
  report does not know it; datasetAvailability from Hub gating) and the model is `trainedOn`
  them;
- the ladder goes to `ai_informationAboutTraining` (and rung 5's code to
  `ai_modelDataPreprocessing`); verdicts that are passes (OSD, OSAID, MOF class) to
  `ai_standardCompliance`; the rung, each step, OSD/OSI/OSAID/MOF verdicts, gating and the
  policy outcome, which the profile has no place for, to the package's `comment` (prose) and a
  `extension_CdxPropertiesExtension` of `openness:*` name/value pairs (machine-readable);
- what the card states goes where the profile has a place: the model type and architecture to
  `ai_typeOfModel`, the task and intended uses to `ai_informationAboutApplication`, the
  limitations, out-of-scope uses, bias, risks and ethical notes to `ai_limitation`, each
  quoted with its README line. openness assesses no safety risk: that stays unset.

releaseTime: when the Hub says the repo last changed (`last_modified` of the subject, and of
each base link). A report without it (a local folder, or one written before the field existed)
gets, for its own model, the time the audit read the repo (or, for a fresh audit, the time of
this document) as an upper bound, and the package's comment says so; a base whose time is not
known gets no releaseTime (SPDX has no "no assertion" for a date) and a comment saying why.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from openness import __version__
from openness.formats.json import escape_risky
from openness.formats.public import public_report
from openness.rules import UNSTATED_LICENSES

if TYPE_CHECKING:
    from openness.report import AuditDocument, BaseLink, Report, ScanDocument, SubjectError

HUB = "https://huggingface.co"
CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
NO_ASSERTION_LICENSE = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense"
# The extension profile is used too, but not declared: in the 3.0.1 context the term
# "extension" is the Core property, so a profileConformance of "extension" expands to it and
# fails the SHACL shapes.
PROFILES = ["core", "software", "simpleLicensing", "ai", "dataset"]
# Rung-4 evidence detail, as openness.ladder writes it: "org/name: status[, license x][ (note)]"
_DATASET = re.compile(
    r"^(?P<id>\S+): (?P<status>released|terms gated|manual gated|private|missing|error)"
    r"(?:, license (?P<license>[^\s,()]+))?(?: \((?P<note>.*)\))?$"
)
_AVAILABILITY = {
    "released": "directDownload",
    "terms gated": "clickthrough",
    "manual gated": "clickthrough",  # accept the terms, then the authors approve
}
_READ = ("released", "terms gated", "manual gated")  # datasets the audit could read
_TRAINING_EVIDENCE = ("paper", "report_link", "training_code", "data_mixture")
_MAX_SUBJECTS_IN_NAME = 3
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")  # org/name, as the Hub spells repo ids


def render_audit(document: AuditDocument, *, created: datetime | None = None) -> str:
    """The whole SPDX 3.0.1 JSON-LD document for an audit (one AI package per report)."""
    builder = _Builder(_created(created), [r.subject for r in document.reports])
    for report in document.reports:
        builder.root.append(builder.report(report))
    builder.errors(document.errors)
    return builder.render("openness audit")


def render_scan(document: ScanDocument, *, created: datetime | None = None) -> str:
    """The whole SPDX 3.0.1 JSON-LD document for a scan: the files that reference models
    (`dependsOn` each model, with the reference's verdict) and the models' AI packages."""
    builder = _Builder(_created(created), [r.subject for r in document.reports])
    packages = {}
    for report in document.reports:
        packages[report.subject.repo_id.lower()] = builder.report(report)
    for ref in document.references:
        package = packages.get(ref.repo_id.lower()) or builder.model(ref.repo_id, ref.revision)
        if ref.repo_id.lower() not in packages:
            packages[ref.repo_id.lower()] = package
            builder.note(package, f"referenced but not audited ({ref.status})")
        file = builder.file(ref.file)
        where = f"{ref.file}:{ref.line}:{ref.column} {ref.via} ({ref.kind})"
        verdict = ref.status
        if ref.violations:
            verdict += ": " + "; ".join(f"{v.rule}: {v.detail}" for v in ref.violations)
        elif ref.message:
            verdict += f": {ref.message}"
        builder.relate(file, "dependsOn", [package], f"{where}; policy: {verdict}")
        if file not in builder.root:
            builder.root.append(file)
    builder.errors(document.errors)
    for problem in document.problems:
        builder.doc_notes.append(f"scan problem: {problem}")
    for note in document.notes:
        builder.doc_notes.append(f"scan note: {note}")
    return builder.render("openness scan")


def _created(created: datetime | None) -> datetime:
    if created is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        created = (
            datetime.fromtimestamp(int(epoch), timezone.utc)
            if epoch.isdigit()
            else datetime.now(timezone.utc)
        )
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return created.astimezone(timezone.utc).replace(microsecond=0)


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _created(parsed)


def _yes(value: bool | None) -> str:
    return {True: "true", False: "false", None: "unknown"}[value]


def _step_status(met: bool | None) -> str:
    return {True: "met", False: "not met", None: "unknown"}[met]


@dataclass
class _Dataset:
    repo_id: str
    status: str
    license: str | None
    note: str | None
    url: str | None
    source: str


def _datasets(report: Report) -> list[_Dataset]:
    """The datasets the card names: the report's `datasets`, or, in reports written before it
    existed, read back from rung 4's evidence."""
    if report.datasets:
        return [
            _Dataset(
                d.repo_id, d.status.replace("_", " "), d.license, d.detail or None, d.url, d.source
            )
            for d in report.datasets
        ]
    out: list[_Dataset] = []
    for step in report.openness.steps:
        if step.rung != 4:
            continue
        for ev in step.evidence:
            if ev.kind != "dataset" and not ev.kind.startswith("dataset_"):
                continue
            m = _DATASET.match(ev.detail)
            if m is None:
                continue
            out.append(
                _Dataset(m["id"], m["status"], m["license"], m["note"], ev.url, ev.source or "card")
            )
    return out


@dataclass
class _Resolved:
    expression: str | None
    name: str | None = None


def _resolve(raw: str) -> _Resolved:
    """A declared license id (catalog, Hub or SPDX) as an SPDX expression, when it is one."""
    from openness.license.identify import parse_spdx, resolve_declared
    from openness.rules import load_rules

    try:
        rules = load_rules()
    except Exception:  # the rules failed to load: the SPDX list alone still resolves ids
        parsed = parse_spdx(raw)
        return _Resolved(parsed[0] if parsed else None)
    declared = resolve_declared(raw, rules)
    if declared.catalog is not None:
        return _Resolved(declared.spdx, declared.catalog.name)
    hub = rules.hub_licenses.get(raw.lower())
    if hub is not None:
        return _Resolved(hub.get("spdx") or None, hub.get("name") or None)
    return _Resolved(declared.spdx)


@dataclass
class _Builder:
    created: datetime
    subjects: list[Any]
    root: list[Any] = field(default_factory=list)
    doc_notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from spdx_python_model import v3_0_1 as spdx

        self.m = spdx
        seed = json.dumps(
            [self.created.isoformat(), [(s.repo_id, s.revision) for s in self.subjects]]
        )
        digest = uuid.uuid5(uuid.NAMESPACE_URL, f"openness:{seed}")
        self.ns = f"https://spdx.org/spdxdocs/openness-{digest}"
        self.objects: dict[str, Any] = {}
        self.notes: dict[str, list[str]] = {}
        # Packages described already, or to be described by their own report.
        self.described = {
            self._iri("model", f"{s.repo_id.lower()}@{s.revision or 'unknown'}")
            for s in self.subjects
        }
        self.relationships = 0
        self.info = spdx.CreationInfo(
            specVersion="3.0.1",
            created=self.created,
            comment=f"Written by openness {__version__} from its report; the verdicts are "
            "openness's assessment of what it read.",
        )
        agent = spdx.SoftwareAgent(
            spdxId=f"{self.ns}/agent/openness", name="openness", creationInfo=self.info
        )
        self.info.createdBy.append(agent)
        tool = spdx.Tool(
            spdxId=f"{self.ns}/tool/openness",
            name=f"openness {__version__}",
            creationInfo=self.info,
        )
        self.info.createdUsing.append(tool)
        self.objects[agent.spdxId] = agent
        self.objects[tool.spdxId] = tool

    # -- elements ---------------------------------------------------------------------------

    def _iri(self, kind: str, key: str) -> str:
        return f"{self.ns}/{kind}/{quote(key, safe='/@')}"

    def _add(self, obj: Any) -> Any:
        self.objects[obj.spdxId] = obj
        return obj

    def note(self, element: Any, text: str) -> None:
        self.notes.setdefault(element.spdxId, []).append(text)

    def agent(self, repo_id: str) -> Any | None:
        """The Hub namespace a repo lives under (a user or an organisation)."""
        if not _HUB_ID.match(repo_id):
            return None
        namespace = repo_id.split("/", 1)[0]
        iri = self._iri("agent", namespace.lower())
        if iri not in self.objects:
            self._add(
                self.m.Agent(
                    spdxId=iri,
                    name=namespace,
                    comment="Hugging Face Hub namespace (a user or an organisation)",
                    creationInfo=self.info,
                )
            )
        return self.objects[iri]

    def model(self, repo_id: str, revision: str | None, endpoint: str = HUB) -> Any:
        """One AI package per repo and commit; the same base named twice is one package."""
        key = f"{repo_id.lower()}@{revision or 'unknown'}"
        iri = self._iri("model", key)
        if iri in self.objects:
            return self.objects[iri]
        package = self.m.ai_AIPackage(
            spdxId=iri,
            name=repo_id,
            creationInfo=self.info,
            software_primaryPurpose=spdx_enum(self.m.software_SoftwarePurpose, "model"),
        )
        if _HUB_ID.match(repo_id):
            package.software_downloadLocation = f"{endpoint}/{repo_id}"
        if revision:
            package.software_packageVersion = revision
            if _HUB_ID.match(repo_id):
                package.software_packageUrl = _purl(repo_id, revision, endpoint)
        supplier = self.agent(repo_id)
        if supplier is not None:
            package.suppliedBy = supplier
        return self._add(package)

    def dataset(self, ds: _Dataset, endpoint: str) -> Any:
        iri = self._iri("dataset", ds.repo_id.lower())
        if iri in self.objects:
            return self.objects[iri]
        package = self.m.dataset_DatasetPackage(
            spdxId=iri,
            name=ds.repo_id,
            creationInfo=self.info,
            software_primaryPurpose=spdx_enum(self.m.software_SoftwarePurpose, "data"),
            dataset_datasetType=[spdx_enum(self.m.dataset_DatasetType, "noAssertion")],
        )
        if ds.url and ds.url.startswith(("https://", "http://")):
            package.software_downloadLocation = ds.url
        elif ds.status in _READ and _HUB_ID.match(ds.repo_id):
            package.software_downloadLocation = f"{endpoint}/datasets/{ds.repo_id}"
        if ds.status in _AVAILABILITY:
            package.dataset_datasetAvailability = spdx_enum(
                self.m.dataset_DatasetAvailabilityType, _AVAILABILITY[ds.status]
            )
        supplier = self.agent(ds.repo_id)
        if supplier is not None and ds.status in _READ:
            package.suppliedBy = supplier
            package.originatedBy.append(supplier)
        status = {
            "released": "public, no gating",
            "terms gated": "gated: the terms must be accepted before download",
            "manual gated": "gated: the terms must be accepted and the authors approve access",
            "private": "private on the Hub: not available",
            "missing": "the Hub says it does not exist (or it is private)",
            "error": "could not be checked",
        }[ds.status]
        if ds.note:
            status += f" ({ds.note})"
        self.note(package, f"dataset on the Hub: {status}")
        if ds.license:
            self.license_relation(package, "hasDeclaredLicense", [ds.license], "dataset card")
        self._add(package)
        return package

    def file(self, path: str) -> Any:
        iri = self._iri("file", path)
        if iri not in self.objects:
            self._add(
                self.m.software_File(
                    spdxId=iri,
                    name=path,
                    creationInfo=self.info,
                    comment="a file of the scanned tree that references a model",
                )
            )
        return self.objects[iri]

    def license(self, expression: str | None, name: str | None = None) -> Any:
        if not expression:
            return NO_ASSERTION_LICENSE
        iri = self._iri("license", expression)
        if iri not in self.objects:
            lic = self.m.simplelicensing_LicenseExpression(
                spdxId=iri,
                simplelicensing_licenseExpression=expression,
                creationInfo=self.info,
            )
            if name:
                modified = expression.startswith("LicenseRef-") and expression.endswith("-modified")
                lic.name = f"{name} (modified text)" if modified else name
            self._add(lic)
        return self.objects[iri]

    def relate(self, source: Any, kind: str, to: list[Any], comment: str | None = None) -> Any:
        self.relationships += 1
        rel = self.m.Relationship(
            spdxId=f"{self.ns}/relationship/{self.relationships:04d}",
            creationInfo=self.info,
            from_=source,
            relationshipType=spdx_enum(self.m.RelationshipType, kind),
            to=to,
        )
        if comment:
            rel.comment = comment
        return self._add(rel)

    def license_relation(self, package: Any, kind: str, declared: list[str], where: str) -> None:
        """`declared` ids (Hub, catalog or SPDX) as one relationship; 'other' and 'unknown'
        only say the license is named elsewhere, and count only when nothing else is."""
        named = [d for d in declared if d.lower() not in UNSTATED_LICENSES] or declared
        targets, notes = [], []
        for raw in named:
            resolved = _resolve(raw)
            targets.append(self.license(resolved.expression, resolved.name))
            if resolved.expression is None:
                named_as = f" ({resolved.name})" if resolved.name else ""
                notes.append(f"'{raw}'{named_as} has no SPDX id")
        if not targets:
            targets, notes = [NO_ASSERTION_LICENSE], [f"the {where} declares no license"]
        comment = f"declared in the {where}: {', '.join(declared) or 'nothing'}"
        if notes:
            comment += f" ({'; '.join(notes)})"
        self.relate(package, kind, targets, comment)

    # -- a report ---------------------------------------------------------------------------

    def report(self, report: Report) -> Any:
        report = public_report(report)  # a mirror's file paths become the Hub's URLs
        subject = report.subject
        endpoint = _endpoint(subject)
        package = self.model(subject.repo_id, subject.revision, endpoint)
        if subject.source == "local":
            package.software_downloadLocation = subject.url or package.software_downloadLocation
            self.note(package, "read from a local folder")
        elif subject.source == "mirror":
            self.note(package, "read from a mirror of the Hub")
        released = _iso(getattr(subject, "last_modified", None))
        if released is None:
            released = _iso(report.cache.stored_at) if report.cache else None
            self.note(
                package,
                "releaseTime: the report does not carry the Hub's commit date; the time the "
                "audit read the repo stands in (the commit is no later)",
            )
            released = released or self.created
        package.releaseTime = released
        self._licenses(report, package)
        self._card(report, package)
        self._training(report, package, endpoint)
        self._lineage(report, package, endpoint)
        self._verdicts(report, package)
        return package

    def _licenses(self, report: Report, package: Any) -> None:
        lic = report.license
        self.license_relation(package, "hasDeclaredLicense", lic.declared, "model card")
        effective = lic.effective.licenses if lic.effective else []
        own = [b for b in effective if b.relation == "own"]
        if not own:
            where = lic.identified.source if lic.identified else None
            target = self.license(lic.spdx, lic.identified.name if lic.identified else None)
            verdict = f"OSD compliant: {_yes(lic.osd_compliant)}"
            if lic.osd_reason:
                verdict += f" ({lic.osd_reason})"
            self.relate(
                package,
                "hasConcludedLicense",
                [target],
                f"own license, identified from {where or 'nothing'}; {verdict}",
            )
        for binding in effective:
            target = self.license(binding.spdx, binding.name)
            if binding.relation == "own":
                where = lic.identified.source if lic.identified else "nothing"
                whose = f"own license, identified from {where}"
                if lic.identified is not None and lic.identified.modified:
                    whose += " (modified text)"
            else:
                via = f" via {', '.join(binding.via)}" if binding.via else ""
                whose = f"binds through base {binding.from_} ({binding.relation}){via}"
            verdict = f"OSD compliant: {_yes(binding.osd_compliant)}"
            if binding.reason:
                verdict += f" ({binding.reason})"
            self.relate(package, "hasConcludedLicense", [target], f"{whose}; {verdict}")

    def _card(self, report: Report, package: Any) -> None:
        """What the card states: the type of model, its intended uses, its limitations (each
        quoted with where it was read)."""
        stated = report.card
        if stated is None:
            return
        for fact in (stated.architecture_family, stated.model_architecture):
            if fact is not None and fact.value not in package.ai_typeOfModel:
                package.ai_typeOfModel.append(fact.value)
        uses, limits = [], []
        if stated.task is not None:
            uses.append(f"task: {stated.task.value} [{stated.task.source}]")
        for c in stated.considerations:
            line = f"{c.title}: {c.excerpt} [{c.source}]"
            (uses if c.kind == "use_cases" else limits).append(line)
        if uses:
            package.ai_informationAboutApplication = "\n".join(
                ["What the model card states:", *uses]
            )
        if limits:
            package.ai_limitation = "\n".join(["What the model card states:", *limits])

    def _training(self, report: Report, package: Any, endpoint: str) -> None:
        steps = {s.rung: s for s in report.openness.steps}
        lines = []
        for rung in (2, 3, 4, 5):
            step = steps.get(rung)
            if step is None:
                continue
            line = f"{step.rung} {step.name}: {_step_status(step.met)} ({step.confidence})"
            if step.reason:
                line += f": {step.reason}"
            lines.append(line)
            seen = set()
            for ev in step.evidence:
                if not (ev.kind.startswith("card_") or ev.kind in _TRAINING_EVIDENCE):
                    continue
                where = f"{ev.source}:{ev.line}" if ev.line else ev.source
                url = f" {ev.url}" if ev.url and ev.url.startswith("http") else ""
                item = f"  - {ev.detail} [{where}]{url}"
                if item not in seen:
                    seen.add(item)
                    lines.append(item)
        if lines:
            package.ai_informationAboutTraining = "\n".join(
                ["What openness found (its ladder, rungs 2 to 5):", *lines]
            )
        pipeline = steps.get(5)
        code = [ev for ev in (pipeline.evidence if pipeline else []) if ev.kind == "pipeline_code"]
        for ev in code:
            package.ai_modelDataPreprocessing.append(
                f"data-cleaning or processing code: {ev.url or ev.detail} [{ev.source}]"
            )
        for ev in steps.get(3).evidence if steps.get(3) else []:
            if ev.kind == "training_code" and ev.url and ev.url.startswith("http"):
                package.externalRef.append(
                    self.m.ExternalRef(
                        externalRefType=spdx_enum(self.m.ExternalRefType, "sourceArtifact"),
                        locator=[ev.url],
                        comment="training code",
                    )
                )
        for ev in steps.get(2).evidence if steps.get(2) else []:
            if ev.kind in ("paper", "report_link") and ev.url and ev.url.startswith("http"):
                package.externalRef.append(
                    self.m.ExternalRef(
                        externalRefType=spdx_enum(self.m.ExternalRefType, "documentation"),
                        locator=[ev.url],
                        comment="technical report on training",
                    )
                )
        datasets = _datasets(report)
        if not datasets:
            return
        targets = []
        for ds in datasets:
            dataset = self.dataset(ds, endpoint)
            targets.append(dataset)
            for ev in code:
                if ev.source.startswith(f"dataset {ds.repo_id}:"):
                    dataset.dataset_dataPreprocessing.append(
                        f"data-cleaning or processing code: {ev.url or ev.detail}"
                    )
        inherited = 4 in report.lineage.inherited_steps
        comment = "the datasets the card names as training data" + (
            " (judged from its base: a re-upload adds no training of its own)" if inherited else ""
        )
        self.relate(package, "trainedOn", targets, comment)

    def _lineage(self, report: Report, package: Any, endpoint: str) -> None:
        by_repo = {report.subject.repo_id.lower(): package}
        effective = report.license.effective.licenses if report.license.effective else []
        for link in report.lineage.base_chain:
            base = self._base(link, endpoint, effective)
            by_repo.setdefault(link.repo_id.lower(), base)
        for link in report.lineage.base_chain:
            child = by_repo.get((link.child or report.subject.repo_id).lower(), package)
            base = by_repo[link.repo_id.lower()]
            how = link.relation or "derived (relation not stated)"
            where = f"{how}, read at {link.source}" if link.source else how
            if link.inferred:
                where += " (inferred from the re-upload's name, not declared)"
            if link.relation == "quantized":
                self.relate(base, "hasVariant", [child], f"re-upload: {where}")
            else:
                self.relate(child, "descendantOf", [base], where)

    def _base(self, link: BaseLink, endpoint: str, effective: list[Any]) -> Any:
        base = self.model(link.repo_id, link.revision, endpoint)
        if base.spdxId in self.described:
            return base  # an audited subject, or a base another report described
        self.described.add(base.spdxId)
        if link.error:
            self.note(base, f"base model that could not be read: {link.error}")
            return base
        released = _iso(link.last_modified)
        if released is not None:
            base.releaseTime = released
            self.note(base, "base model, read during the audit")
        else:
            # SPDX has no "no assertion" for a date: an unknown one is left out, and said so.
            self.note(
                base,
                "base model, read during the audit; releaseTime: not known (the report does "
                "not say when the Hub last changed it), so it is not given",
            )
        binding = next((b for b in effective if b.from_.lower() == link.repo_id.lower()), None)
        if binding is not None:
            self.relate(
                base,
                "hasConcludedLicense",
                [self.license(binding.spdx, binding.name)],
                f"base's license ({binding.id}); OSD compliant: {_yes(binding.osd_compliant)}",
            )
        elif link.license:
            resolved = _resolve(link.license)
            self.relate(
                base,
                "hasConcludedLicense",
                [self.license(resolved.expression, resolved.name)],
                f"base's license ({link.license}); OSD compliant: {_yes(link.osd_compliant)}",
            )
        props = {"openness:osd_compliant": _yes(link.osd_compliant)}
        if link.rung is not None:
            props["openness:rung"] = str(link.rung)
        self._extension(base, props)
        return base

    def _verdicts(self, report: Report, package: Any) -> None:
        lic, op = report.license, report.openness
        effective = lic.effective
        compliance = []
        if effective is not None and effective.osd_compliant:
            compliance.append("Open Source Definition (every license that binds)")
        if op.osaid is not None and op.osaid.verdict == "pass":
            compliance.append("OSI Open Source AI Definition 1.0")
        if op.mof_class:
            compliance.append(f"Model Openness Framework, Class {op.mof_class}")
        package.ai_standardCompliance.extend(compliance)

        props = {
            "openness:rung": str(op.rung),
            **{f"openness:step:{s.rung}": _step_status(s.met) for s in op.steps},
            "openness:osd_compliant": _yes(lic.osd_compliant),
            "openness:effective_osd_compliant": _yes(effective and effective.osd_compliant),
            "openness:osi_approved": _yes(lic.osi_approved),
            "openness:mof_class": op.mof_class or "none",
            "openness:osaid": op.osaid.verdict if op.osaid else "unknown",
            "openness:gated": str(report.subject.gated).lower()
            if report.subject.gated is not None
            else "unknown",
            "openness:complete": _yes(report.complete),
            "openness:source": report.subject.source,
        }
        if report.policy is not None:
            props["openness:policy"] = report.policy.status
        self._extension(package, props)

        steps = "; ".join(f"{s.rung} {s.name}: {_step_status(s.met)}" for s in op.steps)
        text = [f"openness ladder: rung {op.rung} of 5 ({steps})"]
        if effective is not None:
            text.append(
                f"OSD compliant (every license that binds): {_yes(effective.osd_compliant)}"
                + (f": {effective.reason}" if effective.reason else "")
            )
            if effective.missing:
                text.append(f"not read: {', '.join(effective.missing)}")
        own = f"own license OSD compliant: {_yes(lic.osd_compliant)}"
        if lic.osd_reason:
            own += f" ({lic.osd_reason})"
        text.append(own)
        text.append(f"OSI approved: {_yes(lic.osi_approved)}")
        text.append(f"MOF class: {op.mof_class or 'none'}")
        if op.osaid is not None:
            osaid = f"OSAID 1.0: {op.osaid.verdict}"
            if op.osaid.missing:
                osaid += f" (missing: {', '.join(op.osaid.missing)})"
            text.append(osaid)
        if report.subject.gated:
            text.append(f"access is gated ({report.subject.gated})")
        for conflict in report.lineage.license_conflicts:
            text.append(f"license conflict: {conflict.message}")
        if report.policy is not None:
            policy = f"policy ({report.policy.source}): {report.policy.status}"
            if report.policy.violations:
                policy += ": " + "; ".join(
                    f"{v.rule}: {v.detail}" for v in report.policy.violations
                )
            text.append(policy)
        if not report.complete:
            text.append("audit incomplete: " + "; ".join(p.message for p in report.problems[:5]))
        self.notes[package.spdxId] = text + self.notes.get(package.spdxId, [])

    def _extension(self, element: Any, props: dict[str, str]) -> None:
        element.extension.append(
            self.m.extension_CdxPropertiesExtension(
                extension_cdxProperty=[
                    self.m.extension_CdxPropertyEntry(
                        extension_cdxPropName=name, extension_cdxPropValue=value
                    )
                    for name, value in props.items()
                ]
            )
        )

    def errors(self, errors: list[SubjectError]) -> None:
        for error in errors:
            self.doc_notes.append(f"not audited: {error.subject} ({error.kind}: {error.message})")

    # -- the document -----------------------------------------------------------------------

    def render(self, title: str) -> str:
        for iri, notes in self.notes.items():
            self.objects[iri].comment = ". ".join(notes)
        names = [s.repo_id for s in self.subjects]
        shown = ", ".join(names[:_MAX_SUBJECTS_IN_NAME])
        if len(names) > _MAX_SUBJECTS_IN_NAME:
            shown += f" and {len(names) - _MAX_SUBJECTS_IN_NAME} more"
        document = self.m.SpdxDocument(
            spdxId=f"{self.ns}/document",
            name=f"{title}: {shown}" if shown else title,
            creationInfo=self.info,
            profileConformance=[spdx_enum(self.m.ProfileIdentifierType, p) for p in PROFILES],
            rootElement=self.root,
            element=[o for iri, o in sorted(self.objects.items())],
        )
        if self.doc_notes:
            document.comment = ". ".join(self.doc_notes)
        objects = self.m.SHACLObjectSet([document, *self.objects.values()])
        data = self.m.JSONLDSerializer().serialize_data(objects)
        return escape_risky(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def spdx_enum(cls: Any, name: str) -> str:
    """The IRI of a named individual of an SPDX enumeration (the bindings take IRIs)."""
    return cls.NAMED_INDIVIDUALS[name]


def _endpoint(subject: Any) -> str:
    """The Hub the repo came from: the source's endpoint, huggingface.co for a mirror."""
    url = subject.url or ""
    suffix = f"/{subject.repo_id}"
    if subject.source == "hub" and url.startswith("http") and url.endswith(suffix):
        return url[: -len(suffix)]
    return HUB


def _purl(repo_id: str, revision: str, endpoint: str) -> str:
    """pkg:huggingface/<namespace>/<name>@<sha> (the purl type for Hub models)."""
    parts = [quote(p, safe="") for p in repo_id.split("/")]
    purl = f"pkg:huggingface/{'/'.join(parts)}@{quote(revision.lower(), safe='')}"
    if endpoint != HUB:
        purl += f"?repository_url={quote(endpoint, safe=':/')}"
    return purl
