"""The Hugging Face Hub, through huggingface_hub's own HTTP layer.

One model-info request (only the fields we read), then README.md and the license files named
in the file list, fetched concurrently and pinned to the commit sha the info returned. File
bodies are streamed and cut at a cap; nothing but text files is ever requested.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import quote, unquote

from openness.errors import FetchError
from openness.report import Problem
from openness.snapshot import Snapshot
from openness.sources.base import RawFile, fill_snapshot, sibling_names
from openness.textio import MAX_TEXT_BYTES

_COMMON_FIELDS = (
    "sha",
    "gated",
    "private",
    "disabled",
    "cardData",
    "siblings",
    "tags",
    "lastModified",
)
INFO_FIELDS = {
    # config (architectures, model_type) and gguf (its architecture) for the BOMs' model card
    "model": (*_COMMON_FIELDS, "pipeline_tag", "library_name", "baseModels", "config", "gguf"),
    "dataset": _COMMON_FIELDS,
}
GATED_REMEDY = "accept the terms on the model page, then set HF_TOKEN (or pass --token)"
RETRY_STATUSES = (500, 502, 503, 504)
MAX_RETRY_AFTER = 30.0  # seconds we are willing to wait on a 429's Retry-After
MAX_429_RETRIES = 3
LIST_PAGE = 1000  # models a listing page brings (the Hub's largest page)
BASE_WAIT, MAX_WAIT = 0.5, 4.0  # backoff for 5xx and dropped connections: 0.5, 1, 2 s


class Resolved(NamedTuple):
    sha: str | None
    repo_id: str  # the id the Hub answered under: another than the one asked when renamed


def _answered_as(url: str, kind: str) -> str | None:
    """The repo id in a /resolve/ URL of this endpoint (where a rename redirect led), or None
    when the URL is not one (a CDN)."""
    from huggingface_hub import constants

    start = f"{constants.ENDPOINT.rstrip('/')}/{'' if kind == 'model' else kind + 's/'}"
    if not url.startswith(start) or "/resolve/" not in url:
        return None
    repo_id = unquote(url[len(start) :].split("/resolve/", 1)[0])
    return (
        repo_id if repo_id and repo_id.count("/") <= 1 and repo_id.strip("/") == repo_id else None
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def hub_offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) as huggingface_hub reads it."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def token_in_use(explicit: str | None) -> str | None:
    """The token requests will carry: --token, else HF_TOKEN or the stored login."""
    if explicit:
        return explicit
    from huggingface_hub import get_token

    return get_token()


def quiet_client_logs() -> None:
    """huggingface_hub logs each retry as a warning; our errors are one line of our own."""
    from huggingface_hub.utils import logging as hf_logging

    hf_logging.set_verbosity_error()


@dataclass
class HubSource:
    token: str | None = None
    timeout: float = 10.0
    max_retries: int = 3
    # Model info already received in a listing (expand=INFO_FIELDS), used instead of a request.
    _primed: dict[tuple[str, str], dict] = field(default_factory=dict, repr=False)
    # A 429's Retry-After pauses every worker, not only the one that saw it.
    _pause_until: float = field(default=0.0, repr=False)
    _pause_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def prime(self, kind: str, repo_id: str, info: dict) -> None:
        """Hand over info a listing brought (with every INFO_FIELDS key), saving a request."""
        self._primed[(kind, repo_id.lower())] = info

    def primed_sha(self, kind: str, repo_id: str) -> str | None:
        """The sha a listing said a repo's main branch is at, if one did."""
        sha = self._primed.get((kind, repo_id.lower()), {}).get("sha")
        return sha if isinstance(sha, str) else None

    def fetch(
        self,
        repo_id: str,
        revision: str | None = None,
        kind: str = "model",
        on_info: Callable[[dict], None] | None = None,
    ) -> Snapshot:
        """Model info and README.md in parallel (README at the revision asked for, kept when
        the server read it at the sha the info names), then the license files at that sha.
        `on_info` hears the info as soon as it arrives (to start on the bases it names)."""
        from huggingface_hub import constants

        primed = self._primed.pop((kind, repo_id.lower()), None) if revision is None else None
        early: RawFile | None = None
        if primed is not None:
            info = primed
            if on_info is not None:
                on_info(info)
        else:
            with ThreadPoolExecutor(max_workers=2) as pool:
                readme = pool.submit(self._file, repo_id, kind, revision or "main", "README.md")
                try:
                    info = self._info(repo_id, revision, kind)
                    if on_info is not None:
                        on_info(info)
                finally:
                    early = readme.result()
        sha = info.get("sha") if isinstance(info.get("sha"), str) else None
        prefix = "" if kind == "model" else f"{kind}s/"
        # A renamed repo answers under its new id: link that, not the name asked for.
        resolved = info.get("id") if isinstance(info.get("id"), str) else repo_id
        snapshot = Snapshot(
            repo_id=resolved,
            revision=sha,
            source="hub",
            kind=kind,  # type: ignore[arg-type]
            url=f"{constants.ENDPOINT}/{prefix}{resolved}",
            gated=_gated(info.get("gated")),
            private=info.get("private") if isinstance(info.get("private"), bool) else None,
            info=info,
            files=sibling_names(info),
        )
        if sha is None:
            snapshot.problems.append(
                Problem(kind="no_revision", message="the Hub returned no commit sha")
            )
        rev = sha or revision or "main"
        ready = {}
        if early is not None and "README.md" in snapshot.files and _same_commit(early, sha):
            ready["README.md"] = early
        return fill_snapshot(snapshot, lambda path: self._file(resolved, kind, rev, path), ready)

    def resolve_sha(self, repo_id: str, revision: str | None, kind: str = "model") -> str | None:
        return self.resolve(repo_id, revision, kind)[0]

    def resolve(self, repo_id: str, revision: str | None, kind: str = "model") -> Resolved:
        """The commit a revision points at now, and the id the Hub answers under (a renamed
        repo redirects), from one HEAD on a /resolve/ URL (the Hub's larger resolver budget;
        X-Repo-Commit comes even with a 404). The sha is None when the server does not say (a
        gated README); the caller then asks the API. A 429 pauses every worker for its
        Retry-After, as for the GETs (the client does not retry a HEAD)."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        url = hf_hub_url(
            repo_id,
            "README.md",
            revision=revision or "main",
            repo_type=None if kind == "model" else kind,
        )
        for attempt in range(MAX_429_RETRIES + 1):
            self._wait_turn()
            try:
                meta = get_hf_file_metadata(url, token=self.token, timeout=self.timeout)
                return Resolved(meta.commit_hash, _answered_as(meta.location, kind) or repo_id)
            except Exception as exc:
                response = getattr(exc, "response", None)
                commit = response.headers.get("X-Repo-Commit") if response is not None else None
                if commit:
                    answered = _answered_as(str(response.request.url), kind)
                    return Resolved(commit, answered or repo_id)
                if _status(exc) in (401, 403, 404):
                    info = self._info(repo_id, revision, kind, fields=("sha",))
                    return Resolved(_text(info.get("sha")), _text(info.get("id")) or repo_id)
                wait = _retry_after_429(exc)
                if wait is not None and wait <= MAX_RETRY_AFTER and attempt < MAX_429_RETRIES:
                    self._pause(wait)
                    continue
                raise _fetch_error(exc, repo_id, kind) from None
        raise AssertionError("unreachable")

    def _wait_turn(self) -> None:
        with self._pause_lock:
            wait = self._pause_until - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _pause(self, seconds: float) -> None:
        with self._pause_lock:
            self._pause_until = max(self._pause_until, time.monotonic() + seconds)

    def search_models(
        self, name: str | None, limit: int = 20, author: str | None = None
    ) -> list[tuple[str, int]]:
        """(repo id, downloads) of models (of `author`, if given) whose id contains `name`,
        most downloaded first: one request."""
        from huggingface_hub import HfApi

        api = HfApi(token=self.token)
        try:
            found = api.list_models(
                search=name, author=author, sort="downloads", limit=limit, expand=["downloads"]
            )
            return [(m.id, m.downloads or 0) for m in found]
        except Exception as exc:  # mapped to one plain line
            what = f"search {name!r}" if name else f"list the models of {author!r}"
            raise _fetch_error(exc, what, "model") from None

    def list_models(
        self,
        author: str | None = None,
        search: str | None = None,
        limit: int | None = None,
        extra: tuple[str, ...] = (),
    ) -> list[tuple[str, dict]]:
        """(repo id, model info) of the models of `author` whose id contains `search`, most
        downloaded first, at most `limit` (all when None). Each info carries the fields fetch
        reads (INFO_FIELDS["model"]), so `prime` can save the model-info request, and the
        `extra` fields asked for (the index's "downloads").

        The same request HfApi.list_models makes (sort=downloads, expand=..., paged by the
        Link header, LIST_PAGE models a page), read as the raw JSON fetch would get: the
        client's ModelInfo re-serialises cardData (model-index is rebuilt from parsed eval
        results, or dropped when malformed), and an audit must read the same card whether
        its info came from a listing or from a request. 429 waits are bounded as in _request.
        """
        from huggingface_hub import constants
        from huggingface_hub.utils import build_hf_headers, hf_raise_for_status

        what = " ".join(
            part
            for part in (
                f"of {author}" if author else "",
                f"matching {search!r}" if search else "",
            )
            if part
        )
        params: list[tuple[str, str]] | None = [("sort", "downloads"), ("direction", "-1")]
        if author:
            params.append(("author", author))
        if search:
            params.append(("search", search))
        params.append(("limit", str(min(limit, LIST_PAGE) if limit else LIST_PAGE)))
        params += [("expand", name) for name in (*INFO_FIELDS["model"], *extra)]
        url: str | None = f"{constants.ENDPOINT}/api/models"
        headers = build_hf_headers(token=self.token)
        found: list[tuple[str, dict]] = []
        while url is not None and (limit is None or len(found) < limit):
            try:
                response = self._request(url, params=params, headers=headers)
                hf_raise_for_status(response)
                page = response.json()
            except Exception as exc:  # mapped to one plain line
                raise _fetch_error(exc, f"listing {what}".strip(), "model") from None
            if not isinstance(page, list):
                raise FetchError(
                    "model listing: the Hub answered with something that is not a list",
                    kind="bad_response",
                )
            for item in page:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    found.append((item["id"], item))
            url = response.links.get("next", {}).get("url") if page else None
            params = None  # the next link carries the query
        return found[:limit] if limit else found

    # -- model info ---------------------------------------------------------------------------

    def _info(
        self, repo_id: str, revision: str | None, kind: str, fields: tuple[str, ...] | None = None
    ) -> dict:
        from huggingface_hub import constants
        from huggingface_hub.utils import build_hf_headers, hf_raise_for_status

        url = f"{constants.ENDPOINT}/api/{kind}s/{repo_id}"
        if revision:
            url += f"/revision/{quote(revision, safe='')}"
        params = [("expand", field) for field in fields or INFO_FIELDS[kind]]
        try:
            response = self._request(url, params=params, headers=build_hf_headers(token=self.token))
            hf_raise_for_status(response)
            data = response.json()
        except Exception as exc:  # mapped to one plain line below
            raise _fetch_error(exc, repo_id, kind) from None
        if not isinstance(data, dict):
            raise FetchError(
                f"{repo_id}: the Hub answered with something that is not model info",
                kind="bad_response",
            )
        return data

    def _request(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        """GET with the client's backoff for 5xx and transport errors; a bounded wait on 429.

        huggingface_hub does not retry model info at all, and its backoff would sleep for any
        Retry-After a server sends, so 429 is handled here with a cap.
        """
        from huggingface_hub.utils import http_backoff

        for attempt in range(MAX_429_RETRIES + 1):
            self._wait_turn()
            response = http_backoff(
                "GET",
                url,
                base_wait_time=BASE_WAIT,
                max_wait_time=MAX_WAIT,
                max_retries=self.max_retries,
                retry_on_status_codes=RETRY_STATUSES,
                timeout=self.timeout,
                **kwargs,
            )
            if response.status_code != 429 or attempt == MAX_429_RETRIES:
                return response
            wait = _retry_after(response.headers.get("Retry-After"))
            if wait is None or wait > MAX_RETRY_AFTER:
                return response
            self._pause(wait)
        return response

    # -- files ----------------------------------------------------------------------------------

    def _file(self, repo_id: str, kind: str, revision: str, path: str) -> RawFile:
        from huggingface_hub import hf_hub_url

        url = hf_hub_url(
            repo_id, path, revision=revision, repo_type=None if kind == "model" else kind
        )
        for attempt in range(MAX_429_RETRIES + 1):
            self._wait_turn()
            try:
                return self._get_file(url, path)
            except Exception as exc:
                wait = _retry_after_429(exc)
                if wait is not None and wait <= MAX_RETRY_AFTER and attempt < MAX_429_RETRIES:
                    self._pause(wait)
                    continue
                return RawFile(path=path, url=url, problem=_file_problem(exc, path, revision))
        raise AssertionError("unreachable")

    def _get_file(self, url: str, path: str) -> RawFile:
        from huggingface_hub.utils import build_hf_headers, hf_raise_for_status, http_stream_backoff

        with http_stream_backoff(
            "GET",
            url,
            headers=build_hf_headers(token=self.token),
            max_retries=self.max_retries,
            base_wait_time=BASE_WAIT,
            max_wait_time=MAX_WAIT,
            timeout=self.timeout,
            # not 429: the client would sleep for whatever Retry-After a server sends
            retry_on_status_codes=RETRY_STATUSES,
        ) as response:
            if response.status_code >= 400:
                response.read()
                hf_raise_for_status(response)
            data, truncated = _read_capped(response, time.monotonic() + 3 * self.timeout)
            commit = response.headers.get("X-Repo-Commit")
        return RawFile(path=path, data=data, truncated=truncated, url=url, commit=commit)


def _same_commit(raw: RawFile, sha: str | None) -> bool:
    """README read at a branch before the info came back: usable when read at that sha (or
    refused the same way whatever the sha: gated)."""
    if raw.problem is not None:
        return raw.problem.kind == "gated"
    return sha is not None and raw.commit == sha


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _retry_after_429(exc: Exception) -> float | None:
    if _status(exc) != 429:
        return None
    response = getattr(exc, "response", None)
    return _retry_after(response.headers.get("Retry-After") if response is not None else None)


def _read_capped(response, deadline: float) -> tuple[bytes, bool]:  # type: ignore[no-untyped-def]
    """The body up to MAX_TEXT_BYTES; a body that trickles past the deadline is an error."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_TEXT_BYTES:
            return b"".join(chunks)[:MAX_TEXT_BYTES], True
        if time.monotonic() > deadline:
            raise TimeoutError("the body took too long to arrive")
    expected = response.headers.get("Content-Length")
    encoded = "Content-Encoding" in response.headers
    if expected and expected.isdigit() and int(expected) != size and not encoded:
        raise OSError(f"truncated body: got {size} of {expected} bytes")
    return b"".join(chunks), False


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _gated(value: object) -> str | bool | None:
    if value in ("auto", "manual"):
        return value  # type: ignore[return-value]
    if isinstance(value, bool):
        return value
    return None


