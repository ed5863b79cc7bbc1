"""Out-of-core benchmark: Steward's `profile_windows` on a Parquet file much larger than the
memory it uses, side by side with pandas and Polars computing the same per-day summary.

    python bench/out_of_core.py                 # 50,000,000 rows, about 6 GiB decoded (slow)
    python bench/out_of_core.py --rows 200000   # quick run

The file is generated once, batch by batch, and cached in bench/.work/out-of-core/ (named by its
row count and seed, so a later run with the same arguments reuses it): 8 float64 and 2 int64
columns of different distributions (one with 2% nulls), 2 text columns of 4 and 20 categories
and an `event_time` timestamp spread evenly over 28 days in time order, as production logs are
written; row groups of 1,000,000 rows. The reference profile comes from a separate sample of
200,000 rows of the same distributions.

Each tool then runs in a fresh process (so that peak memory is its own) on the same file and
summarises every day (1-day windows, UTC):

- Steward: `profile_windows(reference, path, time_column="event_time", window=1d)`, which
  reads the file in batches of 65,536 rows and merges the profiles of each day; reading is part
  of its time.
- pandas: `pd.read_parquet(path)`, then per day `describe()` of the numeric columns and the
  counts of each text column's values (`groupby([day, column]).size()`), what a user would write.
- Steward on Spark (when pyspark is installed): `profile_spark` on `spark.read.parquet(path)`
  in local mode on the machine's cores, partitions profiled with mapInArrow and merged on the
  driver; its peak memory is the driver's Python process only (the JVM is not counted).
- Polars (when installed): the same summary as a lazy query on `scan_parquet`, run with the
  streaming engine (`collect_all(..., engine="streaming")`).

Each process reports its time, throughput (rows per second, reading included), resident memory
after the imports and its peak (VmHWM). The per-day row counts, the count and mean of the column
with nulls and the counts of one text column are compared between the tools. The figures are
printed and written as Markdown to bench/.work/out-of-core-results.md; the exit status is 1 when
a target is missed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checks import log, mib, status_kib  # bench/checks.py

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
DATA = WORK / "out-of-core"

# The target: Steward's peak resident memory, whatever the size of the file.
MEMORY_BOUND_MIB = 512
# Agreement between the tools on the per-day means (they sum in different orders).
MEAN_TOLERANCE = 1e-9

DAYS = 28
FIRST_DAY = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
ROW_GROUP = 1_000_000
REFERENCE_ROWS = 200_000
TIME = "event_time"
FLOATS = (
    "amount",
    "balance",
    "score",
    "latency_ms",
    "ratio",
    "temperature",
    "distance",
    "delta",
)
INTEGERS = ("items", "visits")
NUMERIC = FLOATS + INTEGERS
PLANS = ("basic", "plus", "premium", "family")
REGIONS = tuple(f"region-{i:02d}" for i in range(20))
CATEGORICAL = ("plan", "region")
WITH_NULLS = "balance"  # the numeric column compared between the tools
COMPARED_TEXT = "plan"
TOOLS = ("steward", "spark", "pandas", "polars")


# Setup: the cached Parquet file and the reference profile ---------------------------------------


def generate_batch(rng: Any, first: int, rows: int, total: int) -> Any:
    """Rows first .. first + rows - 1 of `total` rows spread evenly over DAYS days."""
    import numpy as np
    import pyarrow as pa

    columns = {
        "amount": rng.lognormal(3.0, 1.0, rows),
        "balance": rng.normal(1_000.0, 250.0, rows),
        "score": rng.uniform(0.0, 1.0, rows),
        "latency_ms": rng.exponential(120.0, rows),
        "ratio": rng.beta(2.0, 5.0, rows),
        "temperature": rng.normal(20.0, 5.0, rows).round(1),
        "distance": rng.gamma(2.0, 3.0, rows),
        "delta": rng.standard_t(5.0, rows),
        "items": rng.integers(0, 20, rows),
        "visits": rng.poisson(3.0, rows),
    }
    arrays = {name: pa.array(values) for name, values in columns.items()}
    arrays["balance"] = pa.array(columns["balance"], mask=rng.random(rows) < 0.02)
    shares = np.arange(len(PLANS), 0, -1) / sum(range(1, len(PLANS) + 1))
    arrays["plan"] = pa.array(PLANS).take(pa.array(rng.choice(len(PLANS), rows, p=shares)))
    arrays["region"] = pa.array(REGIONS).take(pa.array(rng.integers(0, len(REGIONS), rows)))
    start_us = int(FIRST_DAY.timestamp()) * 1_000_000
    offsets = np.arange(first, first + rows, dtype=np.int64) * (DAYS * 86_400_000_000 // total)
    arrays[TIME] = pa.array(start_us + offsets, pa.timestamp("us", tz="UTC"))
    return pa.table(arrays)


def data_paths(rows: int, seed: int) -> tuple[Path, Path, Path]:
    stem = f"production-{rows}-{seed}"
    return DATA / f"{stem}.parquet", DATA / f"{stem}.json", DATA / f"reference-{seed}.json"


def ensure_data(rows: int, seed: int) -> dict[str, Any]:
    """The cached file and reference, generated when missing. Files are written under a temporary
    name and renamed, so an interrupted run leaves no half-written cache behind."""
    import numpy as np
    import pyarrow.parquet as pq

    from steward.stats.profile import profile_reference

    path, setup_path, reference_path = data_paths(rows, seed)
    DATA.mkdir(parents=True, exist_ok=True)
    if not reference_path.exists():
        sample = generate_batch(np.random.default_rng([seed, 0]), 0, REFERENCE_ROWS, REFERENCE_ROWS)
        profile = profile_reference(sample.drop_columns([TIME]))
        partial = reference_path.with_suffix(".partial")
        partial.write_text(json.dumps(profile.to_dict()), encoding="utf-8")
        os.replace(partial, reference_path)
    if path.exists() and setup_path.exists():
        log(f"reusing {path.relative_to(REPO)}")
        setup: dict[str, Any] = json.loads(setup_path.read_text(encoding="utf-8"))
        return setup
    log(f"writing {rows:,} rows to {path.relative_to(REPO)} (seed {seed}), once")
    rng = np.random.default_rng([seed, 1])
    partial = path.with_suffix(".partial")
    decoded = 0
    writer = None
    started = time.perf_counter()
    try:
        for first in range(0, rows, ROW_GROUP):
            table = generate_batch(rng, first, min(ROW_GROUP, rows - first), rows)
            decoded += table.nbytes
            if writer is None:
                writer = pq.ParquetWriter(partial, table.schema)
            writer.write_table(table, row_group_size=ROW_GROUP)
            if first // ROW_GROUP % 10 == 9:
                log(f"  {first + table.num_rows:,} rows written")
    finally:
        if writer is not None:
            writer.close()
    os.replace(partial, path)
    setup = {
        "rows": rows,
        "seed": seed,
        "arrow_bytes": decoded,
        "parquet_bytes": path.stat().st_size,
        "generate_s": time.perf_counter() - started,
    }
    setup_path.write_text(json.dumps(setup, indent=1), encoding="utf-8")
    return setup


# The tools, each in its own process -------------------------------------------------------------


def day_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def part_steward(path: Path, reference_path: Path, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    import pyarrow.parquet  # noqa: F401  (loaded by the reading; loaded before the baseline)

    from steward.domain.windows import parse_window, window_text
    from steward.stats.profile import CategoricalProfile, NumericProfile, Profile
    from steward.stats.stream import profile_windows

    imports_s = time.perf_counter() - started
    reference = Profile.from_dict(json.loads(reference_path.read_text(encoding="utf-8")))
    baseline_kib = status_kib("VmRSS")

    started = time.perf_counter()
    result = profile_windows(
        reference,
        path,
        time_column=TIME,
        window=parse_window("1d"),
        now_epoch=0,
        batch_rows=args.batch_rows,
    )
    seconds = time.perf_counter() - started

    days: dict[str, Any] = {}
    for start, profile in result.profiles.items():
        numeric, text = profile.columns[WITH_NULLS], profile.columns[COMPARED_TEXT]
        assert isinstance(numeric, NumericProfile) and isinstance(text, CategoricalProfile)
        days[window_text(start)] = {
            "rows": profile.rows,
            "count": numeric.count,
            "mean": numeric.mean,
            "text": {value: n for value, n in text.frequencies if n},
        }
    return {
        "imports_s": imports_s,
        "read_s": None,  # reading is part of the profiling
        "seconds": seconds,
        "baseline_mib": mib(baseline_kib),
        "peak_mib": mib(status_kib("VmHWM")),
        "batches": result.batches,
        "days": days,
    }


def part_pandas(path: Path, _: Path, __: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    import pandas as pd
    import pyarrow.parquet  # noqa: F401

    imports_s = time.perf_counter() - started
    baseline_kib = status_kib("VmRSS")

    started = time.perf_counter()
    frame = pd.read_parquet(path)
    read_s = time.perf_counter() - started
    day = frame[TIME].dt.floor("D")
    numeric = frame[list(NUMERIC)].groupby(day).describe()
    rows = frame.groupby(day).size()
    counts = {name: frame.groupby([day, frame[name]], observed=True).size() for name in CATEGORICAL}
    seconds = time.perf_counter() - started

    days: dict[str, Any] = {}
    for moment, n in rows.items():
        text = counts[COMPARED_TEXT].loc[moment]
        days[day_text(moment.to_pydatetime())] = {
            "rows": int(n),
            "count": int(numeric.loc[moment, (WITH_NULLS, "count")]),
            "mean": float(numeric.loc[moment, (WITH_NULLS, "mean")]),
            "text": {str(value): int(c) for value, c in text.items() if c},
        }
    return {
        "imports_s": imports_s,
        "read_s": read_s,
        "seconds": seconds,
        "baseline_mib": mib(baseline_kib),
        "peak_mib": mib(status_kib("VmHWM")),
        "days": days,
    }


def part_polars(path: Path, _: Path, __: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    import polars as pl

    imports_s = time.perf_counter() - started
    baseline_kib = status_kib("VmRSS")

    started = time.perf_counter()
    data = pl.scan_parquet(path)
    day = pl.col(TIME).dt.truncate("1d").alias("day")
    # What describe() gives per column: count, mean, std, min, quartiles, max.
    summary = [pl.len().alias("rows")]
    for name in NUMERIC:
        column = pl.col(name)
        summary += [
            column.count().alias(f"{name}:count"),
            column.mean().alias(f"{name}:mean"),
            column.std().alias(f"{name}:std"),
            column.min().alias(f"{name}:min"),
            column.quantile(0.25).alias(f"{name}:p25"),
            column.median().alias(f"{name}:p50"),
            column.quantile(0.75).alias(f"{name}:p75"),
            column.max().alias(f"{name}:max"),
        ]
    queries = [data.group_by(day).agg(summary)]
    queries += [data.group_by(day, pl.col(name)).len() for name in CATEGORICAL]
    numeric, *counts = pl.collect_all(queries, engine="streaming")
    seconds = time.perf_counter() - started

    days: dict[str, Any] = {}
    for row in numeric.sort("day").iter_rows(named=True):
        days[day_text(row["day"])] = {
            "rows": row["rows"],
            "count": row[f"{WITH_NULLS}:count"],
            "mean": row[f"{WITH_NULLS}:mean"],
            "text": {},
        }
    text = counts[CATEGORICAL.index(COMPARED_TEXT)]
    for moment, value, n in text.iter_rows():
        days[day_text(moment)]["text"][value] = n
    return {
        "imports_s": imports_s,
        "read_s": None,  # the streaming engine reads as it aggregates
        "seconds": seconds,
        "baseline_mib": mib(baseline_kib),
        "peak_mib": mib(status_kib("VmHWM")),
        "days": days,
    }


def part_spark(path: Path, reference_path: Path, _: argparse.Namespace) -> dict[str, Any]:
    """Steward's `profile_spark` on Spark in local mode (local[2], the machine's two cores):
    the same profiles computed where production data would live, merged on the driver. The
    peak is the driver's Python process only; the JVM and its Python workers are not counted."""
    started = time.perf_counter()
    from steward.adapters.spark import local_session, profile_spark
    from steward.domain.windows import parse_window, window_text
    from steward.stats.profile import CategoricalProfile, NumericProfile, Profile

    spark = local_session("steward-bench")
    imports_s = time.perf_counter() - started
    reference = Profile.from_dict(json.loads(reference_path.read_text(encoding="utf-8")))
    baseline_kib = status_kib("VmRSS")
    started = time.perf_counter()
    frame = spark.read.parquet(str(path))
    profiles, _untimed = profile_spark(
        reference, frame, time_column=TIME, window=parse_window("1d"), now_epoch=0
    )
    seconds = time.perf_counter() - started
    spark.stop()
    days: dict[str, Any] = {}
    for start, profile in sorted(profiles.items()):
        numeric, text = profile.columns[WITH_NULLS], profile.columns[COMPARED_TEXT]
        assert isinstance(numeric, NumericProfile) and isinstance(text, CategoricalProfile)
        days[window_text(start)] = {
            "rows": profile.rows,
            "count": numeric.count,
            "mean": numeric.mean,
            "text": {value: n for value, n in text.frequencies if n},
        }
    return {
        "imports_s": imports_s,
        "read_s": None,
        "seconds": seconds,
        "baseline_mib": mib(baseline_kib),
        "peak_mib": mib(status_kib("VmHWM")),
        "days": days,
    }


