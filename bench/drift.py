"""Drift benchmark: Steward's `detect_drift` side by side with Evidently's `DataDriftPreset`.

    python bench/drift.py                 # 1,000,000 rows a side (about 2 minutes; make bench-drift)
    python bench/drift.py --rows 100000   # quick run

One seeded process writes a reference and a current Parquet file to bench/.work/drift/: 20
float64 columns of different distributions and 5 text columns of 3 to 20 categories, each
row drawn independently. Six columns drift in the current data (4 numeric: a mean shifted by
0.35 or 0.4 standard deviations, or a scale grown by 30% or 40%; 2 categorical: 40% of the
shares moved towards the reverse order); the other 19 are fresh samples of the same
distribution. Then each tool runs in its own process on the same two files:

- Steward (the project's interpreter): `detect_drift(reference_path, current_path)`, as
  `steward monitor drift` calls it: each Parquet file is read one column at a time inside the
  comparison, so Steward's reading time is part of its drift time.
- Evidently 0.7 (a virtualenv of its own in bench/.work/evidently-venv, created and filled
  from PyPI on the first run, because Evidently needs pandas below 3):
  bench/drift_evidently_worker.py reads both files with `pandas.read_parquet`, runs
  `Report([DataDriftPreset()], include_tests=True)` with the columns declared numeric or
  categorical, and takes each column's verdict from Evidently's own drift test.

Each process reports the time from reading the files to having the verdicts (reading shown
apart), its resident memory after the imports and its peak (VmHWM) at the end, and per column
the method, score and verdict. The verdicts are compared column by column, and with the drift
the data was built with. The figures are printed and written as Markdown to
bench/.work/drift-results.md; the exit status is 1 when a target is missed.

Not measured here: out-of-core throughput (data larger than memory) and Spark; both come later.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checks import log, mib, status_kib  # bench/checks.py

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
EVIDENTLY_VENV = WORK / "evidently-venv"
EVIDENTLY_PYTHON = EVIDENTLY_VENV / "bin" / "python"
EVIDENTLY_WORKER = BENCH / "drift_evidently_worker.py"
EVIDENTLY_REQUIREMENTS = ("evidently>=0.7,<0.8", "pandas<3", "pyarrow")

# The targets.
SPEEDUP = 50.0
MEMORY_SHARE = 0.25

Sampler = Callable[[Any, int], Any]  # (numpy Generator, rows) -> float64 array
Shift = Callable[[Any], Any]  # the current sample -> its drifted version


@dataclass(frozen=True)
class Numeric:
    name: str
    distribution: str
    sample: Sampler
    drift: Shift | None = None
    how: str = ""


@dataclass(frozen=True)
class Categorical:
    name: str
    labels: tuple[str, ...]
    drifted: bool = False

    def shares(self, current: bool) -> Any:
        """Reference shares fall linearly with the category's position; a drifted current
        moves 40% of them towards the reverse order."""
        import numpy as np

        weights = np.arange(len(self.labels), 0, -1, dtype=np.float64)
        shares = weights / weights.sum()
        return 0.6 * shares + 0.4 * shares[::-1] if current and self.drifted else shares


NUMERIC = (
    Numeric("n00_normal", "normal(0, 1)", lambda g, n: g.normal(0.0, 1.0, n)),
    Numeric(
        "n01_normal",
        "normal(50, 10)",
        lambda g, n: g.normal(50.0, 10.0, n),
        lambda x: x + 4.0,
        "mean +4 (0.4 std)",
    ),
    Numeric("n02_lognormal", "lognormal(0, 0.5)", lambda g, n: g.lognormal(0.0, 0.5, n)),
    Numeric(
        "n03_lognormal",
        "lognormal(3, 1)",
        lambda g, n: g.lognormal(3.0, 1.0, n),
        lambda x: x * 1.4,
        "scale x1.4",
    ),
    Numeric("n04_uniform", "uniform(0, 1)", lambda g, n: g.uniform(0.0, 1.0, n)),
    Numeric(
        "n05_uniform",
        "uniform(-5, 5)",
        lambda g, n: g.uniform(-5.0, 5.0, n),
        lambda x: x + 1.0,
        "mean +1 (0.35 std)",
    ),
    Numeric("n06_exponential", "exponential(1)", lambda g, n: g.exponential(1.0, n)),
    Numeric(
        "n07_gamma",
        "gamma(2, 2)",
        lambda g, n: g.gamma(2.0, 2.0, n),
        lambda x: x * 1.3,
        "scale x1.3",
    ),
    Numeric("n08_beta", "beta(2, 5)", lambda g, n: g.beta(2.0, 5.0, n)),
    Numeric("n09_student", "Student t(5)", lambda g, n: g.standard_t(5.0, n)),
    Numeric("n10_chisquare", "chi-square(3)", lambda g, n: g.chisquare(3.0, n)),
    Numeric("n11_weibull", "Weibull(1.5)", lambda g, n: g.weibull(1.5, n)),
    Numeric("n12_normal", "normal(-3, 0.2)", lambda g, n: g.normal(-3.0, 0.2, n)),
    Numeric("n13_laplace", "Laplace(0, 1)", lambda g, n: g.laplace(0.0, 1.0, n)),
    Numeric("n14_logistic", "logistic(0, 1)", lambda g, n: g.logistic(0.0, 1.0, n)),
    Numeric("n15_gumbel", "Gumbel(0, 1)", lambda g, n: g.gumbel(0.0, 1.0, n)),
    Numeric("n16_pareto", "1 + Pareto(3)", lambda g, n: 1.0 + g.pareto(3.0, n)),
    Numeric("n17_rayleigh", "Rayleigh(1)", lambda g, n: g.rayleigh(1.0, n)),
    Numeric("n18_triangular", "triangular(0, 2, 5)", lambda g, n: g.triangular(0.0, 2.0, 5.0, n)),
    Numeric(
        "n19_rounded",
        "normal(100, 15) rounded to 0.1",
        lambda g, n: g.normal(100.0, 15.0, n).round(1),
    ),
)
CATEGORICAL = (
    Categorical("c0_plan", ("basic", "plus", "premium")),
    Categorical("c1_channel", ("web", "app", "store", "phone", "partner")),
    Categorical("c2_region", tuple(f"region-{i:02d}" for i in range(8)), drifted=True),
    Categorical("c3_device", tuple(f"device-{i:02d}" for i in range(12))),
    Categorical("c4_segment", tuple(f"segment-{i:02d}" for i in range(20)), drifted=True),
)
EXPECTED = {c.name: c.drift is not None for c in NUMERIC} | {c.name: c.drifted for c in CATEGORICAL}


# Setup: the two Parquet files ------------------------------------------------------------------


def generate(path: Path, rows: int, seed: int, current: bool) -> dict[str, int]:
    """Write one side; each side and column gets its own seeded stream."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {}
    for number, spec in enumerate(NUMERIC):
        values = spec.sample(np.random.default_rng([seed, int(current), number]), rows)
        if current and spec.drift is not None:
            values = spec.drift(values)
        columns[spec.name] = pa.array(values, pa.float64())
    for number, cat in enumerate(CATEGORICAL, start=len(NUMERIC)):
        rng = np.random.default_rng([seed, int(current), number])
        codes = rng.choice(len(cat.labels), size=rows, p=cat.shares(current)).astype(np.int32)
        columns[cat.name] = pa.array(cat.labels, pa.string()).take(pa.array(codes))
    table = pa.table(columns)
    pq.write_table(table, path)
    return {"arrow_bytes": int(table.nbytes), "parquet_bytes": path.stat().st_size}


