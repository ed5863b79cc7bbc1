"""Start-up time of the `steward` command as whole processes, beside `python -c pass`:
`steward --help`, and `steward version show` and `steward project list` on a SQLite home this
script prepares (one project, one registered scikit-learn model). Each command runs RUNS times;
the median, the fastest and the slowest run are printed, with the machine's load.

    python bench/cli_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _times(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    subprocess.run(argv, env=env, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def _prepare(home: Path) -> None:
    """One project with one registered version, through the SDK as a user would."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    import steward

    rng = np.random.default_rng(7)
    features = rng.normal(size=(200, 4))
    model = LogisticRegression().fit(features, features[:, 0] > 0)
    client = steward.Client(home=home)
    client.create_project("bench", purpose="start-up benchmark", business_objective="time the CLI")
    client.register(model, project="bench", name="scorer", metrics={"auc": 0.9})
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    entry = shutil.which("steward", path=str(Path(sys.executable).parent)) or "steward"
    home = Path(tempfile.mkdtemp(prefix="steward-start-"))
    try:
        _prepare(home)
        env = {**os.environ, "STEWARD_HOME": str(home)}
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "steward --help": [entry, "--help"],
            "steward version show (SQLite)": [entry, "version", "show", "bench/scorer/1"],
            "steward project list (SQLite)": [entry, "project", "list"],
        }
        print(f"{runs} runs each; load average before: {os.getloadavg()[0]:.2f}")
        print(f"{'command':32s} {'median':>8s} {'min':>7s} {'max':>7s}")
        for name, argv in cases.items():
            t = _times(argv, env, runs)
            print(f"{name:32s} {statistics.median(t):7.3f}s {min(t):6.3f}s {max(t):6.3f}s")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
