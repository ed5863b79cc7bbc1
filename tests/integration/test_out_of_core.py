"""Out of core: `steward monitor ingest`, run as a user runs it (a process of its own), profiles
a Parquet file whose decoded size is well above the memory the process is allowed.

The file (about 710 MiB once decoded: 8 float64 columns, 2 text columns and a timestamp, in row
groups of 100,000 rows; a third of that on disk) is written batch by batch, so the test process
stays small too. A version is registered and given a reference by the same command line, then
`steward monitor ingest` runs while this test polls its peak resident set (VmHWM in
/proc/<pid>/status), which must stay below MEMORY_BOUND, itself well below the decoded size.

How memory is measured, and why not otherwise:
- VmHWM of the child, not `getrusage(RUSAGE_CHILDREN)`: Linux carries ru_maxrss across exec, so
  a child started from this test process (which just wrote the file) would report at least the
  test process's own peak. VmHWM belongs to the child's address space alone, and only grows, so
  polling it every 10 ms misses at most the last moments of the process.
- No RLIMIT_AS: Arrow's allocators reserve address space well beyond what they touch, so a limit
  on address space does not bound resident memory. The command runs with the allocator the CLI
  picks (the C library's, unless ARROW_DEFAULT_MEMORY_POOL says otherwise).
- Arrow's thread pool is pinned to 4 threads (OMP_NUM_THREADS, which Arrow reads): each decoding
  thread keeps buffers of its own, so the peak grows with the thread count, and the bound should
  not depend on the machine's cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's VmHWM"),
]

MiB = 1 << 20
# The command's imports (CLI, store, statistics) take about 110 MiB; the whole ingest peaked at
# 158 MiB on a 2-core machine, with Arrow's threads pinned to 4 (see above).
MEMORY_BOUND = 240 * MiB
ROWS = 7_000_000
ROW_GROUP = 100_000
DAYS = 7
FIRST_DAY = 1_767_225_600  # 2026-01-01T00:00:00Z
FLOATS = tuple(f"x{i}" for i in range(8))
SEGMENTS = pa.array([f"segment-{i:03d}" for i in range(40)])
REGIONS = pa.array([f"region-{i:02d}-north" for i in range(12)])

VERSION = "ooc/scorer/1"


def batch(first: int, rows: int, rng: np.random.Generator) -> pa.Table:
    """Rows first .. first + rows - 1 of the file: times in order over DAYS days, as production
    logs are written; half the float columns take 4,096 distinct values, which Parquet's
    dictionary encoding stores in 12 bits, so the file is smaller on disk than in memory."""
    columns: dict[str, pa.Array] = {}
    for i, name in enumerate(FLOATS):
        if i % 2 == 0:
            columns[name] = pa.array(rng.integers(0, 4_096, rows) / 16.0 + i)
        else:
            columns[name] = pa.array(rng.normal(i, 1.0 + i, rows))
    columns["segment"] = SEGMENTS.take(pa.array(rng.integers(0, len(SEGMENTS), rows)))
    columns["region"] = REGIONS.take(pa.array(rng.integers(0, len(REGIONS), rows)))
    seconds = FIRST_DAY + np.arange(first, first + rows) * (DAYS * 86_400) // ROWS
    columns["ts"] = pa.array(seconds * 1_000_000, pa.timestamp("us", tz="UTC"))
    return pa.table(columns)


def write_file(path: Path) -> int:
    """Write the file row group by row group; return its decoded size in bytes."""
    rng = np.random.default_rng(20260101)
    decoded = 0
    writer: pq.ParquetWriter | None = None
    try:
        for first in range(0, ROWS, ROW_GROUP):
            table = batch(first, min(ROW_GROUP, ROWS - first), rng)
            decoded += table.nbytes
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()
    return decoded


def steward(home: Path, *args: str) -> subprocess.Popen[str]:
    environ = _environment(home)
    return subprocess.Popen(
        [sys.executable, "-m", "steward", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
        cwd=home.parent,
    )


def finished(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out


def _environment(home: Path) -> dict[str, str]:
    """The caller's environment without Steward's settings or an allocator choice, so the
    command runs with the CLI's defaults."""
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STEWARD_", "MALLOC_")) and k != "ARROW_DEFAULT_MEMORY_POOL"
    }
    return kept | {"STEWARD_HOME": str(home), "STEWARD_ACTOR": "ana", "OMP_NUM_THREADS": "4"}


def peak_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:  # the process has just ended
        pass
    return 0


def ingest_measured(home: Path, path: Path) -> tuple[dict[str, Any], int, float]:
    """Run `steward monitor ingest` and poll its peak resident set while it runs. Its output
    goes to a file, so that a full pipe cannot stall it while this loop polls."""
    out_path = home.parent / "ingest.json"
    environ = _environment(home)
    command = [sys.executable, "-m", "steward", "monitor", "ingest", VERSION, str(path)]
    command += ["--time-column", "ts", "--window", "1d", "--json"]
    started = time.perf_counter()
    with out_path.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.PIPE, text=True, env=environ
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, peak_kib(process.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        _, err = process.communicate()
    assert process.returncode == 0, err
    result: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
    return result, peak * 1024, seconds


def registered(tmp_path: Path) -> Path:
    """A registry with one version whose reference is a sample of the file's distributions."""
    import skops.io
    from sklearn.dummy import DummyRegressor

    home = tmp_path / "home"
    home.mkdir()
    skops.io.dump(DummyRegressor().fit(np.zeros((4, 1)), np.zeros(4)), tmp_path / "m.skops")
    sample = batch(0, 50_000, np.random.default_rng(1)).drop_columns(["ts"])
    pq.write_table(sample, tmp_path / "reference.parquet")
    finished(steward(home, "project", "create", "ooc"))
    finished(steward(home, "version", "register", "ooc/scorer", "--artifact", "m.skops"))
    finished(steward(home, "monitor", "reference", VERSION, "reference.parquet"))
    return home


def test_a_file_larger_than_the_memory_bound_is_ingested_within_it(tmp_path: Path) -> None:
    started = time.perf_counter()
    path = tmp_path / "production.parquet"
    try:
        decoded = write_file(path)
        home = registered(tmp_path)
        written = time.perf_counter() - started
        result, peak, seconds = ingest_measured(home, path)
    finally:
        path.unlink(missing_ok=True)  # ~330 MiB that pytest would otherwise keep in tmp dirs

    report = (
        f"decoded {decoded / MiB:,.0f} MiB, peak RSS {peak / MiB:,.0f} MiB, bound "
        f"{MEMORY_BOUND / MiB:,.0f} MiB; writing and setup {written:.1f} s, ingest {seconds:.1f} s"
    )
    print(report)
    assert decoded > 1.5 * MEMORY_BOUND, report
    assert 0 < peak < MEMORY_BOUND, report

    assert (result["rows"], result["untimed_rows"]) == (ROWS, 0)
    days = (np.arange(ROWS) * (DAYS * 86_400) // ROWS) // 86_400
    expected = {
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(FIRST_DAY + 86_400 * int(d))): int(n)
        for d, n in enumerate(np.bincount(days))
    }
    assert result["windows"] == list(expected)
    found = {r["window"]: int(r["signals"]["rows"]) for r in result["results"]}
    assert found == expected