PARTS = {
    "steward": part_steward,
    "pandas": part_pandas,
    "polars": part_polars,
    "spark": part_spark,
}


def run_part(tool: str, args: argparse.Namespace, number: int) -> dict[str, Any]:
    """One run of one tool in a fresh process; what it wrote, plus the conditions around it. A
    process that fails (the out-of-memory killer, say) is reported, not raised."""
    from _common import load_average, reference_ms

    out = DATA / f"{tool}-{number}.json"
    out.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--part", tool, "--out", str(out)]
    command += ["--rows", str(args.rows), "--seed", str(args.seed)]
    command += ["--batch-rows", str(args.batch_rows)]
    conditions = {"load_before": load_average(), "reference_ms_before": reference_ms()}
    log(f"{tool} run {number}: starting a new process")
    started = time.perf_counter()
    done = subprocess.run(command, check=False)
    process_s = time.perf_counter() - started
    if done.returncode != 0:
        log(f"{tool} run {number}: failed with exit status {done.returncode}")
        return conditions | {"failed": f"exit status {done.returncode}", "process_s": process_s}
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    figures |= conditions | {"process_s": process_s}
    figures |= {"load_after": load_average(), "reference_ms_after": reference_ms()}
    log(
        f"{tool} run {number}: {figures['seconds']:.1f}s, "
        f"{args.rows / figures['seconds']:,.0f} rows/s, peak RSS {figures['peak_mib']:,.0f} MiB"
    )
    return figures


