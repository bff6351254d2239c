"""Naming a license from what a card says about it: a link's URL or a line's words.

Used when no license text can be read (a gated repo without a token): `license_link` and
'License: [Name](url)' lines still say which license applies. URLs are matched against the
catalog's published pages, never fetched; names against the catalog's titles and names.
"""

from __future__ import annotations

from openness.license.fingerprint import words
from openness.links import host_and_path
from openness.rules import CatalogLicense, Rules


def license_by_url(url: str, rules: Rules) -> CatalogLicense | None:
    """The catalog license published at `url` (a prefix match on host and path)."""
    where = host_and_path(url).rstrip("/")
    if not where or "/" not in where:
        return None
    for lic in rules.licenses.values():
        for page in (lic.url, *lic.urls):
            if not page:
                continue
            known = host_and_path(page).rstrip("/")
            if known and (where == known or where.startswith(known)):
                return lic
    return None


def license_by_name(text: str, rules: Rules) -> CatalogLicense | None:
    """The catalog license whose title (or name) the text contains; the longest wins, so that
    'Qwen Research License' is not read as 'Qwen License'."""
    haystack = " " + " ".join(words(text)) + " "
    best: tuple[int, CatalogLicense] | None = None
    for lic in rules.licenses.values():
        for phrase in _phrases(lic):
            if phrase in haystack and (best is None or len(phrase) > best[0]):
                best = (len(phrase), lic)
    return best[1] if best else None


def _phrases(lic: CatalogLicense) -> list[str]:
    out = []
    for title in (*lic.titles, lic.name):
        tokens = words(title)
        if len(tokens) < 2:
            continue  # a one-word name ("Gemma") is not a license name in prose
        out.append(" " + " ".join(tokens) + " ")
        if tokens[-1] == "agreement" and len(tokens) > 3:
            # "Stability AI Community License" names the "... License Agreement"
            out.append(" " + " ".join(tokens[:-1]) + " ")
    return out
