"""Issue 12, item 4: the HTML report. One self-contained page per run, every repo string inert.

The structure and escaping tests read the page with html.parser and need no browser. The
browser tests open the page in headless Chromium (Debian's package, which .ci/run installs),
dump the DOM after it ran and take a screenshot (kept under pytest's tmp dir, and copied to
$OPENNESS_ARTEFACTS when that is set, as .ci/run does); they are skipped when no chromium
binary is found, except where OPENNESS_REQUIRE_BROWSER is set (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, run_openness
from hostile import BIDI, ESC, PAYLOAD, write_repo
from pydantic import ValidationError

from openness.formats.html import CSP, render_audit, render_scan, safe_url
from openness.report import AuditDocument, CacheUse, ScanDocument

LLAMA = "meta-llama/Llama-2-7b"
FINETUNE = "openness-fixtures/llama2-finetune-apache"
OPEN = "openness-fixtures/open-apache-7b"
BATCH = (LLAMA, FINETUNE, OPEN)
HOSTILE = "hostile/html"
# What a card could try: script, an event handler that adds an element, markup, a javascript:
# link, and closers for every context the page has (title, style, svg).
SCRIPT = '<script>document.title="pwned"</script>'
INJECT = (
    "<img src=x onerror=\"document.body.insertAdjacentHTML('beforeend','<p id=pwned>pwned</p>')\">"
)
MARKUP = (
    f'{SCRIPT}{INJECT}<b id="injected">bold</b> <a href="javascript:alert(1)">js</a> '
    "</title></style></svg>]]> &amp; &lt;"
)
EXPECTED_TITLE = "openness audit: 3 models"


# -- reading a page --------------------------------------------------------------------------


VOID = {"meta", "br", "img", "input", "link", "hr", "source", "wbr", "area", "base", "col"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    section: str | None  # id of the enclosing <section>
    in_svg: bool

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())


class Page(HTMLParser):
    """The elements of a page, the section each is in, its text, and its <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.texts: list[str] = []
        self.title = ""
        self._stack: list[tuple[str, str | None]] = []
        self._in_title = False

    @classmethod
    def of(cls, html: str) -> Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    def _section(self) -> str | None:
        return next((sid for tag, sid in reversed(self._stack) if tag == "section"), None)

    def _in_svg(self) -> bool:
        return any(tag == "svg" for tag, _ in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        in_svg = self._in_svg() or tag == "svg"
        self.elements.append(Element(tag, values, self._section(), in_svg))
        if tag == "title" and not in_svg and not self.title:
            self._in_title = True
        if tag not in VOID:
            self._stack.append((tag, values.get("id") if tag == "section" else None))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs), self._section(), self._in_svg()))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1][0] == "style":
            return
        if self._in_title:
            self.title += data
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def find(self, tag: str | None = None, cls: str | None = None, section: str | None = None):
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and (cls is None or cls in e.classes)
            and (section is None or e.section == section)
        ]

    def ids(self) -> set[str]:
        return {e.attrs["id"] or "" for e in self.elements if "id" in e.attrs}


def assert_inert(page: Page) -> None:
    """Nothing on the page can run or fetch: no script, no handler, links only http(s) or
    in-page, no element a repo string could have named."""
    for element in page.elements:
        assert element.tag not in {"script", "iframe", "object", "embed", "img", "link", "base"}
        for name, value in element.attrs.items():
            assert not name.startswith("on"), (element.tag, name, value)
            assert name not in {"src", "srcdoc", "action", "formaction", "xlink:href", "data"}
            if name == "href":
                assert value and (value.startswith("#") or safe_url(value) == value), value
    assert not {"pwned", "injected"} & page.ids()
    assert not any(e.attrs.get("id", "").startswith("poison") for e in page.elements)


def report_sections(page: Page) -> list[str]:
    return [e.attrs["id"] or "" for e in page.find("section", "report")]


# -- documents -------------------------------------------------------------------------------


