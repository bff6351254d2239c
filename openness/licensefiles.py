"""`openness license FILE...`: the license engine on texts given directly."""

from __future__ import annotations

import sys
from pathlib import Path

from openness.errors import UsageError
from openness.license.assess import LicenseInputs, LicenseText, assess
from openness.report import Finding, LicenseDocument, LicenseFileResult, Problem
from openness.rules import Rules
from openness.textio import MAX_TEXT_BYTES, decode


def _read(name: str) -> tuple[bytes, bool]:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
        return data[:MAX_TEXT_BYTES], len(data) > MAX_TEXT_BYTES
    path = Path(name)
    if not path.is_file():
        raise UsageError(f"{name}: no such file")
    with path.open("rb") as handle:
        data = handle.read(MAX_TEXT_BYTES + 1)
    return data[:MAX_TEXT_BYTES], len(data) > MAX_TEXT_BYTES


def assess_file(name: str, data: bytes, truncated: bool, rules: Rules) -> LicenseFileResult:
    decoded = decode(data, truncated=truncated)
    problems = []
    if truncated:
        problems.append(
            Problem(
                kind="truncated",
                file=name,
                message=f"{name}: only the first {MAX_TEXT_BYTES} bytes were read",
            )
        )
    if decoded.text is None or not decoded.text.strip():
        why = decoded.problem or "empty file"
        result = LicenseFileResult(
            file=name,
            problems=[*problems, Problem(kind="unreadable", file=name, message=f"{name}: {why}")],
        )
        result.findings.append(
            Finding(
                kind="unreadable", source=name, message=f"{name}: {why}; nothing could be assessed"
            )
        )
        result.osd_reason = f"{why}: nothing could be assessed"
        return result
    inputs = LicenseInputs(texts=[LicenseText(source=name, text=decoded.text, truncated=truncated)])
    assessment = assess(inputs, rules)
    return LicenseFileResult(file=name, problems=problems, **assessment.model_dump())


def assess_files(names: list[str], rules: Rules) -> LicenseDocument:
    blobs = [(name, *_read(name)) for name in names]  # every file is checked before any work
    return LicenseDocument(licenses=[assess_file(n, d, t, rules) for n, d, t in blobs])
