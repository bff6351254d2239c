"""`openness scan`: find references to Hugging Face model repos in a code tree.

Nothing found here is imported or executed: Python is read with `ast`, YAML is only composed
(never constructed), JSON and TOML go through their stdlib parsers. Every failure on one file
becomes a line in `problems`; scanning carries on with the next file, and a last line starting
with INCOMPLETE says the scan is incomplete (is_incomplete). Other lines are notes: a model id
computed at run time ("not resolved"), the default of an environment variable, how many files
were read when nothing was found.
"""

from __future__ import annotations

import ast
import bisect
import functools
import io
import json
import os
import re
import stat
import sys
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

from openness.textio import decode

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:  # pragma: no cover - Python 3.10, where tomli is a dependency
    import tomli as _toml

__all__ = [
    "CONFIG_KEYS",
    "INCOMPLETE",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "Reference",
    "is_incomplete",
    "is_model_repo_id",
    "scan_paths",
]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILES = 20_000
SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", "site-packages", ".tox"}
)
CONFIG_KEYS = frozenset(
    {
        "model",
        "model_id",
        "model_name",
        "model_name_or_path",
        "base_model",
        "pretrained_model_name_or_path",
        "tokenizer_name",
        "tokenizer_name_or_path",
        "repo_id",
        "hub_model_id",
    }
)
# A "repo id" ending like this is a file someone points at, not a repo.
_FILE_SUFFIXES = (
    ".json", ".yaml", ".yml", ".toml", ".txt", ".py", ".bin", ".pt", ".pth", ".ckpt",
    ".safetensors", ".onnx", ".h5", ".pkl", ".npz", ".csv", ".parquet", ".zip", ".gz", ".tar",
)  # fmt: skip
_IGNORE_RE = re.compile(r"openness:\s*ignore\b(?:\[([^\]\r\n]*)\])?")
_CONFIG_COMMENT_RE = re.compile(r"(?:^|\s)#\s*(openness:.*)$")
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
# The line that ends the problems of a scan that could have missed references. It is written
# by scan_paths itself, after every file, so no file name can fake or hide it.
INCOMPLETE = "scan incomplete: "


@dataclass(frozen=True)
class Reference:
    repo_id: str  # "org/name" or a bare legacy id like "gpt2"
    file: str  # relative to the scan root when inside it, "/" separators
    line: int  # 1-based
    column: int  # 1-based, in characters, at the value (its opening quote when quoted)
    kind: str  # "python" | "yaml" | "json" | "toml" | "models.txt"
    via: str  # "AutoModel.from_pretrained", "pipeline(model=)", "key model_name_or_path", ...
    ignored: bool = False
    ignore_reason: str | None = None  # from `# openness: ignore[reason]`; "" when none given
    revision: str | None = None  # models.txt `org/name@revision`


def scan_paths(paths: list[Path], root: Path | None = None) -> tuple[list[Reference], list[str]]:
    """References found under the paths (files or directories), and problems (bad files etc.)
    and notes, in file order; the last line starts with INCOMPLETE when a file or line could
    not be read as intended.

    `root` (default: the current directory) only shapes `Reference.file`; files outside it keep
    the path as given.
    """
    root = Path.cwd() if root is None else root
    findings = _Findings()
    refs: set[Reference] = set()
    scanned = 0
    for path, kind in _capped(_iter_files(paths, root, findings), findings):
        found, ok = _scan_file(path, _display(path, root), kind, root, findings)
        refs.update(found)
        scanned += ok
    ordered = sorted(refs, key=lambda r: (r.file, r.line, r.column, r.repo_id, r.via))
    lines = findings.lines
    if not ordered:
        lines.append(f"no model references found in {_count(scanned, 'file')}")
    if findings.incomplete:
        lines.append(
            f"{INCOMPLETE}{_count(findings.incomplete, 'file or line')} could not be read as "
            "intended; a model referenced there was not checked"
        )
    return ordered, lines


def is_incomplete(problems: list[str]) -> bool:
    """Could the scan that gave these problems have missed a reference?"""
    return any(p.startswith(INCOMPLETE) for p in problems)


def _count(n: int, what: str) -> str:
    plural = what if n == 1 else {"file": "files", "file or line": "files or lines"}[what]
    return f"{n} {plural}"


