"""A command that needs an extra which is not installed says which one, in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from steward.domain.errors import MissingExtraError

# Block psycopg the way an install without the `postgres` extra lacks it, then run the CLI.
RUN_WITHOUT_PSYCOPG = (
    "import sys; sys.modules['psycopg'] = None; "
    "from steward.entrypoints.cli.app import main; sys.argv[0] = 'steward'; main()"
)


def test_postgres_url_without_the_postgres_extra_is_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "STEWARD_HOME": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN_WITHOUT_PSYCOPG,
            "--database-url",
            "postgresql://nobody@127.0.0.1:1/none",
            "project",
            "list",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == MissingExtraError.exit_code
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "steward: error: PostgreSQL support needs the 'postgres' extra: "
        "pip install 'steward-governance[postgres]'"
    ]
