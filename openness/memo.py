"""Once per run: concurrent callers asking for the same key wait for one computation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """A thread-safe memo whose values are computed once, even when asked for concurrently.

    A computation that raises is remembered too: a base that cannot be read is not asked for
    again by every subject that names it. With `keep=False` only callers that overlap share a
    computation, which is forgotten once it ends (nothing is held for the rest of the run)."""

    def __init__(self, keep: bool = True) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[T]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if owner:
                future = self._futures[key] = Future()
        assert future is not None
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:
                future.set_exception(exc)
            finally:
                if not self._keep:
                    with self._lock:
                        del self._futures[key]
        return future.result()
