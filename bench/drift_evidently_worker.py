"""Evidently's side of bench/drift.py: one run of `DataDriftPreset` in its own process.

bench/drift.py runs this file with the interpreter of the virtualenv it keeps for Evidently
(evidently 0.7 needs pandas below 3, the project uses pandas 3), so it imports nothing from
Steward or from the other benchmark files:

    <evidently venv>/bin/python bench/drift_evidently_worker.py SPEC.json OUT.json

SPEC names the two Parquet files and the numeric and categorical columns. OUT gets the timings
(reading, then dataset + report + result dict), the resident memory after the imports and the
peak (VmHWM) at the end, the library versions, and per column Evidently's method, score,
threshold and verdict. The verdict is the status of Evidently's own per-column "Value Drift"
test (FAIL means drift detected), not a comparison redone here.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any


def status_kib(field: str) -> int:
    """A `kB` field of /proc/self/status (VmRSS: resident now, VmHWM: peak resident)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def verdicts(result: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per column: method, threshold and score from the `ValueDrift` metrics, the verdict from
    the test bound to each; and the `DriftedColumnsCount` figures."""
    columns: dict[str, dict[str, Any]] = {}
    by_metric: dict[str, str] = {}
    counted: dict[str, Any] = {}
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":ValueDrift"):
            name = config["column"]
            by_metric[metric["id"]] = name
            columns[name] = {
                "method": config["method"],
                "threshold": config["threshold"],
                "score": float(metric["value"]),
                "drifted": None,
            }
        elif config["type"].endswith(":DriftedColumnsCount"):
            counted = {**metric["value"], "drift_share": config["drift_share"]}
    for test in result["tests"]:
        name = by_metric.get(test["metric_config"]["metric_id"])
        if name is not None:
            if test["status"] not in ("FAIL", "SUCCESS"):
                raise RuntimeError(f"column {name!r}: drift test status {test['status']!r}")
            columns[name]["drifted"] = test["status"] == "FAIL"
    return columns, counted


def main(spec_path: str, out_path: str) -> int:
    started = time.perf_counter()
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    imports_s = time.perf_counter() - started
    baseline_kib = status_kib("VmRSS")
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))

    started = time.perf_counter()
    reference = pd.read_parquet(spec["reference"])
    current = pd.read_parquet(spec["current"])
    read_s = time.perf_counter() - started
    after_read_kib = status_kib("VmRSS")

    started = time.perf_counter()
    definition = DataDefinition(
        numerical_columns=spec["numeric"], categorical_columns=spec["categorical"]
    )
    report = Report([DataDriftPreset()], include_tests=True)
    snapshot = report.run(
        Dataset.from_pandas(current, data_definition=definition),
        Dataset.from_pandas(reference, data_definition=definition),
    )
    columns, counted = verdicts(snapshot.dict())
    compute_s = time.perf_counter() - started

    peak_kib = status_kib("VmHWM")
    versions = {"Python": platform.python_version()}
    for package in ("evidently", "pandas", "numpy", "scipy", "pyarrow"):
        versions[package] = importlib.metadata.version(package)
    figures = {
        "imports_s": imports_s,
        "read_s": read_s,
        "compute_s": compute_s,
        "total_s": read_s + compute_s,
        "baseline_mib": baseline_kib / 1024,
        "after_read_mib": after_read_kib / 1024,
        "peak_mib": peak_kib / 1024,
        "columns": columns,
        "dataset": counted,
        "versions": versions,
    }
    Path(out_path).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
