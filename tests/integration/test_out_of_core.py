"""Out of core: `profile_windows` profiles a Parquet file whose decoded size is well above the
memory it is allowed, in a process of its own whose peak resident memory is measured.

The file (about 710 MiB once decoded: 8 float64 columns, 2 text columns and a timestamp, in row
groups of 100,000 rows; a third of that on disk) is written batch by batch, so the test process
stays small too. The profiling process reports its peak resident set (VmHWM), which must stay
below MEMORY_BOUND, itself well below the decoded size.

How memory is measured, and why not otherwise:
- VmHWM, not `getrusage(RUSAGE_SELF).ru_maxrss`: Linux carries ru_maxrss across exec, so a
  child started from this test process (which just wrote the file) reports at least the test
  process's own peak. VmHWM belongs to the child's address space alone.
- No RLIMIT_AS: Arrow's allocator (mimalloc) reserves its arena up front, so the address space
  is about 1.6 GiB right after the imports and then barely grows; reading the whole file into
  one table fitted in a limit of "address space after the imports + 512 MiB" with 2 threads, yet
  failed in it with 16. A limit on address space does not bound resident memory.
- Arrow's thread pool is pinned to 4 threads: each decoding thread keeps buffers of its own, so
  the peak grows with the thread count (about 240 MiB with 2 threads, 340 MiB with 16), and the
  bound should not depend on the machine's cores. The memory pool is left as it is: the system
  and jemalloc pools peak within 10 MiB of mimalloc here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from steward.stats.profile import profile_reference

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's VmHWM"),
]

MiB = 1 << 20
MEMORY_BOUND = 400 * MiB
ROWS = 7_000_000
ROW_GROUP = 100_000
DAYS = 7
FIRST_DAY = 1_767_225_600  # 2026-01-01T00:00:00Z
FLOATS = tuple(f"x{i}" for i in range(8))
SEGMENTS = pa.array([f"segment-{i:03d}" for i in range(40)])
REGIONS = pa.array([f"region-{i:02d}-north" for i in range(12)])

# Runs in a fresh interpreter: profile the file, then report the figures as JSON.
CHILD = """
import json, resource, sys, time
import pyarrow as pa
from steward.domain.windows import parse_window
from steward.stats.profile import Profile
from steward.stats.stream import profile_windows

pa.set_cpu_count(4)
path, reference_path = sys.argv[1], sys.argv[2]
with open(reference_path, encoding="utf-8") as handle:
    reference = Profile.from_dict(json.load(handle))

def status_kib(field):
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])

baseline_kib = status_kib("VmRSS")
started = time.perf_counter()
result = profile_windows(
    reference, path, time_column="ts", window=parse_window("1d"), now_epoch=0
)
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "baseline_kib": baseline_kib,
    "peak_kib": status_kib("VmHWM"),
    "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "rows": result.rows,
    "untimed": result.untimed,
    "batches": result.batches,
    "windows": {str(start): profile.rows for start, profile in result.profiles.items()},
    "mean_x1": {str(s): p.columns["x1"].mean for s, p in result.profiles.items()},
}))
"""


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


def profile_in_a_child(path: Path, reference_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(reference_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def test_a_file_larger_than_the_memory_bound_is_profiled_within_it(tmp_path: Path) -> None:
    started = time.perf_counter()
    path = tmp_path / "production.parquet"
    reference_path = tmp_path / "reference.json"
    try:
        decoded = write_file(path)
        sample = batch(0, 50_000, np.random.default_rng(1)).drop_columns(["ts"])
        reference_path.write_text(json.dumps(profile_reference(sample).to_dict()), "utf-8")
        written = time.perf_counter() - started

        figures = profile_in_a_child(path, reference_path)
    finally:
        path.unlink(missing_ok=True)  # ~330 MiB that pytest would otherwise keep in tmp dirs

    peak = figures["peak_kib"] * 1024
    report = (
        f"decoded {decoded / MiB:,.0f} MiB, peak RSS {peak / MiB:,.0f} MiB (after imports "
        f"{figures['baseline_kib'] / 1024:,.0f} MiB), bound {MEMORY_BOUND / MiB:,.0f} MiB; "
        f"writing {written:.1f} s, profiling {figures['seconds']:.1f} s"
    )
    print(report)
    assert decoded > 1.5 * MEMORY_BOUND, report
    assert peak < MEMORY_BOUND, report

    assert (figures["rows"], figures["untimed"]) == (ROWS, 0)
    assert figures["batches"] == -(-ROWS // 65_536)
    days = (np.arange(ROWS) * (DAYS * 86_400) // ROWS) // 86_400
    expected = {str(FIRST_DAY + 86_400 * int(d)): int(n) for d, n in enumerate(np.bincount(days))}
    assert figures["windows"] == expected
    for mean in figures["mean_x1"].values():
        assert mean == pytest.approx(1.0, abs=0.01)  # x1 is normal(1, 2), a million rows a day
