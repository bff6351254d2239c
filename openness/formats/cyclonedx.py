"""CycloneDX 1.6 ML-BOM: one `machine-learning-model` component per audited model.

The BOM is built with cyclonedx-python-lib and serialised by its JSON outputter for 1.6; the
keys that library cannot model yet (a component's `modelCard` and `data`, the top-level
`declarations`; upstream issues 911-913) are added to the serialised JSON in `_inject`, to be
removed when the library models them. The library is imported only when a BOM is rendered.

Where each verdict goes:

- The component: name = repo id, version = commit sha, purl
  `pkg:huggingface/<org>/<name>@<sha>` (with `?repository_url=` when the Hub endpoint is not
  huggingface.co), bom-ref = the purl.
- `licenses`: what the card declares (`acknowledgement: declared`): an SPDX id, one SPDX
  expression, or a named license (official name, URL of its file at the sha, else the
  catalog's URL). What the license text says, and the use policy it incorporates, are in
  `evidence.licenses` (`concluded`). A LicenseRef is never written as an `id`.
- `pedigree`: fine-tune, adapter and merge bases in `ancestors`, a quantised re-upload's base
  in `variants`; each is a full component with its own bases; `notes` gives the relation.
- `externalReferences`: the Hub page (distribution), README at the sha (model-card), license
  files (license), papers (documentation), training and data-cleaning code (vcs), datasets
  (other).
- `properties` in the `openness:` namespace, for consumers that read only properties
  (Dependency-Track ignores modelCard, pedigree and declarations): rung, each step, the own
  and the effective OSD verdicts, the binding licenses, clause kinds, MOF class, OSAID,
  completeness, policy outcome, problems.
- `modelCard`: the datasets (as `data` components, by reference; no purl: the purl type covers
  models only), the use restrictions that bind (license clauses that break the OSD, own and
  bases') as considerations, the MOF components as properties.
- `definitions.standards`: the ladder (5 requirements, a level per rung) and the OSD (10
  criteria); `declarations`: per model one attestation mapping each requirement to a claim
  (a counter-claim when not met) that cites the evidence: file, line and URL.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from openness import __version__
from openness.formats.json import escape_risky
from openness.sanitize import one_line

if TYPE_CHECKING:
    from openness.report import (
        AuditDocument,
        BaseLink,
        Evidence,
        ReferenceResult,
        Report,
        ScanDocument,
        Subject,
    )

DEFAULT_ENDPOINT = "https://huggingface.co"
ASSESSOR = "openness:assessor"
LADDER = "openness:ladder"
OSD = "openness:osd"
_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?$")
_DATASET = re.compile(
    r"^(?P<id>[A-Za-z0-9][\w.-]*(?:/[\w.-]+)?): "
    r"(?P<status>released|terms gated|manual gated|private|missing|error)"
    r"(?:, license (?P<license>[^\s,()]+))?"
)
_URL = re.compile(r"^(?:https?|file)://", re.IGNORECASE)
CONFIDENCE = {"high": 0.9, "medium": 0.6, "low": 0.3}
# The worst status of a model's references in a scan comes first.
SCAN_STATUS = ("unlocked", "failed", "incomplete", "exempted", "passed", "audited", "ignored")
KEY_ORDER = (
    "$schema",
    "bomFormat",
    "specVersion",
    "serialNumber",
    "version",
    "metadata",
    "components",
    "dependencies",
    "definitions",
    "declarations",
)
LADDER_TEXT = {
    1: "The model's weights are published (an adapter alone counts with lower confidence).",
    2: "A technical report or paper describes the training in detail (data, compute, "
    "hyperparameters), or the model card itself does.",
    3: "The code that trained the model is released, with its full details, the data "
    "mixture included.",
    4: "The full training data is released: every dataset it names exists and can be obtained.",
    5: "The pipeline that cleaned and processed the training data is released.",
}


def render_audit(document: AuditDocument) -> str:
    """The whole BOM of an `audit` document as JSON text."""
    builder = _Builder(document.reports)
    for report in document.reports:
        builder.add_report(report)
    properties = [("openness:error", _error(e.subject, e.kind, e.message)) for e in document.errors]
    return builder.render(properties=properties)


def render_scan(document: ScanDocument, project: str | None = None) -> str:
    """The whole BOM of a `scan` or `lock` document as JSON text: every model the code
    references, once, with where it is referenced; the scanned project is
    `metadata.component` (named `project`, else after the working directory) and depends on
    each model."""
    builder = _Builder(document.reports)
    index: dict[str, list[tuple[str | None, str]]] = {}
    for report in document.reports:
        ref = builder.add_report(report)
        index.setdefault(report.subject.repo_id.lower(), []).append((report.subject.revision, ref))
    errors = {e.subject.lower(): e for e in document.errors}
    for reference in document.references:
        ref = _pick(index.get(reference.repo_id.lower(), []), reference.revision)
        if ref is None:
            error = errors.get(reference.repo_id.lower())
            ref = builder.add_unaudited(reference.repo_id, reference.revision, error)
            index.setdefault(reference.repo_id.lower(), []).append((reference.revision, ref))
        builder.add_occurrence(ref, reference)
    properties = [("openness:locked", "true" if document.locked else "false")]
    if document.policy_source:
        properties.append(("openness:policy_source", document.policy_source))
    properties += [("openness:problem", one_line(p, 500)) for p in document.problems]
    properties += [
        ("openness:error", _error(e.subject, e.kind, e.message)) for e in document.errors
    ]
    name = project or Path.cwd().name or "project"
    return builder.render(properties=properties, project=name)


@cache
def _lib() -> SimpleNamespace:
    """cyclonedx-python-lib, imported on first use (about 100 ms): `--help` stays fast."""
    from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType, Pedigree
    from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
    from cyclonedx.model.definition import Definitions, Level, Requirement, Standard
    from cyclonedx.model.license import (
        DisjunctiveLicense,
        LicenseAcknowledgement,
        LicenseExpression,
    )
    from cyclonedx.model.tool import ToolRepository
    from cyclonedx.output.json import JsonV1Dot6
    from cyclonedx.spdx import fixup_id, is_expression
    from packageurl import PackageURL

    return SimpleNamespace(
        ExternalReference=ExternalReference,
        ExternalReferenceType=ExternalReferenceType,
        Property=Property,
        XsUri=XsUri,
        Bom=Bom,
        BomMetaData=BomMetaData,
        Component=Component,
        ComponentType=ComponentType,
        Pedigree=Pedigree,
        ComponentEvidence=ComponentEvidence,
        Occurrence=Occurrence,
        Definitions=Definitions,
        Level=Level,
        Requirement=Requirement,
        Standard=Standard,
        DisjunctiveLicense=DisjunctiveLicense,
        LicenseAcknowledgement=LicenseAcknowledgement,
        LicenseExpression=LicenseExpression,
        ToolRepository=ToolRepository,
        JsonV1Dot6=JsonV1Dot6,
        fixup_id=fixup_id,
        is_expression=is_expression,
        PackageURL=PackageURL,
    )


def _tri(value: bool | None) -> str:
    return "unknown" if value is None else ("true" if value else "false")


def _met(value: bool | None) -> str:
    return "unknown" if value is None else ("met" if value else "not met")


def _error(subject: str, kind: str, message: str) -> str:
    return one_line(f"{subject}: {kind}: {message}", 500)


def _iri(url: str | None) -> str | None:
    """An absolute http(s) or file URL made a valid IRI reference (spaces, quotes, brackets,
    non-ASCII and stray `%` percent-encoded; one `#` at most), or None."""
    if not url or not _URL.match(url):
        return None
    head, hashed, fragment = url.partition("#")
    safe = "!$&()*+,;=:@/?~-._%"
    out = quote(head, safe=safe)
    if hashed:
        out += "#" + quote(fragment, safe=safe)
    return re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", out)


def _endpoint(subject: Subject) -> str | None:
    """Where the repo's siblings live: the Hub endpoint, or a mirror's `models` folder."""
    if subject.source == "local" or not subject.url:
        return None
    url = subject.url.rstrip("/")
    tail = "/" + subject.repo_id
    if url.lower().endswith(tail.lower()):
        return url[: -len(tail)]
    return url.rsplit("/", subject.repo_id.count("/") + 1)[0]


def _file_url(subject: Subject, path: str) -> str | None:
    """A repo file at the audited sha, as the report's own evidence links it."""
    if not subject.url:
        return None
    if subject.source == "hub":
        return f"{subject.url}/blob/{subject.revision or 'main'}/{quote(path)}"
    return f"{subject.url.rstrip('/')}/{quote(path)}"


