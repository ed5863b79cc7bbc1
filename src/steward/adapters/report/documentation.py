"""The `documentation` section: each documentation field the policy asks for, present or
missing, with its description."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from steward.adapters.report.markup import Cell, badge, table
from steward.adapters.report.values import as_list, as_mapping, plain, text


def render_documentation(details: Mapping[str, Any], anchor: str) -> str:
    """Required fields in the order the policy lists them, then other present fields sorted."""
    required = [plain(name) for name in as_list(details.get("required"))]
    present = {plain(name) for name in as_list(details.get("present"))}
    missing = {plain(name) for name in as_list(details.get("missing"))}
    fields = as_mapping(details.get("fields"))
    extra = sorted((present | missing) - set(required))
    rows: list[list[Cell | str]] = []
    classes: list[str] = []
    for name in dict.fromkeys([*required, *extra]):
        # A field listed as missing is missing even if also listed as present.
        is_present = name in present and name not in missing
        rows.append(
            [
                f"<code>{text(name)}</code>",
                "yes" if name in required else "no",
                badge(is_present, yes="present", no="missing"),
                "" if fields.get(name) is None else text(fields.get(name)),
            ]
        )
        classes.append("" if is_present else "failed")
    counts = f"{len([n for n in required if n in present and n not in missing])} of {len(required)}"
    caption = f"Required documentation fields present: {counts}"
    return table(
        ["Field", "Required", "Status", "Description"], rows, row_classes=classes, caption=caption
    )
