"""The CycloneDX document itself: model components (licenses, purl, pedigree, external
references, `openness:` properties, model card) built with cyclonedx-python-lib, datasets as
`data` components, and the keys the library cannot model yet added to its JSON."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from openness import __version__
from openness.formats.cyclonedx.common import (
    DATASET_LINE,
    DEFAULT_ENDPOINT,
    KEY_ORDER,
    REPO_ID,
    SCAN_STATUS,
    SHA,
    as_iri,
    document_url,
    endpoint_of,
    error_line,
    file_url,
    lib,
    met,
    model_ref,
    tri,
)
from openness.formats.cyclonedx.declarations import Declarations
from openness.formats.json import escape_risky
from openness.formats.public import public_report
from openness.license.identify import parse_spdx
from openness.rules import UNSTATED_LICENSES
from openness.sanitize import DETAIL_LIMIT, one_line

if TYPE_CHECKING:
    from openness.report import BaseLink, Document, Evidence, ReferenceResult, Report


class Builder:
    def __init__(self, reports: list[Report]) -> None:
        from openness.rules import load_rules

        self.lib = lib()
        self.rules = load_rules()
        self.models: dict[str, Any] = {}  # bom-ref -> Component, in order
        self.datasets: dict[str, Any] = {}
        self.inject: dict[str, dict[str, Any]] = {}  # bom-ref -> keys the library cannot write
        self.concluded: dict[str, list[Any]] = {}
        self.occurrences: dict[str, list[Any]] = {}
        self.scan_status: dict[str, list[str]] = {}
        self.declarations = Declarations(self.rules)
        # References without a report are purl'd on the endpoint the reports came from.
        hub = next((r.subject for r in reports if r.subject.source == "hub"), None)
        self.endpoint = endpoint_of(hub) if hub else None

    # -- licenses ---------------------------------------------------------------------------

    def _licenses(
        self,
        spdx: str | None,
        name: str | None,
        url: str | None,
        ack: Any,
        document: Document | None = None,
    ) -> list[Any]:
        """An SPDX id, one SPDX expression, or a named license (with the text of the
        `document` it was read in, when the report kept it); never a LicenseRef as id."""
        lib = self.lib
        link = lib.XsUri(u) if (u := as_iri(url)) else None
        if spdx and "licenseref" not in spdx.lower():
            fixed = lib.fixup_id(spdx)
            if fixed:
                return [lib.DisjunctiveLicense(id=fixed, url=link, acknowledgement=ack)]
            if lib.is_expression(spdx):  # as openness:spdx spells it (ids case-fixed)
                parsed = parse_spdx(spdx)
                expression = parsed[0] if parsed else spdx
                return [lib.LicenseExpression(expression, acknowledgement=ack)]
        if not (name or spdx):
            return []
        text = None
        if document is not None and document.text:
            text = lib.AttachedText(content=document.text, content_type="text/plain")
        return [lib.DisjunctiveLicense(name=name or spdx, url=link, text=text, acknowledgement=ack)]

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

    @staticmethod
    def _license_file(report: Report, license_id: str) -> Document | None:
        """The license file the report identified as `license_id`."""
        for d in report.license.documents:
            if d.role == "license" and d.identified and d.identified.id == license_id:
                return d
        return None

    @staticmethod
    def _only_license_file(report: Report) -> Document | None:
        files = [d for d in report.license.documents if d.role == "license"]
        return files[0] if len(files) == 1 else None

    @staticmethod
    def _read_in(report: Report, source: str | None) -> Document | None:
        """The text read at `source` (as the identification or use policy names it); None
        when the license was named, not read (`card: license`, a card line)."""
        return next((d for d in report.license.documents if d.source == source and d.text), None)

    def _url(self, report: Report, document: Document | None) -> str | None:
        return file_url(report.subject, document.source) if document is not None else None

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
                doc = self._license_file(report, entry.id)
                url = self._url(report, doc) or entry.url
                out += self._licenses(entry.spdx, entry.name, url, ack, doc)
            elif (
                hub is not None
                and not hub.get("spdx")
                and lic.identified is not None
                and lic.identified.source.startswith("card: license")
            ):
                # `license: other` with license_name / license_link: the card names it there
                ident = lic.identified
                known = self.rules.licenses.get(ident.id)
                doc = self._license_file(report, ident.id)
                url = self._url(report, doc) or (known.url if known else None)
                spdx = known.spdx if known else None
                out += self._licenses(spdx, ident.name, url, ack, doc)
            elif hub is not None:
                name = hub.get("name") or declared
                doc = self._only_license_file(report)
                out += self._licenses(hub.get("spdx"), name, self._url(report, doc), ack, doc)
            else:
                doc = self._only_license_file(report)
                out += self._licenses(declared, declared, self._url(report, doc), ack, doc)
        return self._choice(out, lib)

    def _concluded(self, report: Report) -> list[Any]:
        lic, lib = report.license, self.lib
        ack = lib.LicenseAcknowledgement.CONCLUDED
        out: list[Any] = []
        ident = lic.identified
        if ident is not None:
            known = self.rules.licenses.get(ident.id)
            name = ident.name + (" (modified text)" if ident.modified else "")
            url = document_url(report, ident.source) or (known.url if known else None)
            out += self._licenses(lic.spdx, name, url, ack, self._read_in(report, ident.source))
        policy = lic.use_policy
        if policy is not None and not any(isinstance(x, lib.LicenseExpression) for x in out):
            url = (file_url(report.subject, policy.read_from) if policy.read_from else None) or (
                policy.url
            )
            doc = self._read_in(report, policy.read_from)
            out += self._licenses(None, policy.name, url, ack, doc)
        return out

    # -- components -------------------------------------------------------------------------

    def _purl(self, repo_id: str, revision: str | None, endpoint: str | None) -> Any:
        if not REPO_ID.match(repo_id):
            return None
        namespace, _, name = repo_id.rpartition("/")
        version = revision.lower() if revision and SHA.match(revision) else None
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
        where = {
            "hub": "Hugging Face Hub page",
            "mirror": "Hugging Face Hub page (read from a mirror, a copy in the Hub's layout)",
        }.get(subject.source, f"{subject.source} copy")
        found.append((kinds.DISTRIBUTION, subject.url, where))
        sources = {d.source for d in report.license.documents}
        card_read = "README.md" in sources or any(
            e.source.startswith("README.md") for s in report.openness.steps for e in s.evidence
        )
        if card_read:
            found.append((kinds.MODEL_CARD, file_url(subject, "README.md"), "README.md"))
        license_files = False
        for d in report.license.documents:
            if d.role in ("license", "aup", "notice"):
                license_files |= d.role == "license"
                found.append((kinds.LICENSE, file_url(subject, d.source), f"{d.role}: {d.source}"))
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
                elif (m := dataset_of(e)) is not None:
                    found.append((kinds.OTHER, e.url, f"training dataset {m['id']}"))
        out, seen = [], set()
        for kind, url, comment in found:
            iri = as_iri(url)
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
        pairs += [(f"openness:step:{s.rung}", met(s.met)) for s in ladder.steps]
        pairs.append(("openness:osd_compliant", tri(lic.osd_compliant)))
        pairs.append(
            (
                "openness:effective_osd_compliant",
                tri(effective.osd_compliant if effective else lic.osd_compliant),
            )
        )
        pairs.append(("openness:osi_approved", tri(lic.osi_approved)))
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
        pairs.append(("openness:complete", tri(report.complete)))
        if report.lineage.relation:
            pairs.append(("openness:relation", report.lineage.relation))
        if report.subject.gated is not None:
            pairs.append(("openness:gated", str(report.subject.gated).lower()))
        if report.policy is not None:
            pairs.append(("openness:policy_status", report.policy.status))
            pairs += [
                ("openness:violation", one_line(f"{v.rule}: {v.detail}", DETAIL_LIMIT))
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
        endpoint = endpoint_of(report.subject)
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
        pairs.append(("openness:osd_compliant", tri(link.osd_compliant)))
        if link.rung is not None:
            pairs.append(("openness:rung", str(link.rung)))
        if link.source:
            pairs.append(("openness:base_source", one_line(link.source, 300)))
        if link.inferred:
            pairs.append(("openness:inferred", "true"))
        if link.error:
            pairs.append(("openness:base_error", one_line(link.error, 500)))
        refs = []
        page = as_iri(f"{endpoint}/{link.repo_id}") if endpoint else None
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
        for m, url_, description in named_datasets(report):
            ref = f"dataset:{m['id']}"
            if ref not in refs:
                refs.append(ref)
            if ref in self.datasets:
                continue
            licenses: list[Any] = []  # none for `other`: SPDX's NoAssertion, said by omission
            if m["license"] and m["license"].lower() not in UNSTATED_LICENSES:
                known = self.rules.license_by_name(m["license"])
                hub = self.rules.hub_licenses.get(m["license"].lower()) or {}
                spdx = known.spdx if known else hub.get("spdx") or m["license"]
                name = known.name if known else hub.get("name") or m["license"]
                licenses = self._licenses(spdx, name, None, lib.LicenseAcknowledgement.DECLARED)
            url = as_iri(url_)
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
        stated = report.card
        parameters: dict[str, Any] = {}
        if stated is not None:
            for key, fact in (
                ("task", stated.task),
                ("architectureFamily", stated.architecture_family),
                ("modelArchitecture", stated.model_architecture),
            ):
                if fact is not None:
                    parameters[key] = fact.value
        if datasets:
            parameters["datasets"] = [{"ref": d} for d in datasets]
        if parameters:
            card["modelParameters"] = parameters
        considerations = self._considerations(report)
        if considerations:
            card["considerations"] = considerations
        props = []
        if stated is not None and stated.library is not None:
            props.append({"name": "openness:library", "value": stated.library.value})
        for c in report.openness.components:
            value = "present" if c.present else ("absent" if c.present is False else "unknown")
            if c.license:
                value += f", license {c.license}"
            props.append({"name": f"openness:mof:{c.name}", "value": value})
        if props:
            card["properties"] = props
        return card

    def _considerations(self, report: Report) -> dict[str, Any]:
        """What the card says of uses, limits, bias and ethics (quoted, with its line), and the
        license restrictions that bind every use."""
        out: dict[str, list[Any]] = {}
        for c in report.card.considerations if report.card else []:
            quoted = f"{c.excerpt} ({c.title}, {c.source})"
            if c.kind == "use_cases":
                out.setdefault("useCases", []).append(quoted)
            elif c.kind == "limitations":
                out.setdefault("technicalLimitations", []).append(quoted)
            elif c.kind == "out_of_scope":
                out.setdefault("technicalLimitations", []).append(f"Out of scope: {quoted}")
            else:  # bias and risks, ethical considerations: risks, as the card states them
                risk = {"name": one_line(quoted, 700)}
                out.setdefault("ethicalConsiderations", []).append(risk)
        restrictions = self._restrictions(report)
        if restrictions:
            out.setdefault("ethicalConsiderations", []).extend(restrictions)
        weights = next((s for s in report.openness.steps if s.rung == 1), None)
        if weights is not None and weights.met and weights.reason:
            out.setdefault("technicalLimitations", []).append(one_line(weights.reason, 500))
        return out

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
        report = public_report(report)  # a mirror's file paths become the Hub's URLs
        lib, subject = self.lib, report.subject
        endpoint = endpoint_of(subject)
        purl = None
        if subject.source != "local" or (subject.revision and SHA.match(subject.revision)):
            purl = self._purl(subject.repo_id, subject.revision, endpoint)
        ref = model_ref(purl, subject.repo_id, subject.revision)
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
        self.declarations.attest(report, ref)
        return ref

    def add_unaudited(self, repo_id: str, revision: str | None, error: Any) -> str:
        """A referenced model that has no report (its audit failed, or the scan was judged
        against the lockfile alone)."""
        lib = self.lib
        purl = self._purl(repo_id, revision, self.endpoint)
        ref = model_ref(purl, repo_id, revision)
        if ref in self.models:
            return ref
        pairs = [("openness:audited", "false"), ("openness:complete", "false")]
        if error is not None:
            pairs.append(("openness:error", error_line(error.subject, error.kind, error.message)))
        self.models[ref] = lib.Component(
            type=lib.ComponentType.MACHINE_LEARNING_MODEL,
            bom_ref=ref,
            name=repo_id,
            version=revision if revision and SHA.match(revision) else None,
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
            value = one_line(f"{v.rule}: {v.detail}", DETAIL_LIMIT)
            component.properties.add(lib.Property(name="openness:violation", value=value))

    # -- the ladder and the OSD as attestations ---------------------------------------------

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
            definitions=self.declarations.standards() if self.declarations else None,
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
        if self.declarations:
            data["declarations"] = self.declarations.document()


def named_datasets(report: Report) -> list[tuple[dict[str, str], str | None, str]]:
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
            m = dataset_of(e)
            if m is not None:
                out.append((m, e.url, e.detail))
    return out


def dataset_of(e: Evidence) -> dict[str, str] | None:
    """A dataset the card names, from its rung-4 evidence: id, status and declared license."""
    if not e.kind.startswith("dataset"):
        return None
    m = DATASET_LINE.match(e.detail)
    if m is None:
        return None
    return {"id": m["id"], "status": m["status"], "license": m["license"] or ""}
