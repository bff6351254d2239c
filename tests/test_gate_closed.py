"""Issue 10: the gate fails closed (policy validation, no silent pass, `openness init`) and the
lockfile is a reviewable artefact. Each test reproduces a problem the issue reported."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness
from fakehub import FakeHub, Fault

LLAMA = "meta-llama/Llama-2-7b"
MIRROR = ("--mirror", str(FIXTURES))


def _audit(cwd: Path, *args: str):
    return run_openness("audit", *args, *MIRROR, "--format", "json", cwd=cwd)


def _policy(tmp_path: Path, text: str) -> Path:
    (tmp_path / "openness.toml").write_text(text)
    return tmp_path


# -- 1. a typo in a policy fails closed -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('deny-licenses = ["llama-2"]\n', ["deny-licenses", "'llama-2'", "did you mean 'llama2'"]),
        ('allow-licenses = ["apache"]\n', ["allow-licenses", "'apache'"]),
        ('require-osd = "yes"\n', ["require-osd must be true or false", "'yes'"]),
        ("min-rung = 9\n", ["min-rung must be a whole number from 0 to 5", "9"]),
        ("require_osd = true\n", ["unknown key 'require_osd'", "did you mean 'require-osd'"]),
        ('deny-clauses = ["mau-threshold"]\n', ["did you mean 'mau_threshold'"]),
        (
            '[[exceptions]]\nrepo = "a/b"\nreason = "r"\napproved-by = "x"\n'
            'expires = "2027-03-31"\n',
            ["exceptions[1].expires must be a date"],
        ),
        (
            '[[exceptions]]\nrepo = "a/b"\nreason = "r"\nexpires = 2027-03-31\n',
            ["exceptions[1].approved-by is required"],
        ),
    ],
)
def test_policy_mistakes_exit_2_in_our_words(tmp_path, text, expected):
    run = _audit(_policy(tmp_path, text), LLAMA)
    assert run.code == 2, run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    for phrase in expected:
        assert phrase in run.stderr, (phrase, run.stderr)
    for pydantic_words in (
        "Input should",
        "validation error",
        "Value error",
        "type=",
        "For further",
    ):
        assert pydantic_words not in run.stderr


@pytest.mark.parametrize("with_file", [False, True])
@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--deny-clause", "foo", "--deny-clause foo is not a clause kind"),
        ("--deny-clause", "mau-threshold", "did you mean 'mau_threshold'"),
        ("--allow-license", "apachee", "--allow-license apachee is not a catalog license id"),
        ("--deny-license", "MIT OR nope", "--deny-license 'MIT OR nope' is not a catalog"),
    ],
)
def test_a_bad_policy_flag_is_named_as_typed(tmp_path, flag, value, words, with_file):
    """The user typed a flag: naming the TOML key (or a file they did not touch) misleads."""
    if with_file:
        _policy(tmp_path, "require-osd = true\n")
    run = _audit(tmp_path, LLAMA, flag, value)
    assert run.code == 2, run.stderr
    assert run.stderr.startswith(f"openness: {words}") or words in run.stderr, run.stderr
    assert run.stderr.startswith(f"openness: {flag} ")
    assert "policy" not in run.stderr and "-clauses" not in run.stderr
    assert "-licenses" not in run.stderr.split("(`openness licenses`")[0]


@pytest.mark.parametrize(
    "value", ["llama2", "LicenseRef-llama2", "gemma", "odc-by", "MIT OR Apache-2.0", "CC-BY-NC-4.0"]
)
def test_catalog_hub_and_spdx_ids_are_accepted(tmp_path, value):
    run = _audit(_policy(tmp_path, f'deny-licenses = ["{value}"]\n'), "openness-fixtures/card-only")
    assert run.code != 2, run.stderr


def test_denying_the_catalog_id_catches_llama2_and_its_fine_tunes(tmp_path):
    cwd = _policy(tmp_path, 'deny-licenses = ["llama2"]\n')
    for repo in (LLAMA, "openness-fixtures/llama2-finetune-apache"):
        run = _audit(cwd, repo)
        assert run.code == 1, (repo, run.stderr)
        assert run.json()["reports"][0]["policy"]["violations"][0]["rule"] == "deny-licenses"


def test_exception_repo_matches_case_insensitively(tmp_path):
    cwd = _policy(
        tmp_path,
        'require-osd = true\n[[exceptions]]\nrepo = "Meta-Llama/llama-2-7B"\nreason = "eval"\n'
        'approved-by = "legal"\nexpires = 2999-01-01\n',
    )
    run = _audit(cwd, LLAMA)
    assert run.code == 0, run.stderr
    assert run.json()["reports"][0]["policy"]["status"] == "exempted"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('deny-licenses = ["LicenseRef-llama-2"]\n', ["did you mean 'LicenseRef-llama2'"]),
        (
            'require-osd = true\n[[exceptions]]\nrepo = "not a repo"\nreason = "r"\n'
            'approved-by = "x"\nexpires = 2999-01-01\n',
            ["exceptions[1].repo", "'not a repo' is not a valid repo id"],
        ),
        (
            'require-osd = true\n[[exceptions]]\nrepo = "https://huggingface.co/meta-llama/'
            'Llama-2-7b/tree/main"\nreason = "r"\napproved-by = "x"\nexpires = 2999-01-01\n',
            ["exceptions[1].repo", "revision 'main', not a commit sha"],
        ),
        (
            'require-osd = true\n[[exceptions]]\nrepo = "meta-llama/Llama-2-7b"\n'
            'revision = "main"\nreason = "r"\napproved-by = "x"\nexpires = 2999-01-01\n',
            ["exceptions[1].revision must be a full commit sha", "'main'"],
        ),
    ],
)
def test_a_policy_value_that_would_match_nothing_exits_2(tmp_path, text, expected):
    """Each was accepted and then matched nothing: Llama 2 passed a deny list, an exception
    applied to no model."""
    run = _audit(_policy(tmp_path, text), LLAMA)
    assert run.code == 2, run.stderr
    for phrase in expected:
        assert phrase in run.stderr, (phrase, run.stderr)


def test_an_exception_given_as_a_hub_url_applies_to_its_repo(tmp_path):
    cwd = _policy(
        tmp_path,
        'require-osd = true\n[[exceptions]]\nrepo = "https://huggingface.co/meta-llama/'
        'Llama-2-7b"\nreason = "eval"\napproved-by = "legal"\nexpires = 2999-01-01\n',
    )
    run = _audit(cwd, LLAMA)
    assert run.code == 0, run.stderr
    applied = run.json()["reports"][0]["policy"]["exceptions_applied"]
    assert applied[0]["repo"] == LLAMA


BLOOM = "openness-fixtures/rail-bloom-560m"
EXCEPTION = (
    '\n{header}\nrepo = "{repo}"\nreason = "ok"\napproved-by = "me@x"\nexpires = 2999-03-31\n'
)


@pytest.mark.parametrize("with_pyproject", [False, True])
def test_an_exception_added_as_the_hint_says_exempts_the_model(tmp_path, with_pyproject):
    """The failure hint names the table of the file in use, and following it works."""
    if with_pyproject:
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    assert run_openness("init", cwd=tmp_path).code == 0
    cwd = _project(tmp_path)
    written = tmp_path / ("pyproject.toml" if with_pyproject else "openness.toml")
    run = run_openness("scan", *MIRROR, cwd=cwd)
    assert run.code == 1, run.stderr
    header = "[[tool.openness.exceptions]]" if with_pyproject else "[[exceptions]]"
    assert f"add a {header} entry" in run.stderr and f"to {written.name}" in run.stderr
    markdown = run_openness("scan", *MIRROR, "-f", "markdown", cwd=cwd).stdout
    assert f"add to `{written.name}`" in markdown and f"\n{header}\n" in markdown
    with written.open("a") as f:
        f.write(EXCEPTION.format(header=header, repo=BLOOM))
    run = run_openness("scan", *MIRROR, "-f", "json", cwd=cwd)
    assert run.code == 0, run.stderr
    assert run.json()["references"][0]["status"] == "exempted"


def test_top_level_rules_and_a_tool_table_in_one_file_exit_2(tmp_path):
    """Appending [[tool.openness.exceptions]] to the top-level openness.toml that `init` writes
    made the loader read only the table: every rule was dropped and bloom passed."""
    assert run_openness("init", cwd=tmp_path).code == 0
    cwd = _project(tmp_path)
    with (tmp_path / "openness.toml").open("a") as f:
        f.write(EXCEPTION.format(header="[[tool.openness.exceptions]]", repo="openai/gpt2"))
    run = run_openness("scan", *MIRROR, "-f", "json", cwd=cwd)
    assert run.code == 2, run.stderr
    assert "both top-level rules" in run.stderr and "[tool.openness] table" in run.stderr
    assert "require-osd" in run.stderr and run.stdout == ""


def test_openness_toml_beside_a_pyproject_policy_exits_2(tmp_path):
    cwd = _policy(_project(tmp_path), "require-osd = true\n")
    (tmp_path / "pyproject.toml").write_text("[tool.openness]\nmin-rung = 3\n")
    run = run_openness("scan", *MIRROR, cwd=cwd)
    assert run.code == 2 and "two policies" in run.stderr, run.stderr
    assert "openness.toml" in run.stderr and "pyproject.toml" in run.stderr


# -- 2. no policy means nothing is enforced, and it is said ------------------------------------


def _project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(
        "from transformers import pipeline\n"
        'pipe = pipeline(model="openness-fixtures/rail-bloom-560m")\n'
    )
    return tmp_path


def test_scan_without_a_policy_shows_verdicts_and_never_says_passed(tmp_path):
    cwd = _project(tmp_path)
    run = run_openness("scan", *MIRROR, "-f", "json", cwd=cwd)
    assert run.code == 0
    ref = run.json()["references"][0]
    assert ref["status"] == "audited"
    assert "OSD compliant: no" in ref["message"] and "rung" in ref["message"]
    assert "no policy found: nothing is enforced (see `openness init`)" in run.stderr
    table = run_openness("scan", *MIRROR, cwd=cwd, env={"COLUMNS": "200"})
    assert "passed" not in table.stdout and "no policy: nothing is enforced" in table.stdout


def test_an_empty_policy_file_enforces_nothing_and_says_so(tmp_path):
    cwd = _policy(_project(tmp_path), "")
    run = run_openness("audit", "openness-fixtures/rail-bloom-560m", *MIRROR, cwd=cwd)
    assert "Policy" not in run.stdout and "passed" not in run.stdout
    assert "policy openness.toml has no rule that can fail a model: nothing is enforced" in (
        run.stderr
    )
    assert run.code == 0


def test_a_policy_that_checks_nothing_is_no_policy(tmp_path):
    """`min-rung = 0` is met by every model: it must not turn "audited" into "passed"."""
    cwd = _policy(_project(tmp_path), "min-rung = 0\nallow-gated = true\n")
    run = run_openness("scan", *MIRROR, "-f", "json", cwd=cwd)
    assert run.code == 0, run.stderr
    assert run.json()["references"][0]["status"] == "audited"
    assert "policy openness.toml has no rule that can fail a model" in run.stderr
    table = run_openness("scan", *MIRROR, cwd=cwd, env={"COLUMNS": "200"})
    assert "passed" not in table.stdout


@pytest.mark.parametrize("text", ["allow-gated = true\n", "min-rung = 0\n", ""])
@pytest.mark.parametrize("locked", [False, True])
def test_a_policy_that_enforces_nothing_is_named_in_the_table_and_markdown(tmp_path, text, locked):
    """Not only stderr: the table's cell and footer, the markdown and the JSON name the file
    that enforces nothing; with no policy at all they still say "no policy"."""
    cwd = _project(tmp_path)
    if locked:
        assert run_openness("lock", *MIRROR, cwd=cwd).code == 0
    mode = ("--locked",) if locked else MIRROR
    wide = {"COLUMNS": "300"}
    bare = run_openness("scan", *mode, cwd=cwd, env=wide)
    assert "nothing enforced (no policy)" in bare.stdout
    assert "no policy: nothing is enforced" in bare.stdout
    _policy(cwd, text)
    why = "openness.toml has no rule that can fail a model"
    table = run_openness("scan", *mode, cwd=cwd, env=wide)
    assert table.code == 0, table.stderr
    assert f"nothing enforced ({why})" in table.stdout
    assert f"{why}: nothing is enforced" in table.stdout
    assert "no policy:" not in table.stdout and "passed" not in table.stdout
    markdown = run_openness("scan", *mode, "-f", "markdown", cwd=cwd).stdout.replace("\\", "")
    assert f"nothing enforced ({why})" in markdown
    assert "policy: `openness.toml` (no rule that can fail a model: nothing is enforced)" in (
        markdown
    )
    doc = run_openness("scan", *mode, "-f", "json", cwd=cwd).json()
    assert doc["policy_source"] == "openness.toml" and doc["policy_enforces_nothing"] is True
    assert doc["references"][0]["status"] == "audited"


def test_the_applied_policy_is_named_by_its_relative_path(tmp_path):
    cwd = _policy(_project(tmp_path), "require-osd = true\n")
    run = run_openness("scan", *MIRROR, "-f", "json", cwd=cwd)
    assert run.json()["policy_source"] == "openness.toml"
    markdown = run_openness("scan", *MIRROR, "-f", "markdown", cwd=cwd)
    assert "policy: `openness.toml`" in markdown.stdout
    table = run_openness("scan", *MIRROR, cwd=cwd)
    assert "policy: openness.toml" in table.stdout


def test_a_policy_found_above_is_named_relative_to_the_working_directory(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.openness]\nrequire-osd = true\n")
    (tmp_path / "service").mkdir()
    cwd = _project(tmp_path / "service")
    run = run_openness("scan", *MIRROR, "-f", "json", cwd=cwd)
    assert run.json()["policy_source"] == "../pyproject.toml", run.stdout
    markdown = run_openness("scan", *MIRROR, "-f", "markdown", cwd=cwd)
    assert "policy: `../pyproject.toml`" in markdown.stdout
    table = run_openness("scan", *MIRROR, cwd=cwd, env={"COLUMNS": "200"})
    assert "policy: ../pyproject.toml" in table.stdout
    (tmp_path / "pyproject.toml").write_text("[tool.openness]\nrequire-osd = tru\n")
    run = run_openness("scan", *MIRROR, cwd=cwd)
    assert run.code == 2 and run.stderr.startswith("openness: policy ../pyproject.toml: ")
    assert str(tmp_path) not in run.stderr


@pytest.mark.parametrize("with_pyproject", [True, False])
def test_init_writes_a_starter_policy_that_loads_and_fails_llama(tmp_path, with_pyproject):
    if with_pyproject:
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    run = run_openness("init", cwd=tmp_path)
    assert run.code == 0, run.stderr
    written = tmp_path / ("pyproject.toml" if with_pyproject else "openness.toml")
    text = written.read_text()
    assert "require-osd = true" in text and "# " in text
    if with_pyproject:
        assert text.startswith('[project]\nname = "demo"\n') and "[tool.openness]" in text
    run = _audit(tmp_path, LLAMA)
    assert run.code == 1, run.stderr
    rules = {v["rule"] for v in run.json()["reports"][0]["policy"]["violations"]}
    assert {"require-osd", "deny-clauses"} <= rules
    again = run_openness("init", cwd=tmp_path)
    assert again.code == 2 and "already" in again.stderr
    assert written.read_text() == text


@pytest.mark.parametrize(
    ("present", "target", "named"),
    [
        ("pyproject.toml", "openness", "[tool.openness] in pyproject.toml"),
        ("openness.toml", "pyproject", "openness.toml"),
    ],
)
def test_init_never_writes_a_second_policy(tmp_path, present, target, named):
    """A second policy beside the first would make every later command refuse both."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n')
    policy = "[tool.openness]\n" if present == "pyproject.toml" else ""
    (tmp_path / present).write_text(policy + "require-osd = true\n")
    before = {p.name: p.read_text() for p in tmp_path.iterdir()}
    run = run_openness("init", "--in", target, cwd=tmp_path)
    assert run.code == 2, run.stderr
    assert run.stderr == f"openness: a policy is already there: {named}; edit it instead\n"
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == before
    assert run_openness("licenses", cwd=tmp_path).code == 0


