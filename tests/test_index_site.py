"""Issue 13, item 3: `openness index site`: the index as a static site, deployable as it is.

A small index is built by auditing the fixtures with the real program (`openness audit
--mirror fixtures/hub -f json`), with two revisions of openness-fixtures/relicensed-3b (Apache
2.0, then CC-BY-NC-4.0) so the changes page has an entry, a repo whose card is hostile HTML,
and rows whose repo ids try path traversal and markup. The structure tests read the pages with
html.parser; the browser tests open them in headless Chromium (skipped when it is absent, as in
tests/test_html.py), drive the leaderboard's filters through the URL and dump the DOM, and keep
screenshots (pytest's tmp dir, and $OPENNESS_ARTEFACTS when set).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import FIXTURES, ROOT, run_openness
from hostile import write_repo
from test_html import INJECT, MARKUP, SCRIPT, Page, browser, check_png, chromium

from openness.errors import UsageError
from openness.formats.html import safe_url
from openness.index.changes import changes_since
from openness.index.site import build_site, csp_hash, page_name
from openness.index.store import IndexRow, SqliteStore, row_of
from openness.report import AuditDocument, Report
from openness.rules import load_rules

RELICENSED = "openness-fixtures/relicensed-3b"
OLD_SHA = "56d377d5cad0c6b253c6845f4bf4790d2ad31b2f"
HOSTILE = "hostile/site"
OPEN = "openness-fixtures/open-apache-7b"
# Repo ids no Hub would accept, as a damaged or hostile database could hold them.
BAD_IDS = (
    "../../escape",
    "a/b/../../../x",
    "/etc/passwd",
    "..",
    "a--b/c",
    "a/b--c",
    "org/name.",
    "back\\slash/x",
    '<img src=x onerror="document.title=\'pwned\'">/<script>document.title="pwned"</script>',
)
NAME_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.html")
FIXTURE_REPOS = sorted(
    f"{org.name}/{repo.name}"
    for org in (FIXTURES / "models").iterdir()
    for repo in org.iterdir()
    if (repo / "info.json").is_file()
)


def _audit(*args: str) -> list[Report]:
    run = run_openness("audit", *args, "--format", "json", "--quiet", timeout=300)
    assert run.code in (0, 1, 3), run.stderr
    return AuditDocument.model_validate_json(run.stdout).reports


@pytest.fixture(scope="module")
def hostile_mirror(tmp_path_factory) -> Path:
    """A repo whose card, license name and LICENSE carry HTML, script and javascript: links."""
    root = tmp_path_factory.mktemp("hostile-site")
    quoted = MARKUP.replace('"', "'")
    card = (
        f'---\nlicense: other\nlicense_name: "{quoted}"\nlicense_link: "javascript:alert(1)"\n'
        f'datasets:\n- "{quoted}"\nbase_model: "<script>x</script>/y"\n---\n'
        f"# Model {MARKUP}\n\nTraining code: [train](javascript:alert(document.title))\n\n"
        f"## License\n\n{MARKUP} For non-commercial use only.\n"
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
            "LICENSE": f"{MARKUP}\nYou may not use the model for military purposes.\n".encode(),
        },
        siblings=["README.md", "LICENSE", "model.safetensors"],
    )
    return root


@pytest.fixture(scope="module")
def store(tmp_path_factory, hostile_mirror):
    """The index: every fixture repo, the older revision of relicensed-3b audited a month
    earlier, the hostile repo, and rows under the BAD_IDS (copies of the open model's report)."""
    digest = load_rules().digest
    db = SqliteStore(tmp_path_factory.mktemp("index") / "index.db")
    old = _audit(RELICENSED, "--revision", OLD_SHA, "--mirror", str(FIXTURES))
    assert [r.subject.revision for r in old] == [OLD_SHA]
    db.add(dataclasses.replace(row_of(old[0], digest, 900), audited_at="2026-01-01T00:00:00+00:00"))
    reports = _audit(*FIXTURE_REPOS, "--mirror", str(FIXTURES))
    assert sorted(r.subject.repo_id for r in reports) == FIXTURE_REPOS
    for i, report in enumerate(reports):
        downloads = None if i % 7 == 3 else 1000 * (len(reports) - i) ** 2
        row = row_of(report, digest, downloads)
        db.add(dataclasses.replace(row, audited_at=f"2026-02-01T00:{i:02d}:00+00:00"))
    hostile = _audit(HOSTILE, "--mirror", str(hostile_mirror))
    db.add(dataclasses.replace(row_of(hostile[0], digest, 5), audited_at="2026-02-02T00:00:00Z"))
    template = next(r for r in reports if r.subject.repo_id == OPEN)
    for i, repo_id in enumerate(BAD_IDS):
        report = template.model_copy(deep=True)
        report.subject.repo_id = repo_id
        row = dataclasses.replace(
            row_of(report, digest, i),
            audited_at=f"2026-02-03T00:00:{i:02d}Z",
            license_ids=f"apache-2.0,{MARKUP}" if i == len(BAD_IDS) - 1 else "apache-2.0",
        )
        db.add(row)
    yield db
    db.close()


@pytest.fixture(scope="module")
def latest(store) -> list[IndexRow]:
    return list(store.latest())


@pytest.fixture(scope="module")
def site(tmp_path_factory, store) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("site") / "public"
    return out, build_site(store, out)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def rows_of(page: Page):
    return [e for e in page.find("tr") if "data-rank" in e.attrs]


def model_href(page: Page, row) -> str:
    index = page.elements.index(row)
    return next(e.attrs["href"] for e in page.elements[index:] if e.tag == "a")


def page_of(site_dir: Path, index: Page, repo_id: str) -> Path:
    for row in rows_of(index):
        href = model_href(index, row)
        page = Page.of(read(site_dir / href))
        if page.title == f"openness index: {repo_id}":
            return site_dir / href
    raise AssertionError(f"no page for {repo_id}")


# -- structure (no browser) ------------------------------------------------------------------


def test_the_site_is_an_index_a_changes_page_and_one_page_per_model(site, latest):
    out, written = site
    assert (out / "index.html").is_file() and (out / "changes.html").is_file()
    assert (out / ".nojekyll").is_file()  # GitHub Pages serves the files as they are
    pages = sorted((out / "models").iterdir())
    assert len(pages) == len(latest) == len(FIXTURE_REPOS) + 1 + len(BAD_IDS)
    assert {p.resolve() for p in written} >= {p.resolve() for p in pages}
    for path in out.rglob("*"):  # nothing was written outside the site, or under odd names
        assert path.resolve().is_relative_to(out.resolve())
        if path.parent.name == "models":
            assert NAME_OK.fullmatch(path.name) and ".." not in path.name, path.name
    index = Page.of(read(out / "index.html"))
    assert index.title == f"openness index: {len(latest)} models"
    rows = rows_of(index)
    assert len(rows) == len(latest)
    linked = {(out / model_href(index, row)).resolve() for row in rows}
    assert linked == {p.resolve() for p in pages}  # every model page exists and is linked


def test_the_leaderboard_rows_carry_what_the_filters_need(site, latest):
    out, _ = site
    index = Page.of(read(out / "index.html"))
    rows = rows_of(index)
    assert [int(r.attrs["data-rank"]) for r in rows] == list(range(1, len(latest) + 1))
    word = {True: "yes", False: "no", None: "unknown"}
    for row, stored in zip(rows, latest, strict=True):  # the store's order: most downloaded
        assert row.attrs["data-rung"] == str(stored.rung)
        assert row.attrs["data-osd"] == word[stored.effective_osd]
        assert row.attrs["data-mof"] == (stored.mof_class or "none").lower()
        assert row.attrs["data-org"] == stored.org.lower()
        assert row.attrs["data-downloads"] == str(
            stored.downloads if stored.downloads is not None else -1
        )
        if "<" not in stored.license_ids:
            assert row.attrs["data-licenses"] == stored.license_ids.lower()
    panel = next(e for e in index.elements if e.attrs.get("id") == "filters")
    assert "hidden" in panel.attrs  # without the script: no controls that do nothing
    params = {e.attrs["data-param"] for e in index.elements if "data-param" in e.attrs}
    assert params == {"q", "rung", "osd", "license", "mof", "org", "downloads"}
    sortable = [e.attrs["data-sort"] for e in index.find("th") if "data-sort" in e.attrs]
    assert sortable == [
        "rank",
        "model",
        "rung",
        "osd",
        "license",
        "own",
        "mof",
        "downloads",
        "audited",
    ]
    licenses = {e.attrs["value"] for e in index.elements if e.tag == "option"}
    assert {"apache-2.0", "llama2", "cc-by-nc-4.0"} <= licenses


def test_every_relative_link_resolves_to_a_file_of_the_site(site):
    out, _ = site
    pages = [out / "index.html", out / "changes.html", *sorted((out / "models").iterdir())]
    ids = {p.resolve(): Page.of(read(p)).ids() for p in pages}
    checked = 0
    for path in pages:
        page = Page.of(read(path))
        for element in page.elements:
            href = element.attrs.get("href")
            if href is None:
                continue
            parts = urlsplit(href)
            if parts.scheme:
                assert safe_url(href) == href, href  # only http(s) leaves the site
                continue
            assert not parts.netloc and not href.startswith(("/", "\\")), href
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_relative_to(out.resolve()), href
            assert target.is_file(), f"{path.name}: {href}"
            if parts.fragment:
                assert parts.fragment in ids[target.resolve()], f"{path.name}: {href}"
            checked += 1
    assert checked > 3 * len(pages)


def _between(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.S)


def test_each_page_allows_only_its_own_script_and_stylesheet_by_hash(site):
    out, _ = site
    for path in [out / "index.html", out / "changes.html", *(out / "models").iterdir()]:
        html = read(path)
        page = Page.of(html)
        metas = page.find("meta")
        assert metas[0].attrs == {"charset": "utf-8"}
        assert metas[1].attrs["http-equiv"] == "Content-Security-Policy"
        policy = metas[1].attrs["content"] or ""
        (style,) = _between(html, "style")
        assert policy.startswith(f"default-src 'none'; style-src {csp_hash(style)}")
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "base-uri 'none'" in policy and "form-action 'none'" in policy
        scripts = _between(html, "script")
        if path.name == "index.html":
            assert len(scripts) == 1 and html.lower().count("<script") == 1
            assert f"script-src {csp_hash(scripts[0])};" in policy
        else:
            assert not scripts and "<script" not in html.lower()
            assert "script-src" not in policy  # default-src 'none': no script at all
        for element in page.elements:
            for name in element.attrs:
                assert not name.startswith("on") and name not in {"style", "src", "srcdoc"}
            assert element.tag not in {"iframe", "object", "embed", "img", "link", "base", "form"}


def test_the_leaderboard_script_never_parses_html():
    script = (ROOT / "openness" / "index" / "templates" / "leaderboard.js").read_text()
    for word in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert word not in script
    assert "new Function" not in script and "setTimeout" not in script and "</" not in script
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert csp_hash(script) == f"'sha256-{digest}'"


def test_charts_are_inline_svg_with_their_figures(site, latest):
    out, _ = site
    html = read(out / "index.html")
    page = Page.of(html)
    figures = page.find("figure", "chart")
    assert [f.attrs["id"] for f in figures] == ["chart-rungs", "chart-licenses", "chart-downloads"]
    assert len([e for e in page.find("svg", "chart", "charts")]) == 3
    section = html.split('<section id="charts"')[1].split("</section>")[0]
    rungs = section.split('id="chart-rungs"')[1].split("</figure>")[0]
    for rung in range(6):
        count = sum(1 for r in latest if r.rung == rung)
        assert f"<tr><td>{rung}</td><td>{count}</td></tr>" in rungs
        assert f"rung {rung}: {count} model" in rungs  # each bar's tooltip
    licenses = section.split('id="chart-licenses"')[1].split("</figure>")[0]
    assert "<td>llama2</td><td>0</td><td>" in licenses  # llama2 never meets the OSD
    assert "<td>apache-2.0</td><td>" in licenses and "✔ meets the OSD" in licenses
    downloads = section.split('id="chart-downloads"')[1].split("</figure>")[0]
    shares = [float(x) for x in re.findall(r"<td>([0-9.]+)%</td>", downloads)]
    assert len(shares) == 6 and abs(sum(shares) - 100) < 0.5
    total = sum(r.downloads or 0 for r in latest)
    assert f"{total:,} downloads in all." in downloads
    assert "without a download count" in downloads


def test_a_model_page_has_the_report_section_and_its_history(site):
    out, _ = site
    index = Page.of(read(out / "index.html"))
    path = page_of(out, index, RELICENSED)
    assert path.name == "openness-fixtures--relicensed-3b.html"
    html = read(path)
    page = Page.of(html)
    steps = [e for e in page.find("g", "step", "model") if e.in_svg]
    assert [e.attrs["data-rung"] for e in steps] == ["1", "2", "3", "4", "5"]
    assert len(page.find("li", "step-detail", "model")) == 5
    criteria = [e.attrs["data-criterion"] for e in page.find("tr") if "data-criterion" in e.attrs]
    assert criteria == [str(n) for n in range(1, 11)]  # the OSD table of the report
    assert "cc-by-nc-4.0" in page.text and "non_commercial" in page.text
    history = page.find("tr", "revision", "history")
    assert [e.attrs["data-sha"] for e in history][1] == OLD_SHA  # newest first
    newest = html.split('<tr class="revision changed"')[1].split("</tr>")[0]
    assert "license: apache-2.0 → cc-by-nc-4.0" in newest
    assert "terms that bind meet the OSD: yes → no" in newest
    assert "clause kinds added: " in newest and "non_commercial" in newest
    assert "first audit in the index" in html.split(f'data-sha="{OLD_SHA}"')[1]


def test_the_changes_page_lists_the_relicensed_model(site, store):
    out, _ = site
    html = read(out / "changes.html")
    page = Page.of(html)
    assert page.title == "openness index: what changed"
    changes = page.find("tr", "change")
    assert len(changes) == 1
    assert changes[0].attrs["data-kinds"] == "license osd clauses"
    assert changes[0].attrs["data-cause"] == "revision"
    row = html.split('<tr class="change"')[1].split("</tr>")[0]
    assert 'href="models/openness-fixtures--relicensed-3b.html"' in row
    assert f"{OLD_SHA[:12]}</code> → <code>" in row
    assert "license: apache-2.0 → cc-by-nc-4.0" in row
    assert "every difference" in row  # openness.diff's summary, folded
    (found,) = changes_since(store, "2000-01-01").changes  # openness.index.changes agrees
    assert found.changed == ["license", "osd", "clauses"] and found.old.sha == OLD_SHA


def test_hostile_repo_text_is_escaped_everywhere(site):
    out, _ = site
    index_html = read(out / "index.html")
    index = Page.of(index_html)
    assert index_html.lower().count("<script") == 1  # ours
    assert "<img" not in index_html.lower() and "<b id" not in index_html.lower()
    assert BAD_IDS[-1] in index.text  # the markup id is shown, as text
    assert not {"pwned", "injected"} & index.ids()
    hostile = Page.of(read(page_of(out, index, HOSTILE)))
    assert hostile.title == f"openness index: {HOSTILE}"
    assert SCRIPT in hostile.text and "<script>x</script>/y" in hostile.text
    assert not {"pwned", "injected"} & hostile.ids()
    bad = read(page_of(out, index, BAD_IDS[-1]))
    assert "<script" not in bad.lower() and "<img" not in bad.lower()
    for element in hostile.elements + Page.of(bad).elements:
        href = element.attrs.get("href")
        assert href is None or not href.lower().startswith(("javascript", "data:", "file:"))


def test_page_names_cannot_leave_the_models_folder():
    assert page_name("meta-llama/Llama-2-7b") == "meta-llama--Llama-2-7b"
    names = {repo_id: page_name(repo_id) for repo_id in BAD_IDS}
    for repo_id, name in names.items():
        assert NAME_OK.fullmatch(name + ".html") and ".." not in name, (repo_id, name)
        assert name.startswith("x-"), name  # not a Hub id: a hashed name
    assert len({n.lower() for n in names.values()}) == len(BAD_IDS)


def test_a_rebuild_replaces_the_site_and_drops_pages_of_models_gone(tmp_path, store):
    out = tmp_path / "site"
    (out / "models").mkdir(parents=True)
    (out / "models" / "gone--model.html").write_text("old")
    (out / "CNAME").write_text("index.example.org\n")  # the deployer's files stay
    first = build_site(store, out)
    assert not (out / "models" / "gone--model.html").exists()
    assert (out / "CNAME").read_text() == "index.example.org\n"
    second = build_site(store, out)
    assert {p.name for p in second} <= {p.name for p in first}
    assert not list(out.rglob("*.tmp"))
    with pytest.raises(UsageError):
        build_site(store, out / "index.html")


def test_an_empty_index_still_makes_a_site(tmp_path):
    db = SqliteStore(tmp_path / "empty.db")
    out = tmp_path / "site"
    build_site(db, out)
    page = Page.of(read(out / "index.html"))
    assert page.title == "openness index: 0 models" and not rows_of(page)
    assert "No change yet" in read(out / "changes.html")
    db.close()


def test_a_row_whose_report_cannot_be_read_still_gets_its_columns(tmp_path, latest):
    db = SqliteStore(tmp_path / "broken.db")
    good = next(r for r in latest if r.repo_id == OPEN)
    db.add(good)
    db.add(dataclasses.replace(good, repo_id="org/broken", report_json='{"subject": 1}'))
    out = tmp_path / "site"
    build_site(db, out)
    assert len(rows_of(Page.of(read(out / "index.html")))) == 2
    page = Page.of(read(out / "models" / "org--broken.html"))
    assert "the stored report could not be read" in page.text
    assert "rung 5 of 5" in page.text.lower() and len(page.find("tr", "revision")) == 1
    db.close()


def test_changes_can_be_given(tmp_path, store):
    (change,) = changes_since(store, "2000-01-01").changes
    change.summary = ["given by the caller"]
    out = tmp_path / "site"
    build_site(store, out, changes=[change])
    assert "given by the caller" in read(out / "changes.html")
    build_site(store, out, changes=[])
    assert "No change yet" in read(out / "changes.html")


def test_the_site_templates_ship_in_the_wheel(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "leaderboard.js",
        "_site.css.j2",
        "_site_macros.html.j2",
        "site_base.html.j2",
        "site_index.html.j2",
        "site_model.html.j2",
        "site_changes.html.j2",
    ):
        assert f"openness/index/templates/{name}" in names
    for name in ("_model.html.j2", "_macros.html.j2", "_report.css.j2"):
        assert f"openness/formats/templates/{name}" in names


# -- in a real browser -----------------------------------------------------------------------


def open_in_chromium(tmp_path: Path, url: str, *args: str) -> bytes:
    return chromium(tmp_path, url, *args).stdout


def dom(tmp_path: Path, path: Path, suffix: str = "") -> Page:
    raw = open_in_chromium(
        tmp_path, path.as_uri() + suffix, "--virtual-time-budget=3000", "--dump-dom"
    ).decode("utf-8")
    assert raw.strip(), "chromium dumped no DOM"
    return Page.of(raw)


def shown(page: Page) -> list:
    return rows_of(page)


def screenshot(tmp_path: Path, path: Path, name: str) -> Path:
    png = tmp_path / f"{name}.png"
    open_in_chromium(tmp_path, path.as_uri(), f"--screenshot={png}", "--window-size=1280,2000")
    artefacts = os.environ.get("OPENNESS_ARTEFACTS")
    if artefacts:
        Path(artefacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(png, Path(artefacts) / png.name)
    return png


@browser
def test_the_leaderboard_loads_with_every_row_and_its_script_ran(tmp_path, site, latest):
    out, _ = site
    page = dom(tmp_path, out / "index.html")
    assert page.title == f"openness index: {len(latest)} models"
    table = next(e for e in page.find("table") if e.attrs.get("id") == "leaderboard")
    assert table.attrs.get("data-script") == "ready"  # the hashed script ran
    assert table.attrs.get("data-shown") == str(len(latest))
    assert len(shown(page)) == len(latest)
    panel = next(e for e in page.elements if e.attrs.get("id") == "filters")
    assert "hidden" not in panel.attrs
    assert f"Showing {len(latest)} of {len(latest)} models" in page.text
    assert len(page.find("button", "sort")) == 9
    assert not {"pwned", "injected"} & page.ids() and page.find("img") == []
    artefacts = os.environ.get("OPENNESS_ARTEFACTS")
    if artefacts:  # the whole site, to open by hand
        shutil.copytree(out, Path(artefacts) / "index-site", dirs_exist_ok=True)
    check_png(screenshot(tmp_path, out / "index.html", "index-site-leaderboard"))


@browser
def test_the_url_filters_and_sorts_the_leaderboard(tmp_path, site, latest):
    out, _ = site
    index = out / "index.html"
    page = dom(tmp_path, index, "#rung=5")
    rows = shown(page)
    assert rows and {r.attrs["data-rung"] for r in rows} == {"5"}
    assert len(rows) == sum(1 for r in latest if r.rung == 5)
    # ?q= from the query string: every word must be found in the id or the licenses
    page = dom(tmp_path, index, "?q=apache")
    rows = shown(page)
    expected = [r for r in latest if "apache" in (r.repo_id + r.license_ids).lower()]
    assert len(rows) == len(expected) > 0
    assert all("apache" in r.attrs["data-search"] for r in rows)
    page = dom(tmp_path, index, "#osd=no&license=llama2&sort=-downloads")
    rows = shown(page)
    assert rows and all(r.attrs["data-osd"] == "no" for r in rows)
    assert all("llama2" in r.attrs["data-licenses"].split(",") for r in rows)
    downloads = [int(r.attrs["data-downloads"]) for r in rows]
    assert downloads == sorted(downloads, reverse=True)
    assert len(rows) == sum(
        1 for r in latest if r.effective_osd is False and "llama2" in r.license_ids.split(",")
    )
    page = dom(tmp_path, index, "#org=openness-fixtures&rung=2%2B&sort=model")
    rows = shown(page)
    assert rows and all(r.attrs["data-org"] == "openness-fixtures" for r in rows)
    assert all(int(r.attrs["data-rung"]) >= 2 for r in rows)
    names = [r.attrs["data-search"] for r in rows]
    assert names == sorted(names)
    page = dom(tmp_path, index, "#q=no-such-model-anywhere")
    assert shown(page) == [] and "No model matches these filters." in page.text


@browser
def test_a_model_page_opens_with_its_ladder(tmp_path, site):
    out, _ = site
    index = Page.of(read(out / "index.html"))
    path = page_of(out, index, RELICENSED)
    page = dom(tmp_path, path)
    assert page.title == f"openness index: {RELICENSED}"
    steps = [e for e in page.find("g", "step", "model") if e.in_svg]
    assert [e.attrs["data-rung"] for e in steps] == ["1", "2", "3", "4", "5"]
    assert [e.attrs["data-status"] for e in steps] == ["met"] + ["not-met"] * 4
    assert len(page.find("tr", "revision", "history")) == 2
    check_png(screenshot(tmp_path, path, "index-site-model"))
    check_png(screenshot(tmp_path, out / "changes.html", "index-site-changes"))


@browser
def test_no_script_from_repo_text_runs(tmp_path, site):
    out, _ = site
    index = Page.of(read(out / "index.html"))
    for repo_id in (HOSTILE, BAD_IDS[-1]):
        page = dom(tmp_path, page_of(out, index, repo_id))
        assert page.title.startswith("openness index: ")  # not retitled by the card
        assert not {"pwned", "injected"} & page.ids()
        assert not page.find("script") and not page.find("img") and not page.find("b")
    page = dom(tmp_path, out / "index.html")
    assert page.title.startswith("openness index: ") and BAD_IDS[-1] in page.text
    # Were escaping ever to fail, the CSP would still stop the markup: the page with an
    # injected script and handler runs neither, while its own hashed script still runs.
    injected = tmp_path / "injected"
    shutil.copytree(out, injected)
    html = read(injected / "index.html")
    payload = f"{SCRIPT}{INJECT}"
    (injected / "index.html").write_text(html.replace("<body>", f"<body>{payload}", 1))
    page = dom(tmp_path, injected / "index.html")
    assert page.title.startswith("openness index: ") and "pwned" not in page.ids()
    table = next(e for e in page.find("table") if e.attrs.get("id") == "leaderboard")
    assert table.attrs.get("data-script") == "ready"
    # the control: without the CSP meta the same payload runs, so the check above can see it
    bare = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    (injected / "bare.html").write_text(bare.replace("<body>", f"<body>{payload}", 1))
    page = dom(tmp_path, injected / "bare.html")
    assert page.title == "pwned" and "pwned" in page.ids()


# -- the command -----------------------------------------------------------------------------


def test_the_site_command_writes_the_site_from_a_database(tmp_path, store, latest):
    out = tmp_path / "public"
    run = run_openness("index", "site", str(out), "--db", str(store.path))
    assert run.code == 0, run.stderr
    assert f"{len(latest)} model pages" in run.stderr and run.stdout == ""
    assert len(rows_of(Page.of(read(out / "index.html")))) == len(latest)
    assert len(list((out / "models").iterdir())) == len(latest)
    quiet = run_openness("index", "site", str(out), "--db", str(store.path), "--quiet")
    assert quiet.code == 0 and quiet.stderr == ""
    env = {"OPENNESS_INDEX_DB": str(store.path)}
    assert run_openness("index", "site", str(tmp_path / "other"), env=env).code == 0


def test_the_site_command_refuses_a_missing_database_or_a_file_for_dir(tmp_path, store):
    run = run_openness("index", "site", str(tmp_path / "out"), "--db", str(tmp_path / "no.db"))
    assert run.code == 2 and "no such index" in run.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "no.db").exists()
    (tmp_path / "file").write_text("x")
    run = run_openness("index", "site", str(tmp_path / "file"), "--db", str(store.path))
    assert run.code == 2 and "not a directory" in run.stderr
    run = run_openness("index", "site", "--help")
    assert run.code == 0 and "Exit codes: 0 the site was written" in run.stdout
