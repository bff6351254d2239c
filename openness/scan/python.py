"""Model references in Python source, read with `ast` (never imported or run): calls such as
`from_pretrained`, `pipeline(model=)` and `hf_hub_download`, with string constants and
environment-variable defaults resolved through simple bindings."""

from __future__ import annotations

import ast
import functools
import io
import sys
import tokenize
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from openness.scan.context import FileContext, Refused, ignore_reason, is_model_repo_id


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
    def __init__(self, ctx: FileContext, tree: ast.Module) -> None:
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
        if tok.type == tokenize.COMMENT and (reason := ignore_reason(tok.string)) is not None:
            found[tok.start[0]] = reason
    return found


def scan_python(ctx: FileContext) -> None:
    if not any(word in ctx.text for word in _CALLS):
        return  # cannot hold a reference: skip parsing (a syntax error here is not our concern)
    if sys.version_info < (3, 11) and _nesting_estimate(ctx.text) > _MAX_PY310_NESTING:
        raise Refused("nested too deeply to parse safely on Python 3.10")
    with warnings.catch_warnings():  # invalid escapes etc. in scanned code are not our output
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(ctx.text, filename=ctx.file)
        except ValueError as exc:  # null bytes, before 3.11.4 or so
            raise Refused(f"not valid Python: {exc}") from None
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
