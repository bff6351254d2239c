"""`openness.scan`: references planted in a tree are found exactly, bad files become problems."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, run_openness

from openness.scan import (
    INCOMPLETE,
    Reference,
    is_incomplete,
    is_model_repo_id,
    scan_paths,
    scan_tree,
)
from openness.scan import files as scan_files

APP_PY = '''\
"""Example app. AutoModel.from_pretrained("doc/module-docstring") is not a reference."""
import huggingface_hub
import transformers
from huggingface_hub import hf_hub_download, snapshot_download
from sentence_transformers import CrossEncoder, SentenceTransformer
from transformers import AutoModel, AutoTokenizer, pipeline

MODEL_ID = "acme/const-model"
FSTRING_ID = f"acme/fstring-model"
LOCAL_DIR = "./models/x"

# AutoModel.from_pretrained("comment/model")


class Loader:
    """Loader: AutoModel.from_pretrained("doc/class-docstring")."""

    CHECKPOINT = "acme/class-const"

    def load(self):
        return AutoModel.from_pretrained(self.CHECKPOINT)


def load(name, MODEL_ID="shadowed"):
    """AutoTokenizer.from_pretrained("doc/function-docstring")"""
    tok = AutoTokenizer.from_pretrained(MODEL_ID)
    tokens = AutoTokenizer.from_pretrained(FSTRING_ID)
    unresolved = AutoModel.from_pretrained(name)
    local = AutoModel.from_pretrained(LOCAL_DIR)
    local2 = AutoModel.from_pretrained("./models/x")
    present = AutoModel.from_pretrained("checkpoints/run1")
    note = print("acme/not-in-a-call")
    return tok, tokens, unresolved, local, local2, present, note


tok = AutoTokenizer.from_pretrained(MODEL_ID)
lit = AutoModel.from_pretrained("acme/literal")
kw = transformers.AutoModelForCausalLM.from_pretrained(
    pretrained_model_name_or_path="acme/keyword",
)
legacy = AutoModel.from_pretrained("gpt2")
pipe_kw = pipeline("text-generation", model="acme/pipe-keyword")
pipe_pos = pipeline("fill-mask", "acme/pipe-positional")
weights = hf_hub_download(repo_id="acme/download", filename="config.json")
snap = huggingface_hub.snapshot_download("acme/snapshot")
data = snapshot_download("acme/a-dataset", repo_type="dataset")
st = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")
ce = CrossEncoder(model_name="cross-encoder/ms-marco-MiniLM-L-6-v2")
url = AutoModel.from_pretrained("https://huggingface.co/acme/x")
ok = AutoModel.from_pretrained("acme/approved")  # openness: ignore[approved by legal]
text = "AutoModel.from_pretrained('acme/in-a-string')  # openness: ignore"
'''

CONFIG_YAML = """\
train:
  base_model: acme/yaml-base
  datasets:
    - name: local
      Model_Name_Or_Path: "acme/yaml-nested"
eval:
  models:
    - acme/not-a-watched-key
  model:
    - acme/yaml-list-1
    - acme/yaml-list-2  # openness: ignore
  tokenizer_name: ./local/tokenizer
  model_name: gpt2
  # model: acme/yaml-comment
description: "model: acme/in-a-string"
"""

CONFIG_JSON = """\
{
  "model_name_or_path": "acme/json-model",
  "nested": {"hub_model_id": "acme/json-hub", "other": "acme/json-other"},
  "runs": [
    {"repo_id": "acme/json-in-list"},
    {"repo_id": "/abs/path"}
  ],
  "tokenizer_name": ["acme/json-tok-1",
                     "acme/json-tok-2"]
}
"""

CONFIG_TOML = """\
[tool.train]
model = "acme/toml-model"
tokenizer_name_or_path = 'acme/toml-tok'  # openness: ignore[internal mirror]

[eval]
models = ["acme/not-a-watched-key"]
base_model = [
  "acme/toml-base-1",
  "acme/toml-base-2",
]
# model = "acme/toml-comment"
"""

MODELS_TXT = """\
# models we ship
acme/txt-model
  acme/txt-pinned@v1.0  # pinned for reproducibility

