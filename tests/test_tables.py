"""Issue 10: tables never cut an identifier; `openness clauses`; the audit's "You must".

Every test runs the real program with stdout piped (as in `openness licenses | grep ...`,
pre-commit and CI logs), with COLUMNS unset unless the test sets it.
"""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from conftest import FIXTURES, run_openness

LLAMA = "meta-llama/Llama-2-7b"
DERIVED = "openness-fixtures/llama2-finetune-apache"  # apache-2.0 on a Llama 2 base
NO_COLUMNS = {"COLUMNS": "", "NO_COLOR": "1"}  # an empty COLUMNS counts as unset


def _run(*args: str, **env: str):
    run = run_openness(*args, env={**NO_COLUMNS, **env})
    assert run.code in (0, 1, 3), run.stderr
    assert "Traceback" not in run.stderr
    return run


def _assert_whole(text: str, identifiers: set[str]) -> None:
    """Each identifier is printed whole, and no shortened word (ending in …) is a cut one."""
    missing = {i for i in identifiers if i not in text}
    assert not missing, f"not printed whole: {sorted(missing)}"
    # prose excerpts may be shortened ("… 700 million m…"): only a cut of 4 or more
    # characters that begins an identifier counts
    cut = {w.rstrip("…") for w in re.findall(r"[\w./:@+-]{4,}…", text)}
    prefixes = {c for c in cut if any(i.startswith(c) and i != c for i in identifiers)}
    assert not prefixes, f"identifiers cut short: {sorted(prefixes)}"


def _clause_kinds() -> list[dict]:
    return run_openness("clauses", "--format", "json").json()["clauses"]


# -- the catalogs ------------------------------------------------------------------------------


def test_piped_licenses_has_one_record_per_line_and_no_cut_identifier():
    entries = run_openness("licenses", "--format", "json").json()["licenses"]
    run = _run("licenses")
    assert "…" not in run.stdout
    ids = {e["id"] for e in entries} | {e["spdx"] for e in entries}
    ids |= {k for e in entries for k in e["clauses"]}
    _assert_whole(run.stdout, ids)
    lines = run.stdout.splitlines()
    for entry in entries:  # `openness licenses | grep <id>` shows the whole record
        row = [line for line in lines if re.search(rf"[│ ]{re.escape(entry['id'])}[│ ]", line)]
        assert len(row) == 1, (entry["id"], row)
        assert entry["spdx"] in row[0] and entry["name"] in row[0]
        assert all(kind in row[0] for kind in entry["clauses"]), entry["id"]
    stability = [line for line in lines if "stability-ai-community" in line]
    assert stability and "LicenseRef-stability-ai-community" in stability[0]


def test_narrow_columns_wrap_between_identifiers_never_inside_one():
    entries = run_openness("licenses", "--format", "json").json()["licenses"]
    run = _run("licenses", COLUMNS="60")
    assert "…" not in run.stdout
    ids = {e["id"] for e in entries} | {e["spdx"] for e in entries}
    ids |= {k for e in entries for k in e["clauses"]}
    _assert_whole(run.stdout, ids)
    assert len(run.stdout.splitlines()) > len(entries) + 4  # the clause lists did wrap


def test_clauses_lists_every_kind_with_severity_osd_and_meaning():
    kinds = _clause_kinds()
    assert {k["kind"] for k in kinds} >= {
        "mau_threshold",
        "no_train_other_models",
        "attribution_required",
        "naming_requirement",
        "termination_on_litigation",
    }
    run = _run("clauses")
    _assert_whole(run.stdout, {k["kind"] for k in kinds})
    lines = run.stdout.splitlines()
    for kind in kinds:
        row = [line for line in lines if re.search(rf"[│ ]{kind['kind']}[│ ]", line)]
        assert len(row) == 1, kind["kind"]
        assert kind["severity"] in row[0] and kind["title"] in row[0]
        osd = ", ".join(map(str, kind["osd_criteria"])) or "-"
        assert f" {osd} " in row[0]


