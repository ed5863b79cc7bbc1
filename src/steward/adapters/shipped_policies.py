"""The policies shipped in the package, read without validating them: their texts by declared
name, and the permissions a shipped policy maps, which a permission decision needs before the
policy has been stored (a fresh store). The test suite validates every shipped policy, so the
raw `permissions` section is the one the validated policy would hold."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

PACKAGE = "steward"
_NAME = re.compile(r"""^name:[ \t]*["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?[ \t]*(?:#.*)?$""", re.M)
FOLDER = "policies"


@cache
def shipped_texts() -> dict[str, str]:
    """Name -> YAML text; a file's name stands in for a policy that declares none."""
    folder = resources.files(PACKAGE).joinpath(FOLDER)
    texts: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not entry.is_file() or not entry.name.endswith((".yaml", ".yml")):
            continue
        text = entry.read_text(encoding="utf-8")
        stem = entry.name.rsplit(".", 1)[0]
        texts.setdefault(_declared_name(text) or stem, text)
    return texts


@cache
def shipped_permissions(name: str) -> dict[str, tuple[str, ...]] | None:
    """The `permissions` section of a shipped policy as written (an empty mapping when it has
    none); None when no shipped policy has that name."""
    text = shipped_texts().get(name)
    if text is None:
        return None
    section = _load(text).get("permissions") or {}
    return {str(action): tuple(str(r) for r in roles) for action, roles in section.items()}


def _load(text: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)  # a safe loader
    return data if isinstance(data, dict) else {}


def _declared_name(text: str) -> str | None:
    """The top-level `name:` of a shipped policy, found without parsing the whole file: a
    decision on a fresh store reads one shipped policy, not all of them."""
    found = _NAME.search(text)
    return found.group(1) if found else None