@pytest.mark.parametrize(
    ("name", "body"),
    [("openness.toml", b"\xff\xfe"), ("pyproject.toml", b"\xff[tool.openness]\n")],
)
def test_a_policy_file_that_is_not_utf8_exits_2_naming_it(tmp_path, name, body):
    (tmp_path / name).write_bytes(body)
    run = run_openness("scan", *MIRROR, cwd=_project(tmp_path))
    assert run.code == 2, run.stderr
    assert run.stderr.startswith(f"openness: policy {name}: not UTF-8 text (byte 0xff")
    assert run.stderr.count("\n") == 1 and "UnicodeDecodeError" not in run.stderr


def test_a_folder_named_openness_toml_is_not_skipped(tmp_path):
    (tmp_path / "openness.toml").mkdir()
    for args in (("scan", *MIRROR), ("scan", *MIRROR, "--policy", "openness.toml"), ("init",)):
        run = run_openness(*args, cwd=_project(tmp_path))
        assert run.code == 2, (args, run.stderr)
        assert run.stderr == (
            "openness: policy openness.toml is a folder: a policy is a TOML file; rename or "
            "remove it\n"
        )


# -- 6. the lockfile ---------------------------------------------------------------------------


APP = """\
from transformers import AutoModel
a = AutoModel.from_pretrained("meta-llama/Llama-2-7b")
b = AutoModel.from_pretrained("openness-fixtures/open-apache-7b")
c = AutoModel.from_pretrained("openness-fixtures/llama2-finetune-apache")
d = AutoModel.from_pretrained("openness-fixtures/rail-bloom-560m")
"""


