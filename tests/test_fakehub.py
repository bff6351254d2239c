"""Fidelity checks for tests/fakehub.py, driven by the real huggingface_hub client.

The client reads HF_ENDPOINT/HF_HOME when `huggingface_hub.constants` is imported, so every
client check runs in a fresh interpreter (`run_client`) with the environment set first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakehub import GRANTED_TOKEN, FakeHub, Fault, git_blob_sha

OPEN_SHA = "1111111111111111111111111111111111111111"
GATED_SHA = "2222222222222222222222222222222222222222"
README = "---\nlicense: apache-2.0\n---\n# Open model\n"
GATED_README = "---\nlicense: other\nlicense_name: acme-community\n---\n# Gated model\n"

_RUNNER = """
import json, sys
ns = {}
try:
    exec(compile(sys.argv[1], "<snippet>", "exec"), ns)
    out = {"ok": ns.get("result")}
except Exception as exc:
    response = getattr(exc, "response", None)
    out = {
        "error": type(exc).__name__,
        "mro": [c.__name__ for c in type(exc).__mro__],
        "status": getattr(response, "status_code", None),
        "message": str(exc),
    }
print("@@RESULT@@" + json.dumps(out, default=str))
"""


# -- fixture repos ------------------------------------------------------------------------
def _repo(root: Path, rel: str, info: dict[str, Any], files: dict[str, str]) -> None:
    folder = root / rel
    folder.mkdir(parents=True)
    (folder / "info.json").write_text(json.dumps(info), encoding="utf-8")
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def _siblings(*names: str) -> list[dict[str, Any]]:
    return [{"rfilename": n} for n in names]


def _models(root: Path) -> None:
    weights = {"rfilename": "model.safetensors", "size": 4_000_000}
    _repo(root, "models/acme/open-model", {
        "id": "acme/open-model", "sha": OPEN_SHA, "private": False, "gated": False,
        "disabled": False, "downloads": 7, "cardData": {"license": "apache-2.0"},
        "siblings": [*_siblings(".gitattributes", "README.md", "LICENSE", "cfg/config.json"),
                     weights],
        "_fakehub": {"note": "never served"},
    }, {".gitattributes": "*.safetensors filter=lfs\n", "README.md": README,
        "LICENSE": "Apache License 2.0\n", "cfg/config.json": "{}\n"})  # fmt: skip
    _repo(root, "models/acme/gated-model", {
        "id": "acme/gated-model", "sha": GATED_SHA, "private": False, "gated": "manual",
        "cardData": {"license": "other", "license_name": "acme-community"},
        "siblings": _siblings("README.md", "LICENSE"),
    }, {"README.md": GATED_README, "LICENSE": "ACME COMMUNITY LICENSE\n"})  # fmt: skip
    _repo(root, "models/acme/gated-strict", {
        "id": "acme/gated-strict", "gated": "auto", "siblings": _siblings("README.md"),
        "_fakehub": {"public_files": []},
    }, {"README.md": GATED_README})  # fmt: skip
    _repo(root, "models/acme/secret-model", {
        "id": "acme/secret-model", "private": True, "siblings": _siblings("README.md"),
    }, {"README.md": "# secret\n"})  # fmt: skip
    _repo(root, "models/acme/disabled-model", {
        "id": "acme/disabled-model", "disabled": True, "siblings": [],
    }, {})  # fmt: skip


def _datasets(root: Path) -> None:
    # Design-notes convention: the old id's folder points at the new one, which exists.
    _repo(root, "datasets/fixture_legacy_corpus", {
        "id": "fixture_legacy_corpus", "_fakehub": {"moved_to": "fixture-org/legacy-corpus"},
    }, {})  # fmt: skip
    _repo(root, "datasets/fixture-org/legacy-corpus", {
        "id": "fixture-org/legacy-corpus", "sha": "3" * 40,
        "cardData": {"license": "cc-by-4.0"}, "siblings": _siblings("README.md"),
    }, {"README.md": "---\nlicense: cc-by-4.0\n---\n"})  # fmt: skip
    # Corpus convention: the old id's folder holds the new id's info, nothing at the new id.
    _repo(root, "datasets/old_name", {
        "id": "fixture-org/renamed", "_redirect_to": "fixture-org/renamed",
        "_requested_id": "old_name", "siblings": _siblings("README.md"),
    }, {"README.md": "# renamed\n"})  # fmt: skip


@pytest.fixture
def hub_root(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    _models(root)
    _datasets(root)
    return root


@pytest.fixture
def hub(hub_root: Path) -> Iterator[FakeHub]:
    with FakeHub(hub_root) as running:
        yield running


# -- helpers ------------------------------------------------------------------------------
def run_client(hub: FakeHub, home: Path, code: str, token: str | None = None) -> dict[str, Any]:
    """Run `code` (which sets `result`) in a fresh interpreter pointed at the fake Hub.

    Returns {"ok": result} or {"error", "mro", "status", "message"} for an exception.
    """
    env = hub.client_env(home, token)
    argv = [sys.executable, "-c", _RUNNER, code]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    marker = [line for line in proc.stdout.splitlines() if line.startswith("@@RESULT@@")]
    assert marker, f"snippet crashed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(marker[-1].removeprefix("@@RESULT@@"))


def http(
    hub: FakeHub, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Raw request (urllib follows GET redirects)."""
    req = urllib.request.Request(hub.url + path, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _raised(out: dict[str, Any], name: str, status: int | None = None) -> None:
    assert "error" in out, out
    assert name in out["mro"], out
    if status is not None:
        assert out["status"] == status, out


# -- repo info ----------------------------------------------------------------------------
def test_model_info_expand(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(hub, tmp_path, """
from huggingface_hub import model_info
i = model_info("acme/open-model", expand=["sha", "gated", "cardData", "siblings"])
result = dict(sha=i.sha, gated=i.gated, license=i.card_data.license,
              files=[s.rfilename for s in i.siblings], downloads=i.downloads)
""")  # fmt: skip
    assert out["ok"] == {
        "sha": OPEN_SHA, "gated": False, "license": "apache-2.0", "downloads": None,
        "files": [".gitattributes", "README.md", "LICENSE", "cfg/config.json",
                  "model.safetensors"],
    }  # fmt: skip
    (call,) = hub.calls("GET", r"^/api/models/acme/open-model$")
    assert call.query["expand"] == ["sha", "gated", "cardData", "siblings"]


def test_model_info_full_and_blob_sizes(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(hub, tmp_path, """
from huggingface_hub import model_info
i = model_info("acme/open-model", files_metadata=True)
result = dict(downloads=i.downloads, sizes={s.rfilename: s.size for s in i.siblings},
              blob=[s.blob_id for s in i.siblings if s.rfilename == "README.md"][0])
""")  # fmt: skip
    assert out["ok"]["downloads"] == 7
    assert out["ok"]["sizes"]["README.md"] == len(README.encode())
    assert out["ok"]["sizes"]["model.safetensors"] == 4_000_000
    assert out["ok"]["blob"] == git_blob_sha(README.encode())


def test_expand_filters_and_rejects_unknown_keys(hub: FakeHub) -> None:
    status, headers, body = http(hub, "/api/models/acme/open-model?expand[]=gated")
    assert status == 200 and "x-request-id" in {k.lower() for k in headers}
    assert set(json.loads(body)) == {"_id", "id", "gated"}
    full = json.loads(http(hub, "/api/models/acme/open-model")[2])
    assert "_fakehub" not in full and full["siblings"][0] == {"rfilename": ".gitattributes"}
    status, _, body = http(hub, "/api/models/acme/open-model?expand=bogus")
    assert status == 400 and "bogus" in json.loads(body)["error"]


def test_unknown_repo_is_repository_not_found(hub: FakeHub, tmp_path: Path) -> None:
    code = 'from huggingface_hub import model_info\nresult = model_info("acme/nope").id'
    _raised(run_client(hub, tmp_path, code), "RepositoryNotFoundError", 401)
    _raised(run_client(hub, tmp_path, code, token=GRANTED_TOKEN), "RepositoryNotFoundError", 404)
    code = 'from huggingface_hub import repo_exists\nresult = repo_exists("acme/nope")'
    assert run_client(hub, tmp_path, code) == {"ok": False}


def test_private_repo_needs_the_granted_token(hub: FakeHub, tmp_path: Path) -> None:
    code = 'from huggingface_hub import model_info\nresult = model_info("acme/secret-model").id'
    _raised(run_client(hub, tmp_path, code), "RepositoryNotFoundError", 401)
    _raised(run_client(hub, tmp_path, code, token="hf_other"), "RepositoryNotFoundError", 404)
    assert run_client(hub, tmp_path, code, token=GRANTED_TOKEN) == {"ok": "acme/secret-model"}


def test_disabled_repo(hub: FakeHub, tmp_path: Path) -> None:
    code = 'from huggingface_hub import model_info\nresult = model_info("acme/disabled-model")'
    _raised(run_client(hub, tmp_path, code), "DisabledRepoError", 403)


def test_bad_revision(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(hub, tmp_path, f"""
from huggingface_hub import model_info
result = model_info("acme/open-model", revision="{OPEN_SHA}").sha
""")  # fmt: skip
    assert out == {"ok": OPEN_SHA}
    code = 'from huggingface_hub import model_info\nmodel_info("acme/open-model", revision="v9")'
    _raised(run_client(hub, tmp_path, code), "RevisionNotFoundError", 404)
    out = run_client(hub, tmp_path, """
from huggingface_hub import hf_hub_download
hf_hub_download("acme/open-model", "README.md", revision="refs/pr/1")
""")  # fmt: skip
    _raised(out, "RevisionNotFoundError", 404)
    assert hub.calls("HEAD", r"/resolve/refs%2Fpr%2F1/README\.md$")


# -- gating -------------------------------------------------------------------------------
LICENSE_CODE = """
from huggingface_hub import hf_hub_download
result = open(hf_hub_download("acme/gated-model", "LICENSE")).read()
"""


def test_gated_file_needs_the_granted_token(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(hub, tmp_path, LICENSE_CODE)
    _raised(out, "GatedRepoError", 401)
    assert "Please log in" in out["message"]
    out = run_client(hub, tmp_path, LICENSE_CODE, token="hf_not_approved")
    _raised(out, "GatedRepoError", 403)
    assert "not in the authorized list" in out["message"]
    assert run_client(hub, tmp_path, LICENSE_CODE, token=GRANTED_TOKEN) == {
        "ok": "ACME COMMUNITY LICENSE\n"
    }
    (call, *_) = hub.calls("HEAD", r"/LICENSE$")
    assert "authorization" not in call.headers


def test_gated_metadata_and_readme_are_public(hub: FakeHub, tmp_path: Path) -> None:
    out = run_client(hub, tmp_path, """
from huggingface_hub import ModelCard, model_info
i = model_info("acme/gated-model")
card = ModelCard.load("acme/gated-model")
result = dict(gated=i.gated, license=i.card_data.license, card=card.data.license_name)
""")  # fmt: skip
    assert out == {"ok": {"gated": "manual", "license": "other", "card": "acme-community"}}


def test_gated_readme_can_be_made_private(hub: FakeHub, tmp_path: Path) -> None:
    code = 'from huggingface_hub import ModelCard\nModelCard.load("acme/gated-strict")'
    _raised(run_client(hub, tmp_path, code), "GatedRepoError", 401)


# -- downloads ----------------------------------------------------------------------------
def test_download_lands_in_cache_with_etag_and_commit(hub: FakeHub, tmp_path: Path) -> None:
    code = """
from huggingface_hub import hf_hub_download
result = hf_hub_download("acme/open-model", "README.md")
"""
    out = run_client(hub, tmp_path, code)
    cache = tmp_path / "hub" / "models--acme--open-model"
    assert Path(out["ok"]) == cache / "snapshots" / OPEN_SHA / "README.md"
    assert (cache / "refs" / "main").read_text() == OPEN_SHA
    blob = cache / "blobs" / git_blob_sha(README.encode())
    assert blob.read_text() == README
    assert run_client(hub, tmp_path, code) == out
    # The second run is a cache hit: one more HEAD, no second GET.
    assert len(hub.calls("HEAD", r"/resolve/main/README\.md$")) == 2
    assert len(hub.calls("GET", r"/resolve/main/README\.md$")) == 1


def test_missing_entries_are_entry_not_found(hub: FakeHub, tmp_path: Path) -> None:
    for name in ("nope.txt", "model.safetensors"):  # unknown; listed but not on disk
        out = run_client(hub, tmp_path, f"""
from huggingface_hub import hf_hub_download
hf_hub_download("acme/open-model", "{name}")
""")  # fmt: skip
        _raised(out, "EntryNotFoundError", 404)
    no_exist = tmp_path / "hub" / "models--acme--open-model" / ".no_exist" / OPEN_SHA
    assert (no_exist / "nope.txt").exists()


def test_range_requests(hub: FakeHub) -> None:
    path = "/acme/open-model/resolve/main/LICENSE"
    status, headers, body = http(hub, path, headers={"Range": "bytes=7-"})
    assert (status, body) == (206, b"License 2.0\n")
    assert headers["Content-Range"] == "bytes 7-18/19"
    assert http(hub, path, headers={"Range": "bytes=99-"})[0] == 416
    status, headers, body = http(hub, path, method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == "19"
    etag = git_blob_sha(b"Apache License 2.0\n")
    assert headers["ETag"] == f'"{etag}"'


# -- renames ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new"),
    [("fixture_legacy_corpus", "fixture-org/legacy-corpus"), ("old_name", "fixture-org/renamed")],
)
def test_dataset_rename_redirect(hub: FakeHub, tmp_path: Path, old: str, new: str) -> None:
    out = run_client(hub, tmp_path, f"""
from huggingface_hub import dataset_info, hf_hub_download
info = dataset_info("{old}", expand=["sha", "cardData"])
path = hf_hub_download("{old}", "README.md", repo_type="dataset")
result = dict(id=info.id, readme=open(path).read())
""")  # fmt: skip
    assert out["ok"]["id"] == new
    assert hub.calls("GET", rf"^/api/datasets/{old}$")[0].status == 307
    (redirected,) = hub.calls("GET", rf"^/api/datasets/{new}$")
    assert redirected.query["expand"] == ["sha", "cardData"]  # query kept across the 307
    assert hub.calls("HEAD", rf"^/datasets/{new}/resolve/main/README\.md$")


# -- tree ---------------------------------------------------------------------------------
def test_list_repo_files_paginates(hub_root: Path, tmp_path: Path) -> None:
    with FakeHub(hub_root, page_size=2) as small:
        out = run_client(small, tmp_path, """
from huggingface_hub import list_repo_files
result = list_repo_files("acme/open-model")
""")  # fmt: skip
        pages = small.calls("GET", r"/api/models/acme/open-model/tree/main$")
    assert sorted(out["ok"]) == sorted(
        [".gitattributes", "README.md", "LICENSE", "cfg/config.json", "model.safetensors"]
    )
    assert len(pages) == 3  # 6 entries (5 files + "cfg"), 2 a page
    assert pages[1].query["cursor"] == ["2"]


def test_tree_lists_one_level(hub: FakeHub) -> None:
    status, _, body = http(hub, "/api/models/acme/open-model/tree/main")
    assert status == 200
    entries = {e["path"]: e for e in json.loads(body)}
    assert set(entries) == {".gitattributes", "README.md", "LICENSE", "cfg", "model.safetensors"}
    assert entries["cfg"]["type"] == "directory"
    assert entries["model.safetensors"]["size"] == 4_000_000
    sub = json.loads(http(hub, "/api/models/acme/open-model/tree/main/cfg")[2])
    assert [e["path"] for e in sub] == ["cfg/config.json"]
    status, headers, _ = http(hub, "/api/models/acme/open-model/tree/main/nope")
    assert (status, headers["X-Error-Code"]) == (404, "EntryNotFound")


# -- faults -------------------------------------------------------------------------------
def test_rate_limit_fault_surfaces_on_model_info(hub: FakeHub, tmp_path: Path) -> None:
    hub.faults.append(
        Fault(method="GET", path=r"^/api/models/", status=429, headers={"Retry-After": "1"})
    )
    code = 'from huggingface_hub import model_info\nresult = model_info("acme/open-model").id'
    _raised(run_client(hub, tmp_path, code), "HfHubHTTPError", 429)  # model_info never retries
    assert run_client(hub, tmp_path, code) == {"ok": "acme/open-model"}
    assert hub.faults[0].hits == 1 and hub.faults[0].times == 0


@pytest.mark.parametrize("fault", [Fault(drop=True), Fault(truncate=5)], ids=["drop", "truncate"])
def test_broken_body_is_retried_by_download(hub: FakeHub, tmp_path: Path, fault: Fault) -> None:
    fault.method, fault.path = "GET", r"/resolve/main/LICENSE$"
    hub.faults.append(fault)
    out = run_client(hub, tmp_path, """
from huggingface_hub import hf_hub_download
result = open(hf_hub_download("acme/open-model", "LICENSE")).read()
""")  # fmt: skip
    assert out == {"ok": "Apache License 2.0\n"}
    gets = hub.calls("GET", r"/resolve/main/LICENSE$")
    assert len(gets) == 2 and fault.hits == 1


def test_status_fault_with_body_and_method_filter(hub: FakeHub) -> None:
    hub.faults.append(Fault(method="HEAD", path="README", status=500, times=2))
    hub.faults.append(Fault(path="README", status=502, body="bad gateway"))
    path = "/acme/open-model/resolve/main/README.md"
    assert http(hub, path, method="HEAD")[0] == 500
    assert http(hub, path)[:3:2] == (502, b"bad gateway")
    assert http(hub, path, method="HEAD")[0] == 500
    assert http(hub, path)[0] == 200
    assert [r.status for r in hub.requests] == [500, 502, 500, 200]