@pytest.mark.parametrize(("command", "key"), [("licenses", "licenses"), ("clauses", "clauses")])
def test_catalog_json_is_a_document_with_a_schema(command, key):
    doc = run_openness(command, "--format", "json").json()
    assert doc["schema_version"] and doc["tool"]["name"] == "openness"
    assert doc[key]
    jsonschema.validate(doc, run_openness("schema", command).json())


# -- audits and scans --------------------------------------------------------------------------


def _identifiers(report: dict) -> set[str]:
    lic = report["license"]
    ids = {report["subject"]["repo_id"], *lic["declared"]}
    ids |= {c["kind"] for c in lic["clauses"]}
    first = {}
    for clause in lic["clauses"]:  # the table shows where each kind was first read
        first.setdefault(clause["kind"], clause)
    ids |= {f"{c['source']}:{c['line']}" for c in first.values() if c["line"]}
    if lic["identified"]:
        ids.add(lic["identified"]["id"])
    if lic["spdx"]:
        ids.add(lic["spdx"])
    for binding in (lic["effective"] or {}).get("licenses", []):
        ids |= {binding["from"], *binding["clauses"]} | (
            {binding["id"]} if binding["id"] else set()
        )
    ids |= {link["repo_id"] for link in report["lineage"]["base_chain"]}
    return ids


@pytest.mark.parametrize("columns", ["", "60"])
def test_audit_table_never_cuts_an_identifier(columns):
    subjects = (LLAMA, DERIVED, "openness-fixtures/gated-llama2-finetune")
    doc = run_openness("audit", *subjects, "--mirror", str(FIXTURES), "--format", "json").json()
    run = _run("audit", *subjects, "--mirror", str(FIXTURES), COLUMNS=columns)
    for report in doc["reports"]:
        _assert_whole(run.stdout, _identifiers(report))
    width = max(len(line) for line in run.stdout.splitlines())
    if not columns:
        assert width == 100  # prose wraps at 100 columns when piped
    else:
        assert width > 60  # widened: the title's repo id and sha do not fit in 60


# what the ladder and the clause excerpts quote: a URL, then a Hub id (owner/name)
URL = re.compile(r"https?://[^\s()<>\[\]`'\"]+")
HUB_ID = re.compile(r"(?<![\w./-])[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*[A-Za-z0-9]")
LADDER = (  # evidence naming datasets, renamed datasets and code URLs in long lines of prose
    "openness-fixtures/closed-data-3b",
    "openness-fixtures/nc-research-1b",
    "openness-fixtures/terms-gated-data-1b",
    "openness-fixtures/open-apache-7b",
    "openness-fixtures/Llama-2-7B-GGUF",
)


def _quoted_identifiers(text: str) -> set[str]:
    """The URLs and Hub ids in a line of prose or of our own words."""
    urls = {u.rstrip(".,;:*_") for u in URL.findall(text)}
    return urls | set(HUB_ID.findall(URL.sub(" ", text)))


def _ladder_identifiers(report: dict) -> set[str]:
    """What the ladder's evidence column names (a step's reason, or its first evidence) and
    what the OSD findings quote: each URL, repo and dataset id in it."""
    ids: set[str] = set()
    for step in report["openness"]["steps"]:
        if step["met"] is not True or not step["evidence"]:
            ids |= _quoted_identifiers(step["reason"] or "")
        else:
            ids |= _quoted_identifiers(step["evidence"][0]["detail"])
    blocking = {c["kind"] for c in report["license"]["clauses"] if c["severity"] == "blocking"}
    for clause in _first_clause_by_kind(report["license"]["clauses"]):
        if clause["kind"] in blocking:
            ids |= _quoted_identifiers(clause["excerpt"] or "")
    return ids


def _first_clause_by_kind(clauses: list[dict]) -> list[dict]:
    first: dict[str, dict] = {}
    for clause in clauses:
        first.setdefault(clause["kind"], clause)
    return list(first.values())


