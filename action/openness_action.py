"""The openness GitHub Action (action.yml at the repository root runs this script).

It runs in two phases. The first needs only the standard library: it installs openness from
the action's own checkout ($GITHUB_ACTION_PATH) into a virtual environment under $RUNNER_TEMP
(Ubuntu 24.04 runners refuse system-wide pip installs), then runs this script again with that
environment's interpreter. The second runs `openness scan` over the given paths (or `openness
audit` on the listed models) once, as JSON, and from that one document writes:

- the markdown report to $GITHUB_STEP_SUMMARY (cut, with a note, to stay under GitHub's 1 MiB
  limit for a step);
- a SARIF 2.1.0 file, whose path is the step output `sarif` (the workflow uploads it with
  github/codeql-action/upload-sarif and `category: openness`; runs[].automationDetails.id is
  never set, as it would override that category);
- the JSON document (output `json`), the exit code of openness (`exit-code`) and the outcome
  (`outcome`: passed, failed, incomplete or error);
- an annotation on each failing reference, so that a pull request shows it without code scanning;
- with the `format` input, the same report once more in that format (cyclonedx, spdx, html,
  json, sarif or markdown), rendered from that document (no second run), at the path of the
  output `report`.

The action chooses openness's own format and output file (it reads the JSON), so `args` may not
hold -f/--format or -o/--output: that is refused with one error line (exit 2); the `format`
input is the way to another report.

The job fails as openness decides: exit 1 (a model fails the policy) fails it, so does 2 (usage)
and 4 (internal error); exit 3 (incomplete) fails it only with fail-on-incomplete. No SARIF file is
written when openness could not run (2, 4): an empty one would close every open alert.

Inputs arrive as environment variables (action.yml sets them with `env:`, never with `${{ }}`
inside `run:`, which would let an input inject shell code): OPENNESS_ACTION_PATHS, _POLICY,
_MODELS, _FORMAT, _FAIL_ON_INCOMPLETE, _TOKEN, _ARGS, _SARIF_FILE, _SUMMARY. The token reaches
openness as HF_TOKEN and is never printed; it is also removed from any text this script writes.

For tests and local runs: OPENNESS_ACTION_PYTHON names an interpreter where openness is already
installed (no virtual environment is made), and openness's own variables pass through
(OPENNESS_MIRROR serves the models from a directory in the Hub layout).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

PREFIX = "OPENNESS_ACTION_"
PHASE = "_OPENNESS_ACTION_PHASE"  # set for the second phase, inside the environment
SUMMARY_LIMIT = 1024 * 1024  # GitHub's limit for one step's summary
MAX_ANNOTATIONS = 50  # GitHub shows at most 10 errors and 10 warnings a step, 50 a job
TRUE, FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off", ""}
# The `format` input: the file name each extra report gets.
REPORT_FILES = {
    "cyclonedx": "openness.cdx.json",
    "spdx": "openness.spdx.json",
    "html": "openness.html",
    "json": "openness-report.json",
    "sarif": "openness-report.sarif",
    "markdown": "openness.md",
}
# Options the action sets itself: -f/--format, -o/--output, alone, with `=value`, or as the
# last of a cluster of short flags (-v, -q, -h) with the value attached (-vfjson).
OWN_OPTIONS = re.compile(r"^(?:--(?:format|output)(?:=.*)?|-[vqh]*[fo].*)$")


class ActionError(Exception):
    """A problem with the inputs or the runner: one ::error:: line, then the given exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def main() -> int:
    try:
        if os.environ.get(PHASE) == "run":
            return run()
        return bootstrap()
    except ActionError as exc:
        command("error", str(exc))
        return exc.code


# -- workflow commands -------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: object) -> None:
    """A workflow command (::error file=app.py,line=4::message), escaped so that a message
    cannot end it early or start another."""
    props = ",".join(f"{k}={_escape_property(str(v))}" for k, v in properties.items() if v)
    print(f"::{name}{' ' + props if props else ''}::{_escape_data(message)}", flush=True)


