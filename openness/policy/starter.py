"""`openness init`: a commented starter policy, appended to pyproject.toml or in openness.toml.

The text is appended, never rewritten through a TOML library, so that the file's own comments
and layout stay as they are.
"""

from __future__ import annotations

from pathlib import Path

from openness.errors import UsageError
from openness.policy.load import _must_be_a_file, _read_toml, _table

_TEMPLATE = """\
{header}# openness policy: what a model must meet before this project adopts it.
# Every rule is optional: delete one to stop enforcing it. See the README, "Policy".

# The license, and every base model's license (fine-tunes are bound by them), must meet the
# Open Source Definition. An unknown verdict fails too, unless something could not be read.
require-osd = true

# Also require OSI approval of each license (stricter: open content licenses such as
# CC-BY-4.0 meet the OSD but are not OSI-approved).
require-osi-approved = false

# Lowest acceptable openness rung: 1 weights, 2 technical report, 3 training code,
# 4 training data, 5 data-cleaning pipeline. Uncomment to enforce.
# min-rung = 1

# Clause kinds that fail a model whatever else it passes (`openness clauses` lists them).
deny-clauses = [
  "mau_threshold",             # rights end above a number of users or a revenue figure
  "no_train_other_models",     # the model or its outputs may not improve other models
  "non_commercial",
  "research_only",
  "field_of_use_restriction",  # named fields (military, medical, ...) are excluded
]

# Licenses by catalog id, Hub id, SPDX id or SPDX expression (`openness licenses` lists the
# catalog). An empty allow list accepts any license that meets the rules above.
allow-licenses = []
deny-licenses = []

# Accept models whose files are behind the Hub's click-through or manual approval.
allow-gated = true

# An exception accepts one model anyway, with who approved it and until when:
# [[{exceptions}]]
# repo = "org/model"
# reason = "reviewed by legal for internal evaluation only"
# approved-by = "legal@example.com"
# expires = 2027-03-31
"""


def starter_text(in_pyproject: bool) -> str:
    if in_pyproject:
        return _TEMPLATE.format(header="[tool.openness]\n", exceptions="tool.openness.exceptions")
    return _TEMPLATE.format(header="", exceptions="exceptions")


def write_starter(folder: Path, target: str = "auto") -> Path:
    """Write the starter policy; returns the file written. `target`: auto, pyproject, openness.

    auto: into pyproject.toml when the folder has one, else a new openness.toml. An existing
    policy is never overwritten.
    """
    pyproject, standalone = folder / "pyproject.toml", folder / "openness.toml"
    if target == "auto":
        target = "pyproject" if pyproject.is_file() and not standalone.exists() else "openness"
    existing = _existing_policy(pyproject, standalone)
    if existing is not None:
        # A second policy beside the first would make every later command refuse both.
        raise UsageError(f"a policy is already there: {existing}; edit it instead")
    try:
        if target == "openness":
            standalone.write_text(starter_text(in_pyproject=False), encoding="utf-8")
            return standalone
        _append_to_pyproject(pyproject)
    except OSError as exc:
        written = standalone if target == "openness" else pyproject
        raise UsageError(f"cannot write {written.name}: {exc.strerror or exc}") from None
    return pyproject


def _existing_policy(pyproject: Path, standalone: Path) -> str | None:
    """The policy this folder already has, as a person would name it, or None."""
    _must_be_a_file(standalone)
    if standalone.exists():
        return standalone.name
    if pyproject.is_file() and _table(pyproject, _read_toml(pyproject)) is not None:
        return f"[tool.openness] in {pyproject.name}"
    return None


def _append_to_pyproject(pyproject: Path) -> None:
    existing = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    separator = (
        ""
        if not existing or existing.endswith("\n\n")
        else ("\n" if existing.endswith("\n") else "\n\n")
    )
    pyproject.write_text(existing + separator + starter_text(in_pyproject=True), "utf-8")
