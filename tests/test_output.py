"""Issue 11: results out as they come (--format jsonl, -o FILE, a progress bar on a terminal,
--quiet, the closing summary, Ctrl-C keeps what was written) and a lean start-up, through the
real program."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_openness
from fakehub import FakeHub

LLAMA = "meta-llama/Llama-2-7b"
OPEN = "openness-fixtures/open-apache-7b"
NC = "openness-fixtures/nc-research-1b"
GATED = "openness-fixtures/fully-gated"
MIRROR = ("--mirror", str(FIXTURES))
ALL_FIXTURES = sorted(
    f"{p.parent.parent.name}/{p.parent.name}" for p in (FIXTURES / "models").glob("*/*/info.json")
)


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


# -- jsonl -------------------------------------------------------------------------------------


def test_jsonl_is_one_report_a_line_as_in_the_json_document():
    subjects = (LLAMA, OPEN, NC, "openness-fixtures/no-such-model")
    lines = run_openness("audit", *subjects, *MIRROR, "-f", "jsonl")
    document = run_openness("audit", *subjects, *MIRROR, "-f", "json")
    assert lines.code == document.code == 3, lines.stderr
    records = _lines(lines.stdout)
    assert len(records) == 4
    reports = [r for r in records if "error" not in r]
    key = lambda r: r["subject"]["repo_id"]  # noqa: E731
    assert sorted(reports, key=key) == sorted(document.json()["reports"], key=key)
    [failed] = [r for r in records if "error" in r]
    [error] = document.json()["errors"]
    assert document.json()["interrupted"] is False and document.json()["not_audited"] == []
    assert failed == {
        "subject": "openness-fixtures/no-such-model",
        "error": {"kind": error["kind"], "message": error["message"]},
    }


def test_output_file_for_every_format(tmp_path):
    for fmt in ("json", "jsonl", "table"):
        out = tmp_path / f"audit.{fmt}"
        run = run_openness("audit", LLAMA, OPEN, *MIRROR, "-f", fmt, "-o", str(out))
        assert run.code == 0, run.stderr
        assert run.stdout == ""
        text = out.read_text()
        if fmt == "json":
            assert len(json.loads(text)["reports"]) == 2
        elif fmt == "jsonl":
            assert len(_lines(text)) == 2
        else:
            assert LLAMA in text and "\x1b[" not in text  # a file gets no colour codes
    license_out = tmp_path / "license.json"
    apache = FIXTURES / "models" / OPEN / "LICENSE"
    run = run_openness("license", "-f", "json", "-o", str(license_out), str(apache))
    assert run.code == 0 and run.stdout == ""
    assert json.loads(license_out.read_text())["licenses"][0]["spdx"] == "Apache-2.0"
    app = tmp_path / "app.py"
    app.write_text(f'from transformers import AutoModel\nAutoModel.from_pretrained("{OPEN}")\n')
    for fmt in ("json", "sarif", "markdown"):
        scan_out = tmp_path / f"scan.{fmt}"
        run = run_openness("scan", str(app), *MIRROR, "-f", fmt, "-o", str(scan_out), cwd=tmp_path)
        assert run.code == 0 and run.stdout == "", run.stderr
        text = scan_out.read_text()
        assert OPEN in text if fmt != "sarif" else json.loads(text)["version"] == "2.1.0"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_to_a_fifo_writes_into_it_and_leaves_it_a_fifo(tmp_path):
    """`-o /dev/null` or a named pipe: written in place, never renamed over (which would
    turn the device or pipe into a plain file). A FIFO stands in for /dev/null here."""
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    run = run_openness("audit", OPEN, *MIRROR, "-f", "json", "-o", str(fifo))
    reader.join(timeout=60)
    assert run.code == 0, run.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["reports"][0]["subject"]["repo_id"] == OPEN
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_file_is_left_alone_on_a_usage_error(tmp_path):
    out = tmp_path / "audit.json"
    out.write_text("previous run\n")
    run = run_openness("audit", "not a repo", *MIRROR, "-f", "json", "-o", str(out))
    assert run.code == 2 and out.read_text() == "previous run\n"
    run = run_openness("audit", OPEN, *MIRROR, "-o", str(tmp_path / "missing" / "x.json"))
    assert run.code == 2 and "no such folder" in run.stderr
    run = run_openness("audit", OPEN, *MIRROR, "-o", str(tmp_path))
    assert run.code == 2 and "is a folder" in run.stderr


# -- stderr: summary and --quiet ------------------------------------------------------------


def test_a_batch_ends_with_a_summary_line(tmp_path):
    run = run_openness("audit", LLAMA, OPEN, NC, GATED, "nope/absent", *MIRROR, "-f", "json")
    reports = run.json()["reports"]
    failing = [r for r in reports if r["license"]["effective"]["osd_compliant"] is False]
    assert len(failing) == 3  # Llama 2, the non-commercial one and the gated one
    incomplete = [r for r in reports if not r["complete"]]
    last = run.stderr.strip().splitlines()[-1]
    assert last == (
        "openness: 4 audited, 3 fail the OSD (effective terms), 0 fail the policy, "
        f"{len(incomplete)} incomplete, 1 could not be audited"
    )
    policy = run_openness(
        "audit", LLAMA, OPEN, *MIRROR, "-f", "json", "--require-osd", cwd=tmp_path
    )
    assert "2 audited, 1 fail the OSD (effective terms), 1 fail the policy" in policy.stderr
    single = run_openness("audit", OPEN, *MIRROR, "-f", "json")
    assert "audited," not in single.stderr


def test_quiet_keeps_errors_and_failures_only():
    run = run_openness(
        "audit", LLAMA, OPEN, "nope/absent", *MIRROR, "-f", "json", "--require-osd", "--quiet"
    )
    assert run.code == 1
    lines = run.stderr.strip().splitlines()
    assert any("nope/absent" in line for line in lines)  # could not be audited: an error
    assert any(f"{LLAMA}: policy failed" in line for line in lines)
    assert not any("audited," in line or "no policy" in line for line in lines), lines
    quiet = run_openness("audit", OPEN, NC, *MIRROR, "-f", "json", "--min-rung", "1", "-q")
    assert quiet.code == 0 and quiet.stderr == ""


def test_quiet_still_says_a_policy_could_not_be_decided(hub_env):
    """Exit 3 under -q with nothing on stderr would leave a CI log without its reason."""
    run = run_openness(
        "audit", "openness-fixtures/gated-lora-adapter", "--require-osd", "-q", env=hub_env
    )
    assert run.code == 3, run.stderr
    assert "gated-lora-adapter: policy could not be decided (require-osd)" in run.stderr


@pytest.mark.parametrize("command", ["audit", "scan"])
def test_quiet_still_warns_that_no_policy_is_enforced(tmp_path, command):
    """A CI job with -q and no policy would otherwise pass with nothing said."""
    (tmp_path / "app.py").write_text(
        f'from transformers import AutoModel\nm = AutoModel.from_pretrained("{NC}")\n'
    )
    args = (NC,) if command == "audit" else ()
    run = run_openness(command, *args, *MIRROR, "-f", "json", "-q", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert run.stderr == "openness: no policy found: nothing is enforced (see `openness init`)\n"
    (tmp_path / "openness.toml").write_text("min-rung = 0\n")
    run = run_openness(command, *args, *MIRROR, "-f", "json", "-q", cwd=tmp_path)
    assert "policy openness.toml has no rule that can fail a model" in run.stderr


# -- a progress bar, under a pseudo-terminal ------------------------------------------------


def _under_pty(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the program with stderr on a pseudo-terminal (stdout discarded); returns the exit
    code and everything the terminal received."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 160, 0, 0))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "OPENNESS_"))}
    base.update(TERM="xterm-256color", COLUMNS="160", LINES="30", **(env or {}))
    base.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "openness", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        cwd=ROOT,
        env=base,
    )
    os.close(slave)
    received = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            received += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    code = proc.wait(timeout=30)
    return code, received.decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_while_jsonl_goes_to_the_file(tmp_path):
    out = tmp_path / "audit.jsonl"
    subjects = ALL_FIXTURES[:6]
    code, terminal = _under_pty(
        ["audit", *subjects, *MIRROR, "-f", "jsonl", "-o", str(out), "--jobs", "2"],
        env={"OPENNESS_CACHE": str(tmp_path / "cache")},
    )
    assert code in (0, 3), terminal
    assert "auditing" in terminal and "/6" in terminal and "ETA" in terminal, terminal
    assert "6 audited" in terminal  # the summary, after the bar
    records = _lines(out.read_text())
    assert sorted(r["subject"]["repo_id"] for r in records) == subjects


def _last_frame(width: int, finish: int) -> str:
    """The bar's last line on a `width`-column terminal, after 5 subjects started and the
    first `finish` of them finished."""
    from rich.console import Console

    from openness.progress import Bar

    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system=None)
    subjects = [f"org/m{i}-" + "long-name-" * 6 for i in range(5)]
    with Bar(200, True, console=console) as bar:
        for subject in subjects:
            bar.start(subject)
        for subject in subjects[:finish]:
            time.sleep(0.02)  # a rate, hence an ETA
            bar.advance(subject)
    frames = [f for f in re.split(r"\r|\n|\x1b\[[0-9;?]*[A-Za-z]", out.getvalue()) if f.strip()]
    return frames[-1]


def test_bar_keeps_counts_and_eta_whole_at_80_columns_and_shows_a_subject_in_progress():
    frame = _last_frame(80, finish=3)
    assert len(frame) <= 80
    assert "3/200" in frame
    assert re.search(r"ETA \d+:\d\d:\d\d ", frame), frame  # the ETA is whole
    # The subject gives way (cut with an ellipsis), and it is one still running: m3, the
    # oldest in progress, not m2, which just finished.
    subject = frame.split(" ")[-1]
    assert subject.startswith("org/m3-") and subject.endswith("…"), frame
    wide = _last_frame(160, finish=3)
    assert wide.rstrip().endswith("org/m3-" + "long-name-" * 6)  # room enough: whole


def test_the_rate_is_over_the_run_so_far_when_audits_end_together():
    """Two audits ending a millisecond apart, 0.2 s into the run: about 10 a second and an
    ETA near 10 s, not rich's hundreds a second from the last two completions."""
    from rich.console import Console

    from openness.progress import Bar

    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=True, color_system=None)
    with Bar(4, True, console=console) as bar:
        bar.start("org/a")
        bar.start("org/b")
        time.sleep(0.2)
        bar.advance("org/a")
        bar.advance("org/b")
    frame = [f for f in re.split(r"\r|\n|\x1b\[[0-9;?]*[A-Za-z]", out.getvalue()) if "2/4" in f][-1]
    rate = float(re.search(r"([0-9.]+)/s", frame).group(1))
    assert 2 < rate < 11, frame
    assert re.search(r"ETA 0:00:0\d ", frame), frame


