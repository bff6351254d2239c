"""A loopback stand-in for the Hugging Face Hub, for offline tests with the real client.

Serves the mirror layout of docs/DESIGN-notes.md (``<root>/models/<org>/<name>/info.json``
plus files, ``<root>/datasets/...``) the way the Hub answers ``huggingface_hub`` 2.4: same
routes, status codes, ``X-Error-Code``/``X-Error-Message`` headers and ``X-Repo-Commit``/
``ETag`` download metadata (see /work/shared/notes/hub_api.md).  Standard library only.

    with FakeHub(Path("fixtures/hub")) as hub:
        env = hub.client_env(tmp_path, token=GRANTED_TOKEN)  # for a subprocess using the client
        hub.faults.append(Fault(method="GET", path=r"^/api/models/", status=429, times=2))

    with FakeHub(root, latency=0.1) as slow:  # every answer 100 ms late, as over a network
        ...  # run the client
        rounds = critical_path(slow.requests)  # round trips one after another

Private info.json keys, never served: ``_fakehub`` (``public_files``: files of a gated repo
readable by anyone, default ``["README.md"]``; ``moved_to``: the id the repo was renamed to)
and the corpus' ``_redirect_to``/``_requested_id`` (same meaning as ``moved_to``). Older
commits of a repo live in ``revisions/<sha>/`` beside its files (their own info.json and files).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

GRANTED_TOKEN = "hf_test_token_granted"
DISABLED_MESSAGE = "Access to this resource is disabled."
NOT_FOUND_PAGE = "Sorry, we can't find the page you are looking for."

# Keys the Hub accepts in `expand` (mirrors the client's Expand*Property_T literals).
_COMMON_KEYS = {
    "author", "cardData", "createdAt", "disabled", "downloads", "downloadsAllTime", "gated",
    "lastModified", "likes", "private", "resourceGroup", "sha", "siblings", "tags",
    "trendingScore", "usedStorage",
}  # fmt: skip
EXPAND_KEYS: dict[str, set[str]] = {
    "model": _COMMON_KEYS | {
        "baseModels", "childrenModelCount", "config", "evalResults", "gguf", "inference",
        "inferenceProviderMapping", "library_name", "mask_token", "model-index", "pipeline_tag",
        "safetensors", "spaces", "transformersInfo", "widgetData",
    },
    "dataset": _COMMON_KEYS | {"citation", "description", "mainSize", "paperswithcode_id"},
    "space": (_COMMON_KEYS - {"downloads", "downloadsAllTime", "gated"}) | {
        "datasets", "models", "region", "runtime", "sdk", "subdomain",
    },
}  # fmt: skip
_KINDS = {"models": "model", "datasets": "dataset", "spaces": "space"}
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_API = re.compile(
    r"^/api/(?P<kind>models|datasets|spaces)/(?P<repo>[^/]+(?:/[^/]+)?)"
    r"(?:/(?P<op>revision|tree|auth-check)(?:/(?P<rest>.*))?)?$"
)
_RESOLVE = re.compile(
    r"^/(?:(?P<kind>datasets|spaces)/)?(?P<repo>[^/]+(?:/[^/]+)?)"
    r"/resolve/(?P<rev>[^/]+)/(?P<file>.+)$"
)
_LIST = re.compile(r"^/api/(?P<kind>models|datasets)/?$")
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass
class RequestRecord:
    """One request as received: raw (still %-encoded) path, parsed query, lower-cased headers.

    ``arrived`` and ``answered`` are ``time.perf_counter()`` readings: when the request line
    was read, and when the last byte of the answer was written (or the connection dropped),
    so that an answer's injected latency falls between them.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int | None = None  # what the fake answered (None: connection dropped)
    arrived: float = 0.0
    answered: float | None = None  # None: not answered yet


