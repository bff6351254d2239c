"""Issue 12, item 5: what changed between two revisions of a model (openness.diff).

Each revision is a copy of fixtures/hub (the mirror serves one revision per folder) with its own
sha and an edited repo; both are audited by the real program (`audit -f json`) and the two
reports are compared."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness
from rich.console import Console

from openness.diff import (
    DiffDocument,
    diff_documents,
    diff_reports,
    pick_report,
    read_reports,
    render_markdown,
    render_table,
)
from openness.errors import UsageError
from openness.policy import load_policy
from openness.report import Report
from openness.rules import load_rules

APACHE = "openness-fixtures/open-apache-7b"
LLAMA = "meta-llama/Llama-2-7b"
OLD_SHA, NEW_SHA = "1" * 40, "2" * 40


def _revision(root: Path, repo: str, sha: str, edit: Callable[[Path], None] | None = None) -> Path:
    """A mirror holding `repo` at `sha`, its folder changed by `edit`."""
    mirror = root / sha[:8]
    shutil.copytree(FIXTURES, mirror)
    folder = mirror / "models" / repo
    info = json.loads((folder / "info.json").read_text())
    info["sha"] = sha
    (folder / "info.json").write_text(json.dumps(info, indent=2))
    if edit is not None:
        edit(folder)
    return mirror


def _audit(mirror: Path, repo: str, *flags: str) -> Path:
    run = run_openness("audit", repo, "--mirror", str(mirror), "-f", "json", *flags)
    assert run.code in (0, 1), run.stderr
    out = mirror / "report.json"
    out.write_text(run.stdout)
    return out


def _report(path: Path) -> Report:
    return pick_report(read_reports(path), None, path)


def _policy(tmp: Path, text: str):
    path = tmp / "openness.toml"
    path.write_text(text)
    return load_policy(path, {}, load_rules(()))


def _to_cc_by_nc(folder: Path) -> None:
    """The new revision relicenses the model: card, Hub record and LICENSE say CC BY-NC 4.0."""
    info = json.loads((folder / "info.json").read_text())
    info["cardData"]["license"] = "cc-by-nc-4.0"
    info["tags"] = [
        "license:cc-by-nc-4.0" if tag.startswith("license:") else tag for tag in info["tags"]
    ]
    (folder / "info.json").write_text(json.dumps(info, indent=2))
    card = (folder / "README.md").read_text()
    (folder / "README.md").write_text(card.replace("license: apache-2.0", "license: cc-by-nc-4.0"))
    nc = FIXTURES / "models" / "openness-fixtures" / "nc-research-1b" / "LICENSE"
    shutil.copy(nc, folder / "LICENSE")


@pytest.fixture(scope="module")
def relicensed(tmp_path_factory) -> tuple[Report, Report]:
    root = tmp_path_factory.mktemp("revisions")
    old = _audit(_revision(root, APACHE, OLD_SHA), APACHE)
    new = _audit(_revision(root, APACHE, NEW_SHA, _to_cc_by_nc), APACHE)
    return _report(old), _report(new)


def test_a_relicensed_revision_says_what_changed_in_the_license(relicensed):
    old, new = relicensed
    diff = diff_reports(old, new)
    assert (diff.old.revision, diff.new.revision) == (OLD_SHA, NEW_SHA)
    lic = diff.license
    assert (lic.identified.old, lic.identified.new) == ("apache-2.0", "cc-by-nc-4.0")
    assert (lic.spdx.old, lic.spdx.new) == ("Apache-2.0", "CC-BY-NC-4.0")
    assert (lic.declared.old, lic.declared.new) == (["apache-2.0"], ["cc-by-nc-4.0"])
    assert (lic.osd_compliant.old, lic.osd_compliant.new) == (True, False)
    assert (lic.effective_osd_compliant.old, lic.effective_osd_compliant.new) == (True, False)
    assert [c.kind for c in lic.clauses_added] == ["non_commercial"]
    assert lic.clauses_added[0].source.startswith("LICENSE:")
    assert lic.clauses_removed == []
    failing = {c.criterion for c in lic.osd if c.new == "fail"}
    assert failing and all(c.old == "pass" for c in lic.osd if c.new == "fail")
    assert all("non_commercial" in c.clauses for c in lic.osd if c.new == "fail")
    own = [b for b in lic.binding if b.relation == "own"]
    assert {(b.change, b.id) for b in own} == {("added", "cc-by-nc-4.0"), ("removed", "apache-2.0")}
    assert diff.changed and not diff.incomplete
    assert diff.policy is None and not diff.regressed  # no policy given, none in the reports
    assert "license: apache-2.0 → cc-by-nc-4.0" in diff.summary
    assert any(line.startswith("clause added: non_commercial (LICENSE:") for line in diff.summary)


@pytest.mark.parametrize(
    "policy, rule",
    [
        ("require-osd = true\n", "require-osd"),
        ('deny-licenses = ["cc-by-nc-4.0"]\n', "deny-licenses"),
    ],
)
def test_a_passing_model_that_now_fails_the_policy_has_regressed(
    relicensed, tmp_path, policy, rule
):
    old, new = relicensed
    diff = diff_reports(old, new, _policy(tmp_path, policy))
    assert diff.policy is not None
    assert (diff.policy.old, diff.policy.new) == ("passed", "failed")
    assert diff.regressed and diff.policy.regressed
    assert [v.rule for v in diff.policy.violations_added] == [rule]
    assert diff.policy.violations_removed == []
    assert any(line.startswith("policy (") and "passed → failed" in line for line in diff.summary)
    # the other way round is an improvement, not a regression
    back = diff_reports(new, old, _policy(tmp_path, policy))
    assert (back.policy.old, back.policy.new) == ("failed", "passed") and not back.regressed
    assert [v.rule for v in back.policy.violations_removed] == [rule]


def test_an_exception_pinned_to_the_old_revision_does_not_carry_over(relicensed, tmp_path):
    old, new = relicensed
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    policy = _policy(
        tmp_path,
        "require-osd = true\nmin-rung = 5\n[[exceptions]]\n"
        f'repo = "{APACHE}"\nrevision = "{OLD_SHA}"\nreason = "reviewed"\n'
        f'approved-by = "legal"\nexpires = {expires}\n',
    )
    diff = diff_reports(old, new, policy)
    assert (diff.policy.old, diff.policy.new) == ("exempted", "failed") and diff.regressed


def test_the_policy_results_the_reports_carry_are_compared_without_a_policy(tmp_path):
    old = _report(_audit(_revision(tmp_path, APACHE, OLD_SHA), APACHE, "--require-osd"))
    new_mirror = _revision(tmp_path, APACHE, NEW_SHA, _to_cc_by_nc)
    new = _report(_audit(new_mirror, APACHE, "--require-osd"))
    diff = diff_reports(old, new)
    assert (diff.policy.source, diff.policy.old, diff.policy.new) == ("flags", "passed", "failed")
    assert diff.regressed


def test_the_same_report_twice_is_no_change(relicensed, tmp_path):
    old, _ = relicensed
    diff = diff_reports(old, old, _policy(tmp_path, "require-osd = true\n"))
    assert not diff.changed and not diff.regressed
    assert diff.summary == []
    assert (diff.policy.old, diff.policy.new) == ("passed", "passed")
    assert "no change" in render_markdown(DiffDocument(diffs=[diff]))


def test_a_changed_figure_and_a_model_that_already_failed(tmp_path):
    def lower_threshold(folder: Path) -> None:
        text = (folder / "LICENSE.txt").read_text()
        (folder / "LICENSE.txt").write_text(text.replace("700 million", "7 million"))

    old = _report(_audit(_revision(tmp_path, LLAMA, OLD_SHA), LLAMA))
    new = _report(_audit(_revision(tmp_path, LLAMA, NEW_SHA, lower_threshold), LLAMA))
    diff = diff_reports(old, new, _policy(tmp_path, "require-osd = true\n"))
    figures = {(f.kind, f.unit): (f.old, f.new) for f in diff.license.figures}
    assert figures[("mau_threshold", "users")] == (700_000_000, 7_000_000)
    assert "mau_threshold: 700,000,000 users → 7,000,000 users (LICENSE.txt:39)" in diff.summary
    assert diff.license.identified is None  # still llama2
    # it failed before and fails now: a change, not a regression
    assert (diff.policy.old, diff.policy.new) == ("failed", "failed")
    assert diff.changed and not diff.regressed


def test_a_step_that_is_no_longer_met_lowers_the_rung(tmp_path):
    def drop_training_code(folder: Path) -> None:
        card = (folder / "README.md").read_text()
        card = re.sub(r"- \*\*Training code:\*\*.*\n.*\n", "", card)
        card = card.replace("training code, ", "").replace("training-code repository", "paper")
        (folder / "README.md").write_text(card)

    old = _report(_audit(_revision(tmp_path, APACHE, OLD_SHA), APACHE))
    new = _report(_audit(_revision(tmp_path, APACHE, NEW_SHA, drop_training_code), APACHE))
    diff = diff_reports(old, new, _policy(tmp_path, "min-rung = 3\n"))
    assert diff.openness.rung is not None
    assert diff.openness.rung.old == 5 and diff.openness.rung.new < 3
    step = next(s for s in diff.openness.steps if s.rung == 3)
    assert (step.old, step.new) == (True, False) and step.reason
    assert diff.license.identified is None and diff.license.clauses_added == []
    assert diff.regressed and diff.policy.violations_added[0].rule == "min-rung"
    assert any(line.startswith("rung 3 ") and "met → not met" in line for line in diff.summary)


def test_documents_match_reports_by_repo_and_list_the_rest(relicensed, tmp_path):
    old, new = relicensed
    other = old.model_copy(deep=True)
    other.subject.repo_id = "openness-fixtures/other"
    upper = new.model_copy(deep=True)
    upper.subject.repo_id = APACHE.upper()  # the Hub compares ids case-insensitively
    doc = diff_documents([old, other], [upper], _policy(tmp_path, "require-osd = true\n"))
    assert [d.repo_id for d in doc.diffs] == [APACHE.upper()]
    assert doc.removed == ["openness-fixtures/other"] and doc.added == []
    assert doc.changed and doc.regressed
    # the document round-trips through its JSON
    assert DiffDocument.model_validate_json(doc.model_dump_json()) == doc


def test_rendering_escapes_and_names_the_model(relicensed, tmp_path):
    old, new = relicensed
    doc = diff_documents([old], [new], _policy(tmp_path, "require-osd = true\n"))
    text = render_markdown(doc)
    assert text.startswith("## openness: what changed")
    assert f"`{APACHE}`" in text and "now fails the policy" in text
    assert "non\\_commercial" in text  # markdown-escaped
    console = Console(record=True, width=120, color_system=None)
    render_table(console, doc)
    shown = console.export_text()
    assert APACHE in shown and "now fails the policy" in shown
    assert "license: apache-2.0 → cc-by-nc-4.0" in shown


def test_read_reports_takes_every_document_openness_writes(relicensed, tmp_path):
    old, new = relicensed
    single = tmp_path / "single.json"
    single.write_text(old.model_dump_json(by_alias=True))
    assert read_reports(single) == [old]
    jsonl = tmp_path / "run.jsonl"
    jsonl.write_text(
        old.model_dump_json(by_alias=True)
        + "\n"
        + json.dumps({"subject": "x/y", "error": {"kind": "not_found", "message": "gone"}})
        + "\n"
    )
    assert read_reports(jsonl) == [old]
    both = tmp_path / "both.json"
    both.write_text(json.dumps({"reports": [json.loads(r.model_dump_json()) for r in (old, new)]}))
    with pytest.raises(UsageError, match="holds 2 reports"):
        pick_report(read_reports(both), None, both)
    assert pick_report(read_reports(both), APACHE.upper(), both) == old
    with pytest.raises(UsageError, match="no report of"):
        pick_report(read_reports(both), "a/b", both)
    bad = tmp_path / "bad.json"
    bad.write_text('{"reports": [{"subject": 1}]}')
    with pytest.raises(UsageError, match="not a report openness wrote"):
        read_reports(bad)
    bad.write_text("not json")
    with pytest.raises(UsageError, match="not JSON"):
        read_reports(bad)