class _Findings:
    """What a scan says besides references, in order: problems (a file or line that could not
    be read as intended, so a reference may be missing) and notes (the rest)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.incomplete = 0

    def problem(self, text: str) -> None:
        self.lines.append(text)
        self.incomplete += 1

    def note(self, text: str) -> None:
        self.lines.append(text)


# --- Files ---------------------------------------------------------------------------------


_KINDS = {".py": "python", ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}


def _kind_of(name: str) -> str | None:
    lower = name.lower()
    if lower == "models.txt":
        return "models.txt"
    return _KINDS.get(os.path.splitext(lower)[1])


def _display(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return path.as_posix()


def _capped(files: Iterable[tuple[Path, str]], findings: _Findings) -> Iterator[tuple[Path, str]]:
    """Stop after MAX_FILES distinct files (overlapping PATHS are read once)."""
    seen: set[str] = set()
    for path, kind in files:
        key = os.path.realpath(path)
        if key in seen:
            continue
        if len(seen) >= MAX_FILES:
            findings.problem(f"stopped after {MAX_FILES} files; the rest was not scanned")
            return
        seen.add(key)
        yield path, kind


def _iter_files(paths: list[Path], root: Path, findings: _Findings) -> Iterator[tuple[Path, str]]:
    for given in paths:
        shown = _display(given, root)
        try:
            is_dir, exists = given.is_dir(), os.path.lexists(given)
        except OSError as exc:
            findings.problem(f"{shown}: cannot be read ({exc.strerror})")
            continue
        if is_dir:
            yield from _walk(given, root, findings)
        elif not exists:
            findings.problem(f"{shown}: no such file or directory")
        elif (kind := _kind_of(given.name)) is None:  # nothing a reference could be read from
            findings.note(
                f"{shown}: not a supported file type (.py, .yaml, .yml, .json, .toml or models.txt)"
            )
        else:
            yield given, kind


def _walk(top: Path, root: Path, findings: _Findings) -> Iterator[tuple[Path, str]]:
    """Files of known kinds under `top`, in sorted order, never leaving the tree via symlinks."""
    real_top = os.path.realpath(top)

    def on_error(exc: OSError) -> None:
        shown = _display(Path(exc.filename or top), root)
        findings.problem(f"{shown}: cannot be read ({exc.strerror})")

    for dirpath, dirnames, filenames in os.walk(top, onerror=on_error):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not d.startswith(".")
            and not os.path.islink(os.path.join(dirpath, d))
        )
        for name in sorted(filenames):
            kind = _kind_of(name)
            path = Path(dirpath, name)
            if kind is None:
                continue
            if path.is_symlink() and not _inside(path, real_top):
                # Deliberate, and said: the tree's own files were all read.
                findings.note(f"{_display(path, root)}: symlink leads outside the tree, skipped")
                continue
            yield path, kind


def _inside(path: Path, real_top: str) -> bool:
    try:
        target = os.path.realpath(path)
    except (OSError, RuntimeError):  # symlink loops
        return False
    return os.path.commonpath([target, real_top]) == real_top


def _read_text(path: Path) -> tuple[str | None, str | None]:
    """(text, None) or (None, problem). Only regular files: a FIFO would block forever."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file, skipped"
        if info.st_size > MAX_FILE_BYTES:
            return None, f"larger than 2 MiB ({info.st_size} bytes), skipped"
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if len(data) > MAX_FILE_BYTES:
        return None, "larger than 2 MiB, skipped"
    decoded = decode(data)
    return decoded.text, decoded.problem


# --- Per file ------------------------------------------------------------------------------


class _Refused(Exception):
    """A file we will not scan, with the reason as its message."""


@dataclass
class _FileCtx:
    file: str
    kind: str
    bases: tuple[Path, ...]  # directories a relative local path would be resolved against
    text: str
    problems: list[str] = field(default_factory=list)  # lines that could not be read
    notes: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, text)
    refs: list[Reference] = field(default_factory=list)
    _starts: list[int] | None = None
    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = _NEWLINE_RE.split(self.text)
        return self._lines

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _NEWLINE_RE.finditer(self.text))]
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def add(
        self,
        repo_id: str,
        at: tuple[int, int],
        via: str,
        ignore: str | None = None,
        revision: str | None = None,
    ) -> None:
        """Record a reference at (line, column); `ignore` is the reason of an ignore comment."""
        line, column = at
        self.refs.append(
            Reference(repo_id, self.file, line, column, self.kind, via, ignore is not None, ignore,
                      revision)
        )  # fmt: skip


