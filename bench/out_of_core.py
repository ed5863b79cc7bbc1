"""Out-of-core benchmark: `steward monitor ingest`, the command a user types, on a Parquet file
whose decoded size is far above the memory it uses, beside Polars (streaming) and pandas (in
chunks) computing the same per-day aggregates, in the same run.

    python bench/out_of_core.py                      # 2,000,000 and 10,000,000 rows
    python bench/out_of_core.py --rows 50000000      # about 8 GiB decoded (slow)
    python bench/out_of_core.py --rows 200000        # quick run

Each file is generated once, batch by batch, and cached in bench/.work/out-of-core/ (named by
its row count and seed): 14 float64 columns of different distributions (one with 2% nulls), 2
int64 columns, 3 text columns of 4, 20 and 50 values and an `event_time` timestamp spread over
28 days in time order, as production logs are written: 20 columns, row groups of 1,000,000
rows. The reference comes from a separate sample of 200,000 rows of the same distributions.

Every tool runs as a process of its own, started by a small measuring process
(bench/_ooc_measure.py) that reports the child's wall time (imports included) and its peak
resident memory (`getrusage(RUSAGE_CHILDREN).ru_maxrss`, cross-checked by polling VmHWM):

- Steward: `python -m steward monitor ingest VERSION FILE --time-column event_time --window 1d
  --json` in a fresh registry whose version has the sample as its reference (project, version
  and reference are set up by the same command line beforehand, outside the measurement). Per
  day and column: counts, nulls, moments, min, max, 20-bin histograms or category counts, stored
  as the version's windows.
- Polars: the same aggregates as lazy queries on `scan_parquet`, collected with the streaming
  engine (bench/_ooc_peers.py).
- pandas: pyarrow `iter_batches` of 65,536 rows, each batch `to_pandas()`, the same aggregates
  per batch summed per day (bench/_ooc_peers.py).

The per-day row counts of the three tools are compared, and Polars' and pandas' figures of one
numeric column (count, nulls, mean, histogram) and one text column; Steward's profile values
are checked against numpy and pandas by its tests. The figures are printed and written as
Markdown to bench/.work/out-of-core-results.md; the exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
DATA = WORK / "out-of-core"
sys.path.insert(0, str(BENCH))

from _common import load_average, log, publish  # noqa: E402

DAYS = 28
FIRST_DAY = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
ROW_GROUP = 1_000_000
REFERENCE_ROWS = 200_000
TIME = "event_time"
FLOATS = tuple(f"f{i:02d}" for i in range(14))
INTEGERS = ("items", "visits")
NUMERIC = FLOATS + INTEGERS
TEXT = {"plan": 4, "region": 20, "device": 50}
WITH_NULLS = "f01"
COMPARED_TEXT = "plan"
VERSION = "bench/scorer/1"
MEAN_TOLERANCE = 1e-9


def generate_batch(rng: Any, first: int, rows: int, total: int) -> Any:
    """Rows first .. first + rows - 1 of `total` rows spread evenly over DAYS days."""
    import numpy as np
    import pyarrow as pa

    draws = (
        lambda n: rng.lognormal(3.0, 1.0, n),
        lambda n: rng.normal(1_000.0, 250.0, n),
        lambda n: rng.uniform(0.0, 1.0, n),
        lambda n: rng.exponential(120.0, n),
        lambda n: rng.beta(2.0, 5.0, n),
        lambda n: rng.normal(20.0, 5.0, n).round(1),
        lambda n: rng.gamma(2.0, 3.0, n),
    )
    arrays: dict[str, Any] = {}
    for i, name in enumerate(FLOATS):
        values = draws[i % len(draws)](rows) + i
        arrays[name] = pa.array(
            values, mask=rng.random(rows) < 0.02 if name == WITH_NULLS else None
        )
    arrays["items"] = pa.array(rng.integers(0, 20, rows))
    arrays["visits"] = pa.array(rng.poisson(3.0, rows))
    for name, size in TEXT.items():
        shares = np.arange(size, 0, -1) / (size * (size + 1) / 2)
        values = pa.array([f"{name}-{i:02d}" for i in range(size)])
        arrays[name] = values.take(pa.array(rng.choice(size, rows, p=shares)))
    start_us = int(FIRST_DAY.timestamp()) * 1_000_000
    offsets = np.arange(first, first + rows, dtype=np.int64) * (DAYS * 86_400_000_000 // total)
    arrays[TIME] = pa.array(start_us + offsets, pa.timestamp("us", tz="UTC"))
    return pa.table(arrays)


def ensure_data(rows: int, seed: int) -> tuple[Path, Path, dict[str, Any]]:
    """The cached file, the reference sample (Parquet) and the facts of the file."""
    import numpy as np
    import pyarrow.parquet as pq

    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"production-{rows}-{seed}.parquet"
    facts_path, reference = path.with_suffix(".json"), DATA / f"reference-{seed}.parquet"
    if not reference.exists():
        sample = generate_batch(np.random.default_rng([seed, 0]), 0, REFERENCE_ROWS, REFERENCE_ROWS)
        pq.write_table(sample.drop_columns([TIME]), reference.with_suffix(".partial"))
        os.replace(reference.with_suffix(".partial"), reference)
    if path.exists() and facts_path.exists():
        log(f"reusing {path.relative_to(REPO)}")
        return path, reference, json.loads(facts_path.read_text(encoding="utf-8"))
    log(f"writing {rows:,} rows to {path.relative_to(REPO)} (seed {seed}), once")
    rng, partial, decoded, writer = (
        np.random.default_rng([seed, 1]),
        path.with_suffix(".tmp"),
        0,
        None,
    )
    try:
        for first in range(0, rows, ROW_GROUP):
            table = generate_batch(rng, first, min(ROW_GROUP, rows - first), rows)
            decoded += table.nbytes
            writer = writer or pq.ParquetWriter(partial, table.schema)
            writer.write_table(table, row_group_size=ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()
    os.replace(partial, path)
    facts = {"rows": rows, "arrow_bytes": decoded, "parquet_bytes": path.stat().st_size}
    facts_path.write_text(json.dumps(facts), encoding="utf-8")
    return path, reference, facts


def terms_file(reference: Path) -> Path:
    """The columns and the reference's histogram edges, for Polars and pandas."""
    import pyarrow.parquet as pq

    from steward.stats.profile import NumericProfile, profile_reference

    profile = profile_reference(pq.read_table(reference))
    edges = {}
    for name in NUMERIC:
        column = profile.columns[name]
        assert isinstance(column, NumericProfile)
        edges[name] = list(column.edges)
    terms = {
        "time": TIME,
        "numeric": list(NUMERIC),
        "text": list(TEXT),
        "edges": edges,
        "compared_numeric": WITH_NULLS,
        "compared_text": COMPARED_TEXT,
    }
    path = DATA / "terms.json"
    path.write_text(json.dumps(terms), encoding="utf-8")
    return path


