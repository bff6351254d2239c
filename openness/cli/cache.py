"""`openness cache info` and `openness cache clear`."""

from __future__ import annotations

import sys

from openness.cli.base import EXIT_CODES, App, Command, Format, FormatOpt, _say, app

CACHE_HELP = """The cache of what was read from the Hub, keyed by commit sha.

A repo audited before costs one small request to learn whether its branch moved, and one per
base it was assessed against (each once per run); a pinned sha or --offline, none.
Location: $OPENNESS_CACHE, else the user cache folder. --no-cache (audit,
scan, lock) neither reads nor writes it."""


class CacheCommand(Command):
    group = "cache"


cache_app = App(
    name="cache",
    help=CACHE_HELP,
    no_args_is_help=True,
    rich_markup_mode=None,
    epilog=EXIT_CODES["cache"],
    context_settings={"help_option_names": ["-h", "--help"]},
)
cache_app.command_class = CacheCommand
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info(output_format: FormatOpt = Format.table) -> None:
    """Where the cache is, how many entries it holds, their size, the oldest and newest."""
    import json

    from openness import cache
    from openness.report import SCHEMA_VERSION, Tool

    found = cache.info()
    when = {
        "oldest": found.oldest.isoformat(timespec="seconds") if found.oldest else None,
        "newest": found.newest.isoformat(timespec="seconds") if found.newest else None,
    }
    if output_format == Format.json:
        document = {
            "schema_version": SCHEMA_VERSION,
            "tool": Tool().model_dump(),
            "path": str(found.path),
            "entries": found.entries,
            "size_bytes": found.size_bytes,
            **when,
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    rows = [
        ("path", str(found.path)),
        ("entries", str(found.entries)),
        ("size", _size(found.size_bytes)),
        ("oldest", when["oldest"] or "-"),
        ("newest", when["newest"] or "-"),
    ]
    for name, value in rows:
        sys.stdout.write(f"{name:<8} {value}\n")


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every cache entry; the next audits ask the Hub again."""
    from openness import cache

    root = cache.cache_dir()
    removed = cache.clear(root)
    _say(f"removed {removed} cache entr{'y' if removed == 1 else 'ies'} from {root}")


def _size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
