"""The CLI starts without importing what only some commands need, and its lazily loaded command
table says the same as the commands it stands for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from steward.entrypoints.cli.app import command_tree
from steward.entrypoints.cli.lazy import GROUPS, load

# What `steward --help` must not pay for: the database layer, dataframes and numerics, the
# policy models and the signing library, each imported by the commands that use them.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "pandas",
    "polars",
    "numpy",
    "pyarrow",
    "scipy",
    "sklearn",
    "pydantic",
    "yaml",
    "cryptography",
)

_PROBE = """
import json, sys
from steward.entrypoints.cli.app import main
sys.argv = ["steward", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
loaded = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
sys.stderr.write("LOADED=" + json.dumps(loaded) + "\\n")
"""


def _loaded_by(*args: str) -> list[str]:
    probe = _PROBE.replace("json.loads(HEAVY)", repr(list(HEAVY)))
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=False
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED="))
    found: list[str] = json.loads(line.removeprefix("LOADED="))
    return found


def test_help_imports_nothing_heavy() -> None:
    """Asking for help must stay fast: no database driver, dataframe or numerics library."""
    assert _loaded_by("--help") == []


@pytest.mark.parametrize("group", ["project", "version", "monitor", "check", "audit"])
def test_a_groups_help_imports_nothing_heavy(group: str) -> None:
    """The same for one group's help. Typer itself loads pydantic to read the options of a
    command it runs, so that one is allowed here."""
    assert [name for name in _loaded_by(group, "--help") if name != "pydantic"] == []


def test_every_command_of_the_root_is_in_the_lazy_table() -> None:
    """A command registered on the root without an entry would be invisible in `--help`."""
    assert set(command_tree().commands) == set(GROUPS)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_the_lazy_help_text_is_the_commands_own(name: str) -> None:
    """`steward --help` shows the table's text; it must be what the command itself declares."""
    real = load(name)
    assert (real.help or "").strip() == GROUPS[name].help


def test_a_mistyped_command_still_gets_suggestions() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "steward", "projct", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "'project'" in done.stderr


_POOL_PROBE = """
import sys
from steward.entrypoints.cli.app import main
sys.argv = ["steward", "--help"]
try:
    main()
except SystemExit:
    pass
import pyarrow
print(pyarrow.default_memory_pool().backend_name)
"""


@pytest.mark.parametrize(("chosen", "expected"), [(None, "system"), ("mimalloc", "mimalloc")])
def test_the_cli_gives_arrow_the_c_allocator_unless_one_is_chosen(
    chosen: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrow's default allocator keeps freed memory, which a long ingest pays for in peak
    memory; the CLI picks the C library's unless ARROW_DEFAULT_MEMORY_POOL says otherwise."""
    if chosen is None:
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    else:
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", chosen)
    done = subprocess.run(
        [sys.executable, "-c", _POOL_PROBE], check=True, capture_output=True, text=True
    )
    assert done.stdout.strip().splitlines()[-1] == expected
