"""Registry benchmark: Steward side by side with MLflow's model registry on the same database.

    python bench/registry.py                         # full run, SQLite and PostgreSQL
    python bench/registry.py --quick                 # small smoke scale (results in bench/.work)
    python bench/registry.py --engines sqlite        # one engine

Fills each registry in bulk with the same 100,000 versions across 1,000 models (one with 10,000),
then measures through the public APIs, alternating the two tools in blocks: register a version,
search versions by tag, first page of the big model. Then times `audit verify` over 1,000,000
chained events. Figures go to bench/RESULTS.md between its markers; raw samples to bench/.work.
See bench/RESULTS.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _audit_bench as audit_bench
import _mlflow_side as mlflow_side
import _steward_side as steward_side
from _common import (
    Latency,
    database_megabytes,
    drop_database,
    interleaved,
    load_average,
    log,
    machine,
    recreate_database,
    reference_ms,
    round_trips,
    stopwatch,
    summarise,
    vacuum_analyze,
)
from _dataset import (
    BIG_MODEL,
    FULL,
    QUICK,
    Scale,
    fill_start,
    register_inputs,
    search_inputs,
)
from _report import write_results
from steward.domain.audit import StoredRow

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"
ENGINES = ("sqlite", "postgresql")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True, slots=True)
class Places:
    """Where one engine's three databases live."""

    engine: str
    home: Path
    steward_url: str
    mlflow_url: str
    audit_url: str
    databases: tuple[str, ...] = ()  # PostgreSQL databases to drop afterwards


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke scale")
    parser.add_argument(
        "--engines",
        default=",".join(ENGINES),
        help="comma-separated: sqlite, postgresql (default: both)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("STEWARD_BENCH_POSTGRES_URL", DEFAULT_PG),
        help="an administrative connection; bench databases are created beside it",
    )
    parser.add_argument("--output", type=Path, help="where to write the results Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases afterwards")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(args.engines) - set(ENGINES)
    if unknown or not args.engines:
        parser.error(f"--engines takes {', '.join(ENGINES)}")
    return args


# Databases --------------------------------------------------------------------------------


def _prepare(engine: str, admin_url: str) -> Places:
    base = WORK / engine
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    if engine == "sqlite":
        return Places(
            engine,
            base / "home",
            f"sqlite:///{base / 'steward.db'}",
            f"sqlite:///{base / 'mlflow.db'}",
            f"sqlite:///{base / 'steward-audit.db'}",
        )
    names = ("steward_bench_registry", "mlflow_bench_registry", "steward_bench_audit")
    steward_url, mlflow_url, audit_url = (recreate_database(admin_url, name) for name in names)
    return Places(engine, base / "home", steward_url, mlflow_url, audit_url, databases=names)


def _cleanup(places: Places, admin_url: str, keep: bool) -> None:
    mlflow_side.dispose_engines()
    if keep:
        log(f"kept the {places.engine} databases")
        return
    for name in places.databases:
        drop_database(admin_url, name)
    shutil.rmtree(WORK / places.engine, ignore_errors=True)


# Phases -----------------------------------------------------------------------------------


def _fill(places: Places, scale: Scale) -> dict[str, Any]:
    start = fill_start(scale)
    settings = steward_side.settings_for(places.home, places.steward_url)
    with stopwatch("Steward bulk fill") as steward_time:
        steward_counts = steward_side.fill(settings, scale, start)
    with stopwatch("MLflow bulk fill") as mlflow_time:
        mlflow_counts = mlflow_side.fill(places.mlflow_url, scale, start)
    if places.engine == "postgresql":
        with stopwatch("VACUUM ANALYZE of both registries"):
            vacuum_analyze(places.steward_url)
            vacuum_analyze(places.mlflow_url)
    return {
        "steward": {
            **steward_counts,
            "seconds": round(steward_time["seconds"], 1),
            "megabytes": database_megabytes(places.steward_url),
        },
        "mlflow": {
            **mlflow_counts,
            "seconds": round(mlflow_time["seconds"], 1),
            "megabytes": database_megabytes(places.mlflow_url),
        },
    }