def _scan_file(
    path: Path, rel: str, kind: str, root: Path, findings: _Findings
) -> tuple[list[Reference], bool]:
    """The file's references, and whether it was read through; its problems go to findings."""
    text, problem = _read_text(path)
    if text is None:
        findings.problem(f"{rel}: {problem or 'unreadable'}")
        return [], False
    ctx = _FileCtx(rel, kind, (path.parent, root), text)
    try:
        _SCANNERS[kind](ctx)
    except Exception as exc:  # one bad file must never stop the scan
        findings.problem(f"{rel}: {_describe(exc)}")
        return [], False
    for line in ctx.problems:
        findings.problem(line)
    for *_, note in sorted(ctx.notes):
        findings.note(note)
    return ctx.refs, True


def _describe(exc: Exception) -> str:
    if isinstance(exc, _Refused):
        return str(exc)
    if isinstance(exc, (RecursionError, MemoryError)):  # MemoryError: the parser's own stack
        return "nested too deeply to parse"
    if isinstance(exc, SyntaxError):
        where = f" at line {exc.lineno}" if exc.lineno else ""
        return f"Python syntax error{where}: {exc.msg}"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at line {exc.lineno}: {exc.msg}"
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f"invalid YAML at line {exc.problem_mark.line + 1}: {exc.problem}"
    if isinstance(exc, yaml.YAMLError):
        return "invalid YAML"
    if isinstance(exc, _toml.TOMLDecodeError):
        return f"invalid TOML: {exc}"
    return f"could not be scanned ({type(exc).__name__}: {str(exc)[:200]})"


def _ignore_reason(comment: str) -> str | None:
    """The reason of an `openness: ignore[reason]` comment ("" without one), else None."""
    match = _IGNORE_RE.search(comment)
    if match is None:
        return None
    return (match.group(1) or "").strip()


def _config_ignore(line: str) -> str | None:
    """`# openness: ignore[...]` at the end of a YAML or TOML line."""
    match = _CONFIG_COMMENT_RE.search(line)
    return None if match is None else _ignore_reason(match.group(1))


# --- Repo ids ------------------------------------------------------------------------------


def is_model_repo_id(value: str, *, allow_bare: bool, bases: Iterable[Path] = ()) -> bool:
    """Does `value` look like a Hub model id rather than a local path, URL or file name?"""
    if not _repo_id_shape(value, allow_bare):
        return False
    return not any(_exists(os.path.join(base, value)) for base in bases)


@functools.lru_cache(maxsize=4096)
def _repo_id_shape(value: str, allow_bare: bool) -> bool:
    if not value or value.startswith((".", "/", "~")) or "\\" in value:
        return False
    if any(ch.isspace() for ch in value) or "://" in value or value.count("/") > 1:
        return False
    if "/" not in value and not allow_bare:
        return False
    if value.lower().endswith(_FILE_SUFFIXES):
        return False
    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return True


def _exists(path: str) -> bool:
    try:
        return os.path.exists(path)
    except (OSError, ValueError):
        return False


# --- Python --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Const:
    value: str
    line: int
    env: str | None = None  # the value is this environment variable's default ("?": unnamed)


@dataclass(frozen=True)
class _Resolved:
    value: str
    lines: list[int]  # of the constants it came from
    env: str | None = None


# What a name is bound to in one scope: string constants, classes, or None (anything else).
_Entry = _Const | ast.ClassDef | None
_Bindings = dict[str, list[_Entry]]

