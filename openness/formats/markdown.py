"""Markdown for a pull-request comment. Repo-sourced text is cleaned and escaped: GitHub renders
markdown, so a model card must not be able to inject links, images or HTML into the comment."""

from __future__ import annotations

import re

from openness.report import ReferenceResult, ScanDocument
from openness.sanitize import DETAIL_LIMIT, IDENT_LIMIT, one_line
from openness.scan import is_incomplete

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


def md(text: object, limit: int = 200) -> str:
    return _SPECIAL.sub(r"\\\1", one_line(str(text), limit))


def md_id(text: object) -> str:
    """An identifier (rule name) in prose: escaped, never shortened."""
    return md(text, IDENT_LIMIT)


def md_detail(text: object) -> str:
    """Our words around identifiers (a policy violation): escaped, shown whole, never cut inside
    the clause kinds or ids it lists (see DETAIL_LIMIT)."""
    return md(text, DETAIL_LIMIT)


def code(text: object) -> str:
    """An identifier as a code span, never shortened. Markup is inert inside a code span, so
    only a backtick (it would end the span) and a pipe (it would end the table cell, where
    GitHub reads `\\|` as a pipe) are changed; a backslash would show as typed."""
    return "`" + one_line(str(text), IDENT_LIMIT).replace("`", "'").replace("|", "\\|") + "`"


def _why(ref: ReferenceResult) -> str:
    parts = [f"**{md_id(v.rule)}**: {md_detail(v.detail)}" for v in ref.violations]
    if ref.message:
        parts.append(md_detail(ref.message))
    return "<br>".join(parts) or "-"


def render_scan(doc: ScanDocument) -> str:
    failed = sum(r.status in ("failed", "unlocked") for r in doc.references)
    undecided = sum(r.status == "incomplete" for r in doc.references)
    lines = ["## openness: model references", ""]
    policy = f"policy: {code(doc.policy_source)}" if doc.policy_source else "no policy"
    if doc.policy_enforces_nothing:
        policy += " (no rule that can fail a model: nothing is enforced)"
    lines.append(
        f"{len(doc.references)} reference(s), {failed} failing"
        + (f", {undecided} not decided" if undecided else "")
        + f"; {policy}"
        + (f" (checked against {code(doc.lockfile or 'openness.lock')})" if doc.locked else "")
    )
    if is_incomplete(doc.problems):
        lines += ["", "**❔ The scan is incomplete**: a file or line could not be read, and a "
                  "model referenced there was not checked (see the problems below)."]  # fmt: skip
    if doc.references:
        lines += ["", "| model | where | verdict | why |", "| --- | --- | --- | --- |"]
    for ref in doc.references:
        where = code(f"{ref.file}:{ref.line}")
        lines.append(f"| {code(ref.repo_id)} | {where} | {ICON[ref.status]} | {_why(ref)} |")
    for error in doc.errors:
        lines.append(f"\n> could not audit {code(error.subject)}: {md_detail(error.message)}")
    lines += _listed("Problems (the scan is incomplete)", doc.problems)
    lines += _listed("Notes", doc.notes)
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


def _listed(title: str, items: list[str]) -> list[str]:
    """A titled list of what the scan said (our words around file:line and ids), or nothing."""
    if not items:
        return []
    return ["", f"**{title}**", "", *(f"- {md_detail(item)}" for item in items)]
