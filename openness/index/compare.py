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

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console
from rich.text import Text

from openness.errors import UsageError
from openness.report import SCHEMA_VERSION, Report, Step, Tool

RATINGS_FILE = Path(__file__).with_name("framework_ratings.yaml")
FRAMEWORKS = ("mot", "osai", "fmti", "os_ai_map", "osi")
STEP_FIELDS = tuple(f"step{n}" for n in range(1, 6))
FIELDS = (*STEP_FIELDS, "rung", "class", "osd", "osaid")
CLASSES = ("ours", "definition", "stale", "unclassified")
CLASS_LABELS = {
    "ours": "our bug",
    "definition": "difference of definition",
    "stale": "their staleness",
    "unclassified": "unclassified",
}
_MOF_ORDER = {None: 0, "III": 1, "II": 2, "I": 3}
_OSAID_STEPS = {"parameters (weights)": 1, "training code": 3, "data-processing code": 5}

Classification = Literal["ours", "definition", "stale", "unclassified"]
Value = bool | int | str | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvidenceRef(_Model):
    detail: str
    source: str
    url: str | None = None


class OurSide(_Model):
    """What the index says, and on what evidence."""

    value: Value
    reason: str | None = Field(None, description="The step's reason, or why the verdict is so.")
    confidence: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)
    looked_for: list[str] = Field(default_factory=list)
    revision: str | None = None
    last_modified: str | None = None
    audited_at: str | None = None


class TheirSide(_Model):
    """What the framework says, and where it says it."""

    value: Value
    framework: str
    source: str = Field(description="The snapshot the rating came from (its key).")
    entry: str = Field(description="The rating's file, or edition and developer, in the snapshot.")
    rates: str | None = Field(None, description="What the entry rates, in its own names.")
    match: str = Field(description="How the rated subject relates to the repo.")
    field: str = Field(description="The framework's fields this comparison reads.")
    reading: str = Field(description="Their values of those fields.")
    snapshot: str = Field(description="repo@commit (date) of the snapshot, or the page and date.")
    date: str | None = Field(None, description="The rating is no newer than this.")
    url: str | None = None


class Disagreement(_Model):
    repo_id: str
    framework: str
    field: str = Field(description="step1..step5, rung, class, osd or osaid.")
    ours: Value
    theirs: Value
    hand: bool | None = Field(
        None, description="The hand judgment of the step for the revision it was made for."
    )
    classification: Classification
    why: str = Field(description="What the classification rests on.")
    recorded: bool = Field(
        False, description="A disagreement with the hand judgment recorded with its reason."
    )
    gap: int = Field(1, description="How far apart the answers are: rungs or classes apart.")
    our_side: OurSide
    their_side: TheirSide


class Undecided(_Model):
    """A field our side could not decide: not counted, listed with why."""

    repo_id: str
    framework: str
    field: str
    theirs: Value
    why: str
    our_side: OurSide
    their_side: TheirSide


class FieldAgreement(_Model):
    framework: str
    field: str
    compared: int = 0
    agree: int = 0
    undecided: int = 0
    by_class: dict[str, int] = Field(default_factory=dict)

    rate: float | None = Field(None, description="agree / compared; null when none compared.")

    def settle(self) -> FieldAgreement:
        self.rate = round(self.agree / self.compared, 4) if self.compared else None
        return self


class FrameworkCoverage(_Model):
    framework: str
    name: str
    snapshots: list[str]
    rated: int = Field(0, description="Repos with a usable rating.")
    not_usable: int = Field(0, description="Repos whose rating rates another generation or model.")
    no_entry: int = Field(0, description="Repos the framework has no entry for.")


class CompareDocument(_Model):
    schema_version: str = SCHEMA_VERSION
    tool: Tool = Field(default_factory=Tool)
    ratings: str = Field(description="The ratings file compared against.")
    models: int = Field(0, description="Repos both in the index and in the ratings.")
    not_rated: int = Field(0, description="Repos in the index the ratings do not cover.")
    not_indexed: list[str] = Field(
        default_factory=list, description="Repos the ratings cover that the index lacks."
    )
    frameworks: list[FrameworkCoverage] = Field(default_factory=list)
    agreement: list[FieldAgreement] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    undecided: list[Undecided] = Field(default_factory=list)

    def figure(self, framework: str, field: str) -> FieldAgreement | None:
        return next(
            (a for a in self.agreement if a.framework == framework and a.field == field), None
        )


