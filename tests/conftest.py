"""Shared test fixtures: the loopback Hub and a runner for the real `openness` program."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakehub import FakeHub

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "hub"
CORPUS = ROOT.parent / "shared" / "corpus"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_openness(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    timeout: float = 120,
    unset: tuple[str, ...] = (),
) -> Run:
    """Run the real program in a child process (huggingface_hub reads its env at import).
    `unset`: variables the child must not see (even those `env` or the defaults set)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "OPENNESS_"))}
    base.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    if env:
        base.update(env)
    for name in unset:
        base.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="openness-cache-") as fresh:
        # Each run starts with an empty cache unless the test hands one over on purpose.
        base.setdefault("OPENNESS_CACHE", fresh)
        proc = subprocess.run(
            [sys.executable, "-m", "openness", *args],
            env=base,
            cwd=cwd or ROOT,
            input=stdin,
            capture_output=True,
            timeout=timeout,
        )
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


@pytest.fixture(scope="session")
def hub():
    with FakeHub(FIXTURES) as server:
        yield server


@pytest.fixture
def hub_env(hub, tmp_path) -> dict[str, str]:
    """Environment pointing the real client at the loopback Hub, without a token."""
    return hub.client_env(tmp_path / "hf_home")


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout built as a wheel, once per test session (each worker's)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return next(out.glob("openness-*.whl"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not present at {CORPUS}")
    return CORPUS