def _audit(*args: str, expect: tuple[int, ...] = (0,)) -> AuditDocument:
    run = run_openness("audit", *args, "--format", "json", timeout=300)
    assert run.code in expect, run.stderr
    return AuditDocument.model_validate_json(run.stdout)


@pytest.fixture(scope="module")
def batch() -> AuditDocument:
    return _audit(*BATCH, "--mirror", str(FIXTURES))


@pytest.fixture(scope="module")
def batch_html(batch) -> str:
    return render_audit(batch)


@pytest.fixture(scope="module")
def hostile_mirror(tmp_path_factory) -> Path:
    """A repo whose card, license name, datasets, base model and LICENSE carry HTML, script,
    javascript: links and terminal escapes (tests/hostile.py's PAYLOAD)."""
    root = tmp_path_factory.mktemp("hostile-html")
    quoted = MARKUP.replace('"', "'")
    card = (
        "---\nlicense: other\n"
        f'license_name: "{quoted}"\n'
        'license_link: "javascript:alert(1)"\n'
        f'datasets:\n- "{quoted}"\n'
        'base_model: "<script>x</script>/y"\n'
        f"---\n# Model {MARKUP}\n\n"
        "Training code: [train](javascript:alert(document.title)) and "
        '[train](https://github.com/a/train"onmouseover="alert(1)) '
        f"{BIDI}txt.exe\n\n"
        f"Technical report: [paper](javascript:alert(1)) {PAYLOAD}\n\n"
        f"## License\n\n{MARKUP} For non-commercial use only. {MARKUP}\n"
    )
    write_repo(
        root,
        HOSTILE,
        {
            "license": "other",
            "license_name": MARKUP,
            "license_link": "javascript:alert(1)",
            "datasets": [MARKUP],
            "base_model": "<script>x</script>/y",
        },
        {
            "README.md": card.encode(),
            "LICENSE": (
                f"{MARKUP}\nYou may not use the model for military purposes. {MARKUP}\n"
                f"You must retain this notice and give attribution. {PAYLOAD}\n"
            ).encode(),
        },
        siblings=["README.md", "LICENSE", "model.safetensors"],
    )
    return root


@pytest.fixture(scope="module")
def hostile(hostile_mirror) -> AuditDocument:
    return _audit(HOSTILE, "--mirror", str(hostile_mirror), expect=(0, 1, 3))


@pytest.fixture(scope="module")
def hostile_html(hostile) -> str:
    return render_audit(hostile)


# -- structure (no browser) ------------------------------------------------------------------


def test_the_page_is_one_self_contained_document_with_a_restrictive_csp(batch_html):
    page = Page.of(batch_html)
    assert batch_html.startswith("<!DOCTYPE html>")
    assert page.title == EXPECTED_TITLE
    metas = page.find("meta")
    assert metas[0].attrs == {"charset": "utf-8"}
    # the CSP comes before anything that could load or run
    assert metas[1].attrs == {"http-equiv": "Content-Security-Policy", "content": CSP}
    assert CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert len(page.find("style")) == 1
    assert_inert(page)
    head = batch_html.split("<body>")[0]
    assert "url(" not in head and "@import" not in head and "://" not in head


def test_the_summary_table_comes_first_with_every_model(batch, batch_html):
    page = Page.of(batch_html)
    sections = [e.attrs.get("id") for e in page.find("section")]
    assert sections == ["summary", "model-1", "model-2", "model-3"]
    rows = page.find("tr", section="summary")
    header = [e for e in rows if "data-model" not in e.attrs]
    body = [e.attrs["data-model"] for e in rows if "data-model" in e.attrs]
    assert len(header) == 1 and body == ["model-1", "model-2", "model-3"]
    text = page.text
    for heading in ("terms that bind: OSD", "own license: OSD", "rung", "MOF class", "OSAID"):
        assert heading in text
    for heading in ("policy", "complete"):
        assert heading in text
    summary = batch_html.split('<section id="summary">')[1].split("</section>")[0]
    rows_html = summary.split("<tr data-model=")[1:]
    assert [r.count(repo) for r, repo in zip(rows_html, BATCH, strict=True)] == [1, 1, 1]
    assert "✘ no" in rows_html[0] and "✘ no" in rows_html[1]  # llama2, and bound by it
    assert "✔ yes" in rows_html[2] and "5 of 5" in rows_html[2] and ">III<" in rows_html[2]
    assert "✔ pass" in rows_html[2] and "✘ fail" in rows_html[0]