# Steward's side, in its own process ------------------------------------------------------------


def part_steward(work: Path) -> dict[str, Any]:
    started = time.perf_counter()
    import pyarrow.parquet  # noqa: F401  (imported by the reading; loaded before the baseline)

    from steward.stats.drift import detect_drift

    imports_s = time.perf_counter() - started
    baseline_kib = status_kib("VmRSS")

    # Given paths, as `steward monitor drift` gives them, detect_drift reads each Parquet file
    # one column at a time inside the comparison, so reading is not timed apart.
    read_s = 0.0
    after_read_kib = baseline_kib

    started = time.perf_counter()
    report = detect_drift(work / "reference.parquet", work / "current.parquet")
    columns = {
        name: {
            "method": result.method,
            "threshold": result.threshold,
            "score": result.score,
            "drifted": result.drifted,
        }
        for name, result in report.columns.items()
    }
    compute_s = time.perf_counter() - started

    return {
        "imports_s": imports_s,
        "read_s": read_s,
        "compute_s": compute_s,
        "total_s": read_s + compute_s,
        "baseline_mib": mib(baseline_kib),
        "after_read_mib": mib(after_read_kib),
        "peak_mib": mib(status_kib("VmHWM")),
        "columns": columns,
        "skipped": report.skipped,
        "dataset": {
            "count": report.drifted,
            "share": report.share,
            "drift_share": report.drift_share,
            "dataset_drift": report.dataset_drift,
        },
    }