# Running the tools ------------------------------------------------------------------------------


def steward_env(home: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    return environ | {"STEWARD_HOME": str(home), "STEWARD_ACTOR": "bench"}


def steward_setup(home: Path, reference: Path) -> dict[str, str]:
    """A fresh registry with one version whose reference is the sample, made by the CLI."""
    import shutil

    import numpy as np
    import skops.io
    from sklearn.dummy import DummyRegressor

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    model = home.parent / "scorer.skops"
    skops.io.dump(DummyRegressor().fit(np.zeros((4, 1)), np.zeros(4)), model)
    env = steward_env(home)
    steward = [sys.executable, "-m", "steward"]
    for args in (
        ["project", "create", "bench"],
        ["version", "register", "bench/scorer", "--artifact", str(model)],
        ["monitor", "reference", VERSION, str(reference)],
    ):
        subprocess.run([*steward, *args], env=env, check=True, capture_output=True)
    return env


def measured(command: list[str], env: dict[str, str] | None, cap_mib: int | None) -> dict[str, Any]:
    out = DATA / "measure.json"
    out.unlink(missing_ok=True)
    cap = [] if cap_mib is None else ["--cap-mib", str(cap_mib)]
    wrapper = [sys.executable, str(BENCH / "_ooc_measure.py"), str(out), *cap, "--"]
    subprocess.run([*wrapper, *command], env=env, check=True)
    figures: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return figures


def run_tool(tool: str, path: Path, reference: Path, terms: Path, args: Any) -> dict[str, Any]:
    load = load_average()
    if tool == "steward":
        env = steward_setup(DATA / "steward-home" / "home", reference)
        command = [sys.executable, "-m", "steward", "monitor", "ingest", VERSION, str(path)]
        command += ["--time-column", TIME, "--window", "1d", "--json"]
        figures = measured(command, env, args.cap_mib)
    else:
        command = [sys.executable, str(BENCH / "_ooc_peers.py"), tool, str(path), str(terms)]
        figures = measured(command, None, None)
    figures["load_before"], figures["load_after"] = load, load_average()
    if figures["code"] != 0:
        log(f"{tool}: failed ({figures['code']}): {figures['stderr'][-300:]}")
        return figures
    output = json.loads(figures.pop("stdout"))
    if tool == "steward":
        days = {r["window"]: {"rows": int(r["signals"]["rows"])} for r in output["results"]}
    else:
        days = output
    figures["days"] = days
    log(f"{tool}: {figures['wall_s']:.1f} s, peak RSS {figures['peak_kib'] / 1024:,.0f} MiB")
    return figures


def disagreements(ours: dict[str, Any], theirs: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    if sorted(ours) != sorted(theirs):
        return [f"days {sorted(ours)[:3]}... against {sorted(theirs)[:3]}..."]
    found = []
    for day, mine in ours.items():
        other = theirs[day]
        found += [f"{day} {k}: {mine[k]} against {other[k]}" for k in keys if mine[k] != other[k]]
        if "mean" in mine and mine["mean"] is not None:
            scale = max(abs(mine["mean"]), 1e-300)
            if abs(mine["mean"] - other["mean"]) > MEAN_TOLERANCE * scale:
                found.append(f"{day} mean: {mine['mean']!r} against {other['mean']!r}")
    return found


# Reporting --------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="ascii") as handle:
        total_kib = int(handle.readline().split()[1])
    facts = {
        "CPU": f"{cpu}, {len(os.sched_getaffinity(0))} cores usable ({os.cpu_count()} online)",
        "Memory": f"{total_kib / 2**20:.1f} GiB",
        "Python": sys.version.split()[0],
    }
    for package in ("numpy", "pyarrow", "pandas", "polars"):
        facts[package] = importlib.metadata.version(package)
    return facts


def render(
    sizes: list[tuple[dict[str, Any], dict[str, dict[str, Any]]]], args: Any
) -> tuple[str, list[tuple[str, str, bool]]]:
    lines = [
        "| rows | decoded MiB | tool | wall s | rows/s | peak RSS MiB | peak / decoded "
        "| time / Polars | memory / Polars | load before -> after |",
        "|--:|--:|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    targets: list[tuple[str, str, bool]] = []
    for facts, runs in sizes:
        rows, decoded = facts["rows"], facts["arrow_bytes"] / 2**20
        polars = runs.get("polars")
        for tool, r in runs.items():
            if r["code"] != 0:
                lines.append(f"| {rows:,} | {decoded:,.0f} | {tool} | failed ({r['code']}) |||||||")
                continue
            peak = r["peak_kib"] / 1024
            ratio_t = ratio_m = ""
            if polars is not None and polars["code"] == 0:
                ratio_t = f"{r['wall_s'] / polars['wall_s']:.2f}"
                ratio_m = f"{peak / (polars['peak_kib'] / 1024):.2f}"
            lines.append(
                f"| {rows:,} | {decoded:,.0f} | {tool} | {r['wall_s']:.1f} | {rows / r['wall_s']:,.0f} "
                f"| {peak:,.0f} | {peak / decoded:.2f} | {ratio_t} | {ratio_m} "
                f"| {r['load_before']:.2f} -> {r['load_after']:.2f} |"
            )
        ours = runs["steward"]
        if ours["code"] == 0 and polars is not None and polars["code"] == 0:
            speed = polars["wall_s"] / ours["wall_s"]
            memory = ours["peak_kib"] / polars["peak_kib"]
            targets.append(
                (f"{rows:,} rows: throughput at least Polars'", f"{speed:.2f}x", speed >= 1)
            )
            targets.append(
                (f"{rows:,} rows: at most half Polars' peak", f"{memory:.2f}", memory <= 0.5)
            )
        for tool, r in runs.items():
            if tool != "steward" and r["code"] == 0 and ours["code"] == 0:
                found = disagreements(ours["days"], r["days"], ("rows",))
                if tool == "pandas" and polars is not None and polars["code"] == 0:
                    found += disagreements(
                        polars["days"], r["days"], ("count", "missing", "hist", "text")
                    )
                targets.append(
                    (f"{rows:,} rows: {tool} agrees", f"{len(found)} differences", not found)
                )
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    given = " ".join(args.given)
    lines = [f"Run of {when}.", "", *lines, "", "| target | figure | met |", "|---|---|---|"]
    lines += [f"| {t} | {figure} | {'yes' if met else 'NO'} |" for t, figure, met in targets]
    lines += ["", "| | |", "|---|---|", f"| Command | `python bench/out_of_core.py {given}` |"]
    lines += [f"| {k} | {v} |" for k, v in machine().items()]
    return "\n".join(lines) + "\n", targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000_000, 10_000_000])
    parser.add_argument("--seed", type=int, default=20261005)
    parser.add_argument("--tools", default="steward,polars,pandas")
    parser.add_argument("--cap-mib", type=int, help="RLIMIT_AS of the steward process")
    args = parser.parse_args(argv)
    args.given = list(sys.argv[1:] if argv is None else argv)
    tools = [t for t in args.tools.split(",") if t]
    if "steward" not in tools:
        parser.error("--tools must include steward")
    sizes = []
    for rows in args.rows:
        path, reference, facts = ensure_data(rows, args.seed)
        terms = terms_file(reference)
        runs = {tool: run_tool(tool, path, reference, terms, args) for tool in tools}
        sizes.append((facts, runs))
        time.sleep(1)
    markdown, targets = render(sizes, args)
    return publish(markdown, "out-of-core-results.md", targets)


if __name__ == "__main__":
    sys.exit(main())