def test_each_model_has_a_five_step_ladder_with_shapes_and_words(batch, batch_html):
    page = Page.of(batch_html)
    for report, section in zip(batch.reports, report_sections(page), strict=True):
        steps = [e for e in page.find("g", "step", section) if e.in_svg]
        assert len(steps) == 5
        expected = [
            {True: "met", False: "not-met", None: "unknown"}[s.met] for s in report.openness.steps
        ]
        assert [e.attrs["data-status"] for e in steps] == expected
        assert [e.attrs["data-rung"] for e in steps] == ["1", "2", "3", "4", "5"]
        # not colour alone: each status has its own icon shape and its words
        svg = [e for e in page.elements if e.section == section and e.in_svg]
        shapes = {e.tag for e in svg}
        if "met" in expected:
            assert "circle" in shapes
        if "not-met" in expected:
            assert "rect" in shapes
        assert len(page.find("li", "step-detail", section)) == 5
    llama = batch_html.split('id="model-1"')[1].split('id="model-2"')[0]
    assert "rung 2 of 5" in llama and "no link to training code" in llama
    assert "Looked for:" in llama


def test_unknown_steps_are_drawn_as_a_dashed_diamond_with_a_question_mark(batch):
    report = batch.reports[2].model_copy(deep=True)
    report.openness.steps[3].met = None
    page = Page.of(render_audit(AuditDocument(reports=[report])))
    steps = page.find("g", "step")
    assert [e.attrs["data-status"] for e in steps][3] == "unknown"
    assert page.find("polygon", "icon")
    assert "unknown" in page.text


def test_evidence_is_listed_with_its_source_and_https_links(batch_html):
    page = Page.of(batch_html)
    open_section = "model-3"
    hrefs = [e.attrs["href"] for e in page.find("a", section=open_section)]
    assert "https://arxiv.org/abs/2402.00838" in hrefs
    assert "https://github.com/openness-fixtures/open-apache-train" in hrefs
    # a mirror is a copy of the Hub: its files are linked where the Hub has them, and the
    # page says nothing of the machine that wrote it
    assert "file:" not in batch_html
    readme = "https://huggingface.co/openness-fixtures/open-apache-7b/blob/"
    assert any(h.startswith(readme) and h.endswith("/README.md") for h in hrefs)
    assert "[README.md:22]" in page.text
    llama = [e.attrs["href"] for e in page.find("a", section="model-1")]
    assert any(h.endswith("/LICENSE.txt#L39") for h in llama)  # clauses, at their line


def test_license_osd_criteria_clauses_duties_and_effective_terms(batch, batch_html):
    page = Page.of(batch_html)
    for report, section in zip(batch.reports, report_sections(page), strict=True):
        rows = page.find("tr", section=section)
        criteria = [e.attrs["data-criterion"] for e in rows if "data-criterion" in e.attrs]
        assert criteria == [str(n) for n in range(1, 11)]
        clauses = [e for e in rows if "clause" in e.classes]
        assert len(clauses) == len(report.license.clauses)
    llama = batch_html.split('id="model-1"')[1].split('id="model-2"')[0]
    assert "mau_threshold" in llama and "700,000,000 users" in llama
    assert "LICENSE.txt:39" in llama and "700 million monthly active users" in llama
    assert "You must" in llama and "gated_acceptance" in llama
    assert (
        "Llama 2 Acceptable Use Policy" in llama
        and 'href="https://ai.meta.com/llama/use-policy/"' in llama
    )
    finetune = batch_html.split('id="model-2"')[1].split('id="model-3"')[0]
    assert "Effective terms" in finetune
    assert finetune.count('class="binding"') == 2
    assert "through base" in finetune and "meta-llama/Llama-2-7b-hf" in finetune
    assert "OSD 5. No Discrimination Against Persons or Groups" in finetune


