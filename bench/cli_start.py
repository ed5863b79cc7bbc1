"""Start-up time of the `steward` command as whole processes: `steward --help` and a read on a
SQLite home this script prepares, beside `python -c pass`. Prints median and spread."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 15


def _time(argv: list[str], env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    steward = [sys.executable, "-m", "steward"]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "STEWARD_HOME": home}
        subprocess.run([*steward, "project", "create", "bench"], env=env, check=True)
        cases = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "steward --help": [*steward, "--help"],
            "steward project list (SQLite)": [*steward, "project", "list"],
        }
        for name, argv in cases.items():
            t = _time(argv, env)
            print(
                f"{name:32s} median {statistics.median(t):.3f} s  min {min(t):.3f}  max {max(t):.3f}"
            )


if __name__ == "__main__":
    main()
