"""Evidence-engine benchmark: the full production check set at scale, and fairness side by side
with Fairlearn.

    python bench/checks.py                  # 1,000,000 rows (about 3 minutes; make bench-checks)
    python bench/checks.py --rows 50000     # quick run

One seeded process generates the evaluation rows (30 float64 features, `gender` with 2 values,
`age_band` with 6, a binary `label`) and a training set. A logistic-regression champion (v1,
moved to production) and a gradient-boosting challenger (v2) are registered in a fresh Steward
home whose project is classified `operational`. Then, each in its own process so that peak memory
is per part:

- Part A (3 runs, a process each): `client.check(v2, <parquet file>, stage="production")`, every
  check the operational production gate asks Steward for; wall time, time and peak resident
  memory per step (from the progress callback), peak memory against the data's size in Arrow.
- Part B: fairness alone on the same rows and the same predictions (v2 at 0.5):
  `bench/fairness.py`'s Steward and Fairlearn calls, one process per tool, numbers compared.

The figures are printed and written as Markdown to bench/.work/checks-results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from steward.config import Settings
    from steward.domain.naming import VersionRef

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / ".work"

# The targets.
CHECK_SECONDS = 60.0
MEMORY_RATIO = 3.0
FAIRNESS_SPEEDUP = 20.0

FEATURES = tuple(f"f{i:02d}" for i in range(30))
GENDERS = ("female", "male")
GENDER_SHARE = (0.52, 0.48)
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_SHARE = (0.11, 0.22, 0.21, 0.19, 0.15, 0.12)
AGE_EFFECT = (-0.12, -0.03, 0.0, 0.03, 0.06, 0.09)  # on the label's log-odds
GENDER_EFFECT = 0.06  # on the log-odds, for "female"

PROJECT = "credit"
MODEL = "default-risk"
ACTOR = "dana"
# The default policy's questionnaire: score 14 (band "operational"), and the usage rule sets
# operational as the floor anyway.
ANSWERS = {
    "audience": "customers",
    "usage": "operational",
    "lifetime": "years",
    "impact": "significant",
    "affects_people": "yes",
    "affects_money": "no",
    "automation": "reviewed",
}
DOCUMENTATION = {
    "intended_use": "Scores loan applications for default risk; a credit officer reviews each",
    "limitations": "Trained on applicants of one country; not for business loans",
    "owner": "dana",
    "validation_date": "2026-11-20 by victor",
    "data_lineage": "Applications warehouse, table loans.applications, reviewed column by column",
    "pii_handling": "No direct identifiers; gender and age band kept for bias testing only",
    "deployment_mode": "Batch scoring every hour, two replicas",
    "rollback_plan": "Move the previous production version back with steward version move",
    "monitoring_plan": "Hourly drift and AUC once labels arrive; alerts to the credit-risk team",
}
SENSITIVE = ("gender", "age_band")

_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", flush=True)


# Memory and CPU of this process ---------------------------------------------------------------


def status_kib(field: str) -> int:
    """A `kB` field of /proc/self/status (VmRSS: resident now, VmHWM: peak resident)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} is not in /proc/self/status")