def test_the_lineage_is_a_small_graph_of_the_repo_and_its_bases(batch_html):
    page = Page.of(batch_html)
    nodes = page.find("g", "node", "model-2")
    assert [sorted(n.classes) for n in nodes] == [["node", "node-subject"], ["node", "node-bad"]]
    assert len(page.find("path", "edge", "model-2")) == 1
    model = batch_html.split('id="model-2"')[1].split('id="model-3"')[0]
    lineage = model.split('<svg class="lineage"')[1].split("</svg>")[0]
    assert FINETUNE in lineage and "meta-llama/Llama-2-7b-hf" in lineage
    assert "finetune, README.md:3 (base_model)" in lineage
    assert not page.find("svg", "lineage", "model-1")  # no base: said in words
    assert "No base model found" in batch_html.split('id="model-1"')[1]


def test_clauses_link_to_the_hub_at_the_audited_revision_and_line(batch):
    report = batch.reports[0].model_copy(deep=True)
    report.subject.source = "hub"
    report.subject.url = "https://huggingface.co/meta-llama/Llama-2-7b"
    html = render_audit(AuditDocument(reports=[report]))
    rev = report.subject.revision
    assert f'href="https://huggingface.co/meta-llama/Llama-2-7b/blob/{rev}/LICENSE.txt#L39"' in html
    assert_inert(Page.of(html))


def test_cache_age_policy_and_problems_are_shown(batch):
    report = batch.reports[0].model_copy(deep=True)
    report.cache = CacheUse(stored_at="2026-01-02T03:04:05Z", age_seconds=7300, offline=True)
    html = render_audit(AuditDocument(reports=[report]))
    assert "cached 2 h ago (stored 2026-01-02T03:04:05Z) · offline" in html
    failing = _audit(LLAMA, "--mirror", str(FIXTURES), "--min-rung", "3", expect=(1,))
    html = render_audit(failing)
    page = Page.of(html)
    assert "✘ failed" in page.text and "min_rung" in page.text.replace("-", "_")


def test_problems_and_subject_errors(hostile, hostile_html):
    page = Page.of(hostile_html)
    assert "Problems" in page.text
    for problem in hostile.reports[0].problems:
        assert problem.kind in page.text
    empty = AuditDocument.model_validate(
        {"errors": [{"subject": "<b>x</b>/y", "kind": "not_found", "message": "<script>"}]}
    )
    page = Page.of(render_audit(empty))
    assert "Could not be audited" in page.text and "<b>x</b>/y" in page.text
    assert "No model was audited." in page.text
    assert_inert(page)


def test_scan_page_lists_references_then_models(tmp_path):
    (tmp_path / "models.txt").write_text(f"{LLAMA}\n{OPEN}\n")
    (tmp_path / "app.py").write_text(
        f'from transformers import AutoModel\nAutoModel.from_pretrained("{FINETUNE}")\n'
    )
    run = run_openness("scan", "--mirror", str(FIXTURES), "--format", "json", cwd=tmp_path)
    assert run.code == 0, run.stderr
    document = ScanDocument.model_validate_json(run.stdout)
    html = render_scan(document)
    page = Page.of(html)
    assert page.title == f"openness scan: {len(document.references)} model reference(s)"
    sections = [e.attrs.get("id") for e in page.find("section")]
    assert sections[:2] == ["references", "summary"]
    refs = page.find("tr", section="references")
    assert len(refs) == 1 + len(document.references) == 4
    assert "models.txt:1" in page.text and "app.py:2" in page.text
    assert "no policy: nothing is enforced" in page.text
    for section in report_sections(page):
        assert len(page.find("g", "step", section)) == 5
    assert_inert(page)