def scrub(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def echo_untrusted(text: str) -> None:
    """Lines openness printed (they may quote what a repo holds) in the log, with workflow
    commands switched off so that none of them is taken for one."""
    if not text.strip():
        return
    stop = secrets.token_hex(16)
    print(f"::stop-commands::{stop}", flush=True)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    print(f"::{stop}::", flush=True)


def set_output(name: str, value: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if not path:
        print(f"output {name}={value}")
        return
    if "\n" in value or "\r" in value:
        raise ActionError(f"output {name}: a value on more than one line", 4)
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{name}={value}\n")


# -- phase 1: install --------------------------------------------------------------------------


def bootstrap() -> int:
    """Find or make the interpreter that has openness, and run phase 2 with it."""
    python = os.environ.get(PREFIX + "PYTHON") or install()
    env = dict(os.environ, **{PHASE: "run"})
    return subprocess.run([python, os.path.abspath(__file__)], env=env).returncode


def install() -> str:
    if sys.version_info < (3, 10):  # noqa: UP036 - phase 1 runs on the runner's Python
        raise ActionError(
            f"openness needs Python 3.10 or newer; this runner's is {sys.version.split()[0]} "
            "(add actions/setup-python before this step)",
            1,
        )
    action = Path(os.environ.get("GITHUB_ACTION_PATH") or Path(__file__).resolve().parent.parent)
    temp = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    venv = temp / "openness-action-venv"
    bindir = "Scripts" if os.name == "nt" else "bin"
    python = venv / bindir / ("python.exe" if os.name == "nt" else "python")
    marker = venv / "openness-action-installed-from"
    if marker.is_file() and marker.read_text(encoding="utf-8") == str(action):
        return str(python)  # the action ran before in this job
    print("::group::Install openness", flush=True)
    try:
        for step in (
            [sys.executable, "-m", "venv", str(venv)],
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             str(action)],
        ):  # fmt: skip
            done = subprocess.run(step)
            if done.returncode != 0:
                raise ActionError(f"could not install openness ({shlex.join(step)} failed)", 1)
    finally:
        print("::endgroup::", flush=True)
    marker.write_text(str(action), encoding="utf-8")
    return str(python)


# -- phase 2: run ------------------------------------------------------------------------------


def _input(name: str) -> str:
    return os.environ.get(PREFIX + name, "").strip()


def _flag(name: str, default: bool) -> bool:
    value = _input(name).lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    label = name.lower().replace("_", "-")
    raise ActionError(f"input {label} must be true or false, not {value!r}")


def _words(name: str) -> list[str]:
    """A list input: items one a line or separated by spaces, quoted as a shell would quote
    them ("my models/app.py"); `#` starts a comment. Nothing is run by a shell."""
    try:
        return shlex.split(_input(name), comments=True)
    except ValueError as exc:
        label = name.lower().replace("_", "-")
        raise ActionError(f"input {label}: {exc}") from None


def run() -> int:
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd())
    temp = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    token = _input("TOKEN")
    fail_on_incomplete = _flag("FAIL_ON_INCOMPLETE", False)
    summary = _flag("SUMMARY", True)
    models = _words("MODELS")
    paths = _words("PATHS") or ["."]
    report_format = _report_format()
    extra = _args()
    out = Path(tempfile.mkdtemp(prefix="openness-", dir=temp))
    document = out / "openness.json"
    sarif = Path(_input("SARIF_FILE") or out / "openness.sarif")
    if not sarif.is_absolute():
        sarif = workspace / sarif

    cmd = [sys.executable, "-m", "openness", "audit" if models else "scan"]
    cmd += ["--format", "json", "--output", str(document)]
    if _input("POLICY"):
        cmd += ["--policy", str(workspace / _input("POLICY"))]
    cmd += [*extra, "--", *(models or paths)]
    env = {k: v for k, v in os.environ.items() if not k.startswith((PREFIX, PHASE))}
    if token:
        env["HF_TOKEN"] = token
    env.setdefault("NO_COLOR", "1")
    what = f"audit of {len(models)} model(s)" if models else f"scan of {' '.join(paths)}"
    print(f"openness: {what}", flush=True)
    done = subprocess.run(
        cmd, cwd=workspace, env=env, capture_output=True, text=True, errors="replace"
    )
    echo_untrusted(scrub(done.stderr, token))
    code = done.returncode

    if code in (0, 1, 3) and document.is_file():
        scan, audit = _documents(document, models, workspace)
        _write_sarif(scan, sarif)
        set_output("sarif", str(sarif))
        set_output("json", str(document))
        if report_format:
            report = out / REPORT_FILES[report_format]
            _write_report(report_format, report, scan, audit, document, workspace)
            set_output("report", str(report))
        _annotate(scan)
        text = _markdown(scan) + _closing(code, fail_on_incomplete)
    else:
        last = [line for line in done.stderr.splitlines() if line.strip()][-1:] or ["no message"]
        text = (
            f"## openness: could not run\n\nopenness exited with {code}: "
            f"{_md(scrub(last[0], token))}\n\nNo SARIF file was written (an empty one would "
            "close every open alert).\n"
        )
        command("error", f"openness exited with {code}: {scrub(last[0], token)}")
    if summary:
        write_summary(scrub(text, token))
    set_output("exit-code", str(code))
    outcome = {0: "passed", 1: "failed", 3: "incomplete"}.get(code, "error")
    set_output("outcome", outcome)
    if code == 3 and not fail_on_incomplete:
        command("warning", "openness: some models could not be audited or decided (exit 3); "
                "the job passes because fail-on-incomplete is false")  # fmt: skip
        return 0
    if code == 1:
        command("error", "openness: a model fails the policy (exit 1); see the job summary")
    return code


