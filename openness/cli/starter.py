"""`openness init`: write a commented starter policy."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from openness.cli.base import _fail, _say, app
from openness.errors import ExitCode, UsageError


class InitTarget(str, Enum):
    auto = "auto"
    pyproject = "pyproject"
    openness = "openness"


@app.command()
def init(
    target: Annotated[
        InitTarget,
        typer.Option(
            "--in",
            metavar="WHERE",
            help="Where to write: auto (pyproject.toml if there is one, else openness.toml), "
            "pyproject or openness (openness.toml).",
        ),
    ] = InitTarget.auto,
) -> None:
    """Write a commented starter policy into pyproject.toml or openness.toml."""
    from openness.policy.starter import write_starter

    try:
        written = write_starter(Path.cwd(), target.value)
    except UsageError as exc:
        _fail(str(exc), ExitCode.USAGE)
    _say(f"wrote a starter policy to {written.name}: review it, then commit it")
