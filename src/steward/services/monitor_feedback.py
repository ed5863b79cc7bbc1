"""What arrives after the predictions: labels, joined by id to the scores logged at ingest, and
series of business KPIs or operational figures, watched on control charts."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.audit import PendingEvent
from steward.domain.errors import InvalidInputError, NotFoundError
from steward.domain.monitoring import SeriesPoint, WindowResult
from steward.domain.naming import VersionRef
from steward.domain.times import to_utc_text
from steward.services.monitor_actions import Reactor
from steward.services.ports import ArtifactStore, WriteSession

# A project's KPIs are named as people name them ("approval rate"): single spaces between words.
SERIES_NAME = r"^(?=.{1,100}$)[A-Za-z_][A-Za-z0-9_.]*(?: [A-Za-z0-9_.]+)*$"
# Points a control chart needs before its limits mean anything.
MIN_BASELINE = 8


@dataclass(frozen=True, slots=True)
class LabelResult:
    version: str
    labels: int
    matched: int
    unmatched: int
    results: list[WindowResult]
    alerts: list[int]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "labels": self.labels,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "results": [r.as_dict() for r in self.results],
            "alerts": self.alerts,
            "notes": self.notes,
        }


def read_labels(source: object, id_column: str, target: str) -> pa.Table:
    """(id, label) from the labels file: ids as text, labels 0/1; rows without a label are
    dropped and a repeated id keeps its last label."""
    from steward.stats.fingerprint import to_arrow_table

    table = to_arrow_table(source)
    for name in (id_column, target):
        if name not in table.column_names:
            raise InvalidInputError(f"column {name!r} is not in the labels")
    ids = pc.cast(table.column(id_column), pa.string())
    try:
        values = pc.cast(table.column(target), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        raise InvalidInputError(f"labels column {target!r} must hold 0 and 1") from None
    labels = pa.table({"id": ids, "label": values}).filter(
        pc.and_(pc.is_valid(values), pc.is_valid(ids))
    )
    present = labels.column("label").to_numpy()
    if np.any((present != 0) & (present != 1)):
        raise InvalidInputError(f"labels column {target!r} must hold 0 and 1 (1: positive)")
    # The last label of an id wins: a corrected label is appended, not edited.
    return one_per_id(labels, keep="last")


def one_per_id(table: pa.Table, *, keep: str) -> pa.Table:
    """The rows of `table` with one row per `id`: its first or its last in table order."""
    order = pa.array(np.arange(table.num_rows))
    numbered = table.append_column("order", order)
    how = "min" if keep == "first" else "max"
    chosen = numbered.group_by("id").aggregate([("order", how)]).column(f"order_{how}")
    return table.filter(pc.is_in(order, value_set=chosen))


def logged(artifacts: ArtifactStore, digests: Sequence[str]) -> pa.Table:
    """Every logged (id, score, window); an id logged twice keeps its first score."""
    import pyarrow.parquet as pq

    parts = [pq.read_table(io.BytesIO(artifacts.get(d))) for d in digests]
    table = pa.concat_tables(parts) if parts else pa.table({"id": [], "score": [], "window": []})
    return one_per_id(table, keep="first")


def performance_results(
    version_ref: str, joined: pa.Table, threshold: float, now: str
) -> list[WindowResult]:
    """Per window: the labelled rows' metrics (scikit-learn's, as in the evidence checks)."""
    from steward.stats.performance import classification_metrics
    from steward.stats.performance_bounds import metric_bounds

    results = []
    windows = sorted(set(joined.column("window").to_pylist()))
    for window in windows:
        rows = joined.filter(pc.equal(joined.column("window"), window))
        y = rows.column("label").to_numpy().astype(np.float64)
        p = rows.column("score").to_numpy().astype(np.float64)
        signals: dict[str, float] = {"labelled_rows": float(len(y))}
        notes: list[str] = []
        if 0 < y.sum() < len(y):
            metrics, _, notes = classification_metrics(y, p, None, threshold)
            for name, value in metrics.items():
                if np.isfinite(value):
                    signals[f"performance.{name}"] = float(value)
        else:
            signals["performance.accuracy"] = float(np.mean((p >= threshold) == (y == 1)))
            notes.append("every label is the same class: only accuracy is defined")
        # Destructive rules read the bound on the healthy side (steward.domain.alerting).
        for name, bound in metric_bounds(y, p, threshold).items():
            signals[f"performance.{name}"] = bound
        detail = {"labelled_rows": len(y), "threshold": threshold, "notes": notes}
        results.append(WindowResult(version_ref, window, "performance", signals, detail, now))
    return results


def series_points(values: Sequence[tuple[str, float]], name: str) -> list[tuple[str, float]]:
    """Checked (time, value) pairs: ISO times, finite numbers."""
    import re

    if not re.match(SERIES_NAME, name):
        raise InvalidInputError(
            f"malformed series name {name!r}: letters, digits, '_', '.' and single spaces "
            "between words, starting with a letter or '_', at most 100 characters"
        )
    checked = []
    for at, value in values:
        number = float(value)
        if not np.isfinite(number):
            raise InvalidInputError(f"series {name!r}: the value at {at} is not a finite number")
        checked.append((to_utc_text(at, date_means="start"), number))
    if not checked:
        raise InvalidInputError(f"series {name!r}: no points given")
    return checked


def chart_results(
    version_ref: str,
    name: str,
    points: Sequence[SeriesPoint],
    new: Sequence[int],
    now: str,
) -> list[WindowResult]:
    """One result per new point (`new`: their indices in `points`, the whole series in time
    order): its value as a signal under the series' name and, once the series is long enough,
    whether it is out of control: a Western Electric rule broken at that point on the
    individuals chart, or the EWMA beyond its limits there, makes `kpi.<name>.out_of_control`
    1. Limits come from the first half of the series (at least MIN_BASELINE points)."""
    from steward.stats.control import ewma_chart, individuals_chart

    charted = len(points) >= MIN_BASELINE
    broken: dict[int, list[str]] = {}
    centre = sigma = None
    if charted:
        values, times = [p.value for p in points], [p.at for p in points]
        baseline = max(MIN_BASELINE, len(points) // 2)
        chart = individuals_chart(values, baseline=baseline, times=times)
        ewma = ewma_chart(values, baseline=baseline, times=times)
        for violation in (*chart.violations, *ewma.violations):
            broken.setdefault(violation.index, []).append(violation.rule)
        centre, sigma = chart.centre, chart.sigma
    results = []
    for index in new:
        point = points[index]
        signals = {name: point.value}
        detail: dict[str, Any] = {"points": len(points)}
        if charted:
            rules = broken.get(index, [])
            signals[f"kpi.{name}.out_of_control"] = 1.0 if rules else 0.0
            detail.update(rules_broken=rules, centre=centre, sigma=sigma)
        results.append(WindowResult(version_ref, point.at, "series", signals, detail, now))
    return results


def record_series(
    tx: WriteSession,
    reactor: Reactor,
    governed: Any,
    project_id: int,
    name: str,
    points: Sequence[tuple[str, float]],
    rules: Any,
) -> tuple[list[WindowResult], list[int]]:
    """Append the points, chart the series and raise what the rules call for."""
    handle = governed.handle
    event = tx.record(
        PendingEvent(
            "series.recorded",
            "version",
            handle.ref,
            {"series": name, "points": len(points), "from": points[0][0], "to": points[-1][0]},
            None,
        )
    )
    for at, value in points:
        tx.monitoring.add_series_point(project_id, handle.id, name, at, value, event.seq)
    # A project's KPI is one series whichever version served: the chart reads all of it.
    stored = tx.monitoring.series_points(project_id, name)
    added = {at for at, _ in points}
    new = [i for i, p in enumerate(stored) if p.at in added and p.recorded_at == tx.now]
    results = chart_results(handle.ref, name, stored, new, tx.now)
    for result in results:
        tx.monitoring.add_window_result(handle.id, result, event.seq)
    return results, reactor.react(tx, governed, results, rules)


def version_project_id(tx: WriteSession, ref: VersionRef) -> int:
    found = tx.registry.project_id(ref.project)
    if found is None:
        raise NotFoundError(f"unknown project {ref.project!r}")
    return found


def remeasured_performance(
    tx: WriteSession, artifacts: ArtifactStore, version_id: int, version_ref: str, windows: set[str]
) -> list[WindowResult]:
    """The performance of `windows` measured again from the predictions that still count (after
    an ingest replaced others) and every label known, for the windows that were measured
    before; a window left with no labelled prediction is recorded as empty. Each keeps the
    threshold it was measured with."""
    import pyarrow.parquet as pq

    measured = {
        r.window_start: r
        for r in tx.monitoring.window_results(version_id)
        if r.kind == "performance" and r.window_start in windows
    }
    if not measured:
        return []
    predictions = [d for d, _ in tx.monitoring.monitor_logs(version_id, "predictions")]
    label_logs = [d for d, _ in tx.monitoring.monitor_logs(version_id, "labels")]
    scores = logged(artifacts, predictions)
    every = [pq.read_table(io.BytesIO(artifacts.get(d))) for d in label_logs]
    labels = one_per_id(pa.concat_tables(every), keep="last")
    joined = labels.join(scores, "id", join_type="inner")
    results = []
    for window, before in sorted(measured.items()):
        rows = joined.filter(pc.equal(joined.column("window"), window))
        threshold = float(before.detail.get("threshold", 0.5))
        if rows.num_rows:
            results.extend(performance_results(version_ref, rows, threshold, tx.now))
            continue
        detail = {"labelled_rows": 0, "threshold": threshold, "emptied": True, "notes": []}
        signals = {"labelled_rows": 0.0}
        results.append(WindowResult(version_ref, window, "performance", signals, detail, tx.now))
    return results