@dataclass
class Fault:
    """An injected failure, used before normal routing.

    Matches ``method`` (None = any) and ``path`` (regex searched in the raw path, no query).
    Then either ``drop`` the connection, or send the real answer cut after ``truncate`` body
    bytes (full Content-Length announced), or answer ``status`` with ``headers``/``body``.
    """

    path: str = ""
    method: str | None = None
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | str | dict[str, Any] | None = None
    drop: bool = False
    truncate: int | None = None
    times: int = 1
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0
            and (self.method is None or self.method.upper() == method)
            and re.search(self.path, path) is not None
        )


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Repo:
    kind: str  # "model" | "dataset" | "space"
    id: str  # the id the Hub serves it under
    info: dict[str, Any]
    dir: Path
    moved_to: str | None  # set when the requested id has been renamed

    @property
    def sha(self) -> str:
        return str(self.info.get("sha") or _sha1(f"fakehub:{self.kind}:{self.id}".encode()))

    @property
    def gated(self) -> bool:
        return bool(self.info.get("gated"))

    @property
    def fakehub_cfg(self) -> dict[str, Any]:
        return dict(self.info.get("_fakehub") or {})

    def files(self) -> list[str]:
        """The repo's file list: `siblings` is authoritative (weights need not be on disk)."""
        if "siblings" in self.info:
            names = [s["rfilename"] for s in self.info["siblings"]]
            return [n for n in names if not n.endswith("/")]
        skip = {"info.json", "provenance.json"}
        return sorted(
            p.relative_to(self.dir).as_posix()
            for p in self.dir.rglob("*")
            if p.is_file() and p.name not in skip
        )

    def disk_file(self, name: str) -> Path | None:
        if name not in self.files() or ".." in name.split("/"):
            return None
        path = self.dir / name
        return path if path.is_file() else None


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def git_blob_sha(content: bytes) -> str:
    """The git blob id, which the Hub sends as ETag for non-LFS files."""
    return _sha1(b"blob %d\0" % len(content) + content)


def _json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(payload).encode()
    hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return Reply(status, hdrs, body)


def _error(status: int, message: str, code: str | None = None, **headers: str) -> Reply:
    hdrs = {"X-Error-Message": message, **headers}
    if code:
        hdrs["X-Error-Code"] = code
    return _json_reply(status, {"error": message}, hdrs)


def _redirect(location: str) -> Reply:
    body = f"Temporary Redirect. Redirecting to {location}".encode()
    return Reply(307, {"Location": location, "Content-Type": "text/plain; charset=utf-8"}, body)


def _gated_message(repo: Repo, authenticated: bool) -> str:
    web = repo.id if repo.kind == "model" else f"{repo.kind}s/{repo.id}"
    if authenticated:
        return (
            f"Access to {repo.kind} {repo.id} is restricted and you are not in the authorized "
            f"list. Visit https://huggingface.co/{web} to ask for access."
        )
    return (
        f"Access to {repo.kind} {repo.id} is restricted. You must have access to it and be "
        "authenticated to access it. Please log in."
    )


def _valid_id(repo_id: str) -> bool:
    return all(_SEGMENT.match(seg) and seg != ".." for seg in repo_id.split("/"))


def _public_info(info: dict[str, Any]) -> dict[str, Any]:
    """Drop the fixture-only keys; the Hub always sends `_id`."""
    out = {k: v for k, v in info.items() if not k.startswith("_")}
    object_id = info.get("_id") or _sha1(f"fakehub:{info.get('id')}".encode())[:24]
    return {"_id": object_id, **out}