def test_lock_is_small_sorted_and_stable(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    assert run_openness("lock", *MIRROR, cwd=tmp_path).code == 0
    first = (tmp_path / "openness.lock").read_bytes()
    data = json.loads(first)
    assert data["lock_version"] == 3
    assert list(data["models"]) == sorted(data["models"])
    assert data["rules"] and data["tool"]["version"]  # an entry's own only where it differs
    for entry in data["models"].values():
        assert entry["revision"] and entry["audited"] and "tool" not in entry
    finetune = data["models"]["openness-fixtures/llama2-finetune-apache"]
    own, base = finetune["licenses"]
    assert own["osd_compliant"] is True and finetune["effective_osd_compliant"] is False
    assert base["from"] == "meta-llama/Llama-2-7b-hf" and "from" not in own
    assert run_openness("lock", *MIRROR, cwd=tmp_path).code == 0
    assert (tmp_path / "openness.lock").read_bytes() == first


def _entry_blocks(text: str) -> dict[str, bytes]:
    """Each model's block in the lockfile as written: what a reviewer reads in a diff."""
    blocks = re.findall(r'\n    ("[^"]+"): \{\n.*?\n    \}', text, re.S)
    starts = [text.index(f"\n    {key}: {{") for key in blocks]
    ends = [text.index("\n    }", start) + 6 for start in starts]
    return {json.loads(k): text[a:b].encode() for k, a, b in zip(blocks, starts, ends, strict=True)}


def test_every_fixture_model_locks_in_under_1_kb(tmp_path):
    """The issue: "under 1 KB a model". The fine-tunes, merges and quantisations of Llama 2
    (two long clause lists each) were 1080 to 1230 bytes."""
    models = sorted(
        f"{org.name}/{repo.name}"
        for org in (FIXTURES / "models").iterdir()
        if org.is_dir()
        for repo in org.iterdir()
        if (repo / "info.json").is_file()
    )
    assert len(models) >= 20
    (tmp_path / "app.py").write_text(
        "from x import M\n" + "".join(f'M.from_pretrained("{m}")\n' for m in models)
    )
    run = run_openness("lock", *MIRROR, "--allow-incomplete", cwd=tmp_path)
    assert run.code == 0, run.stderr
    text = (tmp_path / "openness.lock").read_text()
    blocks = _entry_blocks(text)
    assert sorted(blocks) == sorted(json.loads(text)["models"]) and len(blocks) == len(models)
    sizes = {repo: len(block) for repo, block in blocks.items()}
    assert max(sizes.values()) < 1024, sorted(sizes.items(), key=lambda kv: -kv[1])[:3]


def test_scan_locked_reapplies_a_policy_to_the_effective_terms(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    assert run_openness("lock", *MIRROR, cwd=tmp_path).code == 0
    _policy(tmp_path, 'deny-clauses = ["mau_threshold"]\n')
    offline = {"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    run = run_openness("scan", "--locked", "-f", "json", cwd=tmp_path, env=offline)
    status = {r["repo_id"]: r for r in run.json()["references"]}
    assert status["openness-fixtures/open-apache-7b"]["status"] == "passed"
    finetune = status["openness-fixtures/llama2-finetune-apache"]
    assert finetune["status"] == "failed"
    assert "meta-llama/Llama-2-7b-hf" in finetune["violations"][0]["detail"]
    assert run.code == 1


def test_an_incomplete_audit_is_not_locked_without_allow_incomplete(tmp_path, hub_env):
    (tmp_path / "app.py").write_text(
        "from x import AutoModel\n"
        'AutoModel.from_pretrained("openness-fixtures/gated-llama2-finetune")\n'
    )
    run = run_openness("lock", cwd=tmp_path, env=hub_env)
    assert run.code == 3
    assert (
        "not locked, its audit is incomplete" in run.stderr and "--allow-incomplete" in run.stderr
    )
    assert "openness.lock was not written: no model could be audited" in run.stderr
    assert not (tmp_path / "openness.lock").exists()
    run = run_openness("lock", "--allow-incomplete", cwd=tmp_path, env=hub_env)
    assert run.code == 0
    text = (tmp_path / "openness.lock").read_text()
    entry = json.loads(text)["models"]["openness-fixtures/gated-llama2-finetune"]
    assert entry["incomplete"] == ["gated"]
    # the catalog's nine clause kinds, for the repo and its base: still under 1 KB
    assert len(_entry_blocks(text)["openness-fixtures/gated-llama2-finetune"]) < 1024
    # the policy is decided even so: llama2 fails the OSD whatever the unread file says
    _policy(tmp_path, "require-osd = true\n")
    run = run_openness("scan", "--locked", "-f", "json", cwd=tmp_path)
    assert run.json()["references"][0]["status"] == "failed" and run.code == 1


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        ("require-osd = true\n", "failed"),  # llama2 fails the OSD whatever the file says
        (
            'require-osd = true\n[[exceptions]]\nrepo = "openness-fixtures/gated-llama2-finetune"\n'
            'reason = "approved by legal"\napproved-by = "a@example.org"\nexpires = 2099-01-01\n',
            "exempted",
        ),
    ],
)
def test_an_incomplete_audit_the_policy_decides_is_locked(tmp_path, hub_env, policy, status):
    """Issue 9: exempted > failed > incomplete holds in `lock` too: a gated model whose
    outcome does not hang on the unread files is locked without --allow-incomplete."""
    (tmp_path / "app.py").write_text(
        "from x import AutoModel\n"
        'AutoModel.from_pretrained("openness-fixtures/gated-llama2-finetune")\n'
    )
    _policy(tmp_path, policy)
    run = run_openness("lock", cwd=tmp_path, env=hub_env)
    assert run.code == 0, run.stderr
    assert "locked although its audit is incomplete (gated)" in run.stderr
    entry = json.loads((tmp_path / "openness.lock").read_text())["models"]
    assert entry["openness-fixtures/gated-llama2-finetune"]["incomplete"] == ["gated"]
    offline = {"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    run = run_openness("scan", "--locked", "-f", "json", cwd=tmp_path, env=offline)
    assert run.json()["references"][0]["status"] == status
    assert run.code == (1 if status == "failed" else 0), run.stderr


OUTAGE = ("--no-cache", "--timeout", "1")


def test_a_network_outage_during_lock_leaves_the_lock_as_it_was(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    assert run_openness("lock", *MIRROR, cwd=tmp_path).code == 0
    before = (tmp_path / "openness.lock").read_bytes()
    down = {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_ETAG_TIMEOUT": "1"}
    run = run_openness("lock", ".", *OUTAGE, cwd=tmp_path, env=down)
    assert run.code == 3, run.stderr
    assert (tmp_path / "openness.lock").read_bytes() == before
    assert "openness.lock was left as it was: no model could be audited" in run.stderr
    assert "wrote" not in run.stderr
    for repo in json.loads(before)["models"]:
        assert f"{repo}: could not be audited; its entry in openness.lock" in run.stderr


def test_a_model_that_cannot_be_audited_keeps_its_lock_entry(tmp_path):
    public = [m for m in APP.splitlines() if "meta-llama" not in m]  # gated without a token
    (tmp_path / "app.py").write_text("\n".join(public) + "\n")
    with FakeHub(FIXTURES) as hub:  # its own: the fault must not reach other tests
        env = hub.client_env(tmp_path / "hf_home")
        assert run_openness("lock", cwd=tmp_path, env=env).code == 0
        before = json.loads((tmp_path / "openness.lock").read_text())["models"]
        hub.faults.append(Fault(path=r"rail-bloom-560m", status=500, times=10_000))
        run = run_openness("lock", *OUTAGE, cwd=tmp_path, env=env)
    assert run.code == 3, run.stderr
    after = json.loads((tmp_path / "openness.lock").read_text())["models"]
    assert after == before  # three re-audited as they were, bloom kept as it was
    assert "openness-fixtures/rail-bloom-560m: could not be audited; its entry" in run.stderr
    assert "with 3 model(s) (1 kept from before)" in run.stderr


def test_an_unknown_lock_version_exits_2_and_messages_name_the_lockfile_used(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    assert run_openness("lock", *MIRROR, "--lockfile", "team.lock", cwd=tmp_path).code == 0
    data = json.loads((tmp_path / "team.lock").read_text())
    data["lock_version"] = 9
    (tmp_path / "bad2.lock").write_text(json.dumps(data))
    run = run_openness("scan", "--locked", "--lockfile", "bad2.lock", cwd=tmp_path)
    assert run.code == 2 and "bad2.lock: lock_version 9 is not one" in run.stderr, run.stderr
    run = run_openness("lock", *MIRROR, "--lockfile", "bad2.lock", cwd=tmp_path)
    assert run.code == 2 and json.loads((tmp_path / "bad2.lock").read_text()) == data
    (tmp_path / "app.py").write_text(
        APP + 'e = AutoModel.from_pretrained("openness-fixtures/nc-research-1b")\n'
    )
    _policy(tmp_path, "require-osd = true\n")
    run = run_openness("scan", "--locked", "--lockfile", "team.lock", "-f", "json", cwd=tmp_path)
    unlocked = [r for r in run.json()["references"] if r["status"] == "unlocked"]
    assert "is not in team.lock" in unlocked[0]["violations"][0]["detail"]
    assert all(
        "openness.lock" not in v["detail"]
        for r in run.json()["references"]
        for v in r["violations"]
    )
    markdown = run_openness(
        "scan", "--locked", "--lockfile", "team.lock", "-f", "markdown", cwd=tmp_path
    )
    assert "(checked against `team.lock`)" in markdown.stdout


def test_lock_check_reports_unlocked_and_no_longer_referenced_models(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    assert run_openness("lock", *MIRROR, cwd=tmp_path).code == 0
    run = run_openness("lock", "--check", *MIRROR, cwd=tmp_path)
    assert run.code == 0 and "every reference is locked" in run.stderr
    (tmp_path / "app.py").write_text(
        APP.replace("openness-fixtures/rail-bloom-560m", "openness-fixtures/nc-research-1b")
    )
    run = run_openness("lock", "--check", *MIRROR, "-f", "json", cwd=tmp_path)
    assert run.code == 1
    result = run.json()
    assert result["unlocked"] == ["openness-fixtures/nc-research-1b"]
    assert result["unreferenced"] == ["openness-fixtures/rail-bloom-560m"]
    assert "referenced but not locked" in run.stderr and "no longer referenced" in run.stderr


def test_lock_help_says_what_the_lock_is_for():
    text = " ".join(run_openness("lock", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert "scan --locked" in text and 'revision="<sha>"' in text


def test_a_version_1_lock_is_still_read(tmp_path):
    report = run_openness("audit", LLAMA, *MIRROR, "-f", "json").json()["reports"][0]
    report["license"].pop("effective", None)
    old = {
        "lock_version": 1,
        "tool": {"name": "openness", "version": "0.1.0"},
        "models": {
            LLAMA: {
                "repo_id": LLAMA,
                "revision": report["subject"]["revision"],
                "audited": "2026-01-01",
                "report": report,
            }
        },
    }
    (tmp_path / "openness.lock").write_text(json.dumps(old))
    (tmp_path / "app.py").write_text(f'from x import M\nM.from_pretrained("{LLAMA}")\n')
    _policy(tmp_path, "require-osd = true\n")
    run = run_openness("scan", "--locked", "-f", "json", cwd=tmp_path)
    assert run.json()["references"][0]["status"] == "failed", run.stderr


def test_a_version_2_lock_is_still_read(tmp_path):
    """Version 2 said the own license's verdict and completeness twice; it still judges."""
    own = {
        "clauses": ["mau_threshold", "no_train_other_models"],
        "from": LLAMA,
        "id": "llama2",
        "osd_compliant": False,
        "osi_approved": False,
        "relation": "own",
        "spdx": "LicenseRef-llama2",
    }
    entry = {
        "audited": "2026-01-01",
        "complete": False,
        "declared": ["llama2"],
        "effective_osd_compliant": False,
        "licenses": [own],
        "osd_compliant": False,
        "revision": "6e157754602bd4d79b5ad0a53e9f31b8d9770a3d",
        "rules": "44e196f84df6f8ef",
        "rung": 2,
        "steps": [True, True, False, False, False],
        "tool": "0.1.0",
    }
    (tmp_path / "openness.lock").write_text(
        json.dumps({"lock_version": 2, "models": {LLAMA: entry}})
    )
    (tmp_path / "app.py").write_text(f'from x import M\nM.from_pretrained("{LLAMA}")\n')
    _policy(tmp_path, 'deny-clauses = ["mau_threshold"]\n')
    run = run_openness("scan", "--locked", "-f", "json", cwd=tmp_path)
    ref = run.json()["references"][0]
    assert ref["status"] == "failed" and run.code == 1, run.stderr
    assert "mau_threshold found in openness.lock" in ref["violations"][0]["detail"]


def test_a_model_referenced_in_two_spellings_is_audited_once(tmp_path):
    (tmp_path / "app.py").write_text(
        "from x import M\n"
        'M.from_pretrained("openness-fixtures/open-apache-7b")\n'
        'M.from_pretrained("Openness-Fixtures/Open-Apache-7B")\n'
    )
    run = run_openness("scan", *MIRROR, "-f", "json", cwd=tmp_path)
    document = run.json()
    assert len(document["reports"]) == 1
    assert {r["status"] for r in document["references"]} == {"audited"}


def test_malformed_user_rules_are_a_usage_error(tmp_path):
    (tmp_path / "clauses.yaml").write_text("kinds:\n  my_kind:\n    severity: blocking\n")
    run = run_openness("licenses", "--rules", str(tmp_path))
    assert run.code == 2 and "missing 'title'" in run.stderr and "Traceback" not in run.stderr
    (tmp_path / "clauses.yaml").write_text("kinds:\n  my_kind:\n    title: T\n    severity: huge\n")
    run = run_openness("licenses", "--rules", str(tmp_path))
    assert run.code == 2 and "severity 'huge'" in run.stderr


@pytest.mark.parametrize(
    ("name", "body", "words"),
    [
        (
            "clauses.yaml",
            "kinds:\n- my_kind\n",
            "kinds must be a mapping (key: value lines), not a list",
        ),
        ("clauses.yaml", "kinds:\n  my_kind: [a]\n", "kinds.my_kind must be a mapping"),
        ("clauses.yaml", "- a\n", "the file must be a mapping (key: value lines), not a list"),
        ("licenses/mine.yaml", "licenses:\n  x: 1\n", "licenses must be a list (- item lines)"),
        (
            "licenses/mine.yaml",
            "licenses:\n- id: mine\n  name: Mine\n  clauses: [non_commercial]\n",
            "licenses[1].clauses[1] must be a mapping (key: value lines), not a string",
        ),
        ("osd.yaml", "criteria:\n  x: {title: X}\n", "criteria: 'x' is not a criterion number"),
        ("hub_licenses.yaml", "hub_licenses: [a]\n", "hub_licenses must be a mapping"),
    ],
)
def test_a_rule_in_the_wrong_shape_names_its_file_and_the_shape_expected(
    tmp_path, name, body, words
):
    (tmp_path / "licenses").mkdir()
    (tmp_path / name).write_text(body)
    run = run_openness("licenses", "--rules", str(tmp_path))
    assert run.code == 2, run.stderr
    assert run.stderr.startswith(f"openness: rules file {tmp_path / name}: {words}")
    assert run.stderr.count("\n") == 1
    for python_words in (
        "object has no attribute",
        "malformed rule",
        "KeyError",
        "invalid literal",
    ):
        assert python_words not in run.stderr, run.stderr


def test_a_user_license_with_an_invalid_spdx_id_is_refused(tmp_path):
    (tmp_path / "licenses").mkdir()
    rule = "licenses:\n- id: my-license\n  name: Mine\n  spdx: {}\n"
    (tmp_path / "licenses" / "mine.yaml").write_text(rule.format("LicenseRef-mine++"))
    run = run_openness("licenses", "--rules", str(tmp_path))
    assert run.code == 2 and "licenses[1].spdx 'LicenseRef-mine++' is not one SPDX id" in run.stderr
    assert "mine.yaml" in run.stderr  # the file is named
    (tmp_path / "licenses" / "mine.yaml").write_text(rule.format("LicenseRef-mine.v2"))
    assert run_openness("licenses", "--rules", str(tmp_path)).code == 0


def test_every_catalog_spdx_id_is_a_valid_spdx_id():
    """The ids go unchanged into SPDX 3 licenseExpression and CycloneDX. SPDX 2.3 annex D:
    idstring = 1*(ALPHA / DIGIT / "-" / "."), a LicenseRef- is one, a list id may end in "+"
    (license_expression itself accepts "LicenseRef-openrail++")."""
    from openness.rules import load_rules

    idstring = r"[A-Za-z0-9.-]+"
    for lic in load_rules().licenses.values():
        assert re.fullmatch(rf"LicenseRef-{idstring}|{idstring}\+?", lic.spdx), lic.id


def test_a_model_an_exception_covers_need_not_be_lockable(tmp_path):
    """A referenced repo that cannot be audited (gone) under an unexpired exception: scan,
    lock, lock --check and the lock gate all let the exception decide it."""
    gone = "openness-fixtures/gone-model"
    (tmp_path / "app.py").write_text(
        f'from x import M\nM.from_pretrained("{gone}")\n'
        'M.from_pretrained("openness-fixtures/open-apache-7b")\n'
    )
    (tmp_path / "openness.toml").write_text(
        "require-osd = true\n\n[[exceptions]]\n"
        f'repo = "{gone}"\nreason = "being replaced"\napproved-by = "a@b.c"\n'
        f"expires = {dt.date.today() + dt.timedelta(days=30)}\n"
    )
    assert run_openness("scan", *MIRROR, cwd=tmp_path).code == 0
    lock = run_openness("lock", *MIRROR, cwd=tmp_path)
    assert lock.code == 0, lock.stderr
    check = run_openness("lock", "--check", *MIRROR, cwd=tmp_path)
    assert check.code == 0, check.stderr
    locked = run_openness("scan", "--locked", "-f", "json", cwd=tmp_path)
    assert locked.code == 0, locked.stderr
    statuses = {r["repo_id"]: r["status"] for r in locked.json()["references"]}
    assert statuses[gone] == "exempted"


def test_lock_check_json_is_a_document(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    assert run_openness("lock", *MIRROR, cwd=tmp_path).code == 0
    result = run_openness("lock", "--check", *MIRROR, "-f", "json", cwd=tmp_path).json()
    assert result["schema_version"] and result["tool"]["name"] == "openness"
    assert result["unlocked"] == [] and result["unreferenced"] == []


# -- 9. a file the scan cannot parse makes lock and lock --check incomplete, as it does scan --

NC = "openness-fixtures/nc-research-1b"
APACHE = "openness-fixtures/open-apache-7b"
BROKEN = f'from x import M\nM.from_pretrained("{NC}"\ndef (:\n'


def _broken_project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(BROKEN)
    (tmp_path / "good.py").write_text(f'from x import M\nM.from_pretrained("{APACHE}")\n')
    return tmp_path


def _one_line_for(stderr: str, file: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith(f"openness: {file}: ")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_lock_of_a_tree_with_a_file_that_cannot_be_parsed_is_incomplete(tmp_path):
    """It wrote the lock and exited 0, while the openness-lock hook then said "incomplete"."""
    project = _broken_project(tmp_path)
    run = run_openness("lock", *MIRROR, cwd=project)
    assert run.code == 3, run.stderr
    assert "Python syntax error at line" in _one_line_for(run.stderr, "bad.py")
    assert "scan incomplete: " in run.stderr and "run `openness lock` again" in run.stderr
    assert "wrote openness.lock with 1 model(s)" in run.stderr  # what it could lock
    assert list(json.loads((project / "openness.lock").read_text())["models"]) == [APACHE]
    # --allow-incomplete locks incomplete audits; there is no model to lock in an unread file
    assert run_openness("lock", *MIRROR, "--allow-incomplete", cwd=project).code == 3
    assert run_openness("lock", *MIRROR, "--strict", cwd=project).code == 1
    assert run_openness("scan", "--locked", cwd=project).code == 3  # the hook agrees


def test_lock_check_of_a_tree_with_a_file_that_cannot_be_parsed_is_incomplete(tmp_path):
    """It said "every reference is locked" and exited 0."""
    project = _broken_project(tmp_path)
    run_openness("lock", *MIRROR, cwd=project)
    run = run_openness("lock", "--check", *MIRROR, cwd=project)
    assert run.code == 3, run.stderr
    assert "Python syntax error at line" in _one_line_for(run.stderr, "bad.py")
    assert "scan incomplete: " in run.stderr
    assert "every reference is locked" not in run.stderr
    result = run_openness("lock", "--check", *MIRROR, "-f", "json", cwd=project).json()
    assert result["problems"][0].startswith("bad.py: Python syntax error")
    assert run_openness("lock", "--check", "--strict", *MIRROR, cwd=project).code == 1


def test_a_locked_model_the_broken_file_references_keeps_its_entry(tmp_path):
    """The unread file may still reference it: neither dropped from the lock nor called
    "no longer referenced"."""
    project = _broken_project(tmp_path)
    (project / "bad.py").write_text(f'from x import M\nM.from_pretrained("{NC}")\n')
    assert run_openness("lock", *MIRROR, cwd=project).code == 0
    before = json.loads((project / "openness.lock").read_text())["models"]
    (project / "bad.py").write_text(BROKEN)
    run = run_openness("lock", *MIRROR, cwd=project)
    assert run.code == 3, run.stderr
    assert json.loads((project / "openness.lock").read_text())["models"] == before
    assert f"{NC}: not found in the files that were read; its entry" in run.stderr
    run = run_openness("lock", "--check", *MIRROR, cwd=project)
    assert run.code == 3, run.stderr  # not 1: it may well be referenced
    assert f"{NC}: locked, but not found in the files that were read" in run.stderr
    assert "no longer referenced" not in run.stderr


@pytest.mark.parametrize(
    ("repo", "fault"),
    [
        (LLAMA, r"^/api/models/meta-llama"),  # the Hub drops the model info
        ("openness-fixtures/deleted-base-7b", None),  # the Hub answers 404
    ],
)
def test_an_exception_decides_a_model_whose_audit_failed(tmp_path, repo, fault):
    """Issue 9: an exception applies to its repo whatever the state of its audit. The
    reference said "exempted", yet scan exited 3 because the audit had errored."""
    _policy(
        tmp_path,
        f'require-osd = true\n[[exceptions]]\nrepo = "{repo}"\nreason = "approved"\n'
        'approved-by = "a@example.org"\nexpires = 2099-01-01\n',
    )
    (tmp_path / "app.py").write_text(f'from x import M\nM.from_pretrained("{repo}")\n')
    with FakeHub(FIXTURES) as hub:
        if fault:
            hub.faults.append(Fault(method="GET", path=fault, drop=True, times=10_000))
        env = hub.client_env(tmp_path / "hf_home")
        run = run_openness("scan", "app.py", "-f", "json", *OUTAGE, cwd=tmp_path, env=env)
    document = run.json()
    assert document["errors"] and document["references"][0]["status"] == "exempted"
    assert run.code == 0, run.stderr