# -- escaping (no browser) -------------------------------------------------------------------


def test_a_card_with_html_and_script_shows_as_text(hostile_html):
    page = Page.of(hostile_html)
    assert_inert(page)
    text = page.text
    assert SCRIPT in text  # the markup reached the page, as text
    assert '<b id="injected">bold</b>' in text.replace("'", '"')
    assert "<script>x</script>/y" in text  # the base model's id
    assert ESC not in hostile_html and BIDI not in hostile_html and "\x9b" not in hostile_html
    assert "&lt;script&gt;" in hostile_html and "<script" not in hostile_html.lower()
    # no javascript: link anywhere, and the https link with a quote in it is not a link either
    assert 'href="javascript' not in hostile_html.lower()
    assert "onmouseover=" not in "".join(str(e.attrs) for e in page.elements)


def test_safe_url_accepts_only_absolute_http_urls():
    for good in ("https://a.example/x?y=1&z=%20#L3", "http://a.example", "https://[::1]/x"):
        assert safe_url(good) == good
    for bad in (
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " https://a.example",
        "https://a.example/x y",
        'https://a.example/"onmouseover="x',
        "https://a.example/<x>",
        "data:text/html,<script>",
        "file:///etc/passwd",
        "//evil.example",
        "https://",
        "vbscript:x",
        "https://a.example/\u202e",
        None,
        42,
    ):
        assert safe_url(bad) is None, bad


POISON = (
    '<i id="poison{n}">{old}</i><script>document.title="poison{n}"</script>'
    '</title></style></svg>]]><a href="javascript:alert({n})">x</a>'
    f"\u202e{ESC}[2J"
)


