"""What the CycloneDX builder and its declarations share: the library (imported on first
use), the openness namespaces, and small conversions (IRIs, purl endpoints, file URLs)."""

from __future__ import annotations

import re
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from openness.sanitize import one_line

if TYPE_CHECKING:
    from openness.report import Report, Subject

DEFAULT_ENDPOINT = "https://huggingface.co"
ASSESSOR = "openness:assessor"
LADDER = "openness:ladder"
OSD = "openness:osd"
SHA = re.compile(r"^[0-9a-fA-F]{40}$")
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?$")
DATASET_LINE = re.compile(
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


@cache
def lib() -> SimpleNamespace:
    """cyclonedx-python-lib, imported on first use (about 100 ms): `--help` stays fast."""
    from cyclonedx.model import (
        AttachedText,
        ExternalReference,
        ExternalReferenceType,
        Property,
        XsUri,
    )
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
        AttachedText=AttachedText,
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


def tri(value: bool | None) -> str:
    return "unknown" if value is None else ("true" if value else "false")


def met(value: bool | None) -> str:
    return "unknown" if value is None else ("met" if value else "not met")


def error_line(subject: str, kind: str, message: str) -> str:
    return one_line(f"{subject}: {kind}: {message}", 500)


def as_iri(url: str | None) -> str | None:
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


def endpoint_of(subject: Subject) -> str | None:
    """Where the repo's siblings live: the Hub endpoint (a mirror's subject comes with the
    Hub's URL: `openness.formats.public`)."""
    if subject.source == "local" or not subject.url:
        return None
    url = subject.url.rstrip("/")
    tail = "/" + subject.repo_id
    if url.lower().endswith(tail.lower()):
        return url[: -len(tail)]
    return url.rsplit("/", subject.repo_id.count("/") + 1)[0]


def file_url(subject: Subject, path: str) -> str | None:
    """A repo file at the audited sha, as the report's own evidence links it."""
    if not subject.url:
        return None
    if subject.source in ("hub", "mirror"):
        return f"{subject.url}/blob/{subject.revision or 'main'}/{quote(path)}"
    return f"{subject.url.rstrip('/')}/{quote(path)}"


def model_ref(purl: Any, repo_id: str, revision: str | None) -> str:
    """A model's bom-ref: its purl, else `model:<id>@<revision>`."""
    return purl.to_string() if purl else f"model:{repo_id}@{revision or 'unknown'}"


def pick(candidates: list[tuple[str | None, str]], revision: str | None) -> str | None:
    """The audited component a reference names: the one at its revision (a sha or a prefix
    of one), else the first; None when it pins a sha that no report has."""
    if not candidates:
        return None
    if revision:
        wanted = revision.lower()
        for sha, ref in candidates:
            if sha and len(wanted) >= 7 and sha.lower().startswith(wanted):
                return ref
        if SHA.match(revision):
            return None
    return candidates[0][1]


def document_url(report: Report, source: str | None) -> str | None:
    """The URL of a license-like file the audit read, by its path (`README.md:12` too)."""
    if not source:
        return None
    path = source.split(":", 1)[0] if re.search(r":\d+$", source) else source
    if any(d.source == path for d in report.license.documents):
        return file_url(report.subject, path)
    return None
