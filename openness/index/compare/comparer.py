"""Holding reports against the kept ratings, field by field, and classifying each
disagreement (ours, definition, stale, unclassified) from what is recorded about it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from openness.formats.public import public_report
from openness.index.compare.document import (
    FIELDS,
    FRAMEWORKS,
    CompareDocument,
    Disagreement,
    EvidenceRef,
    FieldAgreement,
    FrameworkCoverage,
    OurSide,
    TheirSide,
    Undecided,
    Value,
    shown_value,
)
from openness.index.compare.ratings import Ratings, load_ratings
from openness.report import Report, Step

_MOF_ORDER = {None: 0, "III": 1, "II": 2, "I": 3}
_OSAID_STEPS = {"parameters (weights)": 1, "training code": 3, "data-processing code": 5}


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
        report = public_report(report)  # built from a mirror: the Hub's URLs, not file://
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
        if hand is not None:  # made for this revision, and it sides with us
            return (
                "theirs",
                f"the hand judgment of this revision agrees with openness, and nothing kept "
                f"explains {name}'s value: an error in their rating (or a change it does not date)",
                False,
            )
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
        side.reason = f"rung {rung}; step {k} {shown_value(step.met)}: {step.reason or step.name}"
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
                    f"{n} {shown_value(steps[n]) if steps[n] is not None else 'not rated'}"
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
