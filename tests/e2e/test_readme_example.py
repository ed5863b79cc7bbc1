"""The README's Python example runs as written, in a new process on a fresh SQLite home inside a
git repository (where a user's training code lives), and leaves the version's gate into staging
waiting for nothing but the validator's sign-off: its classification, documentation,
validation data and computed checks satisfy every other requirement of the default policy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_the_readme_python_example_runs_and_meets_all_but_the_sign_off(tmp_path: Path) -> None:
    (block,) = _python_blocks(README.read_text(encoding="utf-8"))
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")
    git = ["git", "-c", "user.name=Ana", "-c", "user.email=ana@corp.example"]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "example.py"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "train"], cwd=tmp_path, check=True)
    env = {
        **os.environ,
        "STEWARD_HOME": str(tmp_path / "home"),
        "STEWARD_ACTOR": "ana",
    }
    env.pop("STEWARD_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"credit/scorer/1 [0-9a-f]{64}", lines[0])
    statuses: dict[str, str] = {}
    for line in lines[1:]:
        status, key = line.split(maxsplit=1)
        statuses[key] = status
    unmet = {key: status for key, status in statuses.items() if status != "met"}
    assert unmet == {"signoff:validator": "missing"}
    assert {"check:performance.auc >= 0.7", "documentation:intended_use"} <= set(statuses)
