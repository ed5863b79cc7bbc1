"""Shared pieces of the benchmark: progress output, latency statistics, interleaved timing,
PostgreSQL database management and the machine description."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import Pool

_STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress on stdout, stamped with the time since the run began."""
    elapsed = time.perf_counter() - _STARTED
    print(f"[{elapsed:7.1f}s] {message}", flush=True)


@contextlib.contextmanager
def stopwatch(label: str) -> Iterator[dict[str, float]]:
    """Log how long a step took; the yielded dict receives the seconds when the step ends."""
    result: dict[str, float] = {}
    started = time.perf_counter()
    yield result
    result["seconds"] = time.perf_counter() - started
    log(f"{label}: {result['seconds']:.1f}s")


# Latency statistics ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Latency:
    """Summary of one measured operation, in milliseconds."""

    samples: int
    p50: float
    p99: float
    mean: float
    max: float

    def as_dict(self) -> dict[str, float]:
        return {
            "samples": self.samples,
            "p50_ms": round(self.p50, 3),
            "p99_ms": round(self.p99, 3),
            "mean_ms": round(self.mean, 3),
            "max_ms": round(self.max, 3),
        }


def summarise(seconds: Sequence[float]) -> Latency:
    """Percentiles by linear interpolation between the closest ranks ("inclusive" method)."""
    ms = [s * 1000 for s in seconds]
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return Latency(len(ms), cuts[49], cuts[98], statistics.fmean(ms), max(ms))


