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


# Block pandas the way a core install lacks it, then explain a model from a pyarrow table.
EXPLAIN_WITHOUT_PANDAS = """
import importlib.abc
import sys


class NoPandas(importlib.abc.MetaPathFinder):
    # scikit-learn looks pandas up in sys.modules, so it is refused at import instead.
    def find_spec(self, name, path, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("No module named 'pandas'")
        return None


sys.meta_path.insert(0, NoPandas())
import numpy as np
import pyarrow as pa
from sklearn.linear_model import LogisticRegression
from steward.domain.errors import MissingExtraError
from steward.stats.explain import explain_model
x = np.arange(40, dtype=float).reshape(20, 2)
y = (x[:, 0] > 20).astype(int)
model = LogisticRegression().fit(x, y)
try:
    explain_model(model, pa.table({"a": x[:, 0], "b": x[:, 1]}), y)
except MissingExtraError as exc:
    print(exc.exit_code, exc.message)
"""


def test_explaining_without_pandas_names_the_checks_extra() -> None:
    """Explanations need pandas, which only the `checks` extra installs: the error says so."""
    result = subprocess.run(
        [sys.executable, "-c", EXPLAIN_WITHOUT_PANDAS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{MissingExtraError.exit_code} Explaining a model needs the 'checks' extra: "
        "pip install 'steward-governance[checks]'"
    )