# callee name -> (index of the positional argument, keyword names) holding the repo id
_CALLS: dict[str, tuple[int, tuple[str, ...]]] = {
    "from_pretrained": (0, ("pretrained_model_name_or_path",)),
    "pipeline": (1, ("model",)),
    "hf_hub_download": (0, ("repo_id",)),
    "snapshot_download": (0, ("repo_id",)),
    "SentenceTransformer": (0, ("model_name_or_path",)),
    "CrossEncoder": (0, ("model_name_or_path", "model_name")),
}
_HUB_DOWNLOADS = frozenset({"hf_hub_download", "snapshot_download"})
# Calls that read an environment variable: (positional index, keyword) of the default.
_ENV_READS: dict[str, tuple[int, str] | None] = {
    "os.environ.get": (1, "default"),
    "environ.get": (1, "default"),
    "os.getenv": (1, "default"),
    "getenv": (1, "default"),
    "os.environ.setdefault": (1, "default"),
    "environ.setdefault": (1, "default"),
}
_ENVIRON = frozenset({"os.environ", "environ"})
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _const_str(node: ast.AST | None) -> str | None:
    """A string literal, or an f-string without placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = [_const_str(v) if isinstance(v, ast.Constant) else None for v in node.values]
        return None if None in parts else "".join(p for p in parts if p is not None)
    return None


def _env_name(node: ast.AST) -> str | None:
    """The variable an environment read names (`os.getenv("X")`, `os.environ["X"]`; "?" when
    not a literal), or None when `node` is no such read."""
    if isinstance(node, ast.Call) and _dotted(node.func) in _ENV_READS and node.args:
        return _const_str(node.args[0]) or "?"
    if isinstance(node, ast.Subscript) and _dotted(node.value) in _ENVIRON:
        return _const_str(node.slice) or "?"
    return None


def _env_default(node: ast.AST | None) -> tuple[str, str] | None:
    """(default, variable) of `os.environ.get("X", "d")`, `os.getenv("X", default="d")` or
    `os.environ.get("X") or "d"`: the value the code uses unless the variable is set."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) > 1:
        default = _const_str(node.values[-1])
        name = _env_name(node.values[0])
        return (default, name) if default is not None and name is not None else None
    if not isinstance(node, ast.Call) or (name := _env_name(node)) is None:
        return None
    where = _ENV_READS.get(_dotted(node.func) or "")
    if where is None:
        return None
    index, keyword = where
    value = next((k.value for k in node.keywords if k.arg == keyword), None)
    if value is None and len(node.args) > index:
        value = node.args[index]
    default = _const_str(value)
    return (default, name) if default is not None else None


def _collect_bindings(body: Iterable[ast.AST], into: _Bindings | None = None) -> _Bindings:
    """Names bound directly in one scope (not in nested functions, classes or lambdas)."""
    out: _Bindings = {} if into is None else into
    stack = list(body)
    while stack:
        stack.extend(_bind(stack.pop(), out))
    return out


def _bind(node: ast.AST, out: _Bindings) -> Iterable[ast.AST]:
    """Record what `node` binds in the current scope; return the children still to look at."""

    def add(name: str, entry: _Entry) -> None:
        out.setdefault(name, []).append(entry)

    def const(value: ast.AST | None) -> _Const | None:
        line = node.lineno  # type: ignore[attr-defined]
        text = _const_str(value)
        if text is not None:
            return _Const(text, line)
        env = _env_default(value)
        return None if env is None else _Const(env[0], line, env[1])

    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        add(node.name, node if isinstance(node, ast.ClassDef) else None)
        return ()
    if isinstance(node, ast.Lambda):
        return ()
    if isinstance(node, ast.comprehension):  # its targets belong to the comprehension
        return (node.iter, *node.ifs)
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if isinstance(node, ast.AnnAssign) and node.value is None:
            return ()  # `x: str` alone binds nothing
        for target in targets:
            if isinstance(target, ast.Name):
                add(target.id, const(node.value))
        return (node.value, *(t for t in targets if not isinstance(t, ast.Name)))  # type: ignore[misc]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name != "*":
                add(alias.asname or alias.name.split(".")[0], None)
        return ()
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        add(node.id, None)  # for/with/except targets, unpacking, augmented assignment, del
    for name in _pattern_names(node):
        add(name, None)
    return ast.iter_child_nodes(node)


def _pattern_names(node: ast.AST) -> list[str]:
    """Names bound by `except ... as x` and `match` patterns."""
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return [node.name] if node.name else []
    if isinstance(node, ast.MatchMapping):
        return [node.rest] if node.rest else []
    return []


