"""Issue 3: `openness license FILE...` on edited, unknown and hostile texts."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, run_openness

OWN_LICENSE = """\
BLUEHERON MODEL LICENSE

1. Grant. Subject to this license, BlueHeron Labs grants you a worldwide, royalty-free
right to use, copy and modify the Model and to share copies of it.

2. Non-commercial use. You may use the Model for non-commercial purposes only. Selling access
to the Model or its outputs requires a separate agreement.

3. Prohibited uses. You shall not use the Model, or anything derived from it, for military
applications, weapons development or the surveillance of individuals.

4. Notices. Keep this license with every copy you share.
"""


def _licenses(*args: str, **kwargs) -> list[dict]:
    run = run_openness("license", *args, "--format", "json", **kwargs)
    assert "Traceback" not in run.stderr
    return run.json()["licenses"]


def test_unknown_license_of_our_own_writing_is_read_clause_by_clause(tmp_path):
    path = tmp_path / "LICENSE"
    path.write_text(OWN_LICENSE)
    result = _licenses(str(path))[0]
    assert result["file"] == str(path)
    assert result["identified"] is None
    kinds = {c["kind"] for c in result["clauses"]}
    assert {"non_commercial", "field_of_use_restriction"} <= kinds
    assert result["osd_compliant"] is False
    military = next(c for c in result["clauses"] if c["kind"] == "field_of_use_restriction")
    assert military["line"] == 9
    assert "military" in military["excerpt"]
    assert any(f["kind"] == "unknown_text" for f in result["findings"])


def test_modified_llama2_is_identified_as_modified_with_the_new_threshold(corpus, tmp_path):
    text = (corpus / "licenses" / "llama2.txt").read_text()
    assert "700 million" in text
    edited = text.replace("700 million", "100 million").replace(
        "Meta Platforms, Inc.", "Acme Robotics LLC"
    )
    edited = edited.replace("Meta", "Acme")
    path = tmp_path / "LICENSE.txt"
    path.write_text(edited)
    result = _licenses(str(path))[0]
    assert result["identified"]["id"] == "llama2"
    assert result["identified"]["modified"] is True
    assert result["identified"]["differences"]
    mau = next(c for c in result["clauses"] if c["kind"] == "mau_threshold")
    assert mau["value"] == 100_000_000
    assert result["osd_compliant"] is False


@pytest.mark.parametrize("name", ["apache-2.0", "mit", "bsd-3-clause"])
def test_osi_licenses_pass_with_no_blocking_clause(corpus, name):
    result = _licenses(str(corpus / "licenses" / f"{name}.txt"))[0]
    assert result["identified"]["id"] == name
    assert result["identified"]["modified"] is False
    assert result["osi_approved"] is True
    assert result["osd_compliant"] is True
    assert not [c for c in result["clauses"] if c["severity"] == "blocking"]


def test_files_are_reported_in_the_order_given_and_stdin_works(corpus, tmp_path):
    own = tmp_path / "own.txt"
    own.write_text(OWN_LICENSE)
    mit = corpus / "licenses" / "mit.txt"
    results = _licenses(str(mit), "-", str(own), stdin=OWN_LICENSE.encode())
    assert [r["file"] for r in results] == [str(mit), "-", str(own)]


def test_empty_binary_utf16_and_huge_files_get_clear_results(corpus, tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    binary = tmp_path / "binary"
    binary.write_bytes(bytes(range(256)) * 64)
    utf16 = tmp_path / "utf16"
    utf16.write_bytes((corpus / "licenses" / "apache-2.0.txt").read_text().encode("utf-16"))
    huge = tmp_path / "huge"
    with huge.open("wb") as handle:
        handle.write(OWN_LICENSE.encode())
        chunk = b"lorem ipsum dolor sit amet " * 40_000
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    latin1 = tmp_path / "latin1"
    latin1.write_bytes("Société licence: for non-commercial use only. © Société".encode("latin-1"))
    run = run_openness(
        "license", str(empty), str(binary), str(utf16), str(huge), str(latin1), "--format", "json"
    )
    assert "Traceback" not in run.stderr
    empty_r, binary_r, utf16_r, huge_r, latin_r = run.json()["licenses"]
    assert empty_r["osd_compliant"] is None and "empty" in empty_r["problems"][0]["message"]
    assert binary_r["osd_compliant"] is None and "binary" in binary_r["problems"][0]["message"]
    assert utf16_r["identified"]["id"] == "apache-2.0"
    assert utf16_r["osd_compliant"] is True
    assert any(p["kind"] == "truncated" for p in huge_r["problems"])
    assert "non_commercial" in {c["kind"] for c in huge_r["clauses"]}
    assert "non_commercial" in {c["kind"] for c in latin_r["clauses"]}


def test_missing_file_is_a_usage_error():
    run = run_openness("license", "/no/such/file")
    assert run.code == 2
    assert run.stderr.strip().count("\n") == 0


def test_catalog_listing_names_ids_spdx_and_osi_flags():
    run = run_openness("licenses", "--format", "json")
    entries = {e["id"]: e for e in run.json()["licenses"]}
    assert entries["apache-2.0"]["osi_approved"] is True
    assert entries["apache-2.0"]["spdx"] == "Apache-2.0"
    assert entries["llama2"]["spdx"].startswith("LicenseRef-")
    assert entries["llama2"]["osi_approved"] is False
    assert entries["llama2"]["aup"] == "llama2-aup"
    table = run_openness("licenses")
    assert table.code == 0 and "llama2" in table.stdout


def test_llama2_with_a_dropped_clause_says_which_clause_is_gone(corpus, tmp_path):
    text = (corpus / "licenses" / "llama2.txt").read_text()
    start, end = text.index("v. You will not use"), text.index("2. Additional Commercial Terms")
    path = tmp_path / "LICENSE"
    path.write_text(text[:start] + text[end:])
    result = _licenses(str(path))[0]
    assert result["identified"]["id"] == "llama2"
    assert result["identified"]["modified"] is True
    assert any(d.startswith("no_train_other_models:") for d in result["identified"]["differences"])
    assert "no_train_other_models" not in {c["kind"] for c in result["clauses"]}
    assert result["osd_compliant"] is False  # the threshold and the AUP still break the OSD


def test_a_notice_and_a_rewritten_license_are_named_by_their_titles(tmp_path):
    notice = tmp_path / "NOTICE"
    notice.write_text(
        "Copyright 2026 Example Labs\n\nLicensed under the Apache License, Version "
        '2.0 (the "License"); you may not use this file except in compliance '
        "with the License.\n"
    )
    rewritten = FIXTURES / "models" / "meta-llama" / "Llama-2-7b" / "LICENSE.txt"
    notice_r, rewritten_r = _licenses(str(notice), str(rewritten))
    assert notice_r["identified"]["id"] == "apache-2.0"
    assert notice_r["identified"]["modified"] is False
    assert notice_r["osd_compliant"] is True
    assert rewritten_r["identified"]["id"] == "llama2"
    assert rewritten_r["identified"]["modified"] is True
    assert rewritten_r["osd_compliant"] is False
