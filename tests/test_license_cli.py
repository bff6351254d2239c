"""Issue 3: `openness license FILE...` on edited, unknown and hostile texts."""

from __future__ import annotations

import json

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
    assert (
        "mau_threshold: value 100000000 where llama2 has 700000000"
        in (result["identified"]["differences"])
    )
    assert result["spdx"] == "LicenseRef-llama2-modified"
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


def test_a_document_keeps_its_text_inert_and_bounded(tmp_path):
    """The text read is kept (BOMs carry a named license's text), without escapes or bidi
    controls, cut at 64 KiB with `text_truncated` saying so."""
    short = tmp_path / "LICENSE"
    short.write_text(OWN_LICENSE.replace("BlueHeron Labs", "Blue\x1b[31mHeron\u202e Labs"))
    long = tmp_path / "LONG"
    long.write_text(OWN_LICENSE + "\n\nFurther terms, é.\n" * 10_000)
    short_r, long_r = _licenses(str(short), str(long))
    (doc,) = short_r["documents"]
    assert doc["text"].startswith("BLUEHERON MODEL LICENSE\n\n1. Grant.")
    assert "BlueHeron Labs" in doc["text"]  # the escape sequence and the override are gone
    assert "\x1b" not in doc["text"] and "\u202e" not in doc["text"]
    assert doc["text_truncated"] is False
    (doc,) = long_r["documents"]
    assert doc["text_truncated"] is True and doc["truncated"] is False  # cut when kept, not read
    assert 60 * 1024 < len(doc["text"].encode()) <= 64 * 1024
    assert doc["text"].startswith("BLUEHERON MODEL LICENSE")


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


# -- a license text is what it says, or it is marked ---------------------------------------------

INSERTED = "You may not use the Work for commercial purposes."


def _apache_lines(corpus) -> list[str]:
    return (corpus / "licenses" / "apache-2.0.txt").read_text().split("\n")


def _insert_after(lines: list[str], anchor: str, sentence: str) -> tuple[str, int]:
    """The text with `sentence` on a line of its own after the line holding `anchor`."""
    at = next(i for i, line in enumerate(lines) if anchor in line) + 1
    return "\n".join([*lines[:at], f"      {sentence}", *lines[at:]]), at + 1


def test_apache_with_an_inserted_restriction_is_a_modified_license(corpus, tmp_path):
    text, line = _insert_after(_apache_lines(corpus), "Work and such Derivative Works", INSERTED)
    path = tmp_path / "LICENSE"
    path.write_text(text)
    result = _licenses(str(path))[0]
    ident = result["identified"]
    assert ident["id"] == "apache-2.0"
    assert ident["confidence"] >= 0.985  # the wording alone would pass as the catalog text
    assert ident["modified"] is True
    assert f'added non_commercial at line {line}: "{INSERTED}"' in ident["differences"]
    assert result["spdx"] == "LicenseRef-apache-2.0-modified"
    assert result["osi_approved"] is False
    assert result["osd_compliant"] is False
    assert any(f["kind"] == "modified_text" for f in result["findings"])
    table = run_openness("license", str(path), env={"COLUMNS": "200"})
    assert table.code == 0
    rows = table.stdout.splitlines()
    differs = next(i for i, row in enumerate(rows) if "Differs" in row)
    assert f'added non_commercial at line {line}: "{INSERTED}"' in rows[differs]
    assert "LicenseRef-apache-2.0-modified" in table.stdout


def test_apache_with_a_section_removed_is_a_modified_license(corpus, tmp_path):
    lines = _apache_lines(corpus)
    start = next(i for i, line in enumerate(lines) if "3. Grant of Patent License" in line)
    end = next(i for i, line in enumerate(lines) if "4. Redistribution" in line)
    no_patents = tmp_path / "no-patents"
    no_patents.write_text("\n".join(lines[:start] + lines[end:]))
    # the copyright grant: a permission with no clause kind, small enough that the overall
    # similarity stays above the exact threshold
    start = next(i for i, line in enumerate(lines) if "2. Grant of Copyright License" in line)
    no_grant = tmp_path / "no-copyright-grant"
    no_grant.write_text("\n".join(lines[:start] + lines[start + 7 :]))
    results = _licenses(str(no_patents), str(no_grant))
    for result in results:
        ident = result["identified"]
        assert ident["id"] == "apache-2.0" and ident["modified"] is True, result["file"]
        assert any(d.startswith("removed after line") for d in ident["differences"])
        assert result["spdx"] == "LicenseRef-apache-2.0-modified"
        assert result["osi_approved"] is False
        assert result["osd_compliant"] is not True
    patents = results[0]
    assert any(d.startswith("patent_retaliation:") for d in patents["identified"]["differences"])