def _arg_names(args: ast.arguments) -> list[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [a.arg for a in every if a is not None]


@dataclass
class _Scope:
    kind: str  # "module" | "class" | "function"
    bindings: _Bindings
    parent: _Scope | None = None
    cls: ast.ClassDef | None = None  # the class whose body this is
    self_name: str | None = None  # a method's first parameter
    owner: ast.ClassDef | None = None  # the class of that method


def _dotted(node: ast.AST) -> str | None:
    """`a.b.c` for a chain of names, else None (iterative: chains can be very long)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _single_const(entries: list[_Entry] | None) -> _Resolved | None:
    """The value when every binding of a name is the same string constant."""
    if not entries or not all(isinstance(e, _Const) for e in entries):
        return None
    consts = [e for e in entries if isinstance(e, _Const)]
    if len({c.value for c in consts}) != 1:
        return None
    env = next((c.env for c in consts if c.env), None)
    return _Resolved(consts[0].value, [c.line for c in consts], env)


class _PythonScanner:
    def __init__(self, ctx: _FileCtx, tree: ast.Module) -> None:
        self.ctx = ctx
        self.tree = tree
        self.ignores = _python_ignores(ctx.text)
        self.class_bindings: dict[int, _Bindings] = {}

    @functools.cached_property
    def untrusted(self) -> tuple[set[str], set[str]]:
        """Names rebound from other scopes (global/nonlocal), and attributes assigned anywhere:
        their values are never trusted. Computed only once a name needs resolving."""
        escaped: set[str] = set()
        assigned_attrs: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Global, ast.Nonlocal)):
                escaped.update(node.names)
            elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
                assigned_attrs.add(node.attr)
        return escaped, assigned_attrs

    def run(self) -> None:
        module = _Scope("module", _collect_bindings(self.tree.body))
        stack: list[tuple[ast.AST, _Scope]] = [(n, module) for n in self.tree.body]
        while stack:  # iterative: deep trees must not hit the recursion limit
            node, scope = stack.pop()
            if isinstance(node, ast.Call):
                self._check_call(node, scope)
            stack.extend(self._children(node, scope))

    def _children(self, node: ast.AST, scope: _Scope) -> list[tuple[ast.AST, _Scope]]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return self._function_children(node, scope)
        if isinstance(node, ast.ClassDef):
            outer = [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
            inner = _Scope("class", self._class_bindings(node), scope, cls=node)
            return [(n, scope) for n in outer] + [(n, inner) for n in node.body]
        if isinstance(node, _COMPREHENSIONS):
            return self._comprehension_children(node, scope)
        return [(child, scope) for child in ast.iter_child_nodes(node)]

    def _function_children(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, scope: _Scope
    ) -> list[tuple[ast.AST, _Scope]]:
        args = node.args
        outer = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        bindings: _Bindings = {name: [None] for name in _arg_names(args)}
        inner = _Scope("function", _collect_bindings(body, bindings), scope)
        if not isinstance(node, ast.Lambda):
            outer.extend(node.decorator_list)
            self._mark_method(node, scope, inner)
        return [(n, scope) for n in outer] + [(n, inner) for n in body]

    def _mark_method(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: _Scope, inner: _Scope
    ) -> None:
        """Remember `self`/`cls` so that `self.MODEL_ID` resolves to the class constant."""
        positional = [*node.args.posonlyargs, *node.args.args]
        static = any(_dotted(d) == "staticmethod" for d in node.decorator_list)
        if scope.cls is not None and positional and not static:
            inner.self_name, inner.owner = positional[0].arg, scope.cls

    def _comprehension_children(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp, scope: _Scope
    ) -> list[tuple[ast.AST, _Scope]]:
        first, *rest = node.generators
        bindings: _Bindings = {}
        for gen in node.generators:
            for name in ast.walk(gen.target):
                if isinstance(name, ast.Name):
                    bindings.setdefault(name.id, []).append(None)
        inner = _Scope("function", bindings, scope)
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        later = [n for gen in rest for n in (gen.iter, *gen.ifs)]
        return [(first.iter, scope)] + [(n, inner) for n in (*elements, *first.ifs, *later)]

    def _class_bindings(self, node: ast.ClassDef) -> _Bindings:
        if id(node) not in self.class_bindings:
            self.class_bindings[id(node)] = _collect_bindings(node.body)
        return self.class_bindings[id(node)]

    # Resolution ----------------------------------------------------------------------------

    def _lookup(self, name: str, scope: _Scope) -> list[_Entry] | None:
        """The bindings a name refers to at this point (class bodies are not enclosing scopes)."""
        if name in self.untrusted[0]:
            return None
        current: _Scope | None = scope
        innermost = True
        while current is not None:
            if (current.kind != "class" or innermost) and name in current.bindings:
                return current.bindings[name]
            current, innermost = current.parent, False
        return None

    def _resolve(self, node: ast.AST, scope: _Scope) -> _Resolved | None:
        """The value of a literal, an environment variable's default or a constant name."""
        literal = _const_str(node)
        if literal is not None:
            return _Resolved(literal, [])
        env = _env_default(node)
        if env is not None:
            return _Resolved(env[0], [], env[1])
        if isinstance(node, ast.Name):
            return _single_const(self._lookup(node.id, scope))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            owner = self._class_of(node.value.id, scope)
            if owner is not None and node.attr not in self.untrusted[1]:
                return _single_const(self._class_bindings(owner).get(node.attr))
        return None

    def _class_of(self, name: str, scope: _Scope) -> ast.ClassDef | None:
        """The class a name stands for: `self`/`cls` in a method, or a class name."""
        if name == scope.self_name and scope.bindings.get(name) == [None]:
            return scope.owner
        entries = self._lookup(name, scope)
        if entries and len(entries) == 1 and isinstance(entries[0], ast.ClassDef):
            return entries[0]
        return None

    # Calls ---------------------------------------------------------------------------------

    def _check_call(self, call: ast.Call, scope: _Scope) -> None:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in _CALLS or (name == "from_pretrained" and isinstance(func, ast.Name)):
            return
        if name in _HUB_DOWNLOADS and not _is_model_download(call):
            return
        callee = _dotted(func) or name
        found = _call_argument(call, *_CALLS[name])
        if found is None:
            unpacked = _unpacked(call, _CALLS[name][0])
            if unpacked is not None:  # *args or **kwargs may carry the model id
                self._unresolved(unpacked, call, callee, "unpacked arguments")
            return
        arg, keyword = found
        resolved = self._resolve(arg, scope)
        if resolved is None:
            self._unresolved(arg, call, callee)
            return
        if not is_model_repo_id(resolved.value, allow_bare=True, bases=self.ctx.bases):
            return
        via = f"{callee}({keyword}=)" if keyword else callee
        line, column = arg.lineno, self._column(arg)  # type: ignore[attr-defined]
        ignore = self._ignore(line, call.lineno, *resolved.lines)
        if resolved.env is not None:
            var = "an environment variable" if resolved.env == "?" else f"${resolved.env}"
            via += f" (default of {var})"
            if ignore is None:
                self.ctx.notes.append((line, column, (
                    f"{self.ctx.file}:{line}: note: {resolved.value} is the default of {var}, "
                    "which may name another model at run time; only the default was audited"
                )))  # fmt: skip
        self.ctx.add(resolved.value, (line, column), via, ignore)

    def _ignore(self, *lines: int) -> str | None:
        return next((self.ignores[n] for n in lines if n in self.ignores), None)

    def _unresolved(
        self, arg: ast.expr | ast.keyword, call: ast.Call, callee: str, what: str | None = None
    ) -> None:
        """One note for a model id this scan cannot know: it is computed at run time."""
        line = arg.lineno
        if self._ignore(line, call.lineno) is not None:
            return
        self.ctx.notes.append((line, self._column(arg), (
            f"{self.ctx.file}:{line}: not resolved: {callee}({self._snippet(arg)}): "
            f"{what or _dynamic(arg)}; the model it loads is decided at run time and was not "
            "audited"
        )))  # fmt: skip

    def _snippet(self, node: ast.expr | ast.keyword, limit: int = 60) -> str:
        """The source of an expression (its first line), cut to `limit` characters."""
        raw = self.ctx.line_text(node.lineno).encode("utf-8")
        end = node.end_col_offset if node.end_lineno == node.lineno else None
        text = raw[node.col_offset : end].decode("utf-8", "replace").strip()
        if end is None or len(text) > limit:
            return text[:limit].rstrip() + "…"
        return text

    def _column(self, node: ast.expr | ast.keyword) -> int:
        """ast columns are UTF-8 byte offsets; report characters."""
        raw = self.ctx.line_text(node.lineno).encode("utf-8")[: node.col_offset]
        return len(raw.decode("utf-8", "replace")) + 1


def _dynamic(node: ast.AST) -> str:
    """What kind of run-time value stands where a model id goes, in a few words."""
    env = _env_name(node)
    if env is not None:
        return (
            "an environment variable with no default"
            if env == "?"
            else f"${env}, which has no default"
        )
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.BinOp):
        return {ast.Add: "a concatenation", ast.Mod: "%-formatting"}.get(
            type(node.op), "an expression"
        )
    if isinstance(node, ast.Name):
        return "not one string constant in this file"
    if isinstance(node, ast.Attribute):
        return "an attribute"
    if isinstance(node, ast.Call):
        formats = isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        return "str.format()" if formats else "the result of a call"
    return "an expression"


