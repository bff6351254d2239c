"""A progress bar on stderr for batches: done/total, rate, ETA and a subject in progress (the
one running longest). Shown only when stderr is a terminal (never in a pipe or a CI log) and
not with --quiet. On a narrow terminal the subject is cut first: the counts and the ETA stay
whole.

rich's Progress redirects stdout and stderr by default, capturing whatever is written to them
while the bar is live: `--format jsonl` would lose its lines. Both redirects are off here, and
lines for stderr go through `say`, which prints them above the bar.
"""

from __future__ import annotations

import os
import sys
import threading
from types import TracebackType
from typing import Any

from openness.sanitize import one_line


def wanted(quiet: bool) -> bool:
    """Someone watches stderr, and did not ask for quiet."""
    try:
        interactive = sys.stderr.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return interactive and not quiet


def pace(done: float, total: float | None, elapsed: float | None) -> tuple[str, str]:
    """Rate and ETA over the whole run so far. rich's own estimate divides the last few
    completions by the time between them: two audits ending together read as hundreds a
    second, and the ETA as none."""
    if not done or not elapsed or elapsed <= 0:
        return "", "-:--:--"
    rate = done / elapsed
    left = max(0.0, (total or done) - done) / rate
    minutes, seconds = divmod(round(left), 60)
    return f"{rate:.1f}/s", f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


BAR_WIDTH = 20  # what is left of the line goes to the subject


class Bar:
    """`with Bar(total, enabled) as bar: ... bar.start(subject) ... bar.advance(subject)`.
    Shown for more than one subject; when the total is known only later, `set_total` shows it
    then. A no-op when not `enabled`. It draws on stderr, or on `console` (a rich Console, for
    tests)."""

    def __init__(
        self,
        total: int | None,
        enabled: bool,
        label: str = "auditing",
        console: Any = None,
    ) -> None:
        self.total = total
        self.enabled = enabled
        self.label = label
        self.console = console
        self._progress: Any = None
        self._task: Any = None
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}  # subjects in progress (how many of each), in order

    @property
    def shown(self) -> bool:
        return self._progress is not None

    def __enter__(self) -> Bar:
        if self.total is not None:
            self.set_total(self.total)
        return self

    def set_total(self, total: int) -> None:
        self.total = total
        if not self.enabled or total < 2 or self._progress is not None:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
        )
        from rich.table import Column

        console = self.console or Console(
            stderr=True,
            highlight=False,
            markup=False,
            emoji=False,
            color_system=None if os.environ.get("NO_COLOR") else "auto",  # no style at all
        )
        self._progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(bar_width=BAR_WIDTH),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}", markup=False),
            TextColumn("ETA {task.fields[eta]}", markup=False),
            # The only column that stretches and shrinks: the rest keep their width.
            TextColumn(
                "{task.fields[current]}",
                markup=False,
                table_column=Column(ratio=1, min_width=0, no_wrap=True, overflow="ellipsis"),
            ),
            console=console,
            expand=True,
            redirect_stdout=False,  # a jsonl stream on stdout must reach stdout
            redirect_stderr=False,
            transient=True,  # the summary line says how it ended
        )
        self._progress.start()
        self._task = self._progress.add_task(
            self.label, total=self.total, rate="", eta="-:--:--", current=""
        )
        self._progress.refresh()

    def start(self, subject: str) -> None:
        """A subject's audit began: it is shown while it runs (the oldest one running)."""
        with self._lock:
            self._running[subject] = self._running.get(subject, 0) + 1
            self._show()

    def advance(self, subject: str) -> None:
        with self._lock:
            if self._running.get(subject, 0) > 1:
                self._running[subject] -= 1
            else:
                self._running.pop(subject, None)
            if self._progress is None:
                return
            self._progress.advance(self._task)
            task = self._progress.tasks[0]
            rate, eta = pace(task.completed, task.total, task.elapsed)
            self._progress.update(self._task, rate=rate, eta=eta)
            self._show()

    def _show(self) -> None:
        if self._progress is None:
            return
        current = next(iter(self._running), "")
        self._progress.update(self._task, current=one_line(current, 200))
        self._progress.refresh()

    def say(self, line: str) -> None:
        """A line for stderr, printed above the bar while it is shown."""
        if self._progress is None:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
            return
        from rich.text import Text

        self._progress.console.print(Text(line), soft_wrap=True)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self._progress is not None:
            progress, self._progress = self._progress, None
            progress.stop()