def _report_format() -> str:
    value = _input("FORMAT").lower()
    if value and value not in REPORT_FILES:
        raise ActionError(
            f"input format must be one of {', '.join(REPORT_FILES)} (or empty), not {value!r}"
        )
    return value


def _args() -> list[str]:
    """The `args` input as arguments; the options the action sets itself are refused."""
    try:
        extra = shlex.split(_input("ARGS"))
    except ValueError as exc:
        raise ActionError(f"input args: {exc}") from None
    for arg in extra:
        if arg == "--":
            break  # what follows is paths or models
        if OWN_OPTIONS.match(arg):
            raise ActionError(
                f"input args: {arg!r}: the action sets openness's format and output itself "
                "(it reads the JSON report); use the `format` input for a report in another "
                "format (its path is the output `report`)"
            )
    return extra


def _documents(path: Path, models: list[str], workspace: Path):  # -> (ScanDocument, Audit|None)
    """The scan document (for `audit`, one made from its reports, each located where the
    workflow names the model), and the audit document when models were audited."""
    from pydantic import ValidationError

    from openness.report import AuditDocument, ScanDocument

    text = path.read_text(encoding="utf-8")
    try:
        if not models:
            return ScanDocument.model_validate_json(text), None
        audit = AuditDocument.model_validate_json(text)
    except ValidationError as exc:
        why = f"openness wrote no report the action can read ({exc.title})"
        raise ActionError(why, 4) from None
    return _as_scan(audit, models, workspace), audit


def _write_report(fmt: str, path: Path, scan, audit, document: Path, workspace: Path) -> None:
    """The report in the `format` asked for, from the documents this run already has."""
    from openness.formats import cyclonedx, html, markdown, spdx

    if fmt == "json":
        text = document.read_text(encoding="utf-8")
    elif fmt == "sarif":
        _write_sarif(scan, path)
        return
    elif fmt == "markdown":
        text = markdown.render_scan(scan)
    elif fmt == "cyclonedx" and audit is None:
        project = os.environ.get("GITHUB_REPOSITORY", "").rsplit("/", 1)[-1] or workspace.name
        text = cyclonedx.render_scan(scan, project=project)
    else:
        module = {"cyclonedx": cyclonedx, "spdx": spdx, "html": html}[fmt]
        text = module.render_audit(audit) if audit is not None else module.render_scan(scan)
    path.write_text(text, encoding="utf-8")


def _workflow_file() -> str:
    """The workflow file, relative to the repository (GITHUB_WORKFLOW_REF is
    owner/repo/.github/workflows/x.yml@ref)."""
    ref = os.environ.get("GITHUB_WORKFLOW_REF", "").split("@", 1)[0]
    parts = ref.split("/", 2)
    return parts[2] if len(parts) == 3 else "models input"


def _line_of(repo_id: str, file: Path) -> int:
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    wanted = repo_id.lower()
    return next((n for n, line in enumerate(lines, 1) if wanted in line.lower()), 1)