def interleaved(
    tools: dict[str, Callable[[int], Any]], samples: int, warmup: int, rounds: int
) -> dict[str, list[list[float]]]:
    """Time `samples` calls of every tool, in `rounds` blocks that alternate between the tools
    (and swap which goes first each round), so that drift in the machine or the database over
    the phase (caches, checkpoints, autovacuum, other load) is shared fairly. Each tool first
    gets `warmup` untimed calls with indexes samples .. samples + warmup - 1; timed calls get
    0 .. samples - 1, so all tools see the same sequence of inputs. Returns the seconds of every
    timed call, block by block."""
    for name, call in tools.items():
        for i in range(samples, samples + warmup):
            call(i)
        log(f"  warmed up {name} ({warmup} calls)")
    blocks: dict[str, list[list[float]]] = {name: [] for name in tools}
    order = list(tools)
    per_round = -(-samples // rounds)
    for round_no in range(rounds):
        start, stop = round_no * per_round, min(samples, (round_no + 1) * per_round)
        for name in order:
            call, spent = tools[name], []
            for i in range(start, stop):
                started = time.perf_counter()
                call(i)
                spent.append(time.perf_counter() - started)
            blocks[name].append(spent)
        order.reverse()
    return blocks


def reference_ms() -> float:
    """Median time of a fixed CPU-bound Python workload. This machine is a virtual one whose
    speed drifts with the host's load (which the guest does not see); comparing this figure
    between phases shows how much."""
    block = b"x" * 65_536
    times = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for i in range(100_000):
            total += i % 7
        for _ in range(100):
            hashlib.sha256(block).digest()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def load_average() -> float:
    """One-minute load average: above the number of cores, something else competed for CPU."""
    return round(os.getloadavg()[0], 2)


@contextlib.contextmanager
def round_trips() -> Iterator[dict[str, int]]:
    """Count SQL statements and connection checkouts in every engine of the process while the
    block runs. A checkout stands for a connection use: usually a transaction (BEGIN and
    COMMIT/ROLLBACK; Steward's PostgreSQL reads run in autocommit instead), plus a ping round
    trip where the engine pre-pings (MLflow's does, Steward's does not)."""
    counts = {"statements": 0, "checkouts": 0}

    def on_statement(*_: Any) -> None:
        counts["statements"] += 1

    def on_checkout(*_: Any) -> None:
        counts["checkouts"] += 1

    event.listen(Engine, "before_cursor_execute", on_statement)
    event.listen(Pool, "checkout", on_checkout)
    try:
        yield counts
    finally:
        event.remove(Engine, "before_cursor_execute", on_statement)
        event.remove(Pool, "checkout", on_checkout)


# PostgreSQL databases ---------------------------------------------------------------------


def database_url(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def recreate_database(admin_url: str, name: str) -> str:
    """Drop (if present) and create a bench database; return its URL."""
    assert name.startswith(("steward_bench_", "mlflow_bench_")), name
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    assert name.startswith(("steward_bench_", "mlflow_bench_")), name
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def vacuum_analyze(url: str) -> None:
    """What autovacuum would do soon after a bulk load, done now so that it does not start in
    the middle of a measurement: planner statistics, visibility map, hint bits."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def database_megabytes(url: str) -> float:
    """Size on disk: the file and its write-ahead log for SQLite, the database for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        base = Path(parsed.database or "")
        files = [base, Path(f"{base}-wal")]
        return round(sum(f.stat().st_size for f in files if f.exists()) / 2**20, 1)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    finally:
        engine.dispose()
    return round(int(size) / 2**20, 1)


def postgres_facts(admin_url: str) -> dict[str, str]:
    engine = create_engine(admin_url)
    try:
        with engine.connect() as conn:
            return {
                name: str(conn.execute(text(f"SHOW {name}")).scalar())
                for name in ("server_version", "shared_buffers", "fsync", "synchronous_commit")
            }
    finally:
        engine.dispose()


# The machine ------------------------------------------------------------------------------


def _first_line_with(path: str, prefix: str) -> str | None:
    with contextlib.suppress(OSError), open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1]
    return None


def _os_name() -> str:
    pretty = _first_line_with("/etc/os-release", "PRETTY_NAME=")
    name = pretty.strip().strip('"') if pretty else platform.system()
    # The numeric release only: build suffixes can name the hosting environment.
    release = re.match(r"[\d.]+", platform.release())
    return f"{name}, Linux kernel {release.group(0).rstrip('.') if release else 'unknown'}"


def _memory() -> str:
    total = _first_line_with("/proc/meminfo", "MemTotal")
    if total is None:
        return "unknown"
    return f"{int(total.split()[0]) / 1024 / 1024:.1f} GiB"


def _filesystem(path: Path) -> str:
    """Type of the filesystem holding `path` (the longest matching mount point wins)."""
    best, kind = "", "unknown"
    target = str(path.resolve())
    with contextlib.suppress(OSError), open("/proc/mounts", encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            mount, fstype = parts[1], parts[2]
            if target.startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    return kind


def _page_reclaim() -> str:
    """Whether the kernel pages out memory that has not been touched for a while (DAMON), which
    evicts idle database files from the page cache: reads then go to the disk."""
    root = Path("/sys/kernel/mm/damon/admin/kdamonds")
    for kdamond in sorted(root.glob("*")) if root.is_dir() else []:
        with contextlib.suppress(OSError, ValueError):
            if (kdamond / "state").read_text().strip() != "on":
                continue
            context = kdamond / "contexts" / "0"
            action = (context / "schemes/0/action").read_text().strip()
            aggregation_us = int((context / "monitoring_attrs/intervals/aggr_us").read_text())
            min_age = int((context / "schemes/0/access_pattern/age/min").read_text())
            return (
                f"DAMON '{action}' of memory idle for {min_age * aggregation_us / 1e6:.0f} s "
                "or more (evicts idle database pages from the page cache)"
            )
    return "no proactive reclaim found"


def fsync_latency_ms(directory: Path, rounds: int = 50) -> float:
    """Median time to write and fsync 4 KiB: what one durable commit costs at least."""
    directory.mkdir(parents=True, exist_ok=True)
    block = os.urandom(4096)
    times: list[float] = []
    with tempfile.NamedTemporaryFile(dir=directory) as handle:
        for _ in range(rounds):
            started = time.perf_counter()
            handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _steward_commit(repo: Path) -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no", "src"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}{' (src/ modified)' if dirty else ''}"


def machine(work: Path, repo: Path, pg_admin_url: str | None) -> dict[str, str]:
    """What the figures depend on. No host names or paths: the file is published."""
    cpu = _first_line_with("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = {
        "CPU": f"{cpu}, {usable} cores usable ({os.cpu_count()} online)",
        "Memory": _memory(),
        "OS": _os_name(),
        "Storage": f"{_filesystem(work)}; 4 KiB write+fsync median {fsync_latency_ms(work):.2f} ms",
        "Page reclaim": _page_reclaim(),
        "Python": platform.python_version(),
        "SQLite library": sqlite3.sqlite_version,
    }
    if pg_admin_url is not None:
        pg = postgres_facts(pg_admin_url)
        facts["PostgreSQL"] = (
            f"{pg['server_version'].split()[0]} on loopback (shared_buffers {pg['shared_buffers']},"
            f" fsync {pg['fsync']}, synchronous_commit {pg['synchronous_commit']})"
        )
    facts["Steward"] = f"{_version('steward-governance')} (commit {_steward_commit(repo)})"
    for package in ("mlflow", "sqlalchemy", "psycopg", "alembic"):
        facts[package] = _version(package)
    return facts


def publish(markdown: str, name: str, targets: Sequence[tuple[object, ...]]) -> int:
    """Write a benchmark's Markdown to bench/.work/NAME, print it, and return the exit status:
    0 when every target (whose last item says whether it was met) is met, else 1."""
    work = Path(__file__).resolve().parent / ".work"
    work.mkdir(exist_ok=True)
    (work / name).write_text(markdown, encoding="utf-8")
    print()
    print(markdown)
    print(f"(also written to bench/.work/{name})")
    return 0 if all(target[-1] for target in targets) else 1
