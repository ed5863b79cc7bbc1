"""Every command explains itself (--help) and is documented in docs/cli.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from steward.entrypoints.cli.app import app, command_tree

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands() -> list[tuple[str, ...]]:
    root = command_tree()
    found: list[tuple[str, ...]] = []

    # Typer ships its own copy of Click, so groups are recognised by their `commands`.
    def walk(command: Any, path: tuple[str, ...]) -> None:
        found.append(path)
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))

    walk(root, ())
    return found


def test_every_command_has_help() -> None:
    runner = CliRunner()
    commands = _commands()
    assert len(commands) > 20
    for path in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_every_command_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [
        " ".join(("steward", *path))
        for path in _commands()
        if path and f"### {' '.join(('steward', *path))}\n" not in text
    ]
    assert missing == [], f"undocumented in docs/cli.md: {missing}"


def test_every_command_has_a_json_option_where_it_prints_data() -> None:
    root = command_tree()
    without = []
    for path in _commands():
        command: Any = root
        for name in path:
            command = command.commands[name]
        # `audit export` and `webhook listen` print JSON Lines whatever is asked.
        if hasattr(command, "commands") or path[-1] in ("export", "listen"):
            continue
        if not any("--json" in p.opts for p in command.params):
            without.append(" ".join(path))
    assert without == []


def test_the_user_guides_stand_alone_export_verifier_works(cli: Any, tmp_path: Path) -> None:
    """The guide promises auditors a standard-library script; run it on a real export."""
    import subprocess
    import sys

    guide = (DOCS.parent / "user-guide.md").read_text(encoding="utf-8")
    start = guide.index('"""Re-verify a `steward audit export`')
    script = tmp_path / "verify_export.py"
    script.write_text(guide[start : guide.index("```", start)], encoding="utf-8")
    assert cli("project", "create", "p", "--reason", 'naïve "quoted" \\ tab\tend').code == 0
    assert cli("project", "member", "add", "p", "zoë", "--role", "ml_engineer").code == 0
    export = tmp_path / "trail.jsonl"
    assert cli("audit", "export", "--output", str(export)).code == 0
    ok = subprocess.run(
        [sys.executable, str(script), str(export)], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0 and ok.stdout.startswith("2 events verified"), ok.stderr
    lines = export.read_text(encoding="utf-8").splitlines()
    export.write_text(
        "\n".join([lines[0].replace('"p"', '"q"'), *lines[1:]]) + "\n", encoding="utf-8"
    )
    bad = subprocess.run(
        [sys.executable, str(script), str(export)], capture_output=True, text=True, check=False
    )
    assert bad.returncode != 0 and "broken at event 1" in bad.stderr