def _model_ref(purl: Any, repo_id: str, revision: str | None) -> str:
    """A model's bom-ref: its purl, else `model:<id>@<revision>`."""
    return purl.to_string() if purl else f"model:{repo_id}@{revision or 'unknown'}"


def _pick(candidates: list[tuple[str | None, str]], revision: str | None) -> str | None:
    """The audited component a reference names: the one at its revision (a sha or a prefix
    of one), else the first; None when it pins a sha that no report has."""
    if not candidates:
        return None
    if revision:
        wanted = revision.lower()
        for sha, ref in candidates:
            if sha and len(wanted) >= 7 and sha.lower().startswith(wanted):
                return ref
        if _SHA.match(revision):
            return None
    return candidates[0][1]


class _Builder:
    def __init__(self, reports: list[Report]) -> None:
        from openness.rules import load_rules

        self.lib = _lib()
        self.rules = load_rules()
        self.models: dict[str, Any] = {}  # bom-ref -> Component, in order
        self.datasets: dict[str, Any] = {}
        self.inject: dict[str, dict[str, Any]] = {}  # bom-ref -> keys the library cannot write
        self.concluded: dict[str, list[Any]] = {}
        self.occurrences: dict[str, list[Any]] = {}
        self.scan_status: dict[str, list[str]] = {}
        self.claims: list[dict[str, Any]] = []
        self.evidence: list[dict[str, Any]] = []
        self.attestations: list[dict[str, Any]] = []
        # References without a report are purl'd on the endpoint the reports came from.
        hub = next((r.subject for r in reports if r.subject.source == "hub"), None)
        self.endpoint = _endpoint(hub) if hub else None

    # -- licenses ---------------------------------------------------------------------------

    def _licenses(self, spdx: str | None, name: str | None, url: str | None, ack: Any) -> list[Any]:
        """An SPDX id, one SPDX expression, or a named license; never a LicenseRef as id."""
        lib = self.lib
        link = lib.XsUri(u) if (u := _iri(url)) else None
        if spdx and "licenseref" not in spdx.lower():
            fixed = lib.fixup_id(spdx)
            if fixed:
                return [lib.DisjunctiveLicense(id=fixed, url=link, acknowledgement=ack)]
            if lib.is_expression(spdx):
                return [lib.LicenseExpression(spdx, acknowledgement=ack)]
        if not (name or spdx):
            return []
        return [lib.DisjunctiveLicense(name=name or spdx, url=link, acknowledgement=ack)]

    @staticmethod
    def _choice(licenses: list[Any], lib: SimpleNamespace) -> list[Any]:
        """CycloneDX takes a list of licenses or exactly one expression, never both."""
        if len(licenses) <= 1:
            return licenses
        return [
            lib.DisjunctiveLicense(name=x.value, acknowledgement=x.acknowledgement)
            if isinstance(x, lib.LicenseExpression)
            else x
            for x in licenses
        ]

    def _document_url(self, report: Report, source: str | None) -> str | None:
        """The URL of a license-like file the audit read, by its path (`README.md:12` too)."""
        if not source:
            return None
        path = source.split(":", 1)[0] if re.search(r":\d+$", source) else source
        if any(d.source == path for d in report.license.documents):
            return _file_url(report.subject, path)
        return None

    def _license_file(self, report: Report, license_id: str) -> str | None:
        for d in report.license.documents:
            if d.role == "license" and d.identified and d.identified.id == license_id:
                return _file_url(report.subject, d.source)
        return None

    def _only_license_file(self, report: Report) -> str | None:
        files = [d for d in report.license.documents if d.role == "license"]
        return _file_url(report.subject, files[0].source) if len(files) == 1 else None

    def _declared(self, report: Report) -> list[Any]:
        lic, lib = report.license, self.lib
        ack = lib.LicenseAcknowledgement.DECLARED
        out: list[Any] = []
        for declared in lic.declared:
            entry = self.rules.license_by_name(declared)
            hub = self.rules.hub_licenses.get(declared.lower())
            if entry is None and hub is not None and not hub.get("spdx") and len(lic.declared) > 1:
                continue  # `other` beside the license_name that says which: the name is enough
            if entry is not None:
                url = self._license_file(report, entry.id) or entry.url
                out += self._licenses(entry.spdx, entry.name, url, ack)
            elif (
                hub is not None
                and not hub.get("spdx")
                and lic.identified is not None
                and lic.identified.source.startswith("card: license")
            ):
                # `license: other` with license_name / license_link: the card names it there
                ident = lic.identified
                known = self.rules.licenses.get(ident.id)
                url = self._license_file(report, ident.id) or (known.url if known else None)
                out += self._licenses(known.spdx if known else None, ident.name, url, ack)
            elif hub is not None:
                name = hub.get("name") or declared
                out += self._licenses(hub.get("spdx"), name, self._only_license_file(report), ack)
            else:
                out += self._licenses(declared, declared, self._only_license_file(report), ack)
        return self._choice(out, lib)

    def _concluded(self, report: Report) -> list[Any]:
        lic, lib = report.license, self.lib
        ack = lib.LicenseAcknowledgement.CONCLUDED
        out: list[Any] = []
        ident = lic.identified
        if ident is not None:
            known = self.rules.licenses.get(ident.id)
            name = ident.name + (" (modified text)" if ident.modified else "")
            url = self._document_url(report, ident.source) or (known.url if known else None)
            out += self._licenses(lic.spdx, name, url, ack)
        policy = lic.use_policy
        if policy is not None and not any(isinstance(x, lib.LicenseExpression) for x in out):
            url = (_file_url(report.subject, policy.read_from) if policy.read_from else None) or (
                policy.url
            )
            out += self._licenses(None, policy.name, url, ack)
        return out

    # -- components -------------------------------------------------------------------------

    def _purl(self, repo_id: str, revision: str | None, endpoint: str | None) -> Any:
        if not _REPO_ID.match(repo_id):
            return None
        namespace, _, name = repo_id.rpartition("/")
        version = revision.lower() if revision and _SHA.match(revision) else None
        qualifiers = None
        base = (endpoint or "").rstrip("/")
        if base.lower().startswith(("http://", "https://")) and base.lower() != DEFAULT_ENDPOINT:
            qualifiers = {"repository_url": base}
        return self.lib.PackageURL(
            type="huggingface",
            namespace=namespace or None,
            name=name,
            version=version,
            qualifiers=qualifiers,
        )

    def _refs(self, report: Report) -> list[Any]:
        """externalReferences from the subject and the evidence, each (type, url) once."""
        lib, subject = self.lib, report.subject
        kinds = lib.ExternalReferenceType
        found: list[tuple[Any, str | None, str]] = []
        where = "Hugging Face Hub page" if subject.source == "hub" else f"{subject.source} copy"
        found.append((kinds.DISTRIBUTION, subject.url, where))
        sources = {d.source for d in report.license.documents}
        card_read = "README.md" in sources or any(
            e.source.startswith("README.md") for s in report.openness.steps for e in s.evidence
        )
        if card_read:
            found.append((kinds.MODEL_CARD, _file_url(subject, "README.md"), "README.md"))
        license_files = False
        for d in report.license.documents:
            if d.role in ("license", "aup", "notice"):
                license_files |= d.role == "license"
                found.append((kinds.LICENSE, _file_url(subject, d.source), f"{d.role}: {d.source}"))
        ident = report.license.identified
        known = self.rules.licenses.get(ident.id) if ident else None
        if not license_files and known is not None and known.url:
            found.append((kinds.LICENSE, known.url, f"{known.name} (catalog)"))
        policy = report.license.use_policy
        if policy is not None and policy.url and not policy.read_from:
            found.append((kinds.LICENSE, policy.url, policy.name))
        for step in report.openness.steps:
            for e in step.evidence:
                at = e.source + (f":{e.line}" if e.line else "")
                if e.kind in ("paper", "report_link"):
                    found.append((kinds.DOCUMENTATION, e.url, f"technical report ({at})"))
                elif e.kind == "training_code":
                    found.append((kinds.VCS, e.url, f"training code ({at})"))
                elif e.kind == "pipeline_code":
                    found.append((kinds.VCS, e.url, f"data-cleaning code ({at})"))
                elif (m := _dataset(e)) is not None:
                    found.append((kinds.OTHER, e.url, f"training dataset {m['id']}"))
        out, seen = [], set()
        for kind, url, comment in found:
            iri = _iri(url)
            if iri is None or (kind, iri) in seen:
                continue
            seen.add((kind, iri))
            out.append(
                lib.ExternalReference(type=kind, url=lib.XsUri(iri), comment=one_line(comment, 200))
            )
        return out

    def _properties(self, report: Report) -> list[Any]:
        lic, ladder = report.license, report.openness
        effective = lic.effective
        pairs = [("openness:rung", str(ladder.rung))]
        pairs += [(f"openness:step:{s.rung}", _met(s.met)) for s in ladder.steps]
        pairs.append(("openness:osd_compliant", _tri(lic.osd_compliant)))
        pairs.append(
            (
                "openness:effective_osd_compliant",
                _tri(effective.osd_compliant if effective else lic.osd_compliant),
            )
        )
        pairs.append(("openness:osi_approved", _tri(lic.osi_approved)))
        if lic.identified is not None:
            pairs.append(("openness:license", lic.identified.id))
        if lic.spdx:
            pairs.append(("openness:spdx", lic.spdx))
        kinds = {c.kind for c in lic.clauses}
        if effective is not None:
            for b in effective.licenses:
                pairs.append(("openness:effective_license", b.id or "unknown"))
                kinds.update(b.clauses)
        pairs += [("openness:clause", kind) for kind in sorted(kinds)]
        pairs.append(("openness:mof_class", ladder.mof_class or "none"))
        pairs.append(("openness:osaid", ladder.osaid.verdict if ladder.osaid else "unknown"))
        pairs.append(("openness:complete", _tri(report.complete)))
        if report.lineage.relation:
            pairs.append(("openness:relation", report.lineage.relation))
        if report.subject.gated is not None:
            pairs.append(("openness:gated", str(report.subject.gated).lower()))
        if report.policy is not None:
            pairs.append(("openness:policy_status", report.policy.status))
            pairs += [
                ("openness:violation", one_line(f"{v.rule}: {v.detail}", 500))
                for v in report.policy.violations
            ]
        pairs += [
            ("openness:problem", one_line(f"{p.kind}: {p.message}", 500)) for p in report.problems
        ]
        pairs.append(("openness:source", report.subject.source))
        return [self.lib.Property(name=n, value=v) for n, v in pairs]

    def _base(
        self, report: Report, link: BaseLink, parent: str, depth: int, seen: frozenset[str]
    ) -> Any:
        lib = self.lib
        endpoint = _endpoint(report.subject)
        ref = f"{parent}|{link.relation or 'base'}:{link.repo_id}@{link.revision or 'unknown'}"
        binding = next(
            (
                b
                for b in (report.license.effective.licenses if report.license.effective else [])
                if b.from_.lower() == link.repo_id.lower()
            ),
            None,
        )
        licenses: list[Any] = []
        if binding is not None and (binding.id or binding.spdx):
            known = self.rules.licenses.get(binding.id or "")
            url = known.url if known else None
            licenses = self._licenses(binding.spdx, binding.name or binding.id, url, None)
        elif link.license:
            known = self.rules.license_by_name(link.license)
            if known is not None:
                licenses = self._licenses(known.spdx, known.name, known.url, None)
            else:
                licenses = self._licenses(link.license, link.license, None, None)
        pairs = [("openness:relation", link.relation or "unknown")]
        pairs.append(("openness:osd_compliant", _tri(link.osd_compliant)))
        if link.rung is not None:
            pairs.append(("openness:rung", str(link.rung)))
        if link.source:
            pairs.append(("openness:base_source", one_line(link.source, 300)))
        if link.inferred:
            pairs.append(("openness:inferred", "true"))
        if link.error:
            pairs.append(("openness:base_error", one_line(link.error, 500)))
        refs = []
        page = _iri(f"{endpoint}/{link.repo_id}") if endpoint else None
        if page:
            refs.append(
                lib.ExternalReference(
                    type=lib.ExternalReferenceType.DISTRIBUTION, url=lib.XsUri(page)
                )
            )
        return lib.Component(
            type=lib.ComponentType.MACHINE_LEARNING_MODEL,
            bom_ref=ref,
            name=link.repo_id,
            version=link.revision,
            purl=self._purl(link.repo_id, link.revision, endpoint),
            licenses=self._choice(licenses, lib),
            external_references=refs,
            properties=[lib.Property(name=n, value=v) for n, v in pairs],
            pedigree=self._pedigree(report, link.repo_id, ref, depth + 1, seen),
        )

    def _pedigree(
        self, report: Report, repo_id: str, ref: str, depth: int, seen: frozenset[str]
    ) -> Any:
        """The bases `repo_id` names (read from the report's base chain), each a component."""
        if depth > 8:
            return None
        root = report.subject.repo_id.lower()
        links, keys = [], set()
        for link in report.lineage.base_chain:
            child = (link.child or report.subject.repo_id).lower()
            key = link.repo_id.lower()
            if child == repo_id.lower() and key not in seen and key != root and key not in keys:
                keys.add(key)
                links.append(link)
        if not links:
            return None
        ancestors, variants, notes = [], [], []
        for link in links:
            component = self._base(report, link, ref, depth, seen | {link.repo_id.lower()})
            (variants if link.relation == "quantized" else ancestors).append(component)
            note = f"{link.relation or 'derived'} of {link.repo_id}"
            if link.source:
                note += f" ({link.source})"
            notes.append(one_line(note, 300))
        return self.lib.Pedigree(ancestors=ancestors, variants=variants, notes="; ".join(notes))

    def _datasets(self, report: Report) -> list[str]:
        """The datasets the card names, as `data` components (shared by the models that name
        them); returns their bom-refs."""
        lib, refs = self.lib, []
        for m, url_, description in _named_datasets(report):
            ref = f"dataset:{m['id']}"
            if ref not in refs:
                refs.append(ref)
            if ref in self.datasets:
                continue
            licenses: list[Any] = []
            if m["license"]:
                known = self.rules.license_by_name(m["license"])
                hub = self.rules.hub_licenses.get(m["license"].lower()) or {}
                spdx = known.spdx if known else hub.get("spdx") or m["license"]
                name = known.name if known else hub.get("name") or m["license"]
                licenses = self._licenses(spdx, name, None, lib.LicenseAcknowledgement.DECLARED)
            url = _iri(url_)
            self.datasets[ref] = lib.Component(
                type=lib.ComponentType.DATA,
                bom_ref=ref,
                name=m["id"],
                description=one_line(description, 500),
                licenses=licenses,
                external_references=[
                    lib.ExternalReference(
                        type=lib.ExternalReferenceType.DISTRIBUTION, url=lib.XsUri(url)
                    )
                ]
                if url
                else [],
                properties=[lib.Property(name="openness:dataset_status", value=m["status"])],
            )
            data: dict[str, Any] = {"type": "dataset", "name": m["id"]}
            if url:
                data["contents"] = {"url": url}
            self.inject[ref] = {"data": [data]}
        return refs

    def _model_card(self, report: Report, ref: str, datasets: list[str]) -> dict[str, Any]:
        card: dict[str, Any] = {"bom-ref": f"{ref}|model-card"}
        if datasets:
            card["modelParameters"] = {"datasets": [{"ref": d} for d in datasets]}
        considerations: dict[str, Any] = {}
        restrictions = self._restrictions(report)
        if restrictions:
            considerations["ethicalConsiderations"] = restrictions
        weights = next((s for s in report.openness.steps if s.rung == 1), None)
        if weights is not None and weights.met and weights.reason:
            considerations["technicalLimitations"] = [one_line(weights.reason, 500)]
        if considerations:
            card["considerations"] = considerations
        props = []
        for c in report.openness.components:
            value = "present" if c.present else ("absent" if c.present is False else "unknown")
            if c.license:
                value += f", license {c.license}"
            props.append({"name": f"openness:mof:{c.name}", "value": value})
        if props:
            card["properties"] = props
        return card

    def _restrictions(self, report: Report) -> list[dict[str, str]]:
        """The clauses that break the OSD and bind every use: the repo's own (quoted, with
        file and line), then each base's, as the model card's considerations."""
        out, seen = [], set()
        lic = report.license
        for c in lic.clauses:
            if c.severity != "blocking" or c.kind in seen:
                continue
            seen.add(c.kind)
            at = c.source + (f":{c.line}" if c.line else "")
            quoted = f": “{c.excerpt}”" if c.excerpt else ""
            whose = c.document or (lic.identified.id if lic.identified else None)
            known = self.rules.licenses.get(whose or "")
            whose = known.name if known else whose or "the license"
            out.append(
                {
                    "name": one_line(f"{c.title}{quoted}", 600),
                    "mitigationStrategy": one_line(
                        f"Use only as {whose} allows ({at}); it breaks OSD "
                        + ", ".join(str(n) for n in c.osd_criteria),
                        300,
                    ),
                }
            )
        effective = lic.effective
        own = lic.identified.id if lic.identified else None
        for b in effective.licenses if effective else []:
            if b.relation == "own" or (own is not None and b.id == own):
                continue  # a base under the repo's own license adds nothing to the above
            for kind in b.clauses:
                spec = self.rules.kinds.get(kind)
                if spec is None or spec.severity != "blocking" or (kind, b.id) in seen:
                    continue
                seen.add((kind, b.id))
                out.append(
                    {
                        "name": one_line(f"{spec.title} (through base {b.from_})", 600),
                        "mitigationStrategy": one_line(
                            f"Use only as {b.name or b.id}, the license of base {b.from_} "
                            f"({b.relation}), allows; it breaks OSD "
                            + ", ".join(str(n) for n in spec.osd_criteria),
                            300,
                        ),
                    }
                )
        return out

    def add_report(self, report: Report) -> str:
        lib, subject = self.lib, report.subject
        endpoint = _endpoint(subject)
        purl = None
        if subject.source != "local" or (subject.revision and _SHA.match(subject.revision)):
            purl = self._purl(subject.repo_id, subject.revision, endpoint)
        ref = _model_ref(purl, subject.repo_id, subject.revision)
        if ref in self.models:
            return ref
        datasets = self._datasets(report)
        self.models[ref] = lib.Component(
            type=lib.ComponentType.MACHINE_LEARNING_MODEL,
            bom_ref=ref,
            name=subject.repo_id,
            version=subject.revision,
            purl=purl,
            licenses=self._declared(report),
            external_references=self._refs(report),
            properties=self._properties(report),
            pedigree=self._pedigree(report, subject.repo_id, ref, 0, frozenset()),
        )
        self.concluded[ref] = self._concluded(report)
        self.inject[ref] = {"modelCard": self._model_card(report, ref, datasets)}
        self._attest(report, ref)
        return ref

    def add_unaudited(self, repo_id: str, revision: str | None, error: Any) -> str:
        """A referenced model that has no report (its audit failed, or the scan was judged
        against the lockfile alone)."""
        lib = self.lib
        purl = self._purl(repo_id, revision, self.endpoint)
        ref = _model_ref(purl, repo_id, revision)
        if ref in self.models:
            return ref
        pairs = [("openness:audited", "false"), ("openness:complete", "false")]
        if error is not None:
            pairs.append(("openness:error", _error(error.subject, error.kind, error.message)))
        self.models[ref] = lib.Component(
            type=lib.ComponentType.MACHINE_LEARNING_MODEL,
            bom_ref=ref,
            name=repo_id,
            version=revision if revision and _SHA.match(revision) else None,
            purl=purl,
            properties=[lib.Property(name=n, value=v) for n, v in pairs],
        )
        return ref

    def add_occurrence(self, ref: str, reference: ReferenceResult) -> None:
        lib = self.lib
        context = f"{reference.via} ({reference.kind}), column {reference.column}: "
        context += reference.status
        if reference.message:
            context += f"; {reference.message}"
        self.occurrences.setdefault(ref, []).append(
            lib.Occurrence(
                location=reference.file,
                line=max(0, reference.line),
                additional_context=one_line(context, 500),
            )
        )
        self.scan_status.setdefault(ref, []).append(reference.status)
        component = self.models[ref]
        for v in reference.violations:
            value = one_line(f"{v.rule}: {v.detail}", 500)
            component.properties.add(lib.Property(name="openness:violation", value=value))

    # -- the ladder and the OSD as attestations ---------------------------------------------

    def _standards(self) -> Any:
        from openness.ladder import STEP_NAMES

        lib = self.lib
        rungs = [
            lib.Requirement(
                bom_ref=f"{LADDER}:rung-{n}",
                identifier=f"rung-{n}",
                title=STEP_NAMES[n],
                text=LADDER_TEXT[n],
            )
            for n in sorted(STEP_NAMES)
        ]
        levels = [
            lib.Level(
                bom_ref=f"{LADDER}:level-{n}",
                identifier=f"rung-{n}",
                title=f"rung {n} of 5",
                description=f"rungs 1 to {n} are met",
                requirements=[f"{LADDER}:rung-{k}" for k in range(1, n + 1)],
            )
            for n in sorted(STEP_NAMES)
        ]
        ladder = lib.Standard(
            bom_ref=LADDER,
            name="openness ladder",
            version=__version__,
            owner="openness",
            description="Five rungs of openness of an AI model, each decided from the "
            "repository's own evidence; a rung counts only when every rung below it holds.",
            requirements=rungs,
            levels=levels,
        )
        criteria = [
            lib.Requirement(
                bom_ref=f"{OSD}:{n}",
                identifier=str(n),
                title=str(self.rules.criteria[n].get("title", f"criterion {n}")),
            )
            for n in sorted(self.rules.criteria)
        ]
        osd = lib.Standard(
            bom_ref=OSD,
            name="The Open Source Definition",
            version="1.9",
            owner="Open Source Initiative",
            description="The ten criteria a license must meet to be open source, applied to "
            "the terms that bind a user of the model: its own license and every base's.",
            requirements=criteria,
            external_references=[
                lib.ExternalReference(
                    type=lib.ExternalReferenceType.WEBSITE,
                    url=lib.XsUri("https://opensource.org/osd"),
                )
            ],
        )
        return lib.Definitions(standards=[ladder, osd])

    def _evidence(self, ref: str, description: str, name: str, url: str | None) -> str:
        bom_ref = f"{ref}|evidence:{len(self.evidence) + 1}"
        data: dict[str, Any] = {"name": name}
        if (iri := _iri(url)) is not None:
            data["contents"] = {"url": iri}
        self.evidence.append(
            {"bom-ref": bom_ref, "description": one_line(description, 600), "data": [data]}
        )
        return bom_ref

    def _step_evidence(self, ref: str, e: Evidence) -> str:
        at = e.source + (f":{e.line}" if e.line else "")
        text = f"{e.kind}: {e.detail} ({at})" + (" (attested by a person)" if e.attested else "")
        return self._evidence(ref, text, at, e.url)

    def _attest(self, report: Report, ref: str) -> None:
        entries = []
        for step in report.openness.steps:
            claim_ref = f"{ref}|claim:rung-{step.rung}"
            reasoning = step.reason or ("met" if step.met else "")
            if step.met is not True and step.looked_for:
                reasoning += ("; " if reasoning else "") + "looked for: "
                reasoning += "; ".join(step.looked_for)
            claim: dict[str, Any] = {
                "bom-ref": claim_ref,
                "target": ref,
                "predicate": f"rung {step.rung}, {step.name}: {_met(step.met)}",
            }
            if step.evidence:
                claim["evidence"] = [self._step_evidence(ref, e) for e in step.evidence]
            if reasoning:
                claim["reasoning"] = one_line(reasoning, 1000)
            self.claims.append(claim)
            entry: dict[str, Any] = {"requirement": f"{LADDER}:rung-{step.rung}"}
            entry["counterClaims" if step.met is False else "claims"] = [claim_ref]
            conformance: dict[str, Any] = {"rationale": _met(step.met)}
            if step.met is not None:
                conformance["score"] = 1.0 if step.met else 0.0
            entry["conformance"] = conformance
            entry["confidence"] = {
                "score": CONFIDENCE.get(step.confidence, 0.3),
                "rationale": f"{step.confidence} confidence",
            }
            entries.append(entry)
        entries += self._osd_entries(report, ref)
        lic = report.license
        effective = lic.effective
        verdict = _tri(effective.osd_compliant if effective else lic.osd_compliant)
        summary = (
            f"{report.subject.repo_id}@{report.subject.revision or 'unknown'}: openness ladder "
            f"rung {report.openness.rung} of 5; the terms that bind meet the OSD: {verdict}"
        )
        self.attestations.append({"summary": summary, "assessor": ASSESSOR, "map": entries})

    def _osd_entries(self, report: Report, ref: str) -> list[dict[str, Any]]:
        lic = report.license
        effective = lic.effective
        binding = effective.licenses if effective else []
        own = {o.criterion: o for o in lic.osd}
        clause_evidence: dict[int, str] = {}
        for i, c in enumerate(lic.clauses):
            if c.osd_criteria and c.severity == "blocking":
                at = c.source + (f":{c.line}" if c.line else "")
                quoted = f": “{c.excerpt}”" if c.excerpt else ""
                text = f"{c.kind} in {c.document or 'the license'} ({at}){quoted}"
                url = self._document_url(report, c.source)
                clause_evidence[i] = self._evidence(ref, text, at, url)
        endpoint = _endpoint(report.subject)
        entries = []
        for n in sorted(self.rules.criteria):
            evidence = [
                clause_evidence[i]
                for i, c in enumerate(lic.clauses)
                if i in clause_evidence and n in c.osd_criteria
            ]
            failing = False
            for b in binding:
                for crit in b.osd_failing:
                    if crit.criterion != n:
                        continue
                    failing = True
                    if b.relation != "own":
                        text = (
                            f"{b.id or 'unknown license'}, the license of base {b.from_} "
                            f"({b.relation}): {', '.join(crit.clauses)}"
                        )
                        page = f"{endpoint}/{b.from_}" if endpoint else None
                        evidence.append(self._evidence(ref, text, b.from_, page))
            status = own.get(n).status if n in own else "unknown"
            if failing or status == "fail":
                status = "fail"
            elif effective is not None and effective.osd_compliant is True:
                status = "pass"
            elif len(binding) > 1:
                status = "unknown"
            claim_ref = f"{ref}|claim:osd-{n}"
            reason = (
                effective.reason if effective and effective.reason else lic.osd_reason
            ) or status
            claim: dict[str, Any] = {
                "bom-ref": claim_ref,
                "target": ref,
                "predicate": f"OSD {n}, {self.rules.criteria[n].get('title', '')}: {status}",
                "reasoning": one_line(reason, 1000),
            }
            if evidence:
                claim["evidence" if status == "fail" else "counterEvidence"] = evidence
            self.claims.append(claim)
            entry: dict[str, Any] = {"requirement": f"{OSD}:{n}"}
            entry["counterClaims" if status == "fail" else "claims"] = [claim_ref]
            conformance: dict[str, Any] = {"rationale": status}
            if status != "unknown":
                conformance["score"] = 0.0 if status == "fail" else 1.0
            entry["conformance"] = conformance
            entries.append(entry)
        return entries

    # -- the document -----------------------------------------------------------------------

    def render(self, properties: list[tuple[str, str]], project: str | None = None) -> str:
        import warnings

        lib = self.lib
        for ref, component in self.models.items():
            concluded = self.concluded.get(ref, [])
            occurrences = self.occurrences.get(ref, [])
            if concluded or occurrences:
                component.evidence = lib.ComponentEvidence(
                    licenses=concluded, occurrences=occurrences
                )
            statuses = self.scan_status.get(ref)
            if statuses:
                worst = min(statuses, key=SCAN_STATUS.index)
                component.properties.add(lib.Property(name="openness:scan_status", value=worst))
        tool = lib.Component(
            type=lib.ComponentType.APPLICATION, name="openness", version=__version__
        )
        metadata = lib.BomMetaData(
            tools=lib.ToolRepository(components=[tool]),
            properties=[lib.Property(name=n, value=v) for n, v in properties],
        )
        components = [*self.models.values(), *self.datasets.values()]
        bom = lib.Bom(
            components=components,
            metadata=metadata,
            definitions=self._standards() if self.attestations else None,
        )
        if project is not None:
            root = lib.Component(
                type=lib.ComponentType.APPLICATION, name=project, bom_ref=f"project:{project}"
            )
            bom.metadata.component = root
            bom.register_dependency(root, list(self.models.values()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the library warns about what we add afterwards
            data = json.loads(lib.JsonV1Dot6(bom).output_as_string())
        self._inject(data)
        ordered = {k: data[k] for k in KEY_ORDER if k in data}
        ordered.update((k, v) for k, v in data.items() if k not in ordered)
        return escape_risky(json.dumps(ordered, indent=2, ensure_ascii=False)) + "\n"

    def _inject(self, data: dict[str, Any]) -> None:
        """Add what cyclonedx-python-lib 11 cannot model (#911-#913): `modelCard`, `data`,
        `declarations`. Delete piece by piece as the library gains them."""
        for component in data.get("components", []):
            component.update(self.inject.get(component.get("bom-ref", ""), {}))
        if self.attestations:
            data["declarations"] = {
                "assessors": [
                    {
                        "bom-ref": ASSESSOR,
                        "thirdParty": True,
                        "organization": {"name": f"openness {__version__} (automated audit)"},
                    }
                ],
                "attestations": self.attestations,
                "claims": self.claims,
                "evidence": self.evidence,
            }


def _named_datasets(report: Report) -> list[tuple[dict[str, str], str | None, str]]:
    """(id/status/license, url, description) of each dataset the card names: the report's
    `datasets`, or, in reports written before it existed, its rung-4 evidence."""
    if report.datasets:
        return [
            (
                {"id": d.repo_id, "status": d.status.replace("_", " "), "license": d.license or ""},
                d.url,
                f"{d.repo_id}: {d.status.replace('_', ' ')}"
                + (f" ({d.detail})" if d.detail else ""),
            )
            for d in report.datasets
        ]
    out = []
    for step in report.openness.steps:
        for e in step.evidence if step.rung == 4 else []:
            m = _dataset(e)
            if m is not None:
                out.append((m, e.url, e.detail))
    return out


def _dataset(e: Evidence) -> dict[str, str] | None:
    """A dataset the card names, from its rung-4 evidence: id, status and declared license."""
    if not e.kind.startswith("dataset"):
        return None
    m = _DATASET.match(e.detail)
    if m is None:
        return None
    return {"id": m["id"], "status": m["status"], "license": m["license"] or ""}