gpt2
acme/txt-ignored  # openness: ignore[vendored]
"""


def _line(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, needle
    return hits[nth - 1]


def _failed(problems: list[str]) -> list[str]:
    """The problems of a scan that left it incomplete: the lines before the one that says the
    scan is incomplete (it must, when there are any); the notes come after it."""
    assert sum(is_incomplete([p]) for p in problems) == 1
    last = next(i for i, p in enumerate(problems) if p.startswith(INCOMPLETE))
    notes = ("no model references found in ", ": not resolved: ", ": note: ", "not a supported")
    assert not any(n in p for p in problems[:last] for n in notes), problems
    return problems[:last]


def _unresolved(problems: list[str]) -> list[tuple[str, str]]:
    """(file:line, kind of value) of each 'not resolved' note."""
    found = []
    for p in problems:
        where, sep, rest = p.partition(": not resolved: ")
        if sep:
            found.append((where, rest.split("): ", 1)[1].split(";")[0]))
    return found


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    _write(tmp_path / "src" / "app.py", APP_PY)
    (tmp_path / "src" / "checkpoints" / "run1").mkdir(parents=True)  # a local model directory
    _write(tmp_path / "configs" / "train.yaml", CONFIG_YAML)
    _write(tmp_path / "configs" / "train.json", CONFIG_JSON)
    _write(tmp_path / "configs" / "train.toml", CONFIG_TOML)
    _write(tmp_path / "models.txt", MODELS_TXT)
    _write(tmp_path / "README.md", 'AutoModel.from_pretrained("acme/readme")\n')  # not scanned
    return tmp_path


def _expected() -> set[tuple]:
    py, y, j, t, m = APP_PY, CONFIG_YAML, CONFIG_JSON, CONFIG_TOML, MODELS_TXT
    fp, tp = "AutoModel.from_pretrained", "AutoTokenizer.from_pretrained"
    return {
        # (file, line, repo_id, via, ignore_reason)
        ("src/app.py", _line(py, "(self.CHECKPOINT)"), "acme/class-const", fp, None),
        ("src/app.py", _line(py, "(FSTRING_ID)"), "acme/fstring-model", tp, None),
        ("src/app.py", _line(py, "tok = AutoTokenizer.from_pretrained(MODEL_ID)", 2),
         "acme/const-model", tp, None),
        ("src/app.py", _line(py, '"acme/literal"'), "acme/literal", fp, None),
        ("src/app.py", _line(py, '"acme/keyword"'), "acme/keyword",
         "transformers.AutoModelForCausalLM.from_pretrained(pretrained_model_name_or_path=)",
         None),
        ("src/app.py", _line(py, '"gpt2"'), "gpt2", fp, None),
        ("src/app.py", _line(py, "pipe-keyword"), "acme/pipe-keyword", "pipeline(model=)", None),
        ("src/app.py", _line(py, "pipe-positional"), "acme/pipe-positional", "pipeline", None),
        ("src/app.py", _line(py, "acme/download"), "acme/download",
         "hf_hub_download(repo_id=)", None),
        ("src/app.py", _line(py, "acme/snapshot"), "acme/snapshot",
         "huggingface_hub.snapshot_download", None),
        ("src/app.py", _line(py, "all-MiniLM"), "sentence-transformers/all-MiniLM-L6-v2",
         "SentenceTransformer", None),
        ("src/app.py", _line(py, "ms-marco"), "cross-encoder/ms-marco-MiniLM-L-6-v2",
         "CrossEncoder(model_name=)", None),
        ("src/app.py", _line(py, "acme/approved"), "acme/approved", fp, "approved by legal"),
        ("configs/train.yaml", _line(y, "yaml-base"), "acme/yaml-base", "key base_model", None),
        ("configs/train.yaml", _line(y, "yaml-nested"), "acme/yaml-nested",
         "key Model_Name_Or_Path", None),
        ("configs/train.yaml", _line(y, "yaml-list-1"), "acme/yaml-list-1", "key model", None),
        ("configs/train.yaml", _line(y, "yaml-list-2"), "acme/yaml-list-2", "key model", ""),
        ("configs/train.json", _line(j, "json-model"), "acme/json-model",
         "key model_name_or_path", None),
        ("configs/train.json", _line(j, "json-hub"), "acme/json-hub", "key hub_model_id", None),
        ("configs/train.json", _line(j, "json-in-list"), "acme/json-in-list", "key repo_id",
         None),
        ("configs/train.json", _line(j, "json-tok-1"), "acme/json-tok-1", "key tokenizer_name",
         None),
        ("configs/train.json", _line(j, "json-tok-2"), "acme/json-tok-2", "key tokenizer_name",
         None),
        ("configs/train.toml", _line(t, "toml-model"), "acme/toml-model", "key model", None),
        ("configs/train.toml", _line(t, "toml-tok"), "acme/toml-tok",
         "key tokenizer_name_or_path", "internal mirror"),
        ("configs/train.toml", _line(t, "toml-base-1"), "acme/toml-base-1", "key base_model",
         None),
        ("configs/train.toml", _line(t, "toml-base-2"), "acme/toml-base-2", "key base_model",
         None),
        ("models.txt", _line(m, "txt-model"), "acme/txt-model", "models.txt", None),
        ("models.txt", _line(m, "txt-pinned"), "acme/txt-pinned", "models.txt", None),
        ("models.txt", _line(m, "gpt2"), "gpt2", "models.txt", None),
        ("models.txt", _line(m, "txt-ignored"), "acme/txt-ignored", "models.txt", "vendored"),
    }  # fmt: skip


def test_finds_exactly_the_planted_references(tree: Path) -> None:
    refs, problems = scan_paths([tree], root=tree)
    not_constants = "not one string constant in this file"
    assert _unresolved(problems) == [
        (f"src/app.py:{_line(APP_PY, 'tok = AutoTokenizer.from_pretrained(MODEL_ID)')}",
         not_constants),
        (f"src/app.py:{_line(APP_PY, '(name)')}", not_constants),
    ]  # fmt: skip
    assert len(problems) == 2 and not is_incomplete(problems)
    got = {(r.file, r.line, r.repo_id, r.via, r.ignore_reason) for r in refs}
    assert got == set(_expected())
    assert all(r.ignored == (r.ignore_reason is not None) for r in refs)
    assert refs == sorted(refs, key=lambda r: (r.file, r.line, r.column))


def test_nothing_from_comments_docstrings_strings_or_local_paths(tree: Path) -> None:
    refs, _ = scan_paths([tree], root=tree)
    ids = {r.repo_id for r in refs}
    for absent in (
        "doc/module-docstring", "doc/class-docstring", "doc/function-docstring",
        "comment/model", "acme/not-in-a-call", "acme/in-a-string", "shadowed",
        "models/x", "./models/x", "checkpoints/run1", "acme/a-dataset",
        "acme/yaml-comment", "acme/toml-comment", "acme/not-a-watched-key",
        "acme/json-other", "acme/readme", "/abs/path", "./local/tokenizer",
    ):  # fmt: skip
        assert absent not in ids


def test_kinds_columns_and_revision(tree: Path) -> None:
    refs, _ = scan_paths([tree], root=tree)
    by_id = {r.repo_id: r for r in refs if r.kind != "models.txt"}
    literal = by_id["acme/literal"]
    line = APP_PY.splitlines()[literal.line - 1]
    assert (literal.kind, literal.column) == ("python", line.index('"acme/literal"') + 1)
    assert by_id["acme/yaml-base"].kind == "yaml"
    assert by_id["acme/yaml-base"].column == CONFIG_YAML.splitlines()[1].index("acme") + 1
    assert by_id["acme/json-hub"].column == CONFIG_JSON.splitlines()[2].index('"acme/json-hub"') + 1
    assert by_id["acme/json-hub"].kind == "json"
    pinned = next(r for r in refs if r.repo_id == "acme/txt-pinned")
    assert (pinned.revision, pinned.column, pinned.kind) == ("v1.0", 3, "models.txt")
    assert next(r for r in refs if r.repo_id == "acme/txt-model").revision is None


def test_single_file_and_default_root(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    refs, problems = scan_paths([Path("configs/train.json")])
    assert problems == []
    assert {r.file for r in refs} == {"configs/train.json"}
    assert len(refs) == 5


def test_toml_references(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", CONFIG_TOML)
    refs, problems = scan_paths([tmp_path / "pyproject.toml"], root=tmp_path)
    assert problems == []
    assert [(r.repo_id, r.kind, r.ignored) for r in refs] == [
        ("acme/toml-model", "toml", False),
        ("acme/toml-tok", "toml", True),
        ("acme/toml-base-1", "toml", False),
        ("acme/toml-base-2", "toml", False),
    ]
    assert refs[1].column == CONFIG_TOML.splitlines()[2].index("'acme/toml-tok'") + 1


def test_deterministic(tree: Path) -> None:
    assert scan_paths([tree], root=tree) == scan_paths([tree], root=tree)


def test_overlapping_paths_scan_each_file_once(tree: Path) -> None:
    once, _ = scan_paths([tree], root=tree)
    twice, _ = scan_paths([tree, tree / "src", tree / "src" / "app.py"], root=tree)
    assert once == twice


@pytest.mark.parametrize(
    ("value", "bare", "ok"),
    [
        ("org/name", False, True),
        ("gpt2", True, True),
        ("gpt2", False, False),
        ("./models/x", True, False),
        ("../x", True, False),
        ("/abs/x", True, False),
        ("~/models/x", True, False),
        ("org\\name", True, False),
        ("a/b/c", True, False),
        ("https://huggingface.co/org/name", True, False),
        ("org/name with spaces", True, False),
        ("C:/models", True, False),
        ("org/model.safetensors", True, False),
        ("org/name--x", True, False),
        ("", True, False),
    ],
)
def test_repo_id_rules(value: str, bare: bool, ok: bool) -> None:
    assert is_model_repo_id(value, allow_bare=bare) is ok


def test_existing_directory_is_a_local_path(tmp_path: Path) -> None:
    (tmp_path / "org" / "name").mkdir(parents=True)
    assert not is_model_repo_id("org/name", allow_bare=False, bases=[tmp_path])
    assert is_model_repo_id("org/other", allow_bare=False, bases=[tmp_path])


def test_scope_rules(tmp_path: Path) -> None:
    source = """\
