"""SARIF 2.1.0 for code scanning: one result per model reference that the gate flags,
located at the referencing file and line; the scan's problems and notes (a file it could not
parse, an id it could not resolve, a model it could not audit) are the invocation's tool
execution notifications, and an incomplete scan is not an execution that succeeded."""

from __future__ import annotations

import json
from collections import Counter

from openness import __version__
from openness.formats.json import escape_risky
from openness.report import ReferenceResult, ScanDocument, ScanSite
from openness.sanitize import DETAIL_LIMIT, one_line

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
RULES = {
    "min-rung": "Model is below the required openness rung",
    "require-osd": "Model license does not meet the Open Source Definition",
    "require-osi-approved": "Model license is not OSI-approved",
    "deny-clauses": "Model license carries a denied clause",
    "allow-licenses": "Model license is not in the allowed list",
    "deny-licenses": "Model license is denied",
    "allow-gated": "Model access is gated",
    "lock": "Model reference is not in openness.lock",
    "incomplete": "Model could not be fully audited",
}
LEVEL = {
    "failed": "error",
    "unlocked": "error",
    "incomplete": "warning",
    "exempted": "note",
    "ignored": "note",
}


def _results(ref: ReferenceResult, occurrence: int) -> list[dict]:
    """`occurrence`: how many references to the same model come before this one in its file."""
    if ref.status in ("passed", "audited"):
        return []
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": ref.file, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(1, ref.line), "startColumn": max(1, ref.column)},
        }
    }
    violations = ref.violations or []
    found = [(v.rule, v.detail, v.key) for v in violations] or [("incomplete", ref.message, None)]
    out = []
    for rule, detail, key in found:
        result: dict = {
            "ruleId": rule if rule in RULES else "incomplete",
            "level": LEVEL[ref.status],
            "message": {"text": one_line(f"{ref.repo_id}: {detail or ''}", DETAIL_LIMIT)},
            "locations": [location],
            "partialFingerprints": {"openness/v2": _fingerprint(ref, rule, key, occurrence)},
        }
        if ref.status == "ignored":
            result["suppressions"] = [
                {"kind": "inSource", "justification": one_line(ref.message or "", 500)}
            ]
        elif ref.status == "exempted":
            result["suppressions"] = [
                {"kind": "external", "justification": one_line(ref.message or "", 500)}
            ]
        out.append(result)
    return out


def _fingerprint(ref: ReferenceResult, rule: str, key: str | None, occurrence: int) -> str:
    """One per finding, kept while lines move: code scanning merges results that share a rule
    and a fingerprint, so the file, the clause and the n-th reference in the file are in it."""
    parts = [ref.file, ref.repo_id.lower(), rule, key or "", str(occurrence)]
    return ":".join(parts)


def _all_results(doc: ScanDocument) -> list[dict]:
    seen: Counter[tuple[str, str]] = Counter()
    out = []
    for ref in doc.references:
        where = (ref.file, ref.repo_id.lower())
        out += _results(ref, seen[where])
        seen[where] += 1
    return out


def _location(file: str, line: int | None) -> dict:
    where: dict = {"artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"}}
    if line is not None:
        where["region"] = {"startLine": max(1, line)}
    return {"physicalLocation": where}


def _notification(level: str, text: str, site: ScanSite | None = None) -> dict:
    out: dict = {"level": level, "message": {"text": one_line(text, DETAIL_LIMIT)}}
    if site is not None and site.file:
        out["locations"] = [_location(site.file, site.line)]
    return out


def _invocation(doc: ScanDocument) -> dict:
    """SARIF 2.1.0 §3.20: was the run whole, and what it says besides its results."""
    from openness.scan import INCOMPLETE, is_incomplete

    level = {"problem": "error", "note": "note"}
    notifications = [_notification(level[s.kind], s.text, s) for s in doc.sites]
    notifications += [_notification("error", e.message) for e in doc.errors]  # names the model
    notifications += [_notification("error", p) for p in doc.problems if p.startswith(INCOMPLETE)]
    return {
        "executionSuccessful": not (is_incomplete(doc.problems) or doc.errors),
        "toolExecutionNotifications": notifications,
    }


def render_scan(doc: ScanDocument) -> str:
    rules = [
        {
            "id": rule,
            "name": rule,
            "shortDescription": {"text": text},
            "helpUri": "https://opensource.org/osd",
        }
        for rule, text in RULES.items()
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "openness",
                        "version": __version__,
                        "informationUri": "https://pypi.org/project/openness/",
                        "rules": rules,
                    }
                },
                "invocations": [_invocation(doc)],
                "results": _all_results(doc),
            }
        ],
    }
    return escape_risky(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
