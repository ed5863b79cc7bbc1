"""Fairness benchmark: Steward's `fairness_report` side by side with Fairlearn's `MetricFrame`.

    python bench/fairness.py                  # 1,000,000 rows, 3 Fairlearn runs (~4 minutes)
    python bench/fairness.py --rows 100000    # smaller smoke run

One seeded dataset: binary labels and predictions, and two sensitive attributes (gender, 3 values,
one rare; age band, 4 values), so 12 intersectional groups. Both tools get the same pandas
columns in the same process. Fairlearn computes a `MetricFrame` of six metrics on the
intersection (count, selection rate, TPR, FPR, precision, accuracy) plus
`demographic_parity_ratio` and `equalized_odds_difference`; Steward's one call computes all of
that and more (each attribute's groups, four disparities). Each tool runs several times,
alternating, and the median is reported. The script then checks that every number agrees
within 1e-12 and prints the figures as Markdown for bench/RESULTS.md.

Standalone on purpose: it shares nothing with the registry benchmark.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_ratio,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score

from steward.stats.fairness import FairnessReport, fairness_report

TOLERANCE = 1e-12
TARGET_SPEEDUP = 20.0
ATTRIBUTES = ("gender", "age_band")
FAIRLEARN_METRICS: dict[str, Callable[..., Any]] = {
    "count": count,
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "precision": precision_score,
    "accuracy": accuracy_score,
}
_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


def dataset(rows: int, seed: int) -> pd.DataFrame:
    """Unbalanced groups whose base rates and error rates differ a little, as in real data."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(np.array(["female", "male", "other"]), rows, p=[0.49, 0.47, 0.04])
    age_band = rng.choice(
        np.array(["18-25", "26-40", "41-60", "60+"]), rows, p=[0.2, 0.35, 0.3, 0.15]
    )
    base = 0.30 + 0.05 * (gender == "female") + 0.08 * (age_band == "60+")
    y_true = (rng.random(rows) < base).astype(np.int64)
    hit = np.where(
        y_true == 1, 0.80 - 0.06 * (gender == "other"), 0.15 + 0.04 * (age_band == "18-25")
    )
    y_pred = (rng.random(rows) < hit).astype(np.int64)
    # pandas' default column types: int64 labels, strings as pandas' own string dtype.
    return pd.DataFrame(
        {"y_true": y_true, "y_pred": y_pred, "gender": gender, "age_band": age_band}
    )


def run_steward(frame: pd.DataFrame) -> FairnessReport:
    sensitive = {name: frame[name] for name in ATTRIBUTES}
    return fairness_report(frame["y_true"], frame["y_pred"], sensitive)