@dataclass
class Call:
    """A parsed incoming request, with the helpers the routes need."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def has_auth(self) -> bool:
        return "authorization" in self.headers

    @property
    def token(self) -> str | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None

    def flag(self, name: str) -> bool:
        return self.query.get(name, ["false"])[-1].lower() in {"1", "true"}

    def expand(self) -> list[str] | None:
        keys = self.query.get("expand", []) + self.query.get("expand[]", [])
        return keys or None


class FakeHub:
    """The Hub on 127.0.0.1, reading repos from several mirror roots searched in order."""

    def __init__(
        self,
        *roots: Path,
        token: str | None = GRANTED_TOKEN,
        page_size: int = 1000,
        latency: float = 0.0,
    ) -> None:
        self.roots = [Path(r) for r in roots]
        self.token = token
        self.page_size = page_size
        # Seconds each answer waits before it is sent (a network's round trip). Each request
        # sleeps in its own thread, so concurrent requests overlap as they would on the wire.
        self.latency = latency
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.url = ""
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeHub:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.hub = self  # type: ignore[attr-defined]
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers for tests -----------------------------------------------------------------
    def client_env(self, hf_home: Path, token: str | None = None) -> dict[str, str]:
        """Environment for a child process using the real client against this fake.

        The client reads these at import, hence a fresh process (or a reload) per test.
        Inherited HF_* and proxy variables are dropped so a developer's setup can't leak in.
        """
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("HF_", "HUGGINGFACE_")) and "proxy" not in k.lower()
        }
        env.update(
            HF_ENDPOINT=self.url,
            HF_HOME=str(hf_home),
            HF_HUB_DISABLE_TELEMETRY="1",
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            HF_HUB_DISABLE_UPDATE_CHECK="1",
            HF_HUB_DISABLE_XET="1",
            NO_PROXY="127.0.0.1,localhost",
        )
        if token is not None:
            env["HF_TOKEN"] = token
        return env

    def calls(self, method: str | None = None, path: str = "") -> list[RequestRecord]:
        """Requests received so far, filtered by method and path regex."""
        with self._lock:
            recorded = list(self.requests)
        return [
            r
            for r in recorded
            if (method is None or r.method == method.upper()) and re.search(path, r.path)
        ]

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    fault.hits += 1
                    return fault
        return None

    # -- repositories ----------------------------------------------------------------------
    def find_repo(self, kind: str, repo_id: str) -> Repo | None:
        """Look up a repo by its folder, then by the `id` a renamed repo's info.json declares."""
        if not _valid_id(repo_id):
            return None
        for root in self.roots:
            folder = root / f"{kind}s" / repo_id
            if (folder / "info.json").is_file():
                return self._load(kind, repo_id, folder)
        for folder in self._all_repo_dirs(kind):
            info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
            if info.get("id") == repo_id:
                return Repo(kind, repo_id, info, folder, None)
        return None

    def _load(self, kind: str, repo_id: str, folder: Path) -> Repo:
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        moved = (info.get("_fakehub") or {}).get("moved_to") or info.get("_redirect_to")
        info.setdefault("id", repo_id)
        return Repo(kind, repo_id, info, folder, moved if moved and moved != repo_id else None)

    def _all_repo_dirs(self, kind: str) -> Iterator[Path]:
        for root in self.roots:
            base = root / f"{kind}s"
            for pattern in ("*/info.json", "*/*/info.json"):
                yield from (p.parent for p in sorted(base.glob(pattern)))

    def is_granted(self, call: Call) -> bool:
        return self.token is not None and call.token == self.token