def _unpacked(call: ast.Call, index: int) -> ast.expr | ast.keyword | None:
    """The `*args` or `**kwargs` that may hold the argument at `index`, if any."""
    for arg in call.args[: index + 1]:
        if isinstance(arg, ast.Starred):
            return arg
    if len(call.args) <= index:
        return next((kw for kw in call.keywords if kw.arg is None), None)
    return None


def _is_model_download(call: ast.Call) -> bool:
    """hf_hub_download/snapshot_download fetch datasets and spaces too; keep model repos."""
    for kw in call.keywords:
        if kw.arg == "repo_type":
            value = kw.value
            return (isinstance(value, ast.Constant) and value.value is None) or (
                _const_str(value) == "model"
            )
    return True


def _call_argument(
    call: ast.Call, index: int, keywords: tuple[str, ...]
) -> tuple[ast.expr, str | None] | None:
    """The argument holding the repo id, and the keyword it was passed as (None: positional)."""
    for kw in call.keywords:
        if kw.arg in keywords:
            return kw.value, kw.arg
    before = call.args[: index + 1]
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in before):
        return call.args[index], None
    return None


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    """Python tokens, ending quietly where the tokenizer gives up."""
    try:
        yield from tokenize.generate_tokens(io.StringIO(text).readline)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return


