"""Issue 10: CLI conventions (pip-audit's): -h everywhere, metavars, per-command exit codes,
our own words for bad values, exit 4 for an internal error, and --verbose HTTP logging that
never shows a credential."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT, run_openness
from fakegithub import FakeGitHub
from fakehub import GRANTED_TOKEN

LLAMA = "meta-llama/Llama-2-7b"
PYTHON_TYPES = re.compile(r"<(?:list|str|int|float|path|bool|Path)\b|\brange>|\{\w+\}")
PYDANTIC = ("Input should", "Value error", "validation error", "pydantic", "type=")
TOKEN = "hf_conventions_secret_token_42"


def _commands() -> list[str]:
    run = run_openness("-h")
    assert run.code == 0
    section = run.stdout.split("Commands:", 1)[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ")]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_command_has_short_help_metavars_and_its_own_exit_codes():
    commands = _commands()
    assert {"audit", "scan", "lock", "license", "licenses", "clauses", "schema"} <= set(commands)
    for command in ["", *commands]:
        run = run_openness(*([command] if command else []), "-h")
        assert run.code == 0, (command, run.stderr)
        assert run.stdout.startswith("Usage:"), command
        assert not PYTHON_TYPES.search(run.stdout), (command, PYTHON_TYPES.search(run.stdout))
        flat = _flat(run.stdout)
        assert "Exit codes: 0" in flat and "4 internal error" in flat, command
    audit = _flat(run_openness("audit", "-h").stdout)
    assert "audit [OPTIONS] [REPO_OR_PATH...]" in audit  # or --from FILE, or a listing
    for metavar in ("--mirror DIR", "--timeout SECONDS", "--min-rung N", "--rules DIR"):
        assert metavar in audit
    from openness.batch import DEFAULT_JOBS

    assert f"Models audited at once. [default: ({DEFAULT_JOBS}); 1<=x<=64]" in audit  # the pool
    assert "1 a model fails the policy (this wins over 3)" in audit
    assert "3 no model fails" in audit
    assert "[PATH...]" in _flat(run_openness("scan", "-h").stdout)
    license_help = _flat(run_openness("license", "-h").stdout)
    assert "FILE..." in license_help and "3 a file could not be read" in license_help
    for command in ("licenses", "clauses", "schema"):  # they never return 1 or 3
        footer = _flat(run_openness(command, "-h").stdout).split("Exit codes:", 1)[1]
        assert footer.strip().startswith("0 printed; 2 usage error"), command
        assert " 1 " not in footer and " 3 " not in footer


def test_every_format_option_is_shown_as_format_and_its_help_lists_the_formats():
    """`lock -f table|json|cyclonedx` and `diff -f table|json|markdown` stood out: every other
    command shows FORMAT, and says the formats in its help."""
    for command in _commands():
        flat = _flat(run_openness(command, "-h").stdout)
        if "--format" not in flat:
            continue
        assert "-f, --format FORMAT Output format: table" in flat, (command, flat)
        assert not re.search(r"\w\|\w", flat.split("Exit codes:")[0]), (command, flat)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["audit", LLAMA, "--min-rung", "9"], "9 is out of range: use 0 to 5"),
        (["scan", "--min-rung", "-1"], "-1 is out of range: use 0 to 5"),
        (["audit", LLAMA, "--format", "yaml"], "'yaml' is not one of 'table', 'json'"),
        (["audit", LLAMA, "--timeout", "soon"], "'soon' is not a number"),
        (["audit", LLAMA, "--timeout", "0"], "0 is out of range: use at least 0.1"),
        (["licenses", "--color", "purple"], "'purple' is not one of 'auto', 'always', 'never'"),
        (["audit", LLAMA, "--min-rung", "three"], "'three' is not a whole number"),
        (["schema", "yaml"], "unknown schema 'yaml'"),
    ],
)
def test_bad_values_are_reported_in_our_words(args, words):
    run = run_openness(*args, "--mirror", str(FIXTURES)) if args[0] == "audit" else None
    run = run or run_openness(*args)
    assert run.code == 2, run.stderr
    assert words in run.stderr
    assert not any(p in run.stderr for p in PYDANTIC), run.stderr


def test_attestation_errors_are_in_our_words(tmp_path):
    cases = {
        "date: soon\n  rung: 3": "attestation 1: date: must be a date (YYYY-MM-DD)",
        "date: 2026-01-01": "attestation 1: give exactly one of rung or component",
        "date: 2026-13-01\n  rung: 3": "month must be in 1..12",
    }
    for body, words in cases.items():
        path = tmp_path / "attest.yaml"
        path.write_text(f"- repo: {LLAMA}\n  url: https://example.org\n  reviewer: r\n  {body}\n")
        run = run_openness("audit", LLAMA, "--mirror", str(FIXTURES), "--attest", str(path))
        assert run.code == 2, run.stderr
        assert words in run.stderr
        assert not any(p in run.stderr for p in PYDANTIC), run.stderr


# -- exit 4 ------------------------------------------------------------------------------------

# A bug, reproduced: the catalog code raises. Only our own function is replaced; the program
# is otherwise the real one, started the way the console script starts it.
FAULTY = (
    "import sys, openness.catalog as catalog\n"
    "def broken(rules):\n"
    "    raise ZeroDivisionError('division by zero')\n"
    "catalog.catalog_document = broken\n"
    "from openness.cli import main\n"
    "sys.argv = ['openness', *sys.argv[1:]]\n"
    "main()\n"
)


def _faulty(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "OPENNESS_"))}
    return subprocess.run(
        [sys.executable, "-c", FAULTY, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_internal_error_is_one_line_and_exit_4():
    run = _faulty("licenses")
    assert run.returncode == 4
    assert run.stderr.splitlines() == [
        "openness: internal error: ZeroDivisionError: division by zero "
        "(run with --verbose for the traceback)"
    ]
    verbose = _faulty("licenses", "--verbose")
    assert verbose.returncode == 4
    assert verbose.stderr.startswith("Traceback (most recent call last):")
    assert "catalog_document(" in verbose.stderr or "broken" in verbose.stderr
    assert verbose.stderr.splitlines()[-1] == (
        "openness: internal error: ZeroDivisionError: division by zero"
    )


def test_exit_4_is_documented():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^\| 4 \| internal error", readme, re.MULTILINE)
    assert "4 internal error" in _flat(run_openness("-h").stdout)


# -- --verbose -----------------------------------------------------------------------------------


def _logged(stderr: str) -> list[str]:
    return [
        line for line in stderr.splitlines() if re.match(r"openness: GET \S+ -> \d{3} \(", line)
    ]


def test_verbose_logs_each_hub_request_and_never_the_token(hub, tmp_path):
    env = hub.client_env(tmp_path / "hf", token=GRANTED_TOKEN)  # the gated files are read
    before = len(hub.requests)
    run = run_openness("audit", LLAMA, "--verbose", "--format", "json", env=env)
    assert run.code == 0, run.stderr
    logged = _logged(run.stderr)
    assert len(logged) == len(hub.requests) - before  # every request, once
    assert any(f"/api/models/{LLAMA}?expand=sha" in line and "-> 200" in line for line in logged)
    sha = run.json()["reports"][0]["subject"]["revision"]
    assert any(f"/{LLAMA}/resolve/{sha}/LICENSE.txt -> 200" in line for line in logged)
    assert all(re.search(r"\(\d+ ms\)$", line) for line in logged)
    assert GRANTED_TOKEN not in run.stdout + run.stderr
    # the option is global too, and a failure is logged with its status
    missing = run_openness("--verbose", "audit", "openness-fixtures/no-such", env=env)
    assert missing.code == 3
    assert any("/api/models/openness-fixtures/no-such?" in x for x in _logged(missing.stderr))
    assert any("-> 404" in line for line in _logged(missing.stderr))
    assert GRANTED_TOKEN not in missing.stderr
    quiet = run_openness("audit", LLAMA, "--format", "json", env=env)
    assert not _logged(quiet.stderr)


def test_verbose_logs_github_requests_without_the_token():
    repos = {"openness-fixtures/open-apache-train": {"license": "Apache-2.0", "paths": []}}
    with FakeGitHub(repos) as github:
        run = run_openness(
            "audit",
            "openness-fixtures/open-apache-7b",
            "--mirror",
            str(FIXTURES),
            "--deep",
            "--github-api",
            github.url,
            "-v",
            "--format",
            "json",
            env={"GITHUB_TOKEN": "ghp_" + TOKEN},
        )
        assert run.code == 0, run.stderr
        logged = _logged(run.stderr)
        assert len(logged) == len(github.requests)
        assert any(f"GET {github.url}/repos/" in line for line in logged)
    assert TOKEN not in run.stdout + run.stderr


def test_logged_urls_lose_credentials():
    from openness.httplog import redact

    url = (
        "https://user:pass@cdn.example.org:8443/repos/x/resolve/abc/LICENSE?download=true"
        "&X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA&token=t0k&Policy=p&Key-Pair-Id=k"
        f"&note={TOKEN}"
    )
    clean = redact(url)
    assert clean.startswith("https://cdn.example.org:8443/repos/x/resolve/abc/LICENSE?")
    for secret in ("user", "pass", "deadbeef", "AKIA", "t0k", "Policy=p", "=k&", TOKEN):
        assert secret not in clean, secret
    assert "download=true" in clean


def test_logged_urls_keep_parameters_that_only_contain_a_secret_word():
    """Whole parameter names are matched: a listing's author= is not an auth= (nor codec= a
    code=); a secret word inside a longer name (access_token, apiKey) still is."""
    from openness.httplog import redact

    url = (
        "https://hub.example/api/models?author=meta-llama&search=llama&sort=downloads"
        "&codec=x&access_token=t0k&apiKey=k3y&X-Amz-Security-Token=s3c"
    )
    clean = redact(url)
    assert "author=meta-llama&search=llama&sort=downloads&codec=x" in clean
    for secret in ("t0k", "k3y", "s3c"):
        assert secret not in clean, secret
