"""Files in `src/` stay small and by feature: none holds more than 500 lines, so a module that
grows past it is split by what it does rather than left to sprawl."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
LIMIT = 500


def test_no_source_file_exceeds_500_lines() -> None:
    sizes = {
        str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines())
        for path in SRC.rglob("*.py")
    }
    assert len(sizes) > 100  # the tree was found
    assert {name: lines for name, lines in sizes.items() if lines > LIMIT} == {}