def _python_ignores(text: str) -> dict[int, str]:
    """line -> reason of real `# openness: ignore` comments (tokenize: not inside strings)."""
    if "openness:" not in text:
        return {}
    found: dict[int, str] = {}
    for tok in _tokens(text):  # ast accepted the file, so the tokenizer will not give up early
        if tok.type == tokenize.COMMENT and (reason := _ignore_reason(tok.string)) is not None:
            found[tok.start[0]] = reason
    return found


def _scan_python(ctx: _FileCtx) -> None:
    if not any(word in ctx.text for word in _CALLS):
        return  # cannot hold a reference: skip parsing (a syntax error here is not our concern)
    if sys.version_info < (3, 11) and _nesting_estimate(ctx.text) > _MAX_PY310_NESTING:
        raise _Refused("nested too deeply to parse safely on Python 3.10")
    with warnings.catch_warnings():  # invalid escapes etc. in scanned code are not our output
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(ctx.text, filename=ctx.file)
        except ValueError as exc:  # null bytes, before 3.11.4 or so
            raise _Refused(f"not valid Python: {exc}") from None
    _PythonScanner(ctx, tree).run()


# Python 3.10's ast.parse overflows the C stack (a crash, not an exception) on very deep trees
# such as `a+a+...` with 150k terms; 3.11+ raises RecursionError near a depth of 3000 instead.
_MAX_PY310_NESTING = 3000
_DEPTH_KEYWORDS = frozenset({"if", "else", "not", "lambda", "await", "yield"})


def _nesting_estimate(text: str) -> int:
    """An upper estimate of expression nesting, from tokens alone (tokenize is iterative).

    Operators, dots and some keywords each may add a level within one bracket level; commas
    and statement ends start over; open brackets keep the levels of what encloses them.
    On a tokenizer error the estimate so far stands: ast.parse then fails at that same point,
    before it builds any tree, and reports the error better."""
    levels, total, deepest = [0], 0, 0
    for tok in _tokens(text):
        if tok.type == tokenize.NEWLINE or tok.string in (",", ";"):
            total -= levels[-1]
            levels[-1] = 0
        elif tok.string in ")]}" and len(levels) > 1:
            total -= levels.pop()
        elif tok.type == tokenize.OP or tok.string in _DEPTH_KEYWORDS:
            levels[-1] += 1
            total += 1
            if tok.string in "([{":
                levels.append(0)
        deepest = max(deepest, total)
    return deepest


# --- YAML ----------------------------------------------------------------------------------

# libyaml is ~6x faster and caps nesting itself; both only compose nodes, never build objects.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scan_yaml(ctx: _FileCtx) -> None:
    docs = list(yaml.compose_all(ctx.text, Loader=_YamlLoader))
    seen: set[int] = set()
    stack: list[yaml.Node] = [d for d in reversed(docs) if d is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # a composed alias is the same node object again
            raise _Refused("YAML aliases are not accepted (they can expand without bound)")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                _yaml_pair(ctx, key, value)
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))


def _yaml_pair(ctx: _FileCtx, key: yaml.Node, value: yaml.Node) -> None:
    if not isinstance(key, yaml.ScalarNode) or str(key.value).lower() not in CONFIG_KEYS:
        return
    items = value.value if isinstance(value, yaml.SequenceNode) else [value]
    for item in items:
        if isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:str":
            line = item.start_mark.line + 1
            if is_model_repo_id(item.value, allow_bare=False, bases=ctx.bases):
                ignore = _config_ignore(ctx.line_text(line))
                at = (line, item.start_mark.column + 1)
                ctx.add(item.value, at, f"key {key.value}", ignore)


# --- JSON and TOML -------------------------------------------------------------------------