class _Server(ThreadingHTTPServer):
    # A burst of concurrent connections (a batch audit) must not overflow the listen queue:
    # a dropped SYN is retried a second later, which would show up as a stall.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the Hub (httpx pools connections)
    server_version = "fakehub"
    timeout = 60

    @property
    def hub(self) -> FakeHub:
        return self.server.hub  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean; `hub.requests` is the log

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        arrived = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # keep the connection in sync
        split = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        query = parse_qs(split.query, keep_blank_values=True)
        record = RequestRecord(self.command, split.path, query, headers, arrived=arrived)
        self.hub._record(record)
        if self.hub.latency > 0:
            time.sleep(self.hub.latency)
        call = Call(self.command, split.path, query, headers)
        fault = self.hub._take_fault(self.command, split.path)
        if fault is not None and fault.drop:
            self.close_connection = True  # the socket closes without a byte of answer
            record.answered = time.perf_counter()
            return
        if fault is not None and fault.truncate is None:
            reply = _fault_reply(fault)
        else:
            reply = self._route(call)
        record.status = reply.status
        self._send(reply, truncate=fault.truncate if fault else None)
        record.answered = time.perf_counter()

    def _route(self, call: Call) -> Reply:
        try:
            return _Router(self.hub, call).route()
        except Exception as exc:  # a bug here should fail the test loudly, not hang it
            return _error(500, f"fakehub internal error: {exc!r}")

    def _send(self, reply: Reply, truncate: int | None) -> None:
        self.send_response(reply.status)
        headers = {"X-Request-Id": uuid.uuid4().hex, "Content-Length": str(len(reply.body))}
        for name, value in {**headers, **reply.headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        if truncate is not None:
            self.wfile.write(reply.body[:truncate])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(reply.body)
        self.wfile.flush()


def critical_path(records: Iterable[RequestRecord]) -> int:
    """Round trips on the critical path: the longest chain of answered requests in which each
    one arrived after the one before it was answered (a request that overlaps another is
    concurrent with it, not after it). Requests never answered are left out."""
    done = sorted(
        (r for r in records if r.answered is not None), key=lambda r: (r.arrived, r.answered)
    )
    by_answer = sorted(range(len(done)), key=lambda i: done[i].answered or 0.0)
    depth = [0] * len(done)
    best_before, next_answer = 0, 0
    for i, record in enumerate(done):
        # Every request answered by the time this one arrived has already been given its
        # depth: it arrived before it was answered, hence before this one.
        while next_answer < len(by_answer):
            j = by_answer[next_answer]
            if (done[j].answered or 0.0) > record.arrived:
                break
            best_before = max(best_before, depth[j])
            next_answer += 1
        depth[i] = best_before + 1
    return max(depth, default=0)


def _fault_reply(fault: Fault) -> Reply:
    body = fault.body
    if body is None:
        body = {"error": HTTPStatus(fault.status).phrase}
    if isinstance(body, dict):
        return _json_reply(fault.status, body, fault.headers)
    data = body.encode() if isinstance(body, str) else body
    return Reply(fault.status, {"Content-Type": "text/plain; charset=utf-8", **fault.headers}, data)


class _Router:
    """Maps one request to a Reply, following the Hub's checks in order."""

    def __init__(self, hub: FakeHub, call: Call) -> None:
        self.hub = hub
        self.call = call

    def route(self) -> Reply:
        if self.call.method not in {"GET", "HEAD"}:
            return _error(404, NOT_FOUND_PAGE)
        listing = _LIST.match(self.call.path)
        if listing:
            return self._list(_KINDS[listing["kind"]])
        api = _API.match(self.call.path)
        if api:
            return self._api(api)
        resolve = _RESOLVE.match(self.call.path)
        if resolve:
            return self._resolve(resolve)
        return _error(404, NOT_FOUND_PAGE)

    # -- shared checks ---------------------------------------------------------------------
    def _repo(self, m: re.Match[str], kind: str) -> Repo | Reply:
        """The visible repo, or the Hub's answer when it is unknown/private/disabled/moved."""
        repo_id = unquote(m["repo"])
        repo = self.hub.find_repo(kind, repo_id)
        if repo is None or (repo.info.get("private") and not self.hub.is_granted(self.call)):
            # Anonymous callers get 401, authenticated ones 404: the Hub won't confirm a
            # private repo exists.  The header is mandatory: the client's bare-401 fallback
            # only applies to https URLs.
            status = 404 if self.call.has_auth else 401
            return _error(status, "Repository not found", "RepoNotFound")
        if repo.moved_to:
            return self._moved(m, repo.moved_to)
        if repo.info.get("disabled"):
            return _error(403, DISABLED_MESSAGE)
        return repo

    def _moved(self, m: re.Match[str], new_id: str) -> Reply:
        """Renamed repo: 307 to the same URL with the new id, query string kept."""
        start, end = m.span("repo")
        location = self.call.path[:start] + quote(new_id) + self.call.path[end:]
        query = urlencode(self.call.query, doseq=True)
        return _redirect(f"{location}?{query}" if query else location)

    def _at(self, repo: Repo, rev: str) -> Repo:
        """The repo as it was at an older commit kept in `revisions/<sha>/`, else itself."""
        folder = repo.dir / "revisions" / rev
        if rev in {"main", repo.sha} or not (folder / "info.json").is_file():
            return repo
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        info.setdefault("id", repo.id)
        return Repo(repo.kind, repo.id, info, folder, None)

    def _check_rev(self, repo: Repo, rev: str) -> Reply | None:
        if rev in {"main", repo.sha}:
            return None
        return _error(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    # -- /api ------------------------------------------------------------------------------
    def _api(self, m: re.Match[str]) -> Reply:
        kind = _KINDS[m["kind"]]
        repo = self._repo(m, kind)
        if isinstance(repo, Reply):
            return repo
        op, rest = m["op"], m["rest"]
        if op is None:
            return self._info(repo)
        if op == "revision" and rest:
            older = self._at(repo, unquote(rest))
            return self._check_rev(older, unquote(rest)) or self._info(older)
        if op == "tree" and rest:
            rev, _, path = rest.partition("/")
            return self._check_rev(repo, unquote(rev)) or self._tree(repo, unquote(path))
        if op == "auth-check" and not rest:
            return self._auth_check(repo)
        return _error(404, NOT_FOUND_PAGE)

    def _list(self, kind: str) -> Reply:
        """`GET /api/models?search=&author=&sort=&direction=&limit=&expand=`, paged by cursor."""
        q = self.call.query
        search = q.get("search", [""])[-1].lower()
        author = q.get("author", [""])[-1]
        repos = []
        for folder in self.hub._all_repo_dirs(kind):
            info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
            top = folder.parent.name == f"{kind}s"
            repo_id = info.get("id") or (
                folder.name if top else f"{folder.parent.name}/{folder.name}"
            )
            if info.get("_fakehub", {}).get("moved_to") or info.get("_redirect_to"):
                continue  # a rename pointer is not a repo of its own
            if info.get("private") and not self.hub.is_granted(self.call):
                continue
            if search and search not in repo_id.lower():
                continue
            if author and not repo_id.startswith(f"{author}/"):
                continue
            repos.append({**_public_info({**info, "id": repo_id})})
        key = q.get("sort", [""])[-1]
        if key:
            descending = q.get("direction", ["-1"])[-1] != "1"
            repos.sort(key=lambda r: (r.get(key) is not None, r.get(key) or 0), reverse=descending)
        expand = self.call.expand()
        if expand:
            unknown = [k for k in expand if k not in EXPAND_KEYS[kind]]
            if unknown:
                return _error(400, f'"expand" contains unknown properties: {", ".join(unknown)}')
            repos = [{k: v for k, v in r.items() if k in {"_id", "id", *expand}} for r in repos]
        else:
            repos = [{k: v for k, v in r.items() if k != "siblings"} for r in repos]
        limit = q.get("limit", [str(self.hub.page_size)])[-1]
        size = min(int(limit) if limit.isdigit() else self.hub.page_size, self.hub.page_size)
        cursor = q.get("cursor", ["0"])[-1]
        start = int(cursor) if cursor.isdigit() else 0
        headers: dict[str, str] = {}
        if start + size < len(repos):
            query = {**q, "cursor": [str(start + size)]}
            headers["Link"] = (
                f'<{self.hub.url}{self.call.path}?{urlencode(query, doseq=True)}>; rel="next"'
            )
        return _json_reply(200, repos[start : start + size], headers)

    def _info(self, repo: Repo) -> Reply:
        info = _public_info(repo.info)
        if "siblings" in info:
            info["siblings"] = self._siblings(repo)
        expand = self.call.expand()
        if expand is None:
            return _json_reply(200, info)
        unknown = [k for k in expand if k not in EXPAND_KEYS[repo.kind]]
        if unknown:
            return _error(400, f'"expand" contains unknown properties: {", ".join(unknown)}')
        keep = {"_id", "id", *expand}
        return _json_reply(200, {k: v for k, v in info.items() if k in keep})

    def _siblings(self, repo: Repo) -> list[dict[str, Any]]:
        """Plain `rfilename`s; with ``blobs=True`` also size/blobId/lfs (disk wins if present)."""
        out: list[dict[str, Any]] = []
        blobs = self.call.flag("blobs")
        for sibling in repo.info["siblings"]:
            entry: dict[str, Any] = {"rfilename": sibling["rfilename"]}
            if blobs:
                entry.update({k: v for k, v in sibling.items() if k in {"size", "blobId", "lfs"}})
                path = repo.disk_file(sibling["rfilename"])
                if path is not None:
                    content = path.read_bytes()
                    entry.update(size=len(content), blobId=git_blob_sha(content))
            out.append(entry)
        return out

    def _auth_check(self, repo: Repo) -> Reply:
        denied = self._gate(repo)
        return denied or _json_reply(200, {})

    # -- tree ------------------------------------------------------------------------------
    def _tree(self, repo: Repo, path: str) -> Reply:
        path = path.strip("/")
        entries = _tree_entries(repo, path, self.call.flag("recursive"))
        if entries is None:
            return _error(404, f"Entry not found: {path}", "EntryNotFound",
                          **{"X-Repo-Commit": repo.sha})  # fmt: skip
        cursor = self.call.query.get("cursor", ["0"])[-1]
        if not cursor.isdigit():
            return _error(400, f"Invalid cursor: {cursor}")
        start = int(cursor)
        page = entries[start : start + self.hub.page_size]
        headers: dict[str, str] = {}
        if start + self.hub.page_size < len(entries):
            query = {**self.call.query, "cursor": [str(start + self.hub.page_size)]}
            next_url = f"{self.hub.url}{self.call.path}?{urlencode(query, doseq=True)}"
            headers["Link"] = f'<{next_url}>; rel="next"'
        return _json_reply(200, page, headers)

    # -- /resolve --------------------------------------------------------------------------
    def _resolve(self, m: re.Match[str]) -> Reply:
        kind = _KINDS[m["kind"] or "models"]
        repo = self._repo(m, kind)
        if isinstance(repo, Reply):
            return repo
        repo = self._at(repo, unquote(m["rev"]))
        commit = {"X-Repo-Commit": repo.sha}
        denied = self._check_rev(repo, unquote(m["rev"]))
        filename = unquote(m["file"])
        if denied is None and filename not in self._public_files(repo):
            denied = self._gate(repo)
        if denied is not None:
            return denied
        path = repo.disk_file(filename)
        if path is None:
            return _error(404, "Entry not found", "EntryNotFound", **commit)
        return self._file_reply(path.read_bytes(), filename, commit)

    def _public_files(self, repo: Repo) -> list[str]:
        if not repo.gated:
            return repo.files()
        return list(repo.fakehub_cfg.get("public_files", ["README.md"]))

    def _gate(self, repo: Repo) -> Reply | None:
        """Gated file access: 401 anonymous, 403 token without access, None when granted."""
        if not repo.gated or self.hub.is_granted(self.call):
            return None
        status = 403 if self.call.has_auth else 401
        return _error(status, _gated_message(repo, self.call.has_auth), "GatedRepo")

    def _file_reply(self, content: bytes, filename: str, extra: dict[str, str]) -> Reply:
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if ctype.startswith("text/") or filename.endswith((".md", ".txt")) or "." not in filename:
            ctype = "text/plain; charset=utf-8"
        headers = {
            **extra,
            "ETag": f'"{git_blob_sha(content)}"',
            "Content-Type": ctype,
            "Accept-Ranges": "bytes",
        }
        wanted = _RANGE.match(self.call.headers.get("range", ""))
        if not wanted:
            return Reply(200, headers, content)
        first = int(wanted[1])
        last = min(int(wanted[2]) if wanted[2] else len(content) - 1, len(content) - 1)
        if first >= len(content) or first > last:
            return Reply(416, {**headers, "Content-Range": f"bytes */{len(content)}"})
        headers["Content-Range"] = f"bytes {first}-{last}/{len(content)}"
        return Reply(206, headers, content[first : last + 1])


def _tree_entries(repo: Repo, path: str, recursive: bool) -> list[dict[str, Any]] | None:
    """Git-tree-like listing under `path`; None when `path` is not a directory of the repo."""
    sizes = {s["rfilename"]: s for s in repo.info.get("siblings", [])}
    files = repo.files()
    # Corpus siblings may name a folder ("data/dclm/") instead of its files.
    folders = [n.rstrip("/") for n in sizes if n.endswith("/")]
    dirs = {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)}
    dirs |= {"/".join(p.split("/")[:i]) for p in folders for i in range(1, p.count("/") + 2)}
    if path and path not in dirs:
        return None
    prefix = f"{path}/" if path else ""

    def wanted(name: str) -> bool:
        return name.startswith(prefix) and (recursive or "/" not in name[len(prefix) :])

    out: list[dict[str, Any]] = [
        {"type": "directory", "oid": _sha1(f"tree:{d}".encode()), "size": 0, "path": d}
        for d in sorted(dirs)
        if wanted(d)
    ]
    for name in sorted(f for f in files if wanted(f)):
        out.append(_file_entry(repo, name, sizes.get(name, {})))
    return out


def _file_entry(repo: Repo, name: str, sibling: dict[str, Any]) -> dict[str, Any]:
    path = repo.disk_file(name)
    if path is not None:
        content = path.read_bytes()
        return {"type": "file", "oid": git_blob_sha(content), "size": len(content), "path": name}
    entry: dict[str, Any] = {
        "type": "file",
        "oid": sibling.get("blobId") or _sha1(f"blob:{repo.id}:{name}".encode()),
        "size": sibling.get("size") or 0,
        "path": name,
    }
    lfs = sibling.get("lfs")
    if lfs:
        entry["lfs"] = {"oid": lfs.get("sha256"), "size": lfs.get("size"),
                        "pointerSize": lfs.get("pointerSize")}  # fmt: skip
    return entry
