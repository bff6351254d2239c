"""`--verbose`: one line on stderr per HTTP request: method, URL, status, milliseconds.

Every request to the Hub goes through huggingface_hub's shared httpx client (model info, file
bodies, search), so two event hooks on that client see them all; GitHub requests (`--deep`)
go through a requests session, which calls `requests_hook`. Credentials never reach the log:
tokens travel in headers, which are not logged, and a URL loses its userinfo and the value of
any query parameter that looks like a secret (signed CDN redirects carry several).
"""

from __future__ import annotations

import re
import sys
import threading
import time
import weakref
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_enabled = False
_lock = threading.Lock()
_started: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

# Words that make a query parameter secret, matched against the whole words of its name
# (`X-Amz-Signature`, `access_token`, `apiKey`), never inside one: `author=` is a listing's.
SECRET_WORDS = frozenset(
    {"token", "key", "apikey", "secret", "password", "passwd", "pwd", "passcode", "passphrase",
     "auth", "authorization", "sig", "signature", "credential", "credentials", "policy",
     "session", "code"}
)  # fmt: skip
_NAME_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
TOKEN_LIKE = re.compile(r"\b(?:hf|api|ghp|gho|ghs|ghu|github_pat)_[A-Za-z0-9_]{8,}")
REDACTED = "REDACTED"


def enabled() -> bool:
    return _enabled


def enable() -> None:
    """Log every request from now on (idempotent)."""
    global _enabled
    if _enabled:
        return
    _enabled = True
    try:
        from huggingface_hub.utils import get_session
    except ImportError:  # pragma: no cover - an older client without a shared session
        return
    hooks = get_session().event_hooks
    hooks["request"].append(_on_request)
    hooks["response"].append(_on_response)


def redact(url: str) -> str:
    """The URL without userinfo, secret-looking query values or anything shaped like a token."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        query = [
            (name, REDACTED if secret_param(name) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ]
        clean = urlunsplit(
            (parts.scheme, host, parts.path, urlencode(query, quote_via=quote, safe="/:,"), "")
        )
    except ValueError:
        clean = str(url).split("?", 1)[0]
    return TOKEN_LIKE.sub(REDACTED, clean)


def secret_param(name: str) -> bool:
    """A query parameter whose value must not be logged: one of its words is a secret's."""
    return any(word.lower() in SECRET_WORDS for word in _NAME_WORD.findall(name))


def log(method: str, url: str, status: int | str, elapsed_ms: float) -> None:
    from openness.sanitize import one_line

    line = one_line(f"{method} {redact(url)} -> {status} ({elapsed_ms:.0f} ms)", 2000)
    with _lock:
        sys.stderr.write(f"openness: {line}\n")
        sys.stderr.flush()


def _on_request(request: Any) -> None:
    _started[request] = time.monotonic()


def _on_response(response: Any) -> None:
    request = response.request
    started = _started.pop(request, None)
    elapsed = (time.monotonic() - started) * 1000 if started is not None else 0.0
    log(request.method, str(request.url), response.status_code, elapsed)


def requests_hook(response: Any, *args: Any, **kwargs: Any) -> Any:
    """A `requests` response hook (session.hooks["response"]); logs only when enabled."""
    if _enabled:
        request = response.request
        elapsed = response.elapsed.total_seconds() * 1000
        log(request.method or "GET", request.url or response.url, response.status_code, elapsed)
    return response