def _poison(data: Any) -> Any:
    """Every string of a report replaced by markup; fields that must keep their literal value
    (source, severity, status, …) are put back when validation refuses them."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))
        elif isinstance(node, str):
            paths.append(path)

    def get(path: tuple[Any, ...]) -> Any:
        node = data
        for key in path:
            node = node[key]
        return node

    def put(path: tuple[Any, ...], value: Any) -> None:
        get(path[:-1])[path[-1]] = value

    walk(data, ())
    originals = {path: get(path) for path in paths}
    for n, path in enumerate(paths):
        put(path, POISON.format(n=n, old=originals[path]))
    for _ in range(len(paths)):
        try:
            return AuditDocument.model_validate(data)
        except ValidationError as error:
            for problem in error.errors():
                loc = tuple(problem["loc"])
                for path in paths:
                    if loc[: len(path)] == path:
                        put(path, originals[path])
    raise AssertionError("could not poison the report")


def test_every_string_of_every_field_is_escaped(batch):
    poisoned = _poison(batch.model_dump(mode="json", by_alias=True))
    html = render_audit(poisoned)
    page = Page.of(html)
    assert_inert(page)
    assert "<script" not in html.lower()
    assert "\u202e" not in html and ESC not in html
    assert page.text.count('<script>document.title="poison') > 100  # shown as text
    assert html.count("<svg") == 3 + 1  # three ladders and the one lineage graph
    scan = ScanDocument(reports=poisoned.reports)
    assert_inert(Page.of(render_scan(scan)))


# -- the wheel -------------------------------------------------------------------------------


def test_the_template_ships_in_the_wheel_and_renders_from_it(tmp_path, batch, wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "openness/formats/templates/report.html.j2" in names
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))
    )
    assert b"requires-dist: jinja2" in metadata.lower()
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    (tmp_path / "doc.json").write_text(batch.model_dump_json(by_alias=True))
    code = (
        "import sys, openness.formats.html as h; from openness.report import AuditDocument;"
        "assert h.__file__.startswith(sys.argv[2]), h.__file__;"
        "print(h.render_audit(AuditDocument.model_validate_json(open(sys.argv[1]).read())))"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "doc.json"), str(site)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert Page.of(run.stdout).title == EXPECTED_TITLE


# -- in a real browser -----------------------------------------------------------------------


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("OPENNESS_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        shutil.which("google-chrome"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = _chromium()
# CI sets this: there a missing browser fails the browser tests instead of skipping them.
BROWSER_REQUIRED = bool(os.environ.get("OPENNESS_REQUIRE_BROWSER"))
browser = pytest.mark.skipif(
    CHROMIUM is None and not BROWSER_REQUIRED,
    reason="no chromium binary found (CI installs Debian's: apt-get install chromium); "
    "the HTML is checked without a browser by the other tests",
)


def chromium(tmp_path: Path, page: Path | str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Headless Chromium on a page (a file, or a URL with a query or fragment), with the
    flags this machine's closed network needs, in a fresh profile."""
    if CHROMIUM is None:
        pytest.fail("OPENNESS_REQUIRE_BROWSER is set, but no chromium binary was found")
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path)
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
        page.as_uri() if isinstance(page, Path) else page,
    ]
    run = subprocess.run(command, capture_output=True, timeout=180, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
    return run


def dump_dom(tmp_path: Path, html: str, name: str) -> str:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    run = chromium(tmp_path, page, "--virtual-time-budget=3000", "--dump-dom")
    dom = run.stdout.decode("utf-8")
    assert dom.strip(), "chromium dumped no DOM"
    return dom


def screenshot(tmp_path: Path, html: str, name: str) -> Path:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    png = tmp_path / f"{name}.png"
    chromium(tmp_path, page, f"--screenshot={png}", "--window-size=1280,2000")
    artefacts = os.environ.get("OPENNESS_ARTEFACTS")
    if artefacts:
        Path(artefacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(artefacts) / png.name)
        shutil.copy(page, Path(artefacts) / page.name)
    return png


def check_png(png: Path) -> None:
    """A real PNG of 1280x2000 whose pixels are not all one colour."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 2000)
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    assert len(set(pixels[: len(pixels) // 4])) > 16, "the top of the page is blank"


@browser
def test_control_chromium_runs_page_script_and_the_csp_stops_it(tmp_path):
    """Shows the browser checks below can see script run: without the CSP it runs."""
    body = (
        "<script>document.title='pwned';"
        "document.body.insertAdjacentHTML('beforeend','<p id=\"pwned\">x</p>')</script>"
    )
    bare = f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"
    dom = Page.of(dump_dom(tmp_path, bare, "control-bare"))
    assert dom.title == "pwned" and "pwned" in dom.ids()
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    guarded = bare.replace("<head>", f"<head>{meta}")
    dom = Page.of(dump_dom(tmp_path, guarded, "control-csp"))
    assert dom.title == "t" and "pwned" not in dom.ids()


@browser
def test_batch_page_renders_in_chromium(tmp_path, batch, batch_html):
    dom = Page.of(dump_dom(tmp_path, batch_html, "batch"))
    assert dom.title == EXPECTED_TITLE
    assert len(dom.find("table", "summary")) == 1
    assert len([e for e in dom.find("tr", section="summary") if "data-model" in e.attrs]) == 3
    sections = report_sections(dom)
    assert len(sections) == 3
    for section in sections:
        assert len([e for e in dom.find("g", "step", section) if e.in_svg]) == 5
    assert_inert(dom)
    check_png(screenshot(tmp_path, batch_html, "batch"))


@browser
def test_hostile_page_shows_markup_as_text_and_runs_nothing(tmp_path, hostile_html):
    dom = Page.of(dump_dom(tmp_path, hostile_html, "hostile"))
    assert dom.title == f"openness audit: {HOSTILE}"  # the card's script did not retitle it
    assert not {"pwned", "injected"} & dom.ids()  # nor add an element
    assert not dom.find("b") and not dom.find("script") and not dom.find("img")
    assert SCRIPT in dom.text and "<script>x</script>/y" in dom.text
    assert_inert(dom)
    check_png(screenshot(tmp_path, hostile_html, "hostile"))
