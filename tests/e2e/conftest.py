"""Drive the real `steward` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


def run_as(home: Path, *args: str, actor: str | None, cwd: Path | None = None) -> Result:
    """`steward ARGS` as a process on the store in `home`, acting as `actor` (declared), or as
    the operating-system login when `actor` is None; no other STEWARD_ setting leaks in."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    environ.update({"STEWARD_HOME": str(home), "COLUMNS": "200"})
    if actor is not None:
        environ["STEWARD_ACTOR"] = actor
    proc = subprocess.run(
        [sys.executable, "-m", "steward", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    home = tmp_path / "home"

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
        environ.update({"STEWARD_HOME": str(home), "STEWARD_ACTOR": "ana", "COLUMNS": "200"})
        environ.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "steward", *args],
            capture_output=True,
            text=True,
            env=environ,
            cwd=cwd or tmp_path,
            timeout=120,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run