def run_fairlearn(frame: pd.DataFrame) -> dict[str, Any]:
    features = frame[list(ATTRIBUTES)]
    metrics = MetricFrame(
        metrics=FAIRLEARN_METRICS,
        y_true=frame["y_true"],
        y_pred=frame["y_pred"],
        sensitive_features=features,
    )
    return {
        "by_group": metrics.by_group,
        "demographic_parity_ratio": demographic_parity_ratio(
            frame["y_true"], frame["y_pred"], sensitive_features=features
        ),
        "equalized_odds_difference": equalized_odds_difference(
            frame["y_true"], frame["y_pred"], sensitive_features=features
        ),
    }


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def compare(ours: FairnessReport, theirs: dict[str, Any]) -> tuple[int, float]:
    """Return how many numbers were compared and the largest difference; raise if any differs."""
    grouping = ours.intersection
    if grouping.small_groups:
        raise RuntimeError("a group is below min_group_size: the disparities would not compare")
    groups = {tuple(g.key[name] for name in ATTRIBUTES): g for g in grouping.groups}
    by_group: pd.DataFrame = theirs["by_group"]
    if len(by_group) != len(groups):
        raise RuntimeError(f"Fairlearn found {len(by_group)} groups, Steward {len(groups)}")
    pairs: list[tuple[str, float, float]] = []
    for key, row in by_group.iterrows():
        group = groups[key]
        pairs.append((f"{key} count", group.count, float(row["count"])))
        for name in ("selection_rate", "tpr", "fpr", "precision", "accuracy"):
            pairs.append((f"{key} {name}", getattr(group, name), float(row[name])))
    for name in ("demographic_parity_ratio", "equalized_odds_difference"):
        pairs.append((name, getattr(grouping, name), float(theirs[name])))
    worst = 0.0
    for label, mine, other in pairs:
        difference = abs(mine - other)
        if not difference <= TOLERANCE:  # also catches NaN
            raise RuntimeError(f"{label}: Steward {mine!r}, Fairlearn {other!r}")
        worst = max(worst, difference)
    return len(pairs), worst


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    """What the figures depend on. No host names or paths."""
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = {"CPU": f"{cpu}, {usable} cores usable", "Python": platform.python_version()}
    for package in ("fairlearn", "numpy", "pandas", "pyarrow", "scikit-learn"):
        facts[package] = _version(package)
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--steward-runs", type=int, default=7)
    parser.add_argument("--fairlearn-runs", type=int, default=3)
    args = parser.parse_args(argv)

    log(f"building {args.rows:,} rows (seed {args.seed})")
    frame = dataset(args.rows, args.seed)
    groups = frame.groupby(list(ATTRIBUTES)).size()
    log(f"{len(groups)} intersectional groups, {groups.min():,} to {groups.max():,} rows each")

    run_steward(frame)  # warm-up: first-call imports and allocations are not the figure
    steward_times: list[float] = []
    fairlearn_times: list[float] = []
    ours: FairnessReport | None = None
    theirs: dict[str, Any] | None = None
    # Alternate the tools so that drift in the machine's speed hits both alike.
    for run in range(max(args.steward_runs, args.fairlearn_runs)):
        if run < args.steward_runs:
            seconds, ours = timed(functools.partial(run_steward, frame))
            steward_times.append(seconds)
            log(f"Steward   run {run + 1}: {seconds * 1000:10.1f} ms")
        if run < args.fairlearn_runs:
            seconds, theirs = timed(functools.partial(run_fairlearn, frame))
            fairlearn_times.append(seconds)
            log(f"Fairlearn run {run + 1}: {seconds * 1000:10.1f} ms")
    assert ours is not None and theirs is not None

    compared, worst = compare(ours, theirs)
    log(f"same numbers: {compared} values agree, largest difference {worst:.1e}")

    steward_ms = statistics.median(steward_times) * 1000
    fairlearn_ms = statistics.median(fairlearn_times) * 1000
    ratio = fairlearn_ms / steward_ms

    print()
    print("| tool | what one run computes | runs | median ms | runs ms |")
    print("|---|---|--:|--:|---|")
    print(
        f"| Steward | `fairness_report`: 12 intersection groups + 7 single-attribute groups, "
        f"6 figures each, 4 disparities per grouping | {len(steward_times)} | {steward_ms:,.1f} | "
        f"{', '.join(f'{t * 1000:,.1f}' for t in steward_times)} |"
    )
    print(
        f"| Fairlearn | `MetricFrame` (6 metrics, intersection) + `demographic_parity_ratio` + "
        f"`equalized_odds_difference` | {len(fairlearn_times)} | {fairlearn_ms:,.1f} | "
        f"{', '.join(f'{t * 1000:,.1f}' for t in fairlearn_times)} |"
    )
    print()
    met = "met" if ratio >= TARGET_SPEEDUP else "NOT met"
    print(
        f"Speed-up (Fairlearn / Steward median): {ratio:,.0f}x (target >= {TARGET_SPEEDUP:.0f}x: {met})"
    )
    print(
        f"Agreement: {compared} values, largest difference {worst:.1e} (tolerance {TOLERANCE:.0e})"
    )
    print()
    for name, value in machine().items():
        print(f"| {name} | {value} |")
    return 0 if ratio >= TARGET_SPEEDUP else 1


if __name__ == "__main__":
    sys.exit(main())