# Evidently's interpreter -----------------------------------------------------------------------

_PROBE = (
    "import json, evidently, pandas; print(json.dumps([evidently.__version__, pandas.__version__]))"
)


def evidently_ready() -> bool:
    if not EVIDENTLY_PYTHON.exists():
        return False
    probe = subprocess.run(
        [str(EVIDENTLY_PYTHON), "-c", _PROBE], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return False
    evidently, pandas = json.loads(probe.stdout)
    return evidently.startswith("0.7.") and int(pandas.split(".")[0]) < 3


def ensure_evidently() -> None:
    """The virtualenv Evidently runs in: created and filled from PyPI when missing."""
    if evidently_ready():
        return
    log("creating bench/.work/evidently-venv for Evidently 0.7 (pandas < 3); this takes a minute")
    WORK.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(EVIDENTLY_VENV)], check=True)
    pip = [str(EVIDENTLY_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *EVIDENTLY_REQUIREMENTS], check=True)
    if not evidently_ready():
        raise RuntimeError("Evidently 0.7 with pandas below 3 is not importable after installing")


# Running the parts -----------------------------------------------------------------------------


def run_part(tool: str, work: Path, number: int) -> dict[str, Any]:
    """One run of one tool in a fresh process; what it wrote, plus the conditions around it."""
    from _common import load_average, reference_ms

    out = work / f"{tool}-{number}.json"
    if tool == "steward":
        command = [sys.executable, str(Path(__file__).resolve()), "--part", "steward"]
        command += ["--work", str(work), "--out", str(out)]
    else:
        spec = {
            "reference": str(work / "reference.parquet"),
            "current": str(work / "current.parquet"),
            "numeric": [c.name for c in NUMERIC],
            "categorical": [c.name for c in CATEGORICAL],
        }
        (work / "evidently-spec.json").write_text(json.dumps(spec), encoding="utf-8")
        command = [str(EVIDENTLY_PYTHON), str(EVIDENTLY_WORKER)]
        command += [str(work / "evidently-spec.json"), str(out)]
    conditions = {"load_before": load_average(), "reference_ms_before": reference_ms()}
    log(f"{tool} run {number}: starting a new process")
    started = time.perf_counter()
    subprocess.run(command, check=True)
    process_s = time.perf_counter() - started
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    figures |= conditions | {"process_s": process_s}
    figures |= {"load_after": load_average(), "reference_ms_after": reference_ms()}
    log(
        f"{tool} run {number}: read {figures['read_s']:.2f}s + drift {figures['compute_s']:.2f}s"
        f" = {figures['total_s']:.2f}s, peak RSS {figures['peak_mib']:,.0f} MiB"
    )
    return figures


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]


def verdict(drifted: bool | None) -> str:
    return {True: "drift", False: "no drift", None: "missing"}[drifted]


