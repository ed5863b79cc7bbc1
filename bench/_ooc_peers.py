"""The per-day aggregates Steward's window profiles hold, computed by Polars (streaming) and by
pandas (in chunks), each run as its own process by bench/out_of_core.py:

    python bench/_ooc_peers.py polars|pandas DATA.parquet TERMS.json

For every day (UTC) of the time column: the row count; for every numeric column the count of
present values, nulls, mean, variance, min, max and the counts of the 20 histogram bins cut at
the reference's edges (bins (lower, upper], as Steward counts them); for every text column the
count of each value. TERMS.json names the columns and holds the edges. Prints, as JSON, the
figures of one numeric and one text column per day, to be compared between the tools.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

BATCH_ROWS = 65_536


def polars_days(path: Path, terms: dict[str, Any]) -> dict[str, Any]:
    import polars as pl

    time, numeric, text = terms["time"], terms["numeric"], terms["text"]
    data = pl.scan_parquet(path)
    day = pl.col(time).dt.truncate("1d").alias("day")
    summary: list[pl.Expr] = [pl.len().alias("rows")]
    for name in numeric:
        column = pl.col(name)
        summary += [
            column.count().alias(f"{name}:count"),
            column.null_count().alias(f"{name}:missing"),
            column.mean().alias(f"{name}:mean"),
            column.var().alias(f"{name}:var"),
            column.min().alias(f"{name}:min"),
            column.max().alias(f"{name}:max"),
        ]
    queries = [data.group_by(day).agg(summary)]
    for name in numeric:
        edges = terms["edges"][name]
        labels = [str(i) for i in range(len(edges) + 1)]
        binned = pl.col(name).cut(edges, labels=labels).alias("bin")
        queries.append(data.filter(pl.col(name).is_not_null()).group_by(day, binned).len())
    queries += [data.group_by(day, pl.col(name)).len() for name in text]
    numbers, *counts = pl.collect_all(queries, engine="streaming")
    compared, label = terms["compared_numeric"], terms["compared_text"]
    days: dict[str, Any] = {}
    for row in numbers.iter_rows(named=True):
        days[_day(row["day"])] = {
            "rows": row["rows"],
            "count": row[f"{compared}:count"],
            "missing": row[f"{compared}:missing"],
            "mean": row[f"{compared}:mean"],
            "hist": [0] * (len(terms["edges"][compared]) + 1),
            "text": {},
        }
    for moment, bin_label, n in counts[numeric.index(compared)].iter_rows():
        days[_day(moment)]["hist"][int(bin_label)] = n
    for moment, value, n in counts[len(numeric) + text.index(label)].iter_rows():
        if value is not None:
            days[_day(moment)]["text"][value] = n
    return days


def pandas_days(path: Path, terms: dict[str, Any]) -> dict[str, Any]:
    import numpy as np
    import pyarrow.parquet as pq

    time, numeric, text = terms["time"], terms["numeric"], terms["text"]
    edges = {name: np.asarray(terms["edges"][name], dtype=np.float64) for name in numeric}
    sums: dict[tuple[Any, str], np.ndarray] = {}
    hists: dict[tuple[Any, str], np.ndarray] = {}
    texts: dict[tuple[Any, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows: dict[Any, int] = defaultdict(int)
    reader = pq.ParquetFile(path)
    for batch in reader.iter_batches(batch_size=BATCH_ROWS):
        frame = batch.to_pandas()
        day = frame[time].dt.floor("D")
        for moment, n in day.value_counts().items():
            rows[moment] += int(n)
        grouped = frame.groupby(day)
        for name in numeric:
            column = grouped[name]
            part = column.agg(["count", "sum", "min", "max"])
            part["sq"] = (frame[name] ** 2).groupby(day).sum()
            part["missing"] = frame[name].isna().groupby(day).sum()
            for moment, values in part.iterrows():
                _add(sums, (moment, name), values[["count", "missing", "sum", "sq", "min", "max"]])
            present = frame[[name]].assign(day=day).dropna()
            bins = np.searchsorted(edges[name], present[name].to_numpy(), side="left")
            for moment, where in present.groupby("day").indices.items():
                counts = np.bincount(bins[where], minlength=len(edges[name]) + 1)
                key = (moment, name)
                hists[key] = counts if key not in hists else hists[key] + counts
        for name in text:
            for (moment, value), n in frame.groupby([day, frame[name]]).size().items():
                texts[(moment, name)][str(value)] += int(n)
    compared, label = terms["compared_numeric"], terms["compared_text"]
    days: dict[str, Any] = {}
    for moment, n in sorted(rows.items()):
        count, missing, total, _sq, _low, _high = sums[(moment, compared)]
        days[_day(moment.to_pydatetime())] = {
            "rows": n,
            "count": int(count),
            "missing": int(missing),
            "mean": float(total / count) if count else None,
            "hist": [int(v) for v in hists[(moment, compared)]],
            "text": dict(texts[(moment, label)]),
        }
    return days


def _add(sums: dict[tuple[Any, str], Any], key: tuple[Any, str], values: Any) -> None:
    import numpy as np

    # count, missing, sum and sum of squares add up; min and max take the extreme.
    new = np.asarray(values, dtype=np.float64)
    if key not in sums:
        sums[key] = new
        return
    old = sums[key]
    sums[key] = np.concatenate(
        [old[:4] + new[:4], [np.fmin(old[4], new[4]), np.fmax(old[5], new[5])]]
    )


def _day(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def main(argv: list[str]) -> int:
    tool, path, terms_path = argv[0], Path(argv[1]), Path(argv[2])
    terms = json.loads(terms_path.read_text(encoding="utf-8"))
    days = polars_days(path, terms) if tool == "polars" else pandas_days(path, terms)
    print(json.dumps(days))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