def reset_peak() -> bool:
    """Start a new peak: writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def mib(kib: float) -> float:
    return kib / 1024


class StepMeter:
    """The progress callback of a check run: wall time, CPU time and peak RSS of each step.

    At each step boundary the peak of the step that ends is read from VmHWM and then reset, so
    every step gets its own peak; the process's overall peak is the largest of them (and of the
    peak before the run). Where the reset is refused, each step shows the running peak."""

    def __init__(self, first: str) -> None:
        self.before_kib = status_kib("VmHWM")
        self.exact = reset_peak()
        self.steps: list[dict[str, Any]] = []
        self._name = first
        self._wall = time.perf_counter()
        self._cpu = cpu_seconds()

    def __call__(self, name: str) -> None:
        now, cpu = time.perf_counter(), cpu_seconds()
        peak = status_kib("VmHWM")
        if self.exact:
            reset_peak()
        self.steps.append(
            {
                "step": self._name,
                "seconds": now - self._wall,
                "cpu_seconds": cpu - self._cpu,
                "peak_rss_mib": mib(peak),
                "rss_after_mib": mib(status_kib("VmRSS")),
            }
        )
        log(f"  {self._name}: {now - self._wall:.2f}s, peak RSS {mib(peak):,.0f} MiB")
        self._name, self._wall, self._cpu = name, time.perf_counter(), cpu_seconds()

    def finish(self) -> None:
        self("")

    @property
    def peak_kib(self) -> float:
        return max([self.before_kib * 1.0] + [float(s["peak_rss_mib"]) * 1024 for s in self.steps])


# Data and setup ---------------------------------------------------------------------------------


def generate(rows: int, rng: Any) -> Any:
    """`rows` rows as an Arrow table. The label is a logistic function of the features with
    interactions (so gradient boosting beats the linear champion), shifted a little by gender
    and age band; one feature also drifts with age, so predictions differ a little by group."""
    import numpy as np
    import pyarrow as pa

    gender = rng.choice(len(GENDERS), rows, p=GENDER_SHARE)
    age = rng.choice(len(AGE_BANDS), rows, p=AGE_SHARE)
    x = rng.standard_normal((len(FEATURES), rows))
    x[3] += 0.15 * (age - 2.5) / 2.5
    weights = np.linspace(0.9, 0.1, 12) * np.where(np.arange(12) % 2 == 0, 1.0, -1.0)
    logit = weights @ x[:12]
    logit += 0.8 * x[0] * x[1] - 0.6 * (x[2] ** 2 - 1.0) + 0.7 * np.abs(x[4]) - 0.56
    logit += GENDER_EFFECT * (gender == 0) + np.asarray(AGE_EFFECT)[age] - 0.9
    label = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    columns: dict[str, Any] = {name: x[i] for i, name in enumerate(FEATURES)}
    columns["gender"] = pa.array(np.asarray(GENDERS)[gender])
    columns["age_band"] = pa.array(np.asarray(AGE_BANDS)[age])
    columns["label"] = label
    return pa.table(columns)


def champion_in_production(settings: Settings, ref: VersionRef) -> None:
    """Put the champion in production without its gate, as the benchmark's starting point. The
    use cases move versions only through gates, so this writes what a promotion writes: the
    stage changes, each with its audit event."""
    from steward.bootstrap import build
    from steward.domain.principal import declared
    from steward.domain.stages import DEFAULT_STAGES
    from steward.services.lookup import version_for_write
    from steward.services.moves import apply_move

    container = build(settings)
    try:
        for stage in ("staging", "production"):
            with container.store.write(declared("bench")) as tx:
                handle = version_for_write(tx, ref)
                held = tx.registry.held_stage_before(handle.id, stage)
                DEFAULT_STAGES.check_move(handle.stage, stage, held)
                apply_move(tx, DEFAULT_STAGES, handle, stage, "benchmark champion")
                tx.commit()
    finally:
        container.close()


def part_setup(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Data, models and the Steward home. Not measured."""
    import numpy as np
    import pyarrow.parquet as pq
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    import steward
    from steward.domain.naming import VersionRef

    rng = np.random.default_rng(args.seed)
    evaluation = generate(args.rows, rng)
    training = generate(args.train_rows, rng)
    data_path = work / "evaluation.parquet"
    pq.write_table(evaluation, data_path)
    del evaluation
    log(
        f"wrote {args.rows:,} evaluation rows ({data_path.stat().st_size / 2**20:,.0f} MiB Parquet)"
    )

    frame = training.to_pandas()
    x, y = frame[list(FEATURES)], frame["label"]
    champion = LogisticRegression(max_iter=1000).fit(x, y)
    challenger = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.1, early_stopping=False, random_state=0
    ).fit(x, y)
    log(f"trained on {args.train_rows:,} rows ({y.mean():.1%} positive)")

    client = steward.Client(home=work / "home", actor=ACTOR)
    client.create_project(
        PROJECT,
        purpose="Default risk of loan applications",
        owner=ACTOR,  # the owner registers; CI's account runs the checks
        members={"bench-runner": "ml_engineer"},
    )
    client.classify(PROJECT, ANSWERS, reason="benchmark project")
    tier = client.assessment(PROJECT).tier
    if tier != "operational":
        raise RuntimeError(f"the project was classified {tier!r}, not operational")
    for number, model in enumerate((champion, challenger), start=1):
        client.register(
            model,
            project=PROJECT,
            name=MODEL,
            training_data=frame,
            target="label",
            documentation=DOCUMENTATION,
            reason=f"benchmark model {number}",
        )
    champion_in_production(client.settings, VersionRef(PROJECT, MODEL, 1))
    plan = client.check_plan(f"{PROJECT}/{MODEL}/2", stage="production")
    client.close()
    log(f"tier {tier}; production gate runs {', '.join(plan.kinds)}")

    # Part B's input: the rows' labels and attributes with v2's decisions, as the check makes them.
    table = pq.read_table(data_path)
    data_bytes = int(table.nbytes)
    scores = challenger.predict_proba(table.select(list(FEATURES)).to_pandas())[:, 1]
    decisions = table.select(list(SENSITIVE)).append_column("y_true", table.column("label"))
    decisions = decisions.append_column("y_pred", pa_int64(scores >= 0.5))
    pq.write_table(decisions.select(["y_true", "y_pred", *SENSITIVE]), work / "fairness.parquet")
    groups = decisions.group_by(list(SENSITIVE)).aggregate([([], "count_all")])
    sizes = groups.column("count_all").to_pylist()
    return {
        "rows": args.rows,
        "train_rows": args.train_rows,
        "columns": table.num_columns,
        "data_bytes": data_bytes,
        "parquet_bytes": data_path.stat().st_size,
        "positive_rate": float(np.mean(table.column("label").to_numpy())),
        "groups": len(sizes),
        "group_min": min(sizes),
        "group_max": max(sizes),
        "tier": tier,
        "plan": list(plan.kinds),
        "elsewhere": list(plan.elsewhere),
    }