def compare(ours: dict[str, Any], theirs: dict[str, Any]) -> list[dict[str, Any]]:
    """Column by column: both tools' results, the drift built in, and whether they agree."""
    rows = []
    for name, expected in EXPECTED.items():
        mine = ours["columns"].get(name, {})
        other = theirs["columns"].get(name, {})
        score_gap = None
        if "score" in mine and "score" in other:
            scale = max(abs(mine["score"]), abs(other["score"]), 1e-300)
            score_gap = abs(mine["score"] - other["score"]) / scale
        rows.append(
            {
                "column": name,
                "expected": expected,
                "steward": mine,
                "evidently": other,
                "agree": mine.get("drifted") is not None
                and mine.get("drifted") == other.get("drifted"),
                "score_gap": score_gap,
            }
        )
    return rows


def machine(work: Path, evidently_versions: dict[str, str]) -> dict[str, str]:
    from _common import machine as common_machine

    facts = common_machine(work, REPO, None)
    out = {k: facts[k] for k in ("CPU", "Memory", "OS", "Storage", "Python", "Steward")}
    for package in ("numpy", "pyarrow", "scipy"):
        out[package] = importlib.metadata.version(package)
    others = ", ".join(f"{k} {v}" for k, v in evidently_versions.items())
    out["Evidently's virtualenv"] = others
    return out


