"""JSON Lines: one subject a line, written and flushed as each subject finishes.

A line is the Report JSON exactly as `--format json` writes it inside `reports` (described by
`openness schema audit`, `$defs/Report`), or, for a subject that could not be audited,
`{"subject": ..., "error": {"kind": ..., "message": ...}}`. Lines come in completion order;
an interrupted run keeps every line it wrote. Risky characters are escaped as in json.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from openness.formats.json import escape_risky

if TYPE_CHECKING:
    from openness.batch import Outcome
    from openness.report import Report, SubjectError


def report_line(report: Report) -> str:
    return escape_risky(report.model_dump_json())


def error_line(error: SubjectError) -> str:
    body = {"subject": error.subject, "error": {"kind": error.kind, "message": error.message}}
    return escape_risky(json.dumps(body, ensure_ascii=False, separators=(",", ":")))


class JsonlWriter:
    """Writes each outcome as one line and flushes it; stops writing once `close`d (a worker
    still running after Ctrl-C must not write into a file that was handed over). When the
    reader of a pipe leaves (`| head`), `broken` is set and `on_broken` is called once, so the
    batch can stop instead of auditing for nobody."""

    def __init__(self, stream: TextIO, on_broken: Callable[[], None] | None = None) -> None:
        self.stream = stream
        self.on_broken = on_broken
        self.written = 0
        self.broken = False
        self._closed = False
        self._lock = threading.Lock()

    def write(self, outcome: Outcome) -> None:
        if outcome.report is not None:
            line = report_line(outcome.report)
        elif outcome.error is not None:
            line = error_line(outcome.error)
        else:
            return
        with self._lock:
            if self._closed:
                return
            try:
                self.stream.write(line + "\n")
                self.stream.flush()
            except BrokenPipeError:
                self._closed = self.broken = True
                if self.on_broken is not None:
                    self.on_broken()
                return
            self.written += 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