def test_no_bar_with_quiet_or_for_one_subject(tmp_path):
    out = tmp_path / "audit.jsonl"
    code, terminal = _under_pty(
        ["audit", LLAMA, OPEN, *MIRROR, "-f", "jsonl", "-o", str(out), "--min-rung", "1", "-q"],
        env={"OPENNESS_CACHE": str(tmp_path / "cache")},
    )
    assert code == 0 and "auditing" not in terminal and terminal.strip() == "", terminal
    assert len(_lines(out.read_text())) == 2
    code, terminal = _under_pty(
        ["audit", OPEN, *MIRROR, "-f", "jsonl", "-o", str(out)],
        env={"OPENNESS_CACHE": str(tmp_path / "cache")},
    )
    assert code == 0 and "auditing" not in terminal


SGR = re.compile(r"\x1b\[[0-9;]*m")  # a Select Graphic Rendition: colour, bold, dim, underline


def _stdout_on_pty(args: list[str], env: dict[str, str]) -> str:
    """What a terminal on stdout receives from the program."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "OPENNESS_"))}
    base.pop("NO_COLOR", None)
    base.update(TERM="xterm-256color", COLUMNS="200", **env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "openness", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=base,
    )
    os.close(slave)
    received = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    proc.wait(timeout=60)
    return received.decode("utf-8", "replace")


@pytest.mark.parametrize(
    "args",
    [["licenses"], ["clauses"], ["audit", LLAMA, *MIRROR, "--require-osd"]],
    ids=" ".join,
)
def test_colour_off_on_a_terminal_writes_no_style_at_all(args):
    """--color never and NO_COLOR dropped colours but still wrote bold, dim and underline."""
    assert SGR.search(_stdout_on_pty(args, {})), "the check must see styles when colour is on"
    never = _stdout_on_pty([*args, "--color", "never"], {})
    assert len(never) > 200  # the output itself
    assert not SGR.search(never), SGR.findall(never)[:5]
    no_color = _stdout_on_pty(args, {"NO_COLOR": "1"})
    assert not SGR.search(no_color), SGR.findall(no_color)[:5]


# -- Ctrl-C ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_ctrl_c_keeps_what_finished_and_exits_130(tmp_path, fmt):
    out = tmp_path / f"audit.{fmt}"
    with FakeHub(FIXTURES, latency=0.3) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        args = ["audit", *ALL_FIXTURES, "--jobs", "2", "-f", fmt, "-o", str(out)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "openness", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
            # as at a terminal: a run started in the background by a shell without job
            # control inherits SIGINT ignored, and Python then never raises KeyboardInterrupt
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(hub.calls("GET", r"/resolve/")) < 12:
            time.sleep(0.05)  # well into the batch
        if fmt == "jsonl":
            while time.monotonic() < deadline and not out.read_text().strip():
                time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        _stdout, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    text = stderr.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "interrupted" in text
    assert took < 5  # audits still in flight are not waited for
    if fmt == "jsonl":
        records = _lines(out.read_text())
    else:
        document = json.loads(out.read_text())
        records = document["reports"] + document["errors"]
        # The document says it is partial, and which subjects it lacks (in input order).
        assert document["interrupted"] is True
        done = {r["subject"]["repo_id"] for r in document["reports"]}
        done |= {e["subject"] for e in document["errors"]}
        assert document["not_audited"] == [s for s in ALL_FIXTURES if s not in done]
    assert 1 <= len(records) < len(ALL_FIXTURES)
    assert f"{len(records)} of {len(ALL_FIXTURES)} finished" in text


def test_a_reader_that_leaves_stops_the_batch(tmp_path):
    """`openness audit ... -f jsonl | head -1`: the batch stops, as for SIGPIPE (141)."""
    with FakeHub(FIXTURES, latency=0.2) as hub:
        env = hub.client_env(tmp_path / "hf")
        env["OPENNESS_CACHE"] = str(tmp_path / "cache")
        proc = subprocess.Popen(
            [sys.executable, "-m", "openness", "audit", *ALL_FIXTURES, "-j", "1", "-f", "jsonl"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
        )
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # the reader leaves
        code = proc.wait(timeout=60)
        stderr = proc.stderr.read().decode()
        proc.stderr.close()
        audited = {r.path for r in hub.calls("GET", r"^/api/models/openness-fixtures/")}
    assert json.loads(first)["subject"]
    assert code == 141, stderr
    assert "Traceback" not in stderr
    assert len(audited) < len(ALL_FIXTURES) - 2  # it did not go on auditing for nobody


MIRROR = ("--mirror", str(FIXTURES))
RAIL = "openness-fixtures/rail-bloom-560m"  # fails the OSD: a policy would fail it (exit 1)


@pytest.mark.parametrize(
    "args",
    [
        ("licenses",),
        ("clauses",),
        ("licenses", "-f", "json"),
        ("audit", RAIL, *MIRROR),
        ("audit", RAIL, *MIRROR, "-f", "json"),
        ("audit", RAIL, *MIRROR, "-f", "jsonl"),
        ("scan", *MIRROR, "--require-osd"),
        ("scan", *MIRROR, "--require-osd", "-f", "json"),
        ("scan", *MIRROR, "--require-osd", "-f", "markdown"),
        ("license", str(FIXTURES / "models" / "meta-llama" / "Llama-2-7b" / "LICENSE.txt")),
        ("--help",),
        ("--version",),
        ("cache", "info"),
    ],
    ids=" ".join,
)
def test_a_closed_stdout_exits_141_quietly(tmp_path, args):
    """`openness licenses | true`: the reader left before a byte was written (a real pipe whose
    read end is closed). Every command exits 141, as a writer ended by SIGPIPE does, with
    nothing on stderr; never 1, the code for a failed policy."""
    (tmp_path / "app.py").write_text(f'AutoModel.from_pretrained("{RAIL}")\n')
    read, write = os.pipe()
    os.close(read)  # the reader left
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "OPENNESS_"))}
    env["OPENNESS_CACHE"] = str(tmp_path / "cache")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "openness", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write)
    stderr = proc.stderr.decode()
    assert proc.returncode == 141, stderr
    assert stderr == ""


@pytest.mark.parametrize(
    "args",
    [
        ("licenses",),
        ("licenses", "-f", "json"),
        ("clauses",),
        ("audit", RAIL, *MIRROR),
        ("audit", RAIL, *MIRROR, "-f", "jsonl"),
        ("scan", *MIRROR, "--require-osd", "-f", "json"),
        ("--help",),
    ],
    ids=" ".join,
)
def test_a_stdout_closed_at_start_exits_141_quietly(tmp_path, args):
    """`openness licenses >&-`: Python starts with sys.stdout None; that was an internal error
    ("'NoneType' object has no attribute 'flush'", exit 4)."""
    _rail_app(tmp_path)
    command = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "openness", *args))
    run = _shell(f"{command} >&-", tmp_path)
    assert (run.returncode, run.stderr) == (141, "")


def test_a_command_that_writes_nothing_to_stdout_runs_with_it_closed(tmp_path):
    run = _shell(f"{shlex.quote(sys.executable)} -m openness init >&-", tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "openness.toml").is_file()


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "OPENNESS_"))}
    env["OPENNESS_CACHE"] = str(cwd / "cache")
    return subprocess.run(
        ["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


FULL = Path("/dev/full")
LICENSE_FILE = str(FIXTURES / "models" / "meta-llama" / "Llama-2-7b" / "LICENSE.txt")


def _rail_app(project: Path) -> None:
    """A project whose one reference `scan` audits (RAIL, from the mirror)."""
    (project / "app.py").write_text(f'AutoModel.from_pretrained("{RAIL}")\n')


def _besides_the_policy_note(stderr: str) -> list[str]:
    """stderr's lines but the warning that no policy is enforced (said wherever one is not)."""
    return [line for line in stderr.splitlines() if "nothing is enforced" not in line]


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ("licenses",),
        ("--help",),
        ("license", LICENSE_FILE),
        ("audit", RAIL, *MIRROR),
        ("audit", RAIL, *MIRROR, "-f", "json"),
        ("audit", RAIL, *MIRROR, "-f", "jsonl"),
        ("scan", *MIRROR, "--require-osd", "-f", "json"),
    ],
    ids=" ".join,
)
def test_a_full_disk_is_one_line_and_exit_2_never_an_internal_error(tmp_path, args):
    """`openness licenses > /dev/full` was "internal error: OSError" (exit 4, "a bug")."""
    _rail_app(tmp_path)
    command = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "openness", *args))
    run = _shell(f"{command} >/dev/full", tmp_path)
    lines = _besides_the_policy_note(run.stderr)
    assert run.returncode == 2, run.stderr
    assert lines == ["openness: cannot write the output to stdout: No space left on device"]


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ("license", LICENSE_FILE),
        ("audit", RAIL, *MIRROR, "-f", "json"),
        ("audit", RAIL, *MIRROR, "-f", "jsonl"),
        ("scan", *MIRROR, "--require-osd", "-f", "markdown"),
    ],
    ids=" ".join,
)
def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, args):
    _rail_app(tmp_path)
    run = run_openness(*args, "-o", str(FULL), cwd=tmp_path)
    lines = _besides_the_policy_note(run.stderr)
    assert run.code == 2, run.stderr
    assert lines == ["openness: cannot write --output /dev/full: No space left on device"]
    run = run_openness(*args, "-o", "/proc/self/report.json", cwd=tmp_path)
    assert run.code == 2 and "internal error" not in run.stderr, run.stderr
    assert run.stderr.startswith("openness: cannot write --output /proc/self/report.json: ")