from transformers import AutoModel as A
NAME = "acme/first"
NAME = "acme/second"
SAME = "acme/same"
if True:
    SAME = "acme/same"
G = "acme/global"
def set_global():
    global G
    G = compute()
def local():
    LOCAL = "acme/local"
    return A.from_pretrained(LOCAL)
A.from_pretrained(NAME)
A.from_pretrained(SAME)
A.from_pretrained(G)
[A.from_pretrained(SAME) for SAME in names()]
A.from_pretrained(*args)
A.from_pretrained(f"acme/{NAME}")
A.from_pretrained("acme/" + "concat")
"""
    _write(tmp_path / "m.py", source)
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert [(r.repo_id, r.line) for r in refs] == [("acme/local", 13), ("acme/same", 15)]
    # Whatever is not one constant is said, once per call, and leaves the scan complete.
    not_constants = "not one string constant in this file"
    assert _unresolved(problems) == [
        ("m.py:14", not_constants),
        ("m.py:16", not_constants),
        ("m.py:17", not_constants),
        ("m.py:18", "unpacked arguments"),
        ("m.py:19", "an f-string"),
        ("m.py:20", "a concatenation"),
    ]
    assert len(problems) == 6 and not is_incomplete(problems)


def test_syntax_error_is_a_problem(tmp_path: Path) -> None:
    _write(tmp_path / "bad.py", 'def broken(:\n    AutoModel.from_pretrained("acme/bad")\n')
    _write(tmp_path / "irrelevant.py", "def broken(:\n")  # no call that could hold a reference
    _write(tmp_path / "good.py", 'AutoModel.from_pretrained("acme/good")\n')
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert [r.repo_id for r in refs] == ["acme/good"]
    failed = _failed(problems)
    assert len(failed) == 1 and failed[0].startswith("bad.py: Python syntax error at line 1")


def test_binary_python_file_is_a_problem(tmp_path: Path) -> None:
    _write(tmp_path / "blob.py", b"\x00\x01\x02\xffELF" * 100)
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert refs == []
    assert _failed(problems) == ["blob.py: binary content (not a text file)"]


def test_bad_encoding_is_read_not_fatal(tmp_path: Path) -> None:
    _write(tmp_path / "latin.py", b'# caf\xe9\nAutoModel.from_pretrained("acme/latin")\n')
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert ([r.repo_id for r in refs], problems) == (["acme/latin"], [])


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        bomb.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb.append("model: acme/after-the-bomb")
    _write(tmp_path / "bomb.yaml", "\n".join(bomb) + "\n")
    started = time.monotonic()
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert time.monotonic() - started < 5
    assert refs == []
    failed = _failed(problems)
    assert len(failed) == 1 and "aliases are not accepted" in failed[0]


def test_file_over_two_mib_is_skipped(tmp_path: Path) -> None:
    big = 'AutoModel.from_pretrained("acme/big")\n' + "#" * (3 * 1024 * 1024) + "\n"
    _write(tmp_path / "big.py", big)
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert refs == []
    failed = _failed(problems)
    assert len(failed) == 1 and failed[0].startswith("big.py: larger than 2 MiB")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.yaml", "[" * 100_000 + "]" * 100_000),
        ("deep.toml", "x = " + "[" * 100_000 + "]" * 100_000),
        ("deep.py", "x = pipeline(" + "+".join(["a"] * 200_000) + ")"),
        ("deep-lines.py", "x = pipeline(" + "+\n".join(["a"] * 200_000) + ")"),
        ("deep-unary.py", "x = pipeline(" + "-" * 200_000 + "1)"),
        ("deep-attr.py", "x = pipeline(a" + ".b" * 200_000 + ")"),
        ("late-nul.py", "pipeline()\n" * 3000 + "\x00\n"),
        ("broken.json", '{"model": "acme/x",'),
        ("broken.yaml", "model: [acme/x\n"),
        ("broken.toml", "model = \n"),
    ],
)
def test_unparseable_files_are_problems(tmp_path: Path, name: str, content: str) -> None:
    """Deep nesting must end as a problem line: never an exception, never a crash (3.10)."""
    _write(tmp_path / name, content)
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert refs == []
    failed = _failed(problems)
    assert len(failed) == 1 and failed[0].startswith(f"{name}: ")
    assert "could not be scanned" not in failed[0]


def test_bad_models_txt_line_is_a_problem(tmp_path: Path) -> None:
    _write(tmp_path / "models.txt", "acme/ok\nnot a repo id\n./local\nacme/x@\n")
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert [r.repo_id for r in refs] == ["acme/ok"]
    failed = _failed(problems)
    assert [p.split(": ")[0] for p in failed] == ["models.txt:2", "models.txt:3", "models.txt:4"]


def test_skipped_directories_and_file_types(tmp_path: Path) -> None:
    planted = 'AutoModel.from_pretrained("acme/hidden")\n'
    for skipped in (".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".hidden",
                    "lib/site-packages"):  # fmt: skip
        _write(tmp_path / skipped / "x.py", planted)
    _write(tmp_path / "notes.txt", "acme/not-models-txt\n")
    _write(tmp_path / "pkg" / "ok.py", 'AutoModel.from_pretrained("acme/visible")\n')
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert ([r.repo_id for r in refs], problems) == (["acme/visible"], [])


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlinks_do_not_leave_the_tree(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside" / "secret.py", 'A.from_pretrained("acme/outside")\n')
    tree = tmp_path / "tree"
    _write(tree / "in.py", 'A.from_pretrained("acme/inside")\n')
    (tree / "link.py").symlink_to(outside)
    (tree / "linkdir").symlink_to(outside.parent, target_is_directory=True)
    refs, problems = scan_paths([tree], root=tree)
    assert [r.repo_id for r in refs] == ["acme/inside"]
    assert problems == ["link.py: symlink leads outside the tree, skipped"]  # a note only


def test_file_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_files, "MAX_FILES", 3)
    for i in range(5):
        _write(tmp_path / f"f{i}.py", f'A.from_pretrained("acme/m{i}")\n')
    refs, problems = scan_paths([tmp_path], root=tmp_path)
    assert [r.repo_id for r in refs] == ["acme/m0", "acme/m1", "acme/m2"]
    assert _failed(problems) == ["stopped after 3 files; the rest was not scanned"]


def test_missing_and_unsupported_paths(tmp_path: Path) -> None:
    _write(tmp_path / "notes.md", "x\n")
    refs, problems, notes, _ = scan_tree([tmp_path / "nope", tmp_path / "notes.md"], root=tmp_path)
    assert refs == []
    assert [p.split(": ")[1] for p in problems[:-1]] == ["no such file or directory"]
    assert [p.split(": ")[1] for p in notes[:1]] == [
        "not a supported file type (.py, .yaml, .yml, .json, .toml or models.txt)"
    ]
    assert _failed(problems + notes) == problems[:-1]  # scan_paths: problems, then notes
    # A file of a type never scanned holds no reference: saying so leaves the scan complete.
    refs, problems = scan_paths([tmp_path / "notes.md"], root=tmp_path)
    assert not is_incomplete(problems)


def test_reference_is_frozen() -> None:
    ref = Reference("acme/x", "a.py", 1, 1, "python", "AutoModel.from_pretrained")
    with pytest.raises(AttributeError):
        ref.line = 2  # type: ignore[misc]
    assert (ref.ignored, ref.ignore_reason, ref.revision) == (False, None, None)


# --- Through the program: environment defaults, run-time ids, broken files, empty scans ----

ENV_APP = """\
import os
from transformers import AutoModel, pipeline