def render(
    setup: dict[str, Any],
    steward_runs: list[dict[str, Any]],
    evidently_runs: list[dict[str, Any]],
    facts: dict[str, str],
    args: argparse.Namespace,
) -> tuple[str, list[tuple[str, str, bool]]]:
    """The figures as Markdown and the verdict on each target: time on the median run of each
    tool, memory on the highest peak of each tool's runs, verdicts on the median runs."""
    ours, theirs = median_run(steward_runs), median_run(evidently_runs)
    our_peak = max(r["peak_mib"] for r in steward_runs)
    their_peak = max(r["peak_mib"] for r in evidently_runs)
    speedup = theirs["total_s"] / ours["total_s"]
    rows = compare(ours, theirs)
    agreed = sum(r["agree"] for r in rows)
    as_built = sum(r["steward"].get("drifted") == r["expected"] for r in rows)
    targets = [
        (
            "Steward at least 50x faster than Evidently (reading + drift)",
            f"{ours['total_s']:.2f} s against {theirs['total_s']:.1f} s: {speedup:,.0f}x",
            speedup >= SPEEDUP,
        ),
        (
            "Steward's peak memory at most a quarter of Evidently's",
            f"{our_peak:,.0f} MiB against {their_peak:,.0f} MiB: {our_peak / their_peak:.3f} "
            f"(1/{their_peak / our_peak:.1f})",
            our_peak <= MEMORY_SHARE * their_peak,
        ),
        (
            "the same verdict on every column",
            f"{agreed} of {len(rows)} columns agree",
            agreed == len(rows),
        ),
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run of {when}: reference and current of {setup['rows']:,} rows each, "
        f"{len(NUMERIC)} float64 and {len(CATEGORICAL)} text columns, "
        f"{sum(EXPECTED.values())} of them drifted; Arrow size "
        f"{setup['reference']['arrow_bytes'] / 2**20:,.0f} + "
        f"{setup['current']['arrow_bytes'] / 2**20:,.0f} MiB, Parquet files "
        f"{setup['reference']['parquet_bytes'] / 2**20:,.0f} + "
        f"{setup['current']['parquet_bytes'] / 2**20:,.0f} MiB.",
        "",
        "| target | figure | met |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {figure} | {'yes' if met else 'NO'} |" for t, figure, met in targets]
    lines += [
        "",
        "| tool | run | read s | drift s | read + drift s | process s | baseline MiB "
        "| after reading MiB | peak RSS MiB | load average | reference workload ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for tool, runs in (("Steward", steward_runs), ("Evidently", evidently_runs)):
        for number, r in enumerate(runs, start=1):
            lines.append(
                f"| {tool} | {number} | {r['read_s']:.2f} | {r['compute_s']:.2f} "
                f"| {r['total_s']:.2f} | {r['process_s']:.1f} | {r['baseline_mib']:,.0f} "
                f"| {r['after_read_mib']:,.0f} | {r['peak_mib']:,.0f} "
                f"| {r['load_before']:.2f} -> {r['load_after']:.2f} "
                f"| {r['reference_ms_before']:.0f} -> {r['reference_ms_after']:.0f} |"
            )
    lines += [
        "",
        f"Verdicts of the median runs: {agreed} of {len(rows)} columns agree; Steward matches "
        f"the drift built into the data on {as_built} of {len(rows)}. Dataset drift: Steward "
        f"{ours['dataset']['count']} drifted columns ("
        f"{'drift' if ours['dataset']['dataset_drift'] else 'no drift'} at share "
        f"{ours['dataset']['drift_share']}), Evidently "
        f"{theirs['dataset']['count']:.0f} (share {theirs['dataset']['share']:.2f}).",
        "",
        "| column | built | Steward method | Steward score | Steward | Evidently method "
        "| Evidently score | Evidently | score difference | agree |",
        "|---|---|---|--:|---|---|--:|---|--:|---|",
    ]
    specs: dict[str, str] = {c.name: c.how or c.distribution for c in NUMERIC}
    specs |= {
        c.name: f"{len(c.labels)} categories{', shares moved' if c.drifted else ''}"
        for c in CATEGORICAL
    }
    for r in rows:
        mine, other = r["steward"], r["evidently"]
        built = f"{'drift' if r['expected'] else 'no drift'} ({specs[r['column']]})"
        gap = "" if r["score_gap"] is None else f"{r['score_gap']:.1e}"
        lines.append(
            f"| {r['column']} | {built} | {mine.get('method', '')} | {_score(mine)} "
            f"| {verdict(mine.get('drifted'))} | {other.get('method', '')} | {_score(other)} "
            f"| {verdict(other.get('drifted'))} | {gap} | {'yes' if r['agree'] else '**NO**'} |"
        )
    given = " ".join(args.given)
    command = f"python bench/drift.py {given}" if given else "make bench-drift"
    lines += ["", "| | |", "|---|---|", f"| Command | `{command}` |"]
    lines += [f"| {k} | {v} |" for k, v in facts.items()]
    return "\n".join(lines) + "\n", targets


def _score(result: dict[str, Any]) -> str:
    return "" if "score" not in result else f"{result['score']:.4g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of each side")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--steward-runs", type=int, default=3)
    parser.add_argument("--evidently-runs", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the Parquet files")
    parser.add_argument("--part", choices=["steward"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.given = list(sys.argv[1:] if argv is None else argv)
    if args.part is not None:
        args.out.write_text(json.dumps(part_steward(args.work), indent=1), encoding="utf-8")
        return 0
    if args.steward_runs < 1 or args.evidently_runs < 1:
        parser.error("each tool needs at least one run")

    ensure_evidently()
    work = WORK / "drift"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log(f"writing reference and current, {args.rows:,} rows each (seed {args.seed})")
    setup: dict[str, Any] = {"rows": args.rows}
    for side in ("reference", "current"):
        setup[side] = generate(work / f"{side}.parquet", args.rows, args.seed, side == "current")
    try:
        steward_runs = [run_part("steward", work, n) for n in range(1, args.steward_runs + 1)]
        evidently_runs = [run_part("evidently", work, n) for n in range(1, args.evidently_runs + 1)]
        facts = machine(work, evidently_runs[0]["versions"])
        markdown, targets = render(setup, steward_runs, evidently_runs, facts, args)
    finally:
        if args.keep:
            log("kept the Parquet files in bench/.work/drift/")
        else:
            shutil.rmtree(work, ignore_errors=True)
    from _common import publish

    return publish(markdown, "drift-results.md", targets)


if __name__ == "__main__":
    sys.exit(main())
