"""Markdown for a pull-request comment. Repo-sourced text is cleaned and escaped: GitHub renders
markdown, so a model card must not be able to inject links, images or HTML into the comment."""

from __future__ import annotations

import re

from openness.report import ReferenceResult, ScanDocument
from openness.sanitize import one_line

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
ICON = {
    "passed": "✅ passed",
    "failed": "❌ failed",
    "exempted": "⚠️ exempted",
    "ignored": "➖ ignored",
    "incomplete": "❔ incomplete",
    "unlocked": "❌ not locked",
    "audited": "➖ no policy",
}


IDENT_LIMIT = 256  # identifiers are never shortened (see formats/table.py)


def md(text: object, limit: int = 200) -> str:
    return _SPECIAL.sub(r"\\\1", one_line(str(text), limit))


def md_id(text: object) -> str:
    """An identifier (rule name) in prose: escaped, never shortened."""
    return md(text, IDENT_LIMIT)


def code(text: object) -> str:
    """An identifier as a code span, never shortened. Markup is inert inside a code span, so
    only a backtick (it would end the span) and a pipe (it would end the table cell, where
    GitHub reads `\\|` as a pipe) are changed; a backslash would show as typed."""
    return "`" + one_line(str(text), IDENT_LIMIT).replace("`", "'").replace("|", "\\|") + "`"


def _why(ref: ReferenceResult) -> str:
    parts = [f"**{md_id(v.rule)}**: {md(v.detail, 300)}" for v in ref.violations]
    if ref.message:
        parts.append(md(ref.message, 300))
    return "<br>".join(parts) or "-"


def render_scan(doc: ScanDocument) -> str:
    failed = sum(r.status in ("failed", "unlocked") for r in doc.references)
    lines = ["## openness: model references", ""]
    policy = f"policy: {code(doc.policy_source)}" if doc.policy_source else "no policy"
    lines.append(
        f"{len(doc.references)} reference(s), {failed} failing; {policy}"
        + (f" (checked against {code(doc.lockfile or 'openness.lock')})" if doc.locked else "")
    )
    lines += ["", "| model | where | verdict | why |", "| --- | --- | --- | --- |"]
    for ref in doc.references:
        where = code(f"{ref.file}:{ref.line}")
        lines.append(f"| {code(ref.repo_id)} | {where} | {ICON[ref.status]} | {_why(ref)} |")
    for error in doc.errors:
        lines.append(f"\n> could not audit {code(error.subject)}: {md(error.message, 300)}")
    if failed:
        where = (
            code(doc.policy_source) if doc.policy_exceptions else "a policy file (`openness init`)"
        )
        lines += [
            "",
            f"To request an exception, add to {where}:",
            "",
            "```toml",
            doc.policy_exceptions or "[[exceptions]]",
            'repo = "org/name"',
            'reason = "why it is acceptable"',
            'approved-by = "who"',
            "expires = 2027-03-31  # a TOML date, unquoted",
            "```",
        ]
    return "\n".join(lines) + "\n"