@pytest.mark.parametrize("columns", ["", "60", "100", "150"])
def test_ladder_evidence_never_cuts_a_repo_id_or_url(hub_env, columns):
    """Excerpts quoted from a card may be shortened, between words; the ids and URLs in them,
    and in the reasons the ladder gives, are printed whole (from the loopback Hub: a private
    dataset reads as missing there, as it does on the Hub without a token)."""
    doc = run_openness("audit", *LADDER, "--format", "json", env=hub_env).json()
    run = _run("audit", *LADDER, **{**hub_env, "COLUMNS": columns})
    assert len(doc["reports"]) == len(LADDER), doc["errors"]
    expected = set().union(*(_ladder_identifiers(r) for r in doc["reports"]))
    assert {"https://github.com/openness-fixtures/open-apache-train"} <= expected
    assert {"openness-fixtures/legacy-corpus", "openness-fixtures/does-not-exist"} <= expected
    _assert_whole(run.stdout, expected)


def test_columns_is_honoured_when_set():
    run = _run("audit", LLAMA, "--mirror", str(FIXTURES), COLUMNS="150")
    assert max(len(line) for line in run.stdout.splitlines()) == 150


def test_scan_table_keeps_model_ids_and_places_whole(tmp_path):
    deep = tmp_path / "services" / "inference" / "configuration" / "production"
    deep.mkdir(parents=True)
    (deep / "models_for_the_summarisation_pipeline.yaml").write_text(
        "model:\n  base_model: meta-llama/Llama-2-7b-hf\n"
    )
    (tmp_path / "app.py").write_text(
        'from transformers import AutoModel\nAutoModel.from_pretrained("meta-llama/Llama-2-7b")\n'
    )
    for columns in ("", "80"):
        run = run_openness(
            "scan",
            "--mirror",
            str(FIXTURES),
            "--require-osd",
            cwd=tmp_path,
            env={**NO_COLUMNS, "COLUMNS": columns},
        )
        assert run.code == 1, run.stderr
        where = (
            "services/inference/configuration/production/"
            "models_for_the_summarisation_pipeline.yaml:2"
        )
        _assert_whole(run.stdout, {"meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b", where})


# -- "You must" and the frameworks line --------------------------------------------------------


def _section(stdout: str, title: str) -> list[str]:
    """The lines of one section of one panel, borders stripped."""
    lines = [line.strip("│ ").rstrip() for line in stdout.splitlines()]
    start = lines.index(title)
    end = next(i for i, line in enumerate(lines) if i > start and (not line or line[0] in "╰"))
    return lines[start + 1 : end]


def test_audit_lists_the_duties_that_do_not_break_the_osd_with_file_and_line():
    doc = run_openness("audit", LLAMA, "--mirror", str(FIXTURES), "--format", "json").json()
    clauses = doc["reports"][0]["license"]["clauses"]
    duties = [c for c in clauses if c["severity"] != "blocking"]
    assert duties, "the fixture's license has attribution and trademark clauses"
    run = _run("audit", LLAMA, "--mirror", str(FIXTURES))
    section = " ".join(_section(run.stdout, "You must"))
    for clause in duties:
        first = next(c for c in clauses if c["kind"] == clause["kind"])
        assert clause["kind"] in section
        assert f"{first['source']}:{first['line']}" in section
        assert first["title"] in section
    for blocking in {c["kind"] for c in clauses if c["severity"] == "blocking"}:
        assert blocking not in section  # those are the OSD findings above
    report = doc["reports"][0]
    mof = report["openness"]["mof_class"] or "none"
    verdict = report["openness"]["osaid"]["verdict"]
    assert re.search(rf"Frameworks\s+MOF class {mof}\s+·\s+OSAID . {verdict}", run.stdout)