# Comparing and reporting ------------------------------------------------------------------------


def disagreements(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Where another tool's per-day figures differ from Steward's: days, rows, counts and text
    counts exactly, means to a relative MEAN_TOLERANCE."""
    found = []
    if sorted(ours) != sorted(theirs):
        return [f"days {sorted(ours)} against {sorted(theirs)}"]
    for name, mine in ours.items():
        other = theirs[name]
        for key in ("rows", "count", "text"):
            if mine[key] != other[key]:
                found.append(f"{name} {key}: {mine[key]} against {other[key]}")
        scale = max(abs(mine["mean"]), abs(other["mean"]), 1e-300)
        if abs(mine["mean"] - other["mean"]) > MEAN_TOLERANCE * scale:
            found.append(f"{name} mean: {mine['mean']!r} against {other['mean']!r}")
    return found


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    finished = sorted((r for r in runs if "failed" not in r), key=lambda r: r["seconds"])
    return finished[len(finished) // 2] if finished else None


def machine(work: Path) -> dict[str, str]:
    from _common import machine as common_machine

    facts = common_machine(work, REPO, None)
    out = {k: facts[k] for k in ("CPU", "Memory", "OS", "Storage", "Python", "Steward")}
    for package in ("numpy", "pyarrow", "pandas", "polars"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def render(
    setup: dict[str, Any],
    runs: dict[str, list[dict[str, Any]]],
    facts: dict[str, str],
    args: argparse.Namespace,
) -> tuple[str, list[tuple[str, str, bool]]]:
    """The figures as Markdown and the verdict on each target: memory on the highest peak of
    Steward's runs, agreement on the median run of each tool."""
    rows, decoded_mib = setup["rows"], setup["arrow_bytes"] / 2**20
    medians = {tool: median_run(tool_runs) for tool, tool_runs in runs.items()}
    ours = medians.get("steward")
    our_peaks = [r["peak_mib"] for r in runs.get("steward", []) if "failed" not in r]
    our_peak = max(our_peaks) if our_peaks else float("inf")
    compared = {
        tool: disagreements(ours["days"], theirs["days"])
        for tool, theirs in medians.items()
        if tool != "steward" and theirs is not None and ours is not None
    }
    targets = [
        (
            f"Steward's peak memory below {MEMORY_BOUND_MIB} MiB",
            f"{our_peak:,.0f} MiB, for data of {decoded_mib:,.0f} MiB decoded",
            our_peak < MEMORY_BOUND_MIB,
        ),
        (
            "the same per-day figures as every other tool that finished",
            "; ".join(f"{tool}: {len(found)} differences" for tool, found in compared.items())
            or "no other tool finished",
            ours is not None and all(not found for found in compared.values()),
        ),
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run of {when}: {rows:,} rows over {DAYS} days in time order, {len(FLOATS)} float64, "
        f"{len(INTEGERS)} int64 and {len(CATEGORICAL)} text columns and a timestamp; Arrow "
        f"size {decoded_mib:,.0f} MiB, Parquet file {setup['parquet_bytes'] / 2**20:,.0f} MiB "
        f"in row groups of {ROW_GROUP:,} rows; Steward in batches of {args.batch_rows:,} rows.",
        "",
        "| target | figure | met |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {figure} | {'yes' if met else 'NO'} |" for t, figure, met in targets]
    lines += [
        "",
        "| tool | run | read s | total s | rows/s | process s | baseline MiB | peak RSS MiB "
        "| peak / Arrow size | load average | reference workload ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for tool, tool_runs in runs.items():
        for number, r in enumerate(tool_runs, start=1):
            if "failed" in r:
                lines.append(
                    f"| {tool} | {number} | | | | {r['process_s']:.1f} | | | | "
                    f"{r['load_before']:.2f} | failed: {r['failed']} |"
                )
                continue
            read = "" if r["read_s"] is None else f"{r['read_s']:.1f}"
            lines.append(
                f"| {tool} | {number} | {read} | {r['seconds']:.1f} "
                f"| {rows / r['seconds']:,.0f} | {r['process_s']:.1f} | {r['baseline_mib']:,.0f} "
                f"| {r['peak_mib']:,.0f} | {r['peak_mib'] / decoded_mib:.2f} "
                f"| {r['load_before']:.2f} -> {r['load_after']:.2f} "
                f"| {r['reference_ms_before']:.0f} -> {r['reference_ms_after']:.0f} |"
            )
    for tool, found in compared.items():
        if found:
            lines += ["", f"{tool} differs from Steward on: " + "; ".join(found[:5])]
    given = " ".join(args.given)
    lines += ["", "| | |", "|---|---|", f"| Command | `python bench/out_of_core.py {given}` |"]
    lines += [f"| {k} | {v} |" for k, v in facts.items()]
    return "\n".join(lines) + "\n", targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--seed", type=int, default=20261005)
    parser.add_argument("--batch-rows", type=int, default=65_536, help="Steward's batch size")
    parser.add_argument("--runs", type=int, default=1, help="runs of each tool")
    parser.add_argument(
        "--tools",
        default=",".join(TOOLS),
        help="comma-separated, from steward, spark, pandas, polars",
    )
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.given = list(sys.argv[1:] if argv is None else argv)
    path, _, reference_path = data_paths(args.rows, args.seed)
    if args.part is not None:
        figures = PARTS[args.part](path, reference_path, args)
        args.out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
        return 0
    tools = [tool.strip() for tool in args.tools.split(",") if tool.strip()]
    if "steward" not in tools or any(tool not in TOOLS for tool in tools):
        parser.error(f"--tools must include steward and name only {', '.join(TOOLS)}")
    if args.runs < 1 or args.rows < 1 or args.batch_rows < 1:
        parser.error("--runs, --rows and --batch-rows must be at least 1")
    if "polars" in tools and importlib.util.find_spec("polars") is None:
        log("polars is not installed: leaving it out")
        tools.remove("polars")
    if "spark" in tools and importlib.util.find_spec("pyspark") is None:
        log("pyspark is not installed (the spark extra): leaving Spark out")
        tools.remove("spark")

    setup = ensure_data(args.rows, args.seed)
    runs = {tool: [run_part(tool, args, n) for n in range(1, args.runs + 1)] for tool in tools}
    markdown, targets = render(setup, runs, machine(DATA), args)
    from _common import publish

    return publish(markdown, "out-of-core-results.md", targets)


if __name__ == "__main__":
    sys.exit(main())