def test_an_unmodified_license_keeps_its_spdx_id(corpus):
    result = _licenses(str(corpus / "licenses" / "apache-2.0.txt"))[0]
    assert result["identified"]["modified"] is False
    assert result["spdx"] == "Apache-2.0" and result["osi_approved"] is True
    assert result["identified"]["differences"] == []


def _gated_prompt(corpus, repo: str) -> str:
    info = json.loads((corpus / "hub" / "models" / repo / "info.json").read_text())
    return info["cardData"]["extra_gated_prompt"]


def test_a_license_followed_by_its_use_policy_is_two_documents_not_a_modified_license(corpus):
    prompt = _gated_prompt(corpus, "meta-llama/Llama-3.1-8B")
    result = _licenses("-", stdin=prompt.encode())[0]
    ident = result["identified"]
    assert ident["id"] == "llama3.1"
    assert ident["modified"] is False
    assert ident["confidence"] >= 0.95
    assert not any(d.startswith(("added", "removed", "line")) for d in ident["differences"])
    assert result["spdx"] == "LicenseRef-llama3.1"
    documents = {c["kind"]: c["document"] for c in result["clauses"]}
    assert documents["mau_threshold"] == "llama3.1"
    assert documents["field_of_use_restriction"] == "llama3.1-aup"
    assert documents["output_restrictions"] == "llama3.1-aup"
    heading = next(
        i
        for i, line in enumerate(prompt.split("\n"), 1)
        if line.startswith("#") and "Acceptable Use Policy" in line
    )
    assert all(
        (c["line"] >= heading) == (c["document"] == "llama3.1-aup") for c in result["clauses"]
    )
    assert set(result["use_policy"]["clauses"]) >= {"field_of_use_restriction"}
    assert not any(f["kind"] == "modified_text" for f in result["findings"])


def test_the_engine_splits_a_license_and_its_policy_where_the_policy_begins(corpus):
    from openness.license.identify import identify_text
    from openness.rules import load_rules

    prompt = _gated_prompt(corpus, "meta-llama/Llama-3.1-8B")
    match = identify_text(prompt, load_rules())
    assert match is not None and match.license.id == "llama3.1"
    assert match.policy is not None and match.policy.license.id == "llama3.1-aup"
    lines = prompt.split("\n")
    first = match.policy.lines[0]
    assert "Acceptable Use Policy" in lines[first - 1]
    assert match.lines == (1, first - 1)
    # the same file a repository ships as LICENSE: the license, then its policy
    licensed = corpus / "hub" / "models" / "meta-llama" / "Meta-Llama-3-8B" / "LICENSE"
    result = _licenses(str(licensed))[0]
    assert result["identified"]["id"] == "llama3"
    assert result["identified"]["modified"] is False
    assert result["spdx"] == "LicenseRef-llama3"


def test_an_inserted_restriction_in_the_policy_part_stays_with_the_policy(corpus):
    prompt = _gated_prompt(corpus, "meta-llama/Llama-3.1-8B")
    result = _licenses("-", stdin=(prompt + "\n" + INSERTED + "\n").encode())[0]
    assert result["identified"]["id"] == "llama3.1"
    assert result["identified"]["modified"] is False  # the license part is untouched
    nc = next(c for c in result["clauses"] if c["kind"] == "non_commercial")
    assert nc["document"] == "llama3.1-aup"
    assert any(
        "use policy llama3.1-aup" in d and "added non_commercial" in d
        for d in result["identified"]["differences"]
    )


# -- a restriction added, a permission removed: modified however alike the rest is ---------------