def _phase(
    label: str,
    scale: Scale,
    samples: int,
    calls: dict[str, Callable[[int], Any]],
) -> dict[str, Any]:
    log(f"measuring {label}: {samples} samples per tool, {scale.rounds} alternating blocks")
    load_before, reference_before = load_average(), reference_ms()
    blocks = interleaved(calls, samples, scale.warmup, scale.rounds)
    figures: dict[str, Any] = {
        "load_average": [load_before, load_average()],
        "reference_ms": [reference_before, reference_ms()],
    }
    for tool, spent in blocks.items():
        fig = summarise([s for block in spent for s in block])
        log(f"  {tool:8} p50 {fig.p50:8.2f} ms  p99 {fig.p99:8.2f} ms  mean {fig.mean:8.2f} ms")
        figures[tool] = fig
        # Raw samples (ms) by block, for looking at the distribution afterwards.
        figures[f"{tool}_samples_ms"] = [[round(s * 1000, 3) for s in b] for b in spent]
    return figures


def _measure(places: Places, scale: Scale) -> dict[str, Any]:
    settings = steward_side.settings_for(places.home, places.steward_url)
    steward = steward_side.StewardTool(settings)
    mlflow = mlflow_side.MlflowTool(places.mlflow_url)
    try:
        registers = register_inputs(scale, scale.register_samples + scale.warmup)
        batches = search_inputs(scale, scale.search_samples + scale.warmup)
        figures = {
            "register": _phase(
                "register a version",
                scale,
                scale.register_samples,
                {
                    "Steward": lambda i: steward.register(registers[i]),
                    "MLflow": lambda i: mlflow.register(registers[i]),
                },
            ),
            "search_tag": _phase(
                "search versions by tag",
                scale,
                scale.search_samples,
                {
                    "Steward": lambda i: steward.search_tag(batches[i]),
                    "MLflow": lambda i: mlflow.search_tag(batches[i]),
                },
            ),
            "first_page": _phase(
                f"first page of {BIG_MODEL!r}",
                scale,
                scale.page_samples,
                {
                    "Steward": lambda _: steward.first_page(BIG_MODEL),
                    "MLflow": lambda _: mlflow.first_page(BIG_MODEL),
                },
            ),
        }
        checks = _check_same_answers(steward, mlflow, scale, batches[:5])
        figures["round_trips"] = _count_round_trips(steward, mlflow, scale)
        with stopwatch("verify the registry's own chain (sanity)"):
            chain = steward.verify()
        if not chain.ok:
            raise RuntimeError(f"the registry's audit chain is broken: {chain.as_dict()}")
        checks["registry_chain_events"] = chain.checked
    finally:
        steward.close()
        mlflow.close()
    return {"latency": figures, "checks": checks}


def _check_same_answers(
    steward: steward_side.StewardTool,
    mlflow: mlflow_side.MlflowTool,
    scale: Scale,
    batches: list[str],
) -> dict[str, Any]:
    """Both tools must return the same versions, or the comparison means nothing."""
    for batch in batches:
        ours, theirs = steward.search_tag(batch), mlflow.search_tag(batch)
        if len(ours) != 50 or sorted(ours) != sorted(theirs):
            raise RuntimeError(f"tag search for batch={batch} differs between the tools")
    ours, theirs = steward.first_page(BIG_MODEL), mlflow.first_page(BIG_MODEL)
    expected = [(BIG_MODEL, n) for n in range(scale.big_versions, scale.big_versions - 50, -1)]
    if ours != expected or theirs != expected:
        raise RuntimeError("the first page of the big model differs between the tools")
    log("  both tools return the same versions for the tag searches and the first page")
    return {"same_tag_search_results": len(batches), "same_first_page": True}


