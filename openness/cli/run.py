"""What several commands run: the rules, auditor and policy from the options, -o FILE, the
batch runner (progress bar, jsonl as it goes, Ctrl-C) and the BOM and page renderers."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from openness.cli.base import SIGPIPE_EXIT, AuditFormat, GuardedStream, _say, messages
from openness.errors import OpennessError, OutputError, UsageError

if TYPE_CHECKING:
    from openness.audit import Auditor
    from openness.policy import Policy
    from openness.rules import Rules

# BOM and page renderers: (module, function) per format, imported only when asked for.
_DOCUMENT_RENDERERS = {
    "cyclonedx": "openness.formats.cyclonedx",
    "spdx": "openness.formats.spdx",
    "html": "openness.formats.html",
}


def _render_document(fmt: str, kind: str, document: Any) -> str:
    """`kind` is audit or scan: each of these renderers has render_audit and render_scan."""
    import importlib

    module = importlib.import_module(_DOCUMENT_RENDERERS[fmt])
    return str(getattr(module, f"render_{kind}")(document))


def _rules(dirs: list[Path] | None) -> Rules:
    from openness.rules import load_rules

    return load_rules(tuple(dirs or ()))


def _auditor(
    rules: Rules, mirror: Path | None, token: str | None, timeout: float, **extra: Any
) -> Auditor:
    from openness.audit import AuditOptions, Auditor

    if mirror is not None and not (mirror / "models").is_dir():
        raise UsageError(
            f"--mirror {mirror}: not a directory in the Hub layout (no models/ inside)"
        )
    extra.setdefault("warn", _say)  # a corrupt cache entry: one line on stderr
    return Auditor(rules, AuditOptions(mirror=mirror, token=token, timeout=timeout, **extra))


def _policy(
    path: Path | None, rules: Rules, *flags: Any, keep_empty: bool = False
) -> tuple[Policy | None, str]:
    """The policy in force: the file's rules with the command-line flags (in POLICY_FLAGS
    order, none given: the file's alone) on top, read once; and what to say on stderr when it
    enforces nothing (no policy, or one with no rule that can fail a model), never passed off
    as a pass. A policy that enforces nothing is None, unless `keep_empty` (a scan names its
    file and judges nothing with it)."""
    from openness.policy import load_policy

    given = dict(zip(POLICY_FLAGS, flags, strict=True)) if flags else {}
    policy = load_policy(path, given, rules)
    if policy is None:
        return None, "no policy found: nothing is enforced (see `openness init`)"
    if policy.empty:
        return policy if keep_empty else None, (
            f"policy {policy.source} has no rule that can fail a model: nothing is enforced "
            "(see `openness init`)"
        )
    return policy, ""


POLICY_FLAGS = (
    "min-rung",
    "require-osd",
    "require-osi-approved",
    "deny-clauses",
    "allow-licenses",
    "deny-licenses",
    "allow-gated",
)


def _on_error(subject: str, exc: OpennessError) -> None:
    _say(str(exc))


def _env_offline() -> bool:
    """HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) as huggingface_hub reads them, without
    importing it."""
    truthy = {"1", "ON", "YES", "TRUE"}
    return any(
        os.environ.get(name, "").strip().upper() in truthy
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _check_cache_options(offline: bool, no_cache: bool, mirror: Path | None) -> None:
    if no_cache and mirror is None and (offline or _env_offline()):
        why = "--offline" if offline else "HF_HUB_OFFLINE"
        raise UsageError(f"{why} answers from the cache: not with --no-cache")


def _batch_auditor(
    rules: Rules,
    mirror: Path | None,
    token: str | None,
    timeout: float,
    offline: bool,
    no_cache: bool,
    **extra: Any,
) -> Auditor:
    """The auditor of a command with the cache options (--offline, HF_HUB_OFFLINE, --no-cache)."""
    _check_cache_options(offline, no_cache, mirror)
    return _auditor(
        rules,
        mirror,
        token,
        timeout,
        offline=offline or _env_offline(),
        use_cache=not no_cache,
        **extra,
    )


def _existing(paths: list[Path] | None) -> list[Path]:
    """The paths to scan (default: .), each checked before any work."""
    targets = paths or [Path(".")]
    for target in targets:
        if not target.exists():
            raise UsageError(f"{target}: no such file or folder")
    return targets


def _check_output(path: Path | None) -> None:
    """-o FILE: a file in a folder that exists (checked before any request)."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(f"--output {path}: is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"--output {path}: no such folder {parent}")


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[None]:
    """stdout, or with -o FILE a temporary file next to FILE renamed over it once everything
    was written: a reader never sees half a document, and a failed run leaves FILE as it was.
    A FILE that exists but is not a regular file (/dev/null, a FIFO, /dev/stdout) is written
    in place: renaming over it would replace the device or pipe with a plain file. FILE that
    cannot be written (a full disk, a folder that takes no new file) is an OutputError."""
    if path is None:
        yield
        sys.stdout.flush()
        return
    try:
        if path.exists() and not path.is_file():
            with open(path, "w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
                yield
            return
        with _replaced_once_complete(path):
            yield
    except BrokenPipeError:  # -o /dev/stdout, and its reader left
        raise
    except OSError as exc:
        raise OutputError(f"cannot write --output {path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _replaced_once_complete(path: Path) -> Iterator[None]:
    import tempfile

    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise OutputError(f"cannot write --output {path}: no new file in {parent}: {why}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
            yield
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _open_as_it_goes(path: Path) -> GuardedStream:
    """-o FILE for jsonl, written as each model finishes: its write errors are named as
    stdout's are."""
    try:
        handle = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the batch runner
    except OSError as exc:
        raise OutputError(f"cannot write --output {path}: {exc.strerror or exc}") from None
    return GuardedStream(handle, f"--output {path}")


def _file_mode(path: Path) -> int:
    """The mode FILE has, or the one a new file gets (mkstemp makes it private)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _exit_now(code: int) -> NoReturn:
    """Exit at once, after Ctrl-C: audits still running in worker threads (each may wait on
    the network) are abandoned, not waited for. Everything written is flushed first."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _run_batch(
    total: int | None,
    run: Callable[[Callable[[Any], None], Callable[[int], None], Callable[[str], None]], Any],
    output_format: Enum,
    output: Path | None,
    quiet: bool,
) -> tuple[Any, bool]:
    """Run a batch (`run(on_done, on_plan, on_start)`) with a progress bar on a terminal and,
    for jsonl, each result written and flushed as it finishes. `total` subjects, or None when
    `run` says how many through on_plan; on_start names a subject as its audit begins.
    Returns (document, interrupted): on Ctrl-C, what finished."""
    from openness import progress
    from openness.batch import Interrupted

    writer = None
    stream: Any = None
    if output_format == AuditFormat.jsonl:
        import _thread

        from openness.formats.jsonl import JsonlWriter

        stream = sys.stdout if output is None else _open_as_it_goes(output)
        # The reader of a pipe left: stop the batch as Ctrl-C would, then exit as for SIGPIPE.
        writer = JsonlWriter(stream, on_broken=_thread.interrupt_main)
    bar = progress.Bar(total, progress.wanted(quiet))

    def on_done(outcome: Any) -> None:
        if writer is not None:
            writer.write(outcome)
        bar.advance(outcome.subject)

    interrupted = False
    with bar:
        messages.sink = bar.say
        try:
            document = run(on_done, bar.set_total, bar.start)
        except Interrupted as exc:
            document, interrupted = exc.document, True
        except KeyboardInterrupt:  # the broken pipe's interrupt, arriving after the batch
            if writer is None or not writer.broken:
                raise
            document = None
        finally:
            messages.sink = None
    if writer is not None:
        writer.close()  # a worker still running after Ctrl-C writes nothing more
        if output is not None:
            stream.close()
        if writer.broken:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            _exit_now(SIGPIPE_EXIT)
    return document, interrupted
