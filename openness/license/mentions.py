"""Naming a license from what a card says about it: a link's URL or a line's words.

Used when no license text can be read (a gated repo without a token): `license_link` and
'License: [Name](url)' lines still say which license applies. URLs are matched against the
catalog's published pages, never fetched; names against the catalog's titles and names.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from openness.license.fingerprint import words
from openness.links import host_and_path
from openness.rules import CatalogLicense, Rules


def license_by_url(url: str, rules: Rules) -> CatalogLicense | None:
    """The catalog license published at `url`: a prefix match on host and path, the longest
    page winning (".../license/1-1/" over ".../license/"). A file on the Hub or GitHub is the
    same file whichever branch or commit the link names, and whether it shows or serves it."""
    where = page_of(url)
    if not where or "/" not in where:
        return None
    best: tuple[int, CatalogLicense] | None = None
    for lic in rules.licenses.values():
        for page in (lic.url, *lic.urls):
            known = page_of(page) if page else ""
            if not known or not where.startswith(known):
                continue
            if best is None or len(known) > best[0]:
                best = (len(known), lic)
    return best[1] if best else None


# a file's view on the Hub or GitHub: "/blob/<ref>/", "/resolve/<ref>/", "/raw/<ref>/"
_REF = re.compile(
    r"^((?:huggingface\.co|github\.com)/(?:spaces/|datasets/)?[^/]+/[^/]+)/(?:blob|resolve|raw|tree)/[^/]+/"
)
_RAW_GITHUB = re.compile(r"^raw\.githubusercontent\.com/([^/]+/[^/]+)/[^/]+/")


def page_of(url: str) -> str:
    """A URL as the page it shows: host and path, lower case, without the file view's branch or
    commit, with %-escapes decoded."""
    where = unquote(host_and_path(url)).rstrip("/")
    where = _RAW_GITHUB.sub(r"github.com/\1/", where)
    return _REF.sub(r"\1/", where)


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
