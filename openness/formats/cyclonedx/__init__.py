"""CycloneDX 1.6 ML-BOM: one `machine-learning-model` component per audited model.

The BOM is built with cyclonedx-python-lib and serialised by its JSON outputter for 1.6; the
keys that library cannot model yet (a component's `modelCard` and `data`, the top-level
`declarations`; upstream issues 911-913) are added to the serialised JSON (`Builder._inject`), to be
removed when the library models them. The library is imported only when a BOM is rendered.

Where each verdict goes:

- The component: name = repo id, version = commit sha, purl
  `pkg:huggingface/<org>/<name>@<sha>` (with `?repository_url=` when the Hub endpoint is not
  huggingface.co), bom-ref = the purl.
- `licenses`: what the card declares (`acknowledgement: declared`): an SPDX id, one SPDX
  expression, or a named license (official name, URL of its file at the sha, else the
  catalog's URL, and the text the audit read, as the report keeps it: at most 64 KiB). What
  the license text says, and the use policy it incorporates, are in `evidence.licenses`
  (`concluded`, named ones with their text too). A LicenseRef is never written as an `id`.
- `pedigree`: fine-tune, adapter and merge bases in `ancestors`, a quantised re-upload's base
  in `variants`; each is a full component with its own bases; `notes` gives the relation.
- `externalReferences`: the Hub page (distribution), README at the sha (model-card), license
  files (license), papers (documentation), training and data-cleaning code (vcs), datasets
  (other). Read from a mirror, every URL is the Hub's (`openness.formats.public`: never a local
  path), and `openness:source` says `mirror`.
- `properties` in the `openness:` namespace, for consumers that read only properties
  (Dependency-Track ignores modelCard, pedigree and declarations): rung, each step, the own
  and the effective OSD verdicts, the binding licenses, clause kinds, MOF class, OSAID,
  completeness, policy outcome, problems.
- `modelCard`: what the card states (`report.card`): the task (pipeline_tag), the
  architecture family (its 'Model type' or 'Architecture' line) and the model architecture
  (the model info's config or GGUF block) in `modelParameters`, with the datasets (as `data`
  components, by reference; no purl: the purl type covers models only); its sections on uses
  (`useCases`), limitations and out-of-scope uses (`technicalLimitations`), bias, risks and
  ethics (`ethicalConsiderations`), quoted with their README line, beside the use
  restrictions that bind (license clauses that break the OSD, own and bases'); the library
  and the MOF components as properties.
- `definitions.standards`: the ladder (5 requirements, a level per rung) and the OSD (10
  criteria); `declarations`: per model one attestation mapping each requirement to a claim
  (a counter-claim when not met) that cites the evidence: file, line and URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from openness.formats.cyclonedx.builder import Builder
from openness.formats.cyclonedx.common import error_line, pick
from openness.sanitize import one_line

if TYPE_CHECKING:
    from openness.report import AuditDocument, ScanDocument

__all__ = ["render_audit", "render_scan"]


def render_audit(document: AuditDocument) -> str:
    """The whole BOM of an `audit` document as JSON text."""
    builder = Builder(document.reports)
    for report in document.reports:
        builder.add_report(report)
    properties = [
        ("openness:error", error_line(e.subject, e.kind, e.message)) for e in document.errors
    ]
    return builder.render(properties=properties)


def render_scan(document: ScanDocument, project: str | None = None) -> str:
    """The whole BOM of a `scan` or `lock` document as JSON text: every model the code
    references, once, with where it is referenced; the scanned project is
    `metadata.component` (named `project`, else after the working directory) and depends on
    each model."""
    builder = Builder(document.reports)
    index: dict[str, list[tuple[str | None, str]]] = {}
    for report in document.reports:
        ref = builder.add_report(report)
        index.setdefault(report.subject.repo_id.lower(), []).append((report.subject.revision, ref))
    errors = {e.subject.lower(): e for e in document.errors}
    for reference in document.references:
        ref = pick(index.get(reference.repo_id.lower(), []), reference.revision)
        if ref is None:
            error = errors.get(reference.repo_id.lower())
            ref = builder.add_unaudited(reference.repo_id, reference.revision, error)
            index.setdefault(reference.repo_id.lower(), []).append((reference.revision, ref))
        builder.add_occurrence(ref, reference)
    properties = [("openness:locked", "true" if document.locked else "false")]
    if document.policy_source:
        properties.append(("openness:policy_source", document.policy_source))
    properties += [("openness:problem", one_line(p, 500)) for p in document.problems]
    properties += [("openness:note", one_line(n, 500)) for n in document.notes]
    properties += [
        ("openness:error", error_line(e.subject, e.kind, e.message)) for e in document.errors
    ]
    name = project or Path.cwd().name or "project"
    return builder.render(properties=properties, project=name)
