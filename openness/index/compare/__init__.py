"""`openness index compare`: the index held against the other frameworks' ratings the project keeps.

`compare(source, ratings)` takes the newest row of each repo in an index (an `IndexStore`) or a
list of reports, and for every repo the kept ratings cover compares, per framework, each field
where the two answer the same question: each ladder step and the rung (MOT, the European Open
Source AI Index, FMTI, the AI Stack Map, all mapped onto the ladder), the MOF class against MOT's
class, the OSD verdict against MOT's licence verdict on the weights and OSAI's licence grade, and
the OSAID verdict against OSI's validation. Ratings marked not usable (they rate another
generation or model) are counted, never compared.

Each disagreement carries both sides' evidence (our step's reason and evidence, their field,
value, entry and snapshot) and a class:

- ``ours``: our answer is the odd one out. The hand judgment of that revision agrees with them,
  and either the difference is recorded (tests/data/ladder_disagreements.yaml, with its reason)
  or it is not, which makes it a new bug.
- ``theirs``: the hand judgment of that revision agrees with us, and nothing kept explains
  their value: an error in their rating (or a change their rating does not date).
- ``definition``: the framework's field asks another question than ours, in the direction that
  explains the difference (the mapping notes kept with the ratings), or a recorded difference
  says the tool applies the issue's definition there.
- ``stale``: their rating predates the revision audited (their snapshot or edition date against
  the repo's last change), or rates an earlier generation.
- ``unclassified``: none of those is known; nothing is guessed.

Steps where our answer is unknown are listed apart (`undecided`), with why, and do not count.
The ratings ship as openness/index/framework_ratings.yaml, built by
tools/build_framework_ratings.py from the files the tests keep; `load_ratings(path)` reads
another build.
"""

from openness.index.compare.comparer import compare
from openness.index.compare.document import (
    CLASS_LABELS,
    CLASSES,
    FIELDS,
    FRAMEWORKS,
    STEP_FIELDS,
    CompareDocument,
    Disagreement,
    EvidenceRef,
    FieldAgreement,
    FrameworkCoverage,
    OurSide,
    TheirSide,
    Undecided,
)
from openness.index.compare.ratings import RATINGS_FILE, Ratings, load_ratings
from openness.index.compare.render import render_markdown, render_table

__all__ = [
    "CLASSES",
    "CLASS_LABELS",
    "FIELDS",
    "FRAMEWORKS",
    "RATINGS_FILE",
    "STEP_FIELDS",
    "CompareDocument",
    "Disagreement",
    "EvidenceRef",
    "FieldAgreement",
    "FrameworkCoverage",
    "OurSide",
    "Ratings",
    "TheirSide",
    "Undecided",
    "compare",
    "load_ratings",
    "render_markdown",
    "render_table",
]