def _fetch_error(exc: Exception, repo_id: str, kind: str) -> FetchError:
    """Map the client's exceptions to one line a person can act on."""
    reason, error_kind = _failure(exc)
    return FetchError(f"{kind} {repo_id}: {reason}", kind=error_kind, reason=reason)


def _failure(exc: Exception) -> tuple[str, str]:
    from huggingface_hub import errors

    if isinstance(exc, errors.OfflineModeIsEnabled):
        return "HF_HUB_OFFLINE is set; use --mirror DIR or unset it", "offline"
    if isinstance(exc, errors.RevisionNotFoundError):
        return "revision not found", "revision_not_found"
    if isinstance(exc, errors.GatedRepoError):
        return f"gated; {GATED_REMEDY}", "gated"
    if isinstance(exc, errors.DisabledRepoError):
        return "disabled on the Hub", "disabled"
    if isinstance(exc, errors.RepositoryNotFoundError):
        return "not found (or private: set HF_TOKEN if you have access)", "not_found"
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status == 429:
            return "rate limited by the Hub; try again later", "rate_limited"
        return f"the Hub answered HTTP {status}", "hub_error"
    if isinstance(exc, ValueError):
        return "the Hub's answer could not be parsed", "bad_response"
    return f"network error ({type(exc).__name__}); check your connection", "network"


def _file_problem(exc: Exception, path: str, revision: str) -> Problem:
    from huggingface_hub import errors

    if isinstance(exc, errors.GatedRepoError):
        return Problem(
            kind="gated",
            file=path,
            remedy=GATED_REMEDY,
            message=f"{path}: gated; not readable without access",
        )
    if isinstance(exc, errors.EntryNotFoundError):
        return Problem(
            kind="missing_file",
            file=path,
            message=f"{path}: listed in the repo but not found at {revision}",
        )
    if isinstance(exc, errors.OfflineModeIsEnabled):
        return Problem(kind="offline", file=path, message=f"{path}: not read (HF_HUB_OFFLINE)")
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        return Problem(kind="fetch_failed", file=path, message=f"{path}: HTTP {status}")
    return Problem(
        kind="fetch_failed",
        file=path,
        message=f"{path}: could not be read completely ({type(exc).__name__})",
    )