_KEY_ALT = "|".join(sorted(CONFIG_KEYS, key=len, reverse=True))
# `key = "value"` / `"key": ["a", "b"]`: where each parsed pair sits in the text.
_PAIR_RE = re.compile(
    rf"""(?<![\w-])(?:"(?P<k1>{_KEY_ALT})"|'(?P<k2>{_KEY_ALT})'|(?P<k3>{_KEY_ALT}))\s*[:=]\s*
    (?:(?P<q>["'])(?P<v>[^"'\\\r\n]*)(?P=q)|\[(?P<items>[^\[\]{{}}]*)\])""",
    re.IGNORECASE | re.VERBOSE,
)
_ITEM_RE = re.compile(r"""(["'])([^"'\\\r\n]*)\1""")


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs, so duplicate keys are all seen."""


def _scan_json(ctx: _FileCtx) -> None:
    data = json.loads(ctx.text, object_pairs_hook=_Pairs)
    _emit_pairs(ctx, _config_pairs(data), comments=False)


def _scan_toml(ctx: _FileCtx) -> None:
    _emit_pairs(ctx, _config_pairs(_toml.loads(ctx.text)), comments=True)


def _config_pairs(data: Any) -> Iterator[tuple[str, str]]:
    """(key as written, string value) for the watched keys anywhere in parsed JSON/TOML."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            node = _Pairs(node.items())
        if isinstance(node, _Pairs):
            for key, value in node:
                if isinstance(key, str) and key.lower() in CONFIG_KEYS:
                    values = value if isinstance(value, list) else [value]
                    yield from ((key, v) for v in values if isinstance(v, str))
            stack.extend(reversed([v for _, v in node]))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def _pair_offsets(text: str) -> dict[tuple[str, str], list[int]]:
    """(lowercased key, value) -> offsets of the value's opening quote, in text order."""
    found: dict[tuple[str, str], list[int]] = {}
    for match in _PAIR_RE.finditer(text):
        key = (match.group("k1") or match.group("k2") or match.group("k3")).lower()
        if match.group("v") is not None:
            found.setdefault((key, match.group("v")), []).append(match.start("q"))
            continue
        start = match.start("items")
        for item in _ITEM_RE.finditer(match.group("items")):
            found.setdefault((key, item.group(2)), []).append(start + item.start())
    return found


def _emit_pairs(ctx: _FileCtx, pairs: Iterable[tuple[str, str]], *, comments: bool) -> None:
    """Locate each parsed pair in the text: the n-th (key, value) gets the n-th text match."""
    offsets: dict[tuple[str, str], list[int]] | None = None
    used: dict[tuple[str, str], int] = {}
    for key, value in pairs:
        if not is_model_repo_id(value, allow_bare=False, bases=ctx.bases):
            continue
        if offsets is None:
            offsets = _pair_offsets(ctx.text)
        slot = (key.lower(), value)
        nth = used[slot] = used.get(slot, -1) + 1
        known = offsets.get(slot, [])
        offset = known[nth] if nth < len(known) else _fallback_offset(ctx.text, value)
        at = ctx.position(offset)
        ignore = _config_ignore(ctx.line_text(at[0])) if comments else None
        ctx.add(value, at, f"key {key}", ignore)


def _fallback_offset(text: str, value: str) -> int:
    """Where a value the key pattern missed (escapes, triple quotes) first appears quoted."""
    for quoted in (f'"{value}"', f"'{value}'"):
        if (at := text.find(quoted)) >= 0:
            return at
    return max(text.find(value), 0)


# --- models.txt ----------------------------------------------------------------------------


def _scan_models_txt(ctx: _FileCtx) -> None:
    """One id per line, `org/name[@revision]`; bare legacy ids are allowed (the file says so)."""
    for number, raw in enumerate(ctx.lines, start=1):
        body, hash_sign, comment = raw.partition("#")
        entry = body.strip()
        if not entry:
            continue
        repo_id, at_sign, revision = entry.partition("@")
        bad_revision = bool(at_sign) and (not revision or any(c.isspace() for c in revision))
        if bad_revision or not is_model_repo_id(repo_id, allow_bare=True, bases=ctx.bases):
            ctx.problems.append(f"{ctx.file}:{number}: not a Hub model id: {entry[:100]!r}")
            continue
        ignore = _ignore_reason(comment) if hash_sign else None
        column = len(body) - len(body.lstrip()) + 1
        ctx.add(repo_id, (number, column), "models.txt", ignore, revision or None)


_SCANNERS: dict[str, Callable[[_FileCtx], None]] = {
    "python": _scan_python,
    "yaml": _scan_yaml,
    "json": _scan_json,
    "toml": _scan_toml,
    "models.txt": _scan_models_txt,
}
