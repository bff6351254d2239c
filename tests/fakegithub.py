"""A loopback stand-in for the GitHub REST API (repos and git trees), for `--deep` tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeGitHub:
    """`repos` maps "owner/name" to {"private", "license", "default_branch", "paths"}."""

    def __init__(self, repos: dict[str, dict[str, Any]]) -> None:
        self.repos = repos
        self.requests: list[tuple[str, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                status, body = fake.answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str) -> tuple[int, Any]:
        parts = path.split("?", 1)[0].strip("/").split("/")
        if len(parts) < 3 or parts[0] != "repos":
            return 404, {"message": "Not Found"}
        repo = self.repos.get(f"{parts[1]}/{parts[2]}")
        if repo is None:
            return 404, {"message": "Not Found"}
        if len(parts) == 3:
            lic = repo.get("license")
            return 200, {
                "full_name": f"{parts[1]}/{parts[2]}",
                "private": repo.get("private", False),
                "default_branch": repo.get("default_branch", "main"),
                "license": {"spdx_id": lic} if lic else None,
            }
        if parts[3:5] == ["git", "trees"]:
            return 200, {"tree": [{"path": p, "type": "blob"} for p in repo.get("paths", [])]}
        return 404, {"message": "Not Found"}

    def __enter__(self) -> FakeGitHub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
