"""JSON output: the pydantic document as it is (JSON escaping keeps untrusted text inert)."""

from __future__ import annotations

from pydantic import BaseModel


def render(document: BaseModel) -> str:
    return document.model_dump_json(indent=2) + "\n"