TAMPERED = {
    # after the copyright grant of section 2, a sentence no clause kind names
    "no-commercial": "This license does not permit any commercial use of the Work.",
    "headcount": "The Work may not be used by any company with more than 500 employees.",
    "no-distribution": "This License does not grant You the right to distribute the Work.",
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_apache_with_any_added_sentence_is_modified_and_quotes_it(corpus, tmp_path, name):
    sentence = TAMPERED[name]
    text, line = _insert_after(_apache_lines(corpus), "Work and such Derivative Works", sentence)
    path = tmp_path / "LICENSE"
    path.write_text(text)
    result = _licenses(str(path))[0]
    ident = result["identified"]
    assert ident["id"] == "apache-2.0" and ident["confidence"] >= 0.985
    assert ident["modified"] is True
    assert any(f"line {line}" in d and f'"{sentence}"' in d for d in ident["differences"])
    assert result["spdx"] == "LicenseRef-apache-2.0-modified"
    assert result["osi_approved"] is False
    assert result["osd_compliant"] is not True


def test_apache_with_grant_words_removed_names_them(corpus, tmp_path):
    text = (corpus / "licenses" / "apache-2.0.txt").read_text()
    grant = "publicly display, publicly perform, sublicense, and distribute the\n"
    assert grant in text
    path = tmp_path / "LICENSE"
    path.write_text(text.replace(grant, "publicly display, publicly perform, and\n"))
    result = _licenses(str(path))[0]
    ident = result["identified"]
    assert ident["modified"] is True and result["spdx"] == "LicenseRef-apache-2.0-modified"
    assert result["osi_approved"] is False
    (removal,) = [d for d in ident["differences"] if d.startswith("removed after line 70")]
    assert "3 words of the apache-2.0 text" in removal
    assert '"sublicense"' in removal and '"distribute"' in removal


def test_copies_that_differ_only_in_rendering_are_the_license(corpus, tmp_path):
    """What every copy renders its own way: copyright lines filled in or added, a title, the
    appendix left out or reworded, http or https, CRLF, Markdown headings, the text re-wrapped."""
    apache = (corpus / "licenses" / "apache-2.0.txt").read_text()
    mit = (corpus / "licenses" / "mit.txt").read_text()
    end = apache.index("END OF TERMS AND CONDITIONS") + len("END OF TERMS AND CONDITIONS")
    copies = {
        "filled": apache.replace("[yyyy] [name of copyright owner]", "2024 Example Corp."),
        "headed": "Copyright (c) 2023 The Example Authors. All rights reserved.\n\n" + apache,
        "no-appendix": apache[:end] + "\n",
        "appendix-reworded": apache.replace(
            "compliance with the License.", "compliance with the License. See also NOTICE."
        ),
        "https": apache.replace("http://", "https://"),
        "crlf": apache.replace("\n", "\r\n"),
        "markdown": "# Apache License\n\n" + apache.replace("   2. Grant", "## 2. Grant"),
        "rewrapped": "\n\n".join(" ".join(p.split()) for p in apache.split("\n\n")),
        "mit": "The MIT License (MIT)\n\nCopyright (c) 2015 Example\n\n" + mit,
    }
    paths = []
    for name, text in copies.items():
        path = tmp_path / name
        path.write_text(text)
        paths.append(str(path))
    for result in _licenses(*paths):
        ident = result["identified"]
        assert ident["modified"] is False, (result["file"], ident["differences"])
        assert ident["differences"] == [], result["file"]
        assert result["osi_approved"] is True, result["file"]


def test_words_and_their_places_are_read_alike(corpus):
    """The fingerprint's words and the places they are quoted from agree, for every text."""
    from openness.license.fingerprint import word_spans, words

    for path in sorted((corpus / "licenses").glob("*.txt")):
        text = path.read_text()
        spans = word_spans(text)
        tokens = [text[a:b].lower().replace("’", "").replace("'", "") for a, b in spans]
        assert tokens == words(text), path.name


def test_an_excerpt_is_its_sentence_and_says_where_it_is_cut(corpus):
    result = _licenses(str(corpus / "licenses" / "llama3.1.txt"))[0]
    excerpts = {c["kind"]: c["excerpt"] for c in result["clauses"]}
    assert excerpts["gated_acceptance"].endswith("you agree to be bound by this Agreement.")
    aup = excerpts["acceptable_use_policy"]
    assert len(aup) <= 300 and aup.endswith("incorporated by reference…"), aup
    assert all(e.endswith((".", ";", ":", "…", "”", '"', ")")) for e in excerpts.values())


def test_a_license_file_read_on_its_own_says_nothing_about_a_card(corpus):
    """`openness license FILE` has no card: nothing is said of what a card declares."""
    run = run_openness("license", str(corpus / "licenses" / "mit.txt"), env={"COLUMNS": "200"})
    assert run.code == 0 and "card" not in run.stdout.lower(), run.stdout
    assert _licenses(str(corpus / "licenses" / "mit.txt"))[0]["findings"] == []


@pytest.mark.parametrize("where", ["top", "end"])
def test_a_sentence_added_before_or_after_the_license_is_an_addition(corpus, tmp_path, where):
    apache = (corpus / "licenses" / "apache-2.0.txt").read_text()
    sentence = TAMPERED["headcount"]
    text = f"{sentence}\n\n{apache}" if where == "top" else f"{apache}\n{sentence}\n"
    path = tmp_path / "LICENSE"
    path.write_text(text)
    ident = _licenses(str(path))[0]["identified"]
    assert ident["modified"] is True
    assert any(f'added "{sentence}"' in d for d in ident["differences"]), ident["differences"]