# -- start-up ----------------------------------------------------------------------------------

HEAVY = ("huggingface_hub", "httpx", "httpx2", "requests")
PROBE = (
    "import json, sys\n"
    "from openness.cli import main\n"
    "report, *args = sys.argv[1:]\n"
    "sys.argv = ['openness', *args]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
    "open(report, 'w').write(json.dumps(heavy))\n"
)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["audit", "--help"], ["license", "MIT.txt"], ["license", "-f", "json", "MIT.txt"]],
)
def test_help_and_license_do_not_import_the_network_stack(tmp_path, args):
    (tmp_path / "MIT.txt").write_text(
        "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining "
        "a copy of this software, to deal in the Software without restriction.\n"
    )
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "OPENNESS_"))}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(Path(report).read_text()) == []


def test_a_failing_callback_stops_the_batch_at_once():
    """A write that fails in a worker (the reader left: BrokenPipeError) ends the run there:
    the subjects still queued are never audited for nobody."""
    from openness.audit import AuditOptions, Auditor
    from openness.batch import run_audits
    from openness.rules import load_rules

    auditor = Auditor(load_rules(), AuditOptions(mirror=FIXTURES, use_cache=False))
    started: list[str] = []

    def reader_left(_outcome: object) -> None:
        raise BrokenPipeError

    with pytest.raises(BrokenPipeError):
        run_audits(
            [(s, None) for s in ALL_FIXTURES],
            auditor,
            None,
            jobs=1,
            on_done=reader_left,
            on_start=started.append,
        )
    assert len(started) < len(ALL_FIXTURES) - 2, started