def test_duties_of_a_base_model_license_are_listed_through_the_base():
    doc = run_openness("audit", DERIVED, "--mirror", str(FIXTURES), "--format", "json").json()
    severity = {k["kind"]: k["severity"] for k in _clause_kinds()}
    bases = [
        b for b in doc["reports"][0]["license"]["effective"]["licenses"] if b["relation"] != "own"
    ]
    expected = {
        (k, b["from"], b["id"]) for b in bases for k in b["clauses"] if severity[k] != "blocking"
    }
    assert expected, "the Llama 2 base brings attribution and gated acceptance"
    run = _run("audit", DERIVED, "--mirror", str(FIXTURES))
    section = " ".join(_section(run.stdout, "You must"))
    for kind, base, license_id in expected:
        assert re.search(
            rf"{kind}\s.*?\(through base {re.escape(base)}, {re.escape(license_id)}\)", section
        ), (kind, section)


def test_license_command_lists_duties_too():
    text = FIXTURES / "models" / "meta-llama" / "Llama-2-7b" / "LICENSE.txt"
    doc = run_openness("license", str(text), "--format", "json").json()
    duties = {c["kind"] for c in doc["licenses"][0]["clauses"] if c["severity"] != "blocking"}
    run = _run("license", str(text))
    section = " ".join(_section(run.stdout, "You must"))
    assert duties and all(kind in section for kind in duties)
    assert json.dumps(sorted(duties))  # the kinds are plain identifiers


# -- policy text: the clause kinds and places a violation names --------------------------------

POLICY = 'require-osd = true\ndeny-clauses = ["mau_threshold"]\n'


def _policy_project(tmp_path):
    (tmp_path / "openness.toml").write_text(POLICY)
    (tmp_path / "app.py").write_text(
        "from transformers import AutoModel\n"
        f'AutoModel.from_pretrained("{DERIVED}")\n'
        f'AutoModel.from_pretrained("{LLAMA}")\n'
    )
    return tmp_path


def _violation_identifiers(report: dict) -> set[str]:
    """What the policy violations name: every failing clause kind of every binding license, the
    license ids, the bases, and the place the denied clause was read."""
    ids: set[str] = set()
    for binding in report["license"]["effective"]["licenses"]:
        if binding["osd_compliant"] is False:
            ids |= {binding["id"], binding["from"]}
            ids |= {k for c in binding["osd_failing"] for k in c["clauses"]}
    for clause in report["license"]["clauses"]:
        if clause["kind"] == "mau_threshold" and clause["line"]:
            ids.add(f"{clause['source']}:{clause['line']}")
            break
    assert any("_" in i for i in ids), ids  # clause kinds are among them
    return ids


def _policy_sections(stdout: str) -> list[str]:
    """The Policy section of each panel: from its title to the panel's end."""
    sections = re.findall(r"^│ Policy  .*?(?=^╰)", stdout, flags=re.M | re.S)
    assert sections, stdout
    return sections


def test_policy_violations_never_cut_a_clause_kind_or_a_place(tmp_path):
    """require-osd lists every clause that breaks each OSD criterion, and deny-clauses the file
    and line: in the audit table, the scan table, the PR comment and the lines on stderr."""
    project = _policy_project(tmp_path)
    mirror = ("--mirror", str(FIXTURES))
    doc = run_openness("audit", LLAMA, DERIVED, *mirror, "-f", "json", cwd=project).json()
    expected = set().union(*(_violation_identifiers(r) for r in doc["reports"]))
    assert all(r["policy"]["status"] == "failed" for r in doc["reports"])

    audit = run_openness("audit", LLAMA, DERIVED, *mirror, cwd=project, env=NO_COLUMNS)
    scan = run_openness("scan", *mirror, cwd=project, env=NO_COLUMNS)
    markdown = run_openness("scan", *mirror, "-f", "markdown", cwd=project, env=NO_COLUMNS)
    assert audit.code == scan.code == markdown.code == 1, scan.stderr
    outputs = {
        "audit table": "\n".join(_policy_sections(audit.stdout)),
        "scan table": scan.stdout,
        "scan stderr": scan.stderr,
        "markdown": markdown.stdout.replace("\\", ""),  # markdown escapes _ ( ) in prose
    }
    for name, text in outputs.items():
        assert "…" not in text, name
        _assert_whole(text, expected)
