"""Issue 3: identification from declared ids and SPDX expressions, and conflicts as findings,
through audits of local model folders (no network)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_openness

OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}


def _folder(tmp_path: Path, front: str, files: dict[str, str]) -> Path:
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(f"---\n{front}---\n# A model\n")
    (folder / "model.safetensors").write_bytes(b"\0")
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _license(folder: Path) -> dict:
    run = run_openness("audit", str(folder), "--format", "json", env=OFFLINE)
    assert "Traceback" not in run.stderr, run.stderr
    return run.json()["reports"][0]["license"]


def _kinds(lic: dict) -> set[str]:
    return {f["kind"] for f in lic["findings"]}


def test_spdx_expression_is_parsed_and_judged(tmp_path):
    lic = _license(_folder(tmp_path, "license: apache-2.0 OR mit\n", {}))
    assert lic["spdx"] == "Apache-2.0 OR MIT"
    assert lic["osi_approved"] is True
    assert lic["osd_compliant"] is True


def test_tag_says_apache_but_the_text_is_llama(corpus, tmp_path):
    text = (corpus / "licenses" / "llama2.txt").read_text()
    lic = _license(_folder(tmp_path, "license: apache-2.0\n", {"LICENSE": text}))
    assert "conflict" in _kinds(lic)
    assert lic["identified"]["id"] == "llama2"  # the text read wins over the tag
    assert lic["osd_compliant"] is False


def test_no_tag_but_a_text(corpus, tmp_path):
    text = (corpus / "licenses" / "mit.txt").read_text()
    lic = _license(_folder(tmp_path, "language: en\n", {"LICENSE": text}))
    assert "undeclared" in _kinds(lic)
    assert lic["identified"]["id"] == "mit"


def test_other_without_a_name_and_a_text_that_matches_nothing(tmp_path):
    own = (
        "Terms for the Heron model. You may run it on your own machines. You may not sell "
        "it, rent it, or offer it to others as a service, and you must delete it when asked. "
        "These terms are governed by the laws of nowhere in particular, and any dispute "
        "goes to the courts there.\n"
    )
    lic = _license(_folder(tmp_path, "license: other\n", {"LICENSE": own}))
    assert {"other_without_name", "unknown_text"} <= _kinds(lic)
    assert lic["identified"] is None
    assert lic["osd_compliant"] is False  # it forbids selling it, read from the text
    # a ban on selling or renting is a commercial-use ban (clause_kinds.md), not no_redistribution
    kinds = {c["kind"]: c for c in lic["clauses"]}
    assert kinds["non_commercial"]["source"] == "LICENSE" and "no_redistribution" not in kinds


def test_unknown_text_with_no_breaking_clause_is_unknown_not_pass(tmp_path):
    own = (
        "Heron model terms. Keep this notice with every copy. The authors offer the model "
        "as it is, and they are not liable for what it does or for anything you do with it. "
        "Questions go to the maintainers listed in the repository. Thank you for reading.\n"
    )
    lic = _license(_folder(tmp_path, "license: other\nlicense_name: heron\n", {"LICENSE": own}))
    assert lic["identified"] is None
    assert lic["osd_compliant"] is None
    assert lic["osd_reason"]
    assert all(c["status"] == "unknown" for c in lic["osd"])


def test_offline_mode_is_honoured(hub_env):
    run = run_openness("audit", "meta-llama/Llama-2-7b", env={**hub_env, "HF_HUB_OFFLINE": "1"})
    assert run.code == 3
    assert "offline: not cached" in run.stderr and "HF_HUB_OFFLINE" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_license_link_to_a_known_page_names_the_license(tmp_path):
    """`license: other` with only a license_link: the catalog knows the page (whichever branch
    or view of a Hub or GitHub file the link names), never fetched."""
    links = {
        "https://huggingface.co/Qwen/Qwen2.5-72B/resolve/main/LICENSE": "qwen",
        "https://huggingface.co/Qwen/Qwen2.5-3B/blob/main/LICENSE": "qwen-research",
        "https://github.com/QwenLM/Qwen/blob/main/Tongyi%20Qianwen%20LICENSE%20AGREEMENT": (
            "tongyi-qianwen"
        ),
        # Qwen2.5-7B's own LICENSE is the Apache-2.0 text (the Hub record), not a Qwen license
        "https://huggingface.co/Qwen/Qwen2.5-7B/blob/main/LICENSE": "apache-2.0",
        # the license files of Meta's repos on the Hub, at a branch or a commit
        "https://huggingface.co/meta-llama/Llama-2-7b/blob/main/LICENSE.txt": "llama2",
        "https://huggingface.co/meta-llama/Llama-2-7b-hf/resolve/"
        "01c7f73d771dfac7d292323805ebc428287df4f9/LICENSE.txt": "llama2",
        "https://huggingface.co/meta-llama/Meta-Llama-3-8B/raw/main/LICENSE": "llama3",
        "https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/LICENSE": "llama3.1",
        "https://huggingface.co/meta-llama/Llama-3.2-1B/blob/main/LICENSE.txt": "llama3.2",
    }
    for number, (link, expected) in enumerate(links.items()):
        folder = _folder(tmp_path / str(number), f"license: other\nlicense_link: {link}\n", {})
        lic = _license(folder)
        assert lic["identified"]["id"] == expected, (link, lic["identified"])
        assert lic["identified"]["source"].startswith("README.md")