MODEL = os.environ.get("MODEL", "openness-fixtures/open-apache-7b")
model = AutoModel.from_pretrained(MODEL)
tok = AutoModel.from_pretrained(os.getenv("TOKENIZER", "openness-fixtures/open-apache-7b"))
fallback = AutoModel.from_pretrained(os.environ.get("OTHER") or "openness-fixtures/card-only")
built = pipeline("text-generation", model=f"openness-fixtures/{MODEL}")
"""


def _scan_cli(root: Path, *args: str):  # type: ignore[no-untyped-def]
    (root / "openness.toml").write_text("[tool.openness]\nallow-gated = false\n")
    return run_openness("scan", "--mirror", str(FIXTURES), *args, cwd=root)


def test_cli_environment_defaults_are_taken_and_marked_dynamic_ids_noted(tmp_path: Path) -> None:
    _write(tmp_path / "app.py", ENV_APP)
    run = _scan_cli(tmp_path, "--format", "json")
    assert run.code == 0, run.stderr  # notes leave the scan complete
    doc = run.json()
    refs = {(r["line"], r["repo_id"], r["via"]) for r in doc["references"]}
    assert refs == {
        (5, "openness-fixtures/open-apache-7b", "AutoModel.from_pretrained (default of $MODEL)"),
        (6, "openness-fixtures/open-apache-7b",
         "AutoModel.from_pretrained (default of $TOKENIZER)"),
        (7, "openness-fixtures/card-only", "AutoModel.from_pretrained (default of $OTHER)"),
    }  # fmt: skip
    assert doc["problems"] == []  # notes are not problems
    notes = [p for p in doc["notes"] if ": note: " in p]
    assert [n.split(": note: ")[0] for n in notes] == ["app.py:5", "app.py:6", "app.py:7"]
    assert "may name another model at run time" in notes[0] and "$MODEL" in notes[0]
    unresolved = [p for p in doc["notes"] if ": not resolved: " in p]
    assert len(unresolved) == 1 and unresolved[0].startswith("app.py:8: not resolved: pipeline(")
    assert "an f-string" in unresolved[0]
    table = _scan_cli(tmp_path)
    assert "app.py:8: not resolved" in table.stdout and "default of $MODEL" in table.stdout


def test_cli_syntax_error_makes_the_scan_incomplete(tmp_path: Path) -> None:
    _write(tmp_path / "app.py", 'AutoModel.from_pretrained("openness-fixtures/open-apache-7b")\n')
    assert _scan_cli(tmp_path).code == 0
    _write(tmp_path / "broken.py", 'def f(:\n    AutoModel.from_pretrained("acme/hidden")\n')
    run = _scan_cli(tmp_path, "--format", "json")
    assert run.code == 3, run.stderr  # the reference in broken.py was never checked
    doc = run.json()
    assert [r["status"] for r in doc["references"]] == ["passed"]
    assert any(p.startswith("broken.py: Python syntax error at line 1") for p in doc["problems"])
    assert "openness: scan incomplete: 1 file or line" in run.stderr
    assert "Traceback" not in run.stderr
    assert _scan_cli(tmp_path, "--strict").code == 1


def test_cli_empty_scan_says_how_many_files_were_read(tmp_path: Path) -> None:
    _write(tmp_path / "app.py", "print('hello')\n")
    _write(tmp_path / "config.yaml", "name: demo\n")
    _write(tmp_path / "notes.md", "AutoModel.from_pretrained('acme/x')\n")  # not a scanned kind
    run = _scan_cli(tmp_path, "--color", "never")
    assert run.code == 0, run.stderr
    assert "no model references found in 3 files" in run.stdout  # app.py, config.yaml, the .toml
    assert "where" not in run.stdout and "┃" not in run.stdout  # no empty table
    doc = _scan_cli(tmp_path, "--format", "json").json()
    assert doc["references"] == []
    assert (doc["problems"], doc["notes"]) == ([], ["no model references found in 3 files"])


# --- The PR comment says what the scan said: problems first, then notes --------------------


def test_markdown_shows_the_notes_of_environment_defaults_and_run_time_ids(tmp_path: Path) -> None:
    _write(tmp_path / "app.py", ENV_APP)
    run = _scan_cli(tmp_path, "--format", "markdown")
    assert run.code == 0, run.stderr
    text = run.stdout.replace("\\", "")  # markdown escapes _ ( ) $ in prose
    notes = text[text.index("**Notes**") :]
    for line in (5, 6, 7):
        assert f"app.py:{line}: note: " in notes
    assert "is the default of MODEL" in notes or "default of $MODEL" in notes
    assert "app.py:8: not resolved: pipeline(" in notes
    assert "incomplete" not in text.lower()


def test_markdown_says_a_file_that_fails_to_parse_makes_the_scan_incomplete(
    tmp_path: Path,
) -> None:
    _write(tmp_path / "app.py", ENV_APP)
    _write(tmp_path / "broken.py", 'def f(:\n    AutoModel.from_pretrained("acme/hidden")\n')
    run = _scan_cli(tmp_path, "--format", "markdown")
    assert run.code == 3, run.stderr
    text = run.stdout.replace("\\", "")
    assert "The scan is incomplete" in text.split("| model |")[0]  # said above the table
    problems = text.index("**Problems (the scan is incomplete)**")
    assert text.index("broken.py: Python syntax error at line 1", problems)
    assert text.index(INCOMPLETE, problems) < text.index("**Notes**") < text.index("app.py:5: note")


def test_markdown_of_an_empty_scan_says_how_many_files_were_read(tmp_path: Path) -> None:
    _write(tmp_path / "app.py", "print('hello')\n")
    run = _scan_cli(tmp_path, "--format", "markdown")
    assert run.code == 0, run.stderr
    assert "no model references found in 2 files" in run.stdout  # app.py, openness.toml
    assert "| model |" not in run.stdout  # no empty table


def test_cli_empty_scan_counts_the_file_it_could_not_read(tmp_path: Path) -> None:
    """It said "no model references found in 0 files" of a folder with one (broken) file."""
    _write(tmp_path / "bad.py", 'M.from_pretrained("openness-fixtures/nc-research-1b"\ndef (:\n')
    scan = ("scan", "--mirror", str(FIXTURES))
    doc = run_openness(*scan, "--format", "json", cwd=tmp_path).json()
    assert doc["notes"] == ["no model references found in 1 file (1 could not be read)"]
    run = run_openness(*scan, "--color", "never", cwd=tmp_path)
    assert run.code == 3, run.stderr
    assert "no model references found in 1 file (1 could not be read)" in run.stdout