def pa_int64(values: Any) -> Any:
    import pyarrow as pa

    return pa.array(values.astype("int64"))


# Part A: the full check set ---------------------------------------------------------------------

# What the engine imports while it runs, loaded before the baseline is read, so that the baseline
# is the interpreter with its libraries and "peak minus baseline" is what the run itself adds.
ENGINE_IMPORTS = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.dataset",
    "pyarrow.pandas_compat",
    "pyarrow.parquet",
    "scipy.stats",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.inspection",
    "sklearn.metrics",
    "skops.io",
    "steward",
    "steward.adapters.capture.serialize",
    "steward.services.checks",
    "steward.stats.champion",
    "steward.stats.explain",
    "steward.stats.fairness",
    "steward.stats.performance",
    "steward.stats.profile",
    "steward.stats.quality",
)


def part_check(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import importlib

    started = time.perf_counter()
    for module in ENGINE_IMPORTS:
        importlib.import_module(module)
    import steward

    imports_s = time.perf_counter() - started
    baseline_kib = status_kib("VmRSS")
    log(f"imports {imports_s:.1f}s, baseline RSS {mib(baseline_kib):,.0f} MiB")

    client = steward.Client(home=work / "home", actor="bench-runner")
    ref = f"{PROJECT}/{MODEL}/2"
    client.check_plan(ref, stage="production")  # opens the store: not part of the figure
    before_call_kib = status_kib("VmRSS")
    loaded = set(sys.modules)

    meter = StepMeter("planning")
    wall = time.perf_counter()
    run = client.check(
        ref,
        work / "evaluation.parquet",
        target="label",
        sensitive=list(SENSITIVE),
        stage="production",
        report=work / "report.html",
        progress=meter,
    )
    total_s = time.perf_counter() - wall
    meter.finish()
    client.close()
    late = sorted({m.split(".")[0] for m in set(sys.modules) - loaded})
    return {
        "total_s": total_s,
        "imports_s": imports_s,
        "baseline_mib": mib(baseline_kib),
        "before_call_mib": mib(before_call_kib),
        "peak_mib": mib(meter.peak_kib),
        "end_hwm_mib": mib(status_kib("VmHWM")),
        "exact_step_peaks": meter.exact,
        "steps": meter.steps,
        "passed": run.passed,
        "evidence": len(run.evidence),
        "report_bytes": len(run.report_html.encode("utf-8")),
        "outcomes": [
            {"kind": o.kind, "passed": o.passed, "summary": o.summary, "metrics": o.metrics}
            for o in run.outcomes
        ],
        "imported_during_run": late,
    }


# Part B: fairness alone, one process per tool ---------------------------------------------------


def part_fairness(work: Path, args: argparse.Namespace, tool: str) -> dict[str, Any]:
    import pandas as pd

    import fairness as side_by_side  # bench/fairness.py

    frame = pd.read_parquet(work / "fairness.parquet")
    baseline_kib = status_kib("VmRSS")
    call: Callable[[Any], Any]
    if tool == "steward":
        call, runs = side_by_side.run_steward, args.steward_runs
        call(frame)  # warm-up, as bench/fairness.py does: first-call imports are not the figure
    else:
        call, runs = side_by_side.run_fairlearn, args.fairlearn_runs
    times: list[float] = []
    result = None
    for run in range(runs):
        seconds, result = side_by_side.timed(lambda: call(frame))
        times.append(seconds)
        log(f"  {tool} run {run + 1}: {seconds * 1000:,.1f} ms")
    with open(work / f"fairness-{tool}.pickle", "wb") as handle:
        pickle.dump(result, handle)
    return {
        "times_s": times,
        "median_s": statistics.median(times),
        "baseline_mib": mib(baseline_kib),
        "peak_mib": mib(status_kib("VmHWM")),
    }


# The run ----------------------------------------------------------------------------------------


PARTS: dict[str, Callable[[Path, argparse.Namespace], dict[str, Any]]] = {
    "setup": part_setup,
    "check": part_check,
    "fairness-steward": lambda work, args: part_fairness(work, args, "steward"),
    "fairness-fairlearn": lambda work, args: part_fairness(work, args, "fairlearn"),
}


def run_part(name: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run one part in a fresh interpreter and return what it wrote."""
    from _common import load_average, reference_ms

    log(f"{name}: starting a new process")
    conditions = {"load_before": load_average(), "reference_ms_before": reference_ms()}
    command = [sys.executable, str(Path(__file__).resolve()), "--part", name, "--work", str(work)]
    command += ["--rows", str(args.rows), "--train-rows", str(args.train_rows)]
    command += ["--seed", str(args.seed), "--steward-runs", str(args.steward_runs)]
    command += ["--fairlearn-runs", str(args.fairlearn_runs)]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    elapsed = time.perf_counter() - started
    figures: dict[str, Any] = json.loads((work / f"{name}.json").read_text(encoding="utf-8"))
    figures["process_s"] = elapsed
    figures |= {"load_after": load_average(), "reference_ms_after": reference_ms()}
    figures |= conditions
    log(f"{name}: done in {elapsed:.1f}s")
    return figures


def compare_fairness(work: Path, check: dict[str, Any]) -> tuple[int, float]:
    """bench/fairness.py's comparison of the two tools' numbers, and the check's own fairness
    evidence against the standalone Steward report (same rows, same predictions)."""
    import fairness as side_by_side

    with open(work / "fairness-steward.pickle", "rb") as handle:
        ours = pickle.load(handle)  # written by this script's own worker process
    with open(work / "fairness-fairlearn.pickle", "rb") as handle:
        theirs = pickle.load(handle)
    compared, worst = side_by_side.compare(ours, theirs)
    evidence = next(o for o in check["outcomes"] if o["kind"] == "fairness")["metrics"]
    for name, value in ours.evidence_metrics().items():
        if evidence.get(name) != value:
            raise RuntimeError(
                f"the check's fairness evidence has {name} = {evidence.get(name)!r}, "
                f"the standalone report {value!r}"
            )
    return compared, worst


def machine(work: Path) -> dict[str, str]:
    from _common import machine as registry_machine
    from fairness import machine as fairness_machine

    facts = registry_machine(work, REPO, None)
    keep = ("CPU", "Memory", "OS", "Storage", "Python", "SQLite library", "Steward")
    out = {k: facts[k] for k in keep}
    out |= {k: v for k, v in fairness_machine().items() if k not in ("CPU", "Python")}
    return out


def render(
    setup: dict[str, Any],
    checks: list[dict[str, Any]],
    ours: dict[str, Any],
    theirs: dict[str, Any],
    agreement: tuple[int, float],
    facts: dict[str, str],
    args: argparse.Namespace,
) -> tuple[str, list[tuple[str, str, bool]]]:
    """The figures as Markdown, and the verdict on each target. Time is judged on the median
    run of Part A (its steps are shown), memory on the highest peak of any run."""
    data_mib = setup["data_bytes"] / 2**20
    check = sorted(checks, key=lambda c: c["total_s"])[len(checks) // 2]
    highest = max(checks, key=lambda c: c["peak_mib"])
    peak, baseline = highest["peak_mib"], highest["baseline_mib"]
    speedup = theirs["median_s"] / ours["median_s"]
    totals = ", ".join(f"{c['total_s']:.1f}" for c in checks)
    targets = [
        (
            "full production check set under 60 s",
            f"{check['total_s']:.1f} s (median of {len(checks)} runs: {totals} s)",
            check["total_s"] < CHECK_SECONDS,
        ),
        (
            "peak memory under 3x the data",
            f"peak RSS {peak:,.0f} MiB = {peak / data_mib:.2f}x the data ({data_mib:,.0f} MiB); "
            f"without the {baseline:,.0f} MiB baseline: {(peak - baseline) / data_mib:.2f}x",
            peak / data_mib < MEMORY_RATIO,
        ),
        (
            "fairness: Steward at least 20x faster than Fairlearn",
            f"{speedup:,.0f}x",
            speedup >= FAIRNESS_SPEEDUP,
        ),
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run of {when}: {setup['rows']:,} evaluation rows x {setup['columns']} columns "
        f"({len(FEATURES)} float64 features, `gender`, `age_band`, `label`; "
        f"{setup['positive_rate']:.1%} positive), {setup['groups']} intersectional groups of "
        f"{setup['group_min']:,} to {setup['group_max']:,} rows; Arrow size {data_mib:,.0f} MiB, "
        f"Parquet file {setup['parquet_bytes'] / 2**20:,.0f} MiB. "
        f"Models trained on {setup['train_rows']:,} rows.",
        "",
        "| target | figure | met |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {figure} | {'yes' if met else 'NO'} |" for t, figure, met in targets]
    lines += [
        "",
        f'**Part A: `client.check(v2, <Parquet file>, stage="production")`**, tier '
        f"{setup['tier']}: {', '.join(setup['plan'])} (not run by Steward: "
        f"{', '.join(setup['elsewhere']) or 'none'}). Each run: {check['evidence']} evidence "
        f"records, gate checks passed: {'yes' if check['passed'] else 'no'}.",
        "",
        "| run | wall s | peak RSS MiB | baseline MiB | load average | reference workload ms |",
        "|--:|--:|--:|--:|---|---|",
    ]
    for number, c in enumerate(checks, start=1):
        lines.append(
            f"| {number} | {c['total_s']:.2f} | {c['peak_mib']:,.0f} | {c['baseline_mib']:,.0f} "
            f"| {c['load_before']:.2f} -> {c['load_after']:.2f} "
            f"| {c['reference_ms_before']:.0f} -> {c['reference_ms_after']:.0f} |"
        )
    lines += [
        "",
        f"Steps of the median run ({check['total_s']:.1f} s):",
        "",
        "| step | wall s | CPU s | peak RSS MiB | RSS after MiB |",
        "|---|--:|--:|--:|--:|",
    ]
    for step in check["steps"]:
        lines.append(
            f"| {step['step']} | {step['seconds']:.2f} | {step['cpu_seconds']:.2f} "
            f"| {step['peak_rss_mib']:,.0f} | {step['rss_after_mib']:,.0f} |"
        )
    lines += [
        f"| **total** | **{check['total_s']:.2f}** | "
        f"{sum(s['cpu_seconds'] for s in check['steps']):.2f} | **{check['peak_mib']:,.0f}** | |",
        "",
        "| memory | MiB | x data |",
        "|---|--:|--:|",
        f"| data (Arrow table of the Parquet file) | {data_mib:,.0f} | 1.00 |",
        f"| baseline: interpreter + libraries, after imports | {baseline:,.0f} | "
        f"{baseline / data_mib:.2f} |",
        f"| before the call (store open) | {highest['before_call_mib']:,.0f} | "
        f"{highest['before_call_mib'] / data_mib:.2f} |",
        f"| peak RSS of the process (highest run) | {peak:,.0f} | {peak / data_mib:.2f} |",
        f"| peak minus baseline | {peak - baseline:,.0f} | {(peak - baseline) / data_mib:.2f} |",
        "",
        "| check | passed | summary |",
        "|---|---|---|",
    ]
    for o in check["outcomes"]:
        summary = o["summary"].replace("|", "/")
        lines.append(f"| {o['kind']} | {'yes' if o['passed'] else 'no'} | {summary} |")
    compared, worst = agreement
    lines += [
        "",
        "**Part B: fairness alone**, same rows, v2's decisions at 0.5; one process per tool.",
        "",
        "| tool | runs | median ms | runs ms | peak RSS MiB (baseline) |",
        "|---|--:|--:|---|--:|",
    ]
    for label, figures in (
        ("Steward `fairness_report`", ours),
        ("Fairlearn `MetricFrame` + 2 disparity functions", theirs),
    ):
        runs = ", ".join(f"{t * 1000:,.1f}" for t in figures["times_s"])
        lines.append(
            f"| {label} | {len(figures['times_s'])} | {figures['median_s'] * 1000:,.1f} | {runs} "
            f"| {figures['peak_mib']:,.0f} ({figures['baseline_mib']:,.0f}) |"
        )
    lines += [
        "",
        f"Speed-up {speedup:,.0f}x; {compared} values agree (largest difference {worst:.1e}), "
        "and the check's fairness evidence equals the standalone report.",
        "",
        "| Part B process | load average | reference workload ms |",
        "|---|---|---|",
    ]
    for name, figures in (("Steward", ours), ("Fairlearn", theirs)):
        lines.append(
            f"| {name} | {figures['load_before']:.2f} -> {figures['load_after']:.2f} "
            f"| {figures['reference_ms_before']:.0f} -> {figures['reference_ms_after']:.0f} |"
        )
    given = " ".join(args.given)
    command = f"python bench/checks.py {given}" if given else "make bench-checks"
    lines += ["", "| | |", "|---|---|", f"| Command | `{command}` |"]
    lines += [f"| {k} | {v} |" for k, v in facts.items()]
    return "\n".join(lines) + "\n", targets


def worker(part: str, work: Path, args: argparse.Namespace) -> int:
    figures = PARTS[part](work, args)
    (work / f"{part}.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--check-runs", type=int, default=3, help="Part A runs")
    parser.add_argument("--steward-runs", type=int, default=7)
    parser.add_argument("--fairlearn-runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the data and Steward home")
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.given = list(sys.argv[1:] if argv is None else argv)
    if args.part is not None:
        return worker(args.part, args.work, args)

    work = Path(tempfile.mkdtemp(prefix="steward-bench-checks-"))
    try:
        setup = run_part("setup", work, args)
        checks = [run_part("check", work, args) for _ in range(args.check_runs)]
        ours = run_part("fairness-steward", work, args)
        theirs = run_part("fairness-fairlearn", work, args)
        agreement = compare_fairness(work, checks[-1])
        markdown, targets = render(setup, checks, ours, theirs, agreement, machine(work), args)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    from _common import publish

    return publish(markdown, "checks-results.md", targets)


if __name__ == "__main__":
    sys.exit(main())