# -- the ratings -------------------------------------------------------------------------------


@dataclass
class Ratings:
    path: str
    snapshots: dict[str, dict]
    frameworks: dict[str, dict]
    models: dict[str, dict]  # lower-case repo id -> model

    def model(self, repo_id: str) -> dict | None:
        return self.models.get(repo_id.lower())


def load_ratings(path: Path | None = None) -> Ratings:
    """The kept ratings: the shipped file, or another build of it."""
    where = path or RATINGS_FILE
    try:
        data = yaml.safe_load(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{where}: cannot read the ratings ({exc})") from None
    if not isinstance(data, dict) or data.get("version") != 1 or "models" not in data:
        raise UsageError(f"{where}: not a ratings file tools/build_framework_ratings.py wrote")
    shown = "shipped (openness/index/framework_ratings.yaml)" if path is None else str(path)
    return Ratings(
        path=shown,
        snapshots=data.get("snapshots") or {},
        frameworks=data.get("frameworks") or {},
        models={repo.lower(): {"repo_id": repo, **m} for repo, m in data["models"].items()},
    )


# -- the comparison ----------------------------------------------------------------------------


@dataclass
class _Subject:
    report: Report
    audited_at: str | None
    model: dict
    steps: dict[int, Step] = field(default_factory=dict)

    @property
    def same_revision(self) -> bool:
        """Were the hand judgment and the recorded reasons made for this revision?"""
        kept = self.model.get("revision")
        return kept is None or kept == self.report.subject.revision

    def hand(self, rung: int) -> bool | None:
        return (self.model.get("hand") or {}).get(rung) if self.same_revision else None

    def recorded(self, rung: int) -> dict | None:
        return (self.model.get("recorded") or {}).get(rung) if self.same_revision else None


def compare(source: Any, ratings: Ratings | None = None) -> CompareDocument:
    """Hold an index (`IndexStore`: the newest row of each repo) or reports against the ratings.

    Only the rows of rated repos are parsed: an index of the whole Hub costs one pass."""
    ratings = ratings or load_ratings()
    comparer = _Comparer(ratings)
    items: Iterable[Any] = source.latest() if hasattr(source, "latest") else source
    seen: set[str] = set()
    not_rated = 0
    for item in items:
        repo_id = item.subject.repo_id if isinstance(item, Report) else item.repo_id
        if repo_id.lower() in seen:
            continue
        seen.add(repo_id.lower())
        model = ratings.model(repo_id)
        if model is None:
            not_rated += 1
            continue
        report, when = (
            (item, None) if isinstance(item, Report) else (item.report(), item.audited_at)
        )
        steps = {s.rung: s for s in report.openness.steps}
        comparer.subject(_Subject(report, when, model, steps))
    doc = comparer.document
    compared = seen & set(ratings.models)
    doc.models = len(compared)
    doc.not_rated = not_rated
    doc.not_indexed = sorted(m["repo_id"] for key, m in ratings.models.items() if key not in seen)
    for figure in doc.agreement:
        figure.settle()
    doc.disagreements.sort(
        key=lambda d: (-d.gap, FIELDS.index(d.field) < 5, d.repo_id.lower(), d.framework, d.field)
    )
    return doc


class _Comparer:
    def __init__(self, ratings: Ratings) -> None:
        self.ratings = ratings
        self.document = CompareDocument(ratings=ratings.path)
        self.figures: dict[tuple[str, str], FieldAgreement] = {}
        for fw in FRAMEWORKS:
            spec = ratings.frameworks.get(fw) or {}
            self.document.frameworks.append(
                FrameworkCoverage(
                    framework=fw,
                    name=spec.get("name", fw),
                    snapshots=[self._snapshot(s) for s in spec.get("sources", [])],
                )
            )

    # each subject, each framework
    def subject(self, sub: _Subject) -> None:
        ratings = sub.model.get("ratings") or {}
        for cov in self.document.frameworks:
            rating = ratings.get(cov.framework)
            if rating is None:
                cov.no_entry += 1
            elif not rating.get("usable", True):
                cov.not_usable += 1
            else:
                cov.rated += 1
                self._framework(sub, cov.framework, rating)

    def _framework(self, sub: _Subject, fw: str, rating: dict) -> None:
        for n, theirs in sorted((rating.get("steps") or {}).items()):
            if theirs is not None and n in sub.steps:
                self._step(sub, fw, rating, int(n), bool(theirs))
        if rating.get("rung") is not None:
            self._rung(sub, fw, rating)
        if fw == "mot":
            self._class(sub, fw, rating)
        theirs_osd = _their_osd(fw, rating)
        if theirs_osd is not None:
            self._osd(sub, fw, rating, theirs_osd)
        if fw == "osi":
            self._osaid(sub, fw, rating)

    # -- fields

    def _step(self, sub: _Subject, fw: str, rating: dict, n: int, theirs: bool) -> None:
        step = sub.steps[n]
        ours_side = self._our_step(sub, step)
        their_side = self._their(fw, rating, f"step{n}", theirs)
        if step.met is None:
            why = step.reason or "our step is unknown"
            rec = sub.recorded(n)
            if rec:
                why += f" (recorded: {rec['reason']})"
            self._undecided(sub, fw, f"step{n}", theirs, why, ours_side, their_side)
            return
        if step.met == theirs:
            self._agree(fw, f"step{n}")
            return
        cls, why, recorded = self._classify_step(sub, fw, rating, n, theirs)
        self._disagree(
            sub,
            fw,
            f"step{n}",
            step.met,
            theirs,
            cls,
            why,
            ours_side,
            their_side,
            hand=sub.hand(n),
            recorded=recorded,
        )

    def _rung(self, sub: _Subject, fw: str, rating: dict) -> None:
        ours = sub.report.openness.rung
        low, high = int(rating["rung"]), int(rating.get("rung_max") or rating["rung"])
        theirs: Value = low if low == high else f"{low}-{high}"
        their_side = self._their(fw, rating, "rung", theirs)
        if low <= ours <= high:
            self._agree(fw, "rung")
            return
        k = ours + 1 if ours < low else high + 1  # the step where the two part
        step = sub.steps.get(k)
        ours_side = self._our_rung(sub, k)
        their_step = (rating.get("steps") or {}).get(k)
        if step is None or step.met is None:
            why = f"they part at step {k}, which we could not decide: " + (
                (step.reason if step else None) or "no such step"
            )
            self._undecided(sub, fw, "rung", theirs, why, ours_side, their_side)
            return
        gap = low - ours if ours < low else ours - high
        if their_step is None or bool(their_step) == step.met:
            cls, why, recorded = "unclassified", f"they part at step {k}", False
        else:
            cls, why, recorded = self._classify_step(sub, fw, rating, k, bool(their_step))
            why = f"they part at step {k}: {why}"
        self._disagree(
            sub,
            fw,
            "rung",
            ours,
            theirs,
            cls,
            why,
            ours_side,
            their_side,
            recorded=recorded,
            gap=gap,
        )

    def _class(self, sub: _Subject, fw: str, rating: dict) -> None:
        ours = sub.report.openness.mof_class
        theirs = rating.get("class")
        ours_side = self._our_class(sub)
        their_side = self._their(fw, rating, "class", theirs or "none")
        if ours == theirs:
            self._agree(fw, "class")
            return
        gap = abs(_MOF_ORDER[ours] - _MOF_ORDER[theirs])
        fields = rating.get("fields") or {}
        blocking = [k for k, v in fields.items() if str(v).startswith(("invalid", "unlicensed"))]
        note = self._definition(fw, "class", "lower")
        if _MOF_ORDER[ours] > _MOF_ORDER[theirs] and blocking and note:
            cls: str = "definition"
            why = f"{note} (their components {', '.join(blocking)})"
        else:
            cls, why = "unclassified", self._basis(sub, fw, rating)
        self._disagree(
            sub,
            fw,
            "class",
            ours or "none",
            theirs or "none",
            cls,
            why,
            ours_side,
            their_side,
            gap=gap,
        )

    def _osd(self, sub: _Subject, fw: str, rating: dict, theirs: bool) -> None:
        lic = sub.report.license
        ours = lic.effective.osd_compliant if lic.effective else lic.osd_compliant
        ours_side = self._our_osd(sub)
        their_side = self._their(fw, rating, "osd", theirs)
        if ours is None:
            why = (lic.effective.reason if lic.effective else lic.osd_reason) or "undecided"
            self._undecided(sub, fw, "osd", theirs, why, ours_side, their_side)
            return
        if ours == theirs:
            self._agree(fw, "osd")
            return
        note = self._definition(fw, "osd", theirs)
        cls, why = ("definition", note) if note else ("unclassified", self._basis(sub, fw, rating))
        self._disagree(sub, fw, "osd", ours, theirs, cls, why, ours_side, their_side, gap=2)

    def _osaid(self, sub: _Subject, fw: str, rating: dict) -> None:
        osaid = sub.report.openness.osaid
        ours = osaid.verdict if osaid else "unknown"
        theirs = "pass" if rating.get("result") == "pass" else "fail"
        ours_side = self._our_osaid(sub)
        their_side = self._their(fw, rating, "osaid", theirs)
        if ours == "unknown":
            why = "; ".join(osaid.reasons) if osaid else "no OSAID verdict in the report"
            self._undecided(sub, fw, "osaid", theirs, why, ours_side, their_side)
            return
        if ours == theirs:
            self._agree(fw, "osaid")
            return
        cls, why, recorded = "unclassified", self._basis(sub, fw, rating), False
        missing = osaid.missing if osaid else []
        if ours == "fail" and missing and all(m in _OSAID_STEPS for m in missing):
            # a pass needs every component: each step we miss is a step they count as met
            verdicts = []
            for item in missing:
                k = _OSAID_STEPS[item]
                step = sub.steps.get(k)
                if step is None or step.met is not False:
                    break
                verdicts.append((k, *self._classify_step(sub, fw, rating, k, True)))
            classes = {v[1] for v in verdicts}
            if (
                len(verdicts) == len(missing)
                and len(classes) == 1
                and "unclassified" not in classes
            ):
                cls = verdicts[0][1]
                why = "; ".join(
                    f"step {k} ({m}): {w}"
                    for (k, _, w, _), m in zip(verdicts, missing, strict=True)
                )
                recorded = all(v[3] for v in verdicts)
        self._disagree(
            sub,
            fw,
            "osaid",
            ours,
            theirs,
            cls,
            why,
            ours_side,
            their_side,
            recorded=recorded,
            gap=2,
        )

    # -- classification

    def _classify_step(
        self, sub: _Subject, fw: str, rating: dict, n: int, theirs: bool
    ) -> tuple[str, str, bool]:
        name = self._name(fw)
        hand = sub.hand(n)
        rec = sub.recorded(n)
        if rec and (hand is None or hand == theirs):
            return rec["class"], f"recorded: {rec['reason']}", True
        if hand is not None and hand == theirs:
            return (
                "ours",
                f"the hand judgment agrees with {name}, and no disagreement is recorded for "
                "this step: a new bug",
                False,
            )
        note = self._definition(fw, f"step{n}", theirs)
        if note:
            return "definition", note, False
        stale = self._stale(sub, fw, rating)
        if stale:
            return "stale", stale, False
        return "unclassified", self._basis(sub, fw, rating, hand), False

    def _definition(self, fw: str, key: str, theirs: Any) -> str | None:
        note = ((self.ratings.frameworks.get(fw) or {}).get("definitions") or {}).get(key)
        if not note:
            return None
        want = note.get("theirs")
        if want == "any" or want == theirs or (want == "lower" and theirs == "lower"):
            return " ".join(str(note.get("why", "")).split())
        return None

    def _stale(self, sub: _Subject, fw: str, rating: dict) -> str | None:
        name = self._name(fw)
        match = str(rating.get("match") or "")
        if match.startswith("family-earlier"):
            return f"{name} rates an earlier generation ({match})"
        date = self._date(rating)
        modified = sub.report.subject.last_modified
        if date and modified and modified[: len(date)] > date:
            return (
                f"{name}'s rating ({date}) predates the revision audited "
                f"(last modified {modified[:10]})"
            )
        return None

    def _basis(self, sub: _Subject, fw: str, rating: dict, hand: bool | None = None) -> str:
        parts = []
        if not sub.same_revision:
            parts.append(
                f"the hand judgment was made for revision {str(sub.model.get('revision'))[:12]}, "
                f"not this one"
            )
        elif hand is not None:
            parts.append("the hand judgment agrees with openness")
        match = str(rating.get("match") or "")
        if match and not match.startswith("exact"):
            parts.append(f"they rate {match}")
        parts.append("nothing kept explains their value")
        return "; ".join(parts)

    # -- sides

    def _our_step(self, sub: _Subject, step: Step) -> OurSide:
        return OurSide(
            value=step.met,
            reason=step.reason,
            confidence=step.confidence,
            evidence=[
                EvidenceRef(detail=e.detail, source=e.source, url=e.url) for e in step.evidence[:3]
            ],
            looked_for=step.looked_for[:3] if step.met is not True else [],
            **self._when(sub),
        )

    def _our_rung(self, sub: _Subject, k: int) -> OurSide:
        """Our rung, with the step where the two ladders part."""
        rung = sub.report.openness.rung
        step = sub.steps.get(k)
        if step is None:
            return OurSide(value=rung, **self._when(sub))
        side = self._our_step(sub, step)
        side.value = rung
        side.reason = f"rung {rung}; step {k} {_value(step.met)}: {step.reason or step.name}"
        return side

    def _our_class(self, sub: _Subject) -> OurSide:
        ladder = sub.report.openness
        above = {None: "III", "III": "II", "II": "I"}.get(ladder.mof_class)  # the next class
        blocking = [
            c
            for c in ladder.components
            if c.required
            and c.mof_class == above
            and (c.present is not True or (c.license is not None and c.license_open is not True))
        ]
        shown = [
            f"{c.name} ({'not found' if c.present is not True else 'licence not open'})"
            for c in blocking[:4]
        ]
        return OurSide(
            value=ladder.mof_class or "none",
            reason=(f"class {above} blocked by " + ", ".join(shown))
            if shown
            else "every component is present",
            evidence=[
                EvidenceRef(detail=f"{c.name}: {e.detail}", source=e.source, url=e.url)
                for c in blocking[:3]
                for e in c.evidence[:1]
            ],
            **self._when(sub),
        )

    def _our_osd(self, sub: _Subject) -> OurSide:
        lic = sub.report.license
        terms = lic.effective
        evidence = []
        if lic.identified:
            evidence.append(
                EvidenceRef(
                    detail=f"{lic.identified.id} ({lic.identified.name})",
                    source=lic.identified.source,
                )
            )
        for crit in (terms.licenses if terms else [])[:3]:
            if crit.osd_compliant is False:
                evidence.append(
                    EvidenceRef(
                        detail=f"{crit.id}: {crit.reason or 'fails the OSD'}", source=crit.from_
                    )
                )
        return OurSide(
            value=terms.osd_compliant if terms else lic.osd_compliant,
            reason=(terms.reason if terms else None) or lic.osd_reason,
            evidence=evidence,
            **self._when(sub),
        )

    def _our_osaid(self, sub: _Subject) -> OurSide:
        osaid = sub.report.openness.osaid
        return OurSide(
            value=osaid.verdict if osaid else "unknown",
            reason="; ".join(osaid.reasons) if osaid and osaid.reasons else None,
            looked_for=osaid.missing if osaid else [],
            **self._when(sub),
        )

    def _when(self, sub: _Subject) -> dict[str, Any]:
        subject = sub.report.subject
        return {
            "revision": subject.revision,
            "last_modified": subject.last_modified,
            "audited_at": sub.audited_at,
        }

    def _their(self, fw: str, rating: dict, what: str, value: Value) -> TheirSide:
        source = rating.get("source", fw)
        snap = self.ratings.snapshots.get(source) or {}
        fields = rating.get("fields") or {}
        if what.startswith("step"):
            names = ((self.ratings.frameworks.get(fw) or {}).get("steps") or {}).get(source) or {}
            wanted = [f for f in names.get(int(what[4:]), []) if f in fields]
            if rating.get("columns") == "end":
                wanted = [f.replace("_basemodel", "_endmodel") for f in wanted]
            field_name = ", ".join(wanted) or f"{what} (as mapped)"
            reading = "; ".join(f"{f}: {fields.get(f)}" for f in wanted) or str(value)
        elif what == "rung":
            steps = rating.get("steps") or {}
            field_name = "implied rung (leading steps met)"
            reading = (
                f"{value} (steps "
                + ", ".join(
                    f"{n} {_value(steps[n]) if steps[n] is not None else 'not rated'}"
                    for n in sorted(steps)
                )
                + ")"
            )
        elif what == "class":
            field_name = "class"
            reading = f"{rating.get('class_label') or value}; " + "; ".join(
                f"{k}: {v}" for k, v in fields.items()
            )
        elif what == "osd":
            key = _OSD_FIELD.get(source, "result")
            field_name, reading = key, str(fields.get(key))
        else:
            field_name, reading = "result", str(rating.get("result"))
        return TheirSide(
            value=value,
            framework=fw,
            source=source,
            entry=str(rating.get("entry")),
            rates=rating.get("rates"),
            match=str(rating.get("match") or ""),
            field=field_name,
            reading=reading,
            snapshot=self._snapshot(source, rating),
            date=self._date(rating),
            url=self._url(snap, rating),
        )

    def _snapshot(self, source: str, rating: dict | None = None) -> str:
        snap = self.ratings.snapshots.get(source) or {}
        date = self._date(rating) if rating else snap.get("date")
        where = (
            f"{snap['repo']}@{str(snap.get('commit'))[:7]}"
            if snap.get("repo")
            else snap.get("url") or source
        )
        if rating and rating.get("edition"):
            where += f" {rating['edition']}"
        return f"{where} ({date})" if date else where

    def _date(self, rating: dict) -> str | None:
        snap = self.ratings.snapshots.get(rating.get("source", "")) or {}
        edition = rating.get("edition")
        if edition:
            return str((snap.get("editions") or {}).get(edition) or snap.get("date"))
        return str(snap["date"]) if snap.get("date") else None

    def _url(self, snap: dict, rating: dict) -> str | None:
        template = snap.get("url")
        if not template:
            return None
        return str(template).format(
            commit=snap.get("commit") or "",
            entry=rating.get("entry") or "",
            edition=rating.get("edition") or "",
        )

    def _name(self, fw: str) -> str:
        return str((self.ratings.frameworks.get(fw) or {}).get("name", fw))

    # -- tallies

    def _figure(self, fw: str, what: str) -> FieldAgreement:
        key = (fw, what)
        if key not in self.figures:
            figure = FieldAgreement(framework=fw, field=what)
            self.figures[key] = figure
            self.document.agreement.append(figure)
            self.document.agreement.sort(
                key=lambda a: (FRAMEWORKS.index(a.framework), FIELDS.index(a.field))
            )
        return self.figures[key]

    def _agree(self, fw: str, what: str) -> None:
        figure = self._figure(fw, what)
        figure.compared += 1
        figure.agree += 1

    def _disagree(
        self,
        sub: _Subject,
        fw: str,
        what: str,
        ours: Value,
        theirs: Value,
        cls: str,
        why: str,
        ours_side: OurSide,
        their_side: TheirSide,
        *,
        hand: bool | None = None,
        recorded: bool = False,
        gap: int = 1,
    ) -> None:
        figure = self._figure(fw, what)
        figure.compared += 1
        figure.by_class[cls] = figure.by_class.get(cls, 0) + 1
        self.document.disagreements.append(
            Disagreement(
                repo_id=sub.report.subject.repo_id,
                framework=fw,
                field=what,
                ours=ours,
                theirs=theirs,
                hand=hand,
                classification=cls,  # type: ignore[arg-type]
                why=why,
                recorded=recorded,
                gap=gap,
                our_side=ours_side,
                their_side=their_side,
            )
        )

    def _undecided(
        self,
        sub: _Subject,
        fw: str,
        what: str,
        theirs: Value,
        why: str,
        ours_side: OurSide,
        their_side: TheirSide,
    ) -> None:
        self._figure(fw, what).undecided += 1
        self.document.undecided.append(
            Undecided(
                repo_id=sub.report.subject.repo_id,
                framework=fw,
                field=what,
                theirs=theirs,
                why=why,
                our_side=ours_side,
                their_side=their_side,
            )
        )


_OSD_FIELD = {
    "mot": "model_parameters_final",
    "osai": "licenses",
    "osai_archive": "license",
    "osi": "result",
}


def _their_osd(fw: str, rating: dict) -> bool | None:
    """Their licence verdict, where a field answers the OSD question; None where none does."""
    fields = rating.get("fields") or {}
    source = rating.get("source", fw)
    if source == "mot":
        value = str(fields.get("model_parameters_final") or "")
        if value.startswith("open"):
            return True
        return False if value.startswith("invalid") else None
    if source in ("osai", "osai_archive"):
        grade = fields.get(_OSD_FIELD[source])
        return {"open": True, "closed": False}.get(grade)  # partial: not comparable
    if source == "osi":
        return {"pass": True, "fail-license": False}.get(rating.get("result"))
    return None


# -- rendering ---------------------------------------------------------------------------------

FIELD_LABELS = {
    "step1": "1 weights",
    "step2": "2 report",
    "step3": "3 code",
    "step4": "4 data",
    "step5": "5 pipeline",
    "rung": "rung",
    "class": "MOF class",
    "osd": "OSD",
    "osaid": "OSAID",
}


def _cell(figure: FieldAgreement | None) -> str:
    if figure is None or (not figure.compared and not figure.undecided):
        return "-"
    text = f"{figure.agree}/{figure.compared}"
    if figure.undecided:
        text += f" ({figure.undecided}?)"
    return text


def _steps_total(doc: CompareDocument, fw: str) -> FieldAgreement:
    total = FieldAgreement(framework=fw, field="steps")
    for a in doc.agreement:
        if a.framework == fw and a.field in STEP_FIELDS:
            total.compared += a.compared
            total.agree += a.agree
            total.undecided += a.undecided
    return total.settle()


def _pct(figure: FieldAgreement) -> str:
    return f"{100 * figure.rate:.0f}%" if figure.rate is not None else "-"


def _value(value: Value) -> str:
    if value is True:
        return "met"
    if value is False:
        return "not met"
    return "unknown" if value is None else str(value)


def _shown(field: str, value: Value) -> str:
    if field in STEP_FIELDS:
        return _value(value)
    if field == "osd":
        return {True: "pass", False: "fail", None: "unknown"}.get(value, str(value))  # type: ignore[arg-type]
    return str(value)


def _line(d: Disagreement) -> str:
    return (
        f"{FIELD_LABELS[d.field]}: ours {_shown(d.field, d.ours)}, "
        f"{d.framework} {_shown(d.field, d.theirs)}"
    )


def _our_evidence(side: OurSide) -> str:
    parts = [side.reason or ""]
    for e in side.evidence[:2]:
        parts.append(f"{e.detail} [{e.source}]" + (f" {e.url}" if e.url else ""))
    return "; ".join(p for p in parts if p)


def _their_evidence(side: TheirSide) -> str:
    where = side.entry + (f" ({side.url})" if side.url else "")
    return f"{side.reading} — {where}, {side.snapshot}; rates {side.rates or '?'} ({side.match})"


def render_table(console: Console, doc: CompareDocument) -> None:
    """The agreement figures, then each disagreement with both sides' evidence."""
    from openness.formats.table import Table, ident, show, t

    console.print(
        Text(
            f"{doc.models} models compared against {doc.ratings}"
            + (f"; {doc.not_rated} more in the index are not rated" if doc.not_rated else "")
        )
    )
    if doc.not_indexed:
        console.print(
            Text("not in the index: ", style="dim") + t(", ".join(doc.not_indexed), limit=2000)
        )
    table = Table(title="Agreement (agree/compared; ? = ours unknown, not counted)")
    table.add_column("framework", no_wrap=True)
    table.add_column("rated", justify="right")
    for label in (*[FIELD_LABELS[f] for f in STEP_FIELDS], "steps"):
        table.add_column(label, justify="right")
    for label in ("rung", "MOF class", "OSD", "OSAID"):
        table.add_column(label, justify="right")
    for cov in doc.frameworks:
        total = _steps_total(doc, cov.framework)
        table.add_row(
            cov.name,
            str(cov.rated),
            *[_cell(doc.figure(cov.framework, f)) for f in STEP_FIELDS],
            f"{_cell(total)} {_pct(total)}" if total.compared else "-",
            *[_cell(doc.figure(cov.framework, f)) for f in ("rung", "class", "osd", "osaid")],
        )
    width = console.width
    show(console, table)
    console.width = width  # prose wraps where it did
    counts = {c: sum(1 for d in doc.disagreements if d.classification == c) for c in CLASSES}
    console.print(
        Text(
            f"{len(doc.disagreements)} disagreements: "
            + ", ".join(f"{n} {CLASS_LABELS[c]}" for c, n in counts.items() if n)
            + (f"; {len(doc.undecided)} undecided on our side" if doc.undecided else "")
        )
    )
    for d in doc.disagreements:
        console.print(
            Text.assemble(
                ident(d.repo_id, "bold"),
                Text("  "),
                t(_line(d)),
                Text("  "),
                Text(CLASS_LABELS[d.classification], style=_STYLES[d.classification]),
                Text(" (recorded)" if d.recorded else "", style="dim"),
            )
        )
        console.print(Text.assemble(Text("    why:    ", style="dim"), t(d.why, limit=600)))
        console.print(
            Text.assemble(
                Text("    ours:   ", style="dim"), t(_our_evidence(d.our_side), limit=600)
            )
        )
        console.print(
            Text.assemble(
                Text("    theirs: ", style="dim"), t(_their_evidence(d.their_side), limit=600)
            )
        )
    for u in doc.undecided:
        console.print(
            Text.assemble(
                ident(u.repo_id, "dim"),
                Text(f"  {FIELD_LABELS[u.field]}: ours unknown, {u.framework} ", style="dim"),
                Text(_shown(u.field, u.theirs), style="dim"),
                Text(": ", style="dim"),
                t(u.why, "dim", limit=300),
            )
        )


_STYLES = {"ours": "bold red", "definition": "yellow", "stale": "cyan", "unclassified": "dim"}


def render_markdown(doc: CompareDocument) -> str:
    """Markdown: the figures as a table, each disagreement with both sides; text escaped."""
    from openness.formats.markdown import code, md

    lines = [
        "## openness: agreement with hand-curated indices",
        "",
        f"{doc.models} models compared against {md(doc.ratings, 300)}."
        + (f" {doc.not_rated} more in the index are not rated." if doc.not_rated else ""),
        "",
        "| framework | rated | "
        + " | ".join(FIELD_LABELS[f] for f in STEP_FIELDS)
        + " | steps | rung | MOF class | OSD | OSAID |",
        "| --- | ---: | " + " | ".join(["---:"] * 10) + " |",
    ]
    for cov in doc.frameworks:
        total = _steps_total(doc, cov.framework)
        cells = [_cell(doc.figure(cov.framework, f)) for f in STEP_FIELDS]
        cells.append(f"{_cell(total)} ({_pct(total)})" if total.compared else "-")
        cells += [_cell(doc.figure(cov.framework, f)) for f in ("rung", "class", "osd", "osaid")]
        lines.append(f"| {md(cov.name)} | {cov.rated} | " + " | ".join(cells) + " |")
    lines += ["", "agree/compared; (n?) fields our side left unknown, not counted.", ""]
    if doc.disagreements:
        lines += [
            "| model | field | ours | theirs | class | why | our evidence | their evidence |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for d in doc.disagreements:
            label = CLASS_LABELS[d.classification] + (" (recorded)" if d.recorded else "")
            lines.append(
                f"| {code(d.repo_id)} | {md(FIELD_LABELS[d.field])} | "
                f"{md(_shown(d.field, d.ours))} | "
                f"{md(d.framework)}: {md(_shown(d.field, d.theirs))} | "
                f"{md(label)} | {md(d.why, 400)} | {md(_our_evidence(d.our_side), 400)} | "
                f"{md(_their_evidence(d.their_side), 400)} |"
            )
    if doc.undecided:
        lines += ["", "Undecided on our side (not counted):", ""]
        for u in doc.undecided:
            lines.append(
                f"- {code(u.repo_id)} {md(FIELD_LABELS[u.field])} ({md(u.framework)} "
                f"{md(_shown(u.field, u.theirs))}): {md(u.why, 300)}"
            )
    return "\n".join(lines).rstrip("\n") + "\n"