def _as_scan(audit, models: list[str], workspace: Path):  # (AuditDocument) -> ScanDocument
    from openness.gate import summary
    from openness.report import ReferenceResult, ScanDocument

    where = _workflow_file()
    refs = []

    def ref(repo_id: str, revision: str | None, **fields) -> ReferenceResult:
        return ReferenceResult(
            repo_id=repo_id,
            file=where,
            line=_line_of(repo_id, workspace / where),
            kind="action",
            via="models input",
            revision=revision,
            **fields,
        )

    policy_source = None
    for report in audit.reports:
        verdict = report.policy
        repo, rev = report.subject.repo_id, report.subject.revision
        if verdict is not None:
            policy_source = verdict.source
        if verdict is None:
            status = "audited" if report.complete else "incomplete"
            refs.append(ref(repo, rev, status=status, message=summary(report)))
        elif verdict.status == "exempted":
            exc = verdict.exceptions_applied[0]
            message = f"exception approved by {exc.approved_by} until {exc.expires}: {exc.reason}"
            refs.append(ref(repo, rev, status="exempted", exception=exc,
                            violations=verdict.violations, message=message))  # fmt: skip
        elif verdict.status == "failed":
            refs.append(ref(repo, rev, status="failed", violations=verdict.violations))
        elif verdict.status == "incomplete":
            why = "; ".join(f"{v.rule}: {v.detail}" for v in verdict.undecided)
            refs.append(ref(repo, rev, status="incomplete", violations=verdict.undecided,
                            message=f"could not be decided: {why}"))  # fmt: skip
        else:
            refs.append(ref(repo, rev, status="passed"))
    for error in audit.errors:
        refs.append(ref(error.subject, None, status="incomplete", message=error.message))
    return ScanDocument(
        policy_source=policy_source,
        references=refs,
        reports=audit.reports,
        errors=audit.errors,
    )


def _write_sarif(scan, path: Path) -> None:
    from openness.formats.sarif import render_scan

    log = json.loads(render_scan(scan))
    for one in log.get("runs", []):
        one.pop("automationDetails", None)  # it would override upload-sarif's category
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(log, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _annotate(scan) -> None:
    from openness.sanitize import one_line

    shown = 0
    for ref in scan.references:
        if ref.status not in ("failed", "unlocked", "incomplete") or shown >= MAX_ANNOTATIONS:
            continue
        level = "warning" if ref.status == "incomplete" else "error"
        why = "; ".join(f"{v.rule}: {v.detail}" for v in ref.violations) or ref.message or ""
        rule = ref.violations[0].rule if ref.violations else ref.status
        command(
            level,
            one_line(f"{ref.repo_id}: {why}", 1000),
            file=ref.file,
            line=max(1, ref.line),
            title=f"openness: {rule}",
        )
        shown += 1


def _md(text: str) -> str:
    from openness.formats.markdown import md

    return md(text, 500)


def _markdown(scan) -> str:
    from openness.formats.markdown import render_scan

    return render_scan(scan)


def _closing(code: int, fail_on_incomplete: bool) -> str:
    if code == 3:
        effect = "fails the job" if fail_on_incomplete else "does not fail the job"
        return (
            "\n> Incomplete: some models could not be audited or their policy decided; with "
            f"fail-on-incomplete {str(fail_on_incomplete).lower()} this {effect}.\n"
        )
    return ""


def write_summary(text: str, limit: int = SUMMARY_LIMIT) -> None:
    """Append to the step summary, cut at a line so that the step's summary stays within
    `limit` bytes, with a note saying so."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    path = Path(target)
    used = path.stat().st_size if path.is_file() else 0
    data = text.encode("utf-8")
    if used + len(data) > limit:
        note = (
            b"\n\n> The report was cut here to stay within GitHub's 1 MiB limit for a step's "
            b"summary; the whole report is in the SARIF and JSON files (outputs `sarif` and "
            b"`json`).\n"
        )
        room = max(0, limit - used - len(note))
        cut = data[:room]
        cut = cut[: cut.rfind(b"\n") + 1]
        data = cut + note if used + len(cut) + len(note) <= limit else b""
    with path.open("ab") as out:
        out.write(data)


if __name__ == "__main__":
    sys.exit(main())