def _count_round_trips(
    steward: steward_side.StewardTool, mlflow: mlflow_side.MlflowTool, scale: Scale
) -> dict[str, dict[str, dict[str, int]]]:
    """SQL statements and transactions behind one call of each operation, per tool: on a
    loopback server every one of them is a round trip, which is where write latency goes."""
    extra = register_inputs(scale, scale.register_samples + scale.warmup + 1)[-1]
    batch = search_inputs(scale, 1)[0]
    calls: dict[str, dict[str, Callable[[], Any]]] = {
        "register": {
            "Steward": lambda: steward.register(extra),
            "MLflow": lambda: mlflow.register(extra),
        },
        "search_tag": {
            "Steward": lambda: steward.search_tag(batch),
            "MLflow": lambda: mlflow.search_tag(batch),
        },
        "first_page": {
            "Steward": lambda: steward.first_page(BIG_MODEL),
            "MLflow": lambda: mlflow.first_page(BIG_MODEL),
        },
    }
    counted: dict[str, dict[str, dict[str, int]]] = {}
    for operation, tools in calls.items():
        counted[operation] = {}
        for tool, call in tools.items():
            with round_trips() as counts:
                call()
            counted[operation][tool] = dict(counts)
    return counted


def _verify(places: Places, scale: Scale, rows: list[StoredRow]) -> dict[str, Any]:
    settings = steward_side.settings_for(places.home / "audit", places.audit_url)
    with stopwatch(f"load {len(rows):,} audit events") as load_time:
        audit_bench.fill(settings, rows)
    if places.engine == "postgresql":
        with stopwatch("VACUUM ANALYZE of the audit database"):
            vacuum_analyze(places.audit_url)
    log(f"measuring audit verify: {scale.verify_runs} runs")
    load_before, reference_before = load_average(), reference_ms()
    figures = audit_bench.verify_service(settings, len(rows), scale.verify_runs)
    return {
        **figures.as_dict(),
        "load_seconds": round(load_time["seconds"], 1),
        "load_average": [load_before, load_average()],
        "reference_ms": [reference_before, reference_ms()],
    }


def _run_engine(
    engine: str, scale: Scale, args: argparse.Namespace, rows: list[StoredRow]
) -> dict[str, Any]:
    log(f"=== {engine} ===")
    places = _prepare(engine, args.postgres_url)
    try:
        result: dict[str, Any] = {"fill": _fill(places, scale)}
        result.update(_measure(places, scale))
        result["verify"] = _verify(places, scale, rows)
    finally:
        _cleanup(places, args.postgres_url, args.keep)
    return result


def _audit_rows(scale: Scale) -> list[StoredRow]:
    start = datetime.now(UTC) - timedelta(days=30)
    with stopwatch(f"chain {scale.audit_events:,} audit events in memory"):
        return audit_bench.build_rows(scale.audit_events, start)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Latency):
        return value.as_dict()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    scale = QUICK if args.quick else FULL
    WORK.mkdir(parents=True, exist_ok=True)
    mlflow_side.quiet()
    pg_url = args.postgres_url if "postgresql" in args.engines else None
    log(f"scale: {'quick' if args.quick else 'full'}; engines: {', '.join(args.engines)}")
    results: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "scale": asdict(scale),
        "machine": machine(WORK, REPO, pg_url),
        "engines": {},
    }
    rows = _audit_rows(scale)
    results["audit_data"] = audit_bench.mean_sizes(rows)
    log(f"measuring the pure-domain verify rate: {scale.verify_runs} runs")
    results["verify_in_memory"] = audit_bench.verify_in_memory(rows, scale.verify_runs).as_dict()
    for engine in args.engines:
        results["engines"][engine] = _run_engine(engine, scale, args, rows)
    del rows
    results = _jsonable(results)
    raw = WORK / f"results-{'quick' if args.quick else 'full'}.json"
    raw.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    output = args.output or (WORK / "RESULTS-quick.md" if args.quick else BENCH / "RESULTS.md")
    write_results(BENCH / "RESULTS.md", output, results)
    log(f"wrote {output.relative_to(REPO) if output.is_relative_to(REPO) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
