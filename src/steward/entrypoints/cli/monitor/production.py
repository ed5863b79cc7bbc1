"""`steward monitor reference|ingest|labels|kpi`: what production monitoring of a registered
version is fed. TARGET is PROJECT/MODEL/NUMBER, or the deployment PROJECT/MODEL@STAGE (the
version serving in that stage)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from steward.domain.errors import InvalidInputError
from steward.domain.windows import BATCH_ROWS
from steward.entrypoints.cli.output import (
    JSON_OPTION,
    client,
    console,
    err_console,
    print_json,
    short_number,
    split_list,
    table,
)

TARGET = typer.Argument(..., help="PROJECT/MODEL/NUMBER, or PROJECT/MODEL@STAGE.")


def _data(path: Path) -> Path:
    if not path.is_file():
        raise InvalidInputError(f"data file {path} does not exist")
    return path


def reference(
    ctx: typer.Context,
    target: str = TARGET,
    data: Path = typer.Argument(..., help="Reference rows: training or validation data."),
    target_column: str | None = typer.Option(
        None, "--target", help="The label column: left out, and used to check calibration."
    ),
    prediction_column: str | None = typer.Option(
        None, "--prediction-column", help="Scores already in the data (else the model scores)."
    ),
    no_score: bool = typer.Option(False, "--no-score", help="Do not score with the model."),
    exclude: list[str] = typer.Option([], "--exclude", help="Columns to leave out (ids)."),
    trust: bool = typer.Option(False, "--trust", help="Load a pickled model artifact."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set the profile production windows of a version are compared with."""
    found = client(ctx).monitor_reference(
        target,
        _data(data),
        target_column=target_column,
        prediction_column=prediction_column,
        score=not no_score,
        exclude=split_list(exclude),
        trust=trust,
    )
    if as_json:
        print_json(found.as_dict())
        return
    what = "with the model's scores" if found.prediction else "without scores"
    console.print(
        f"reference of {escape(found.version_ref)}: {found.rows} rows, {what}, "
        f"profile {found.profile_digest[:12]}"
    )
    if found.calibration:
        ece = found.calibration.get("expected_calibration_error")
        console.print(f"calibration error of the scores: {ece:.4f} (isotonic map fitted)")


def ingest(
    ctx: typer.Context,
    target: str = TARGET,
    data: Path = typer.Argument(..., help="Production rows (.parquet or .csv), any size."),
    time_column: str | None = typer.Option(
        None, "--time-column", help="When each row happened (else: now)."
    ),
    window: str | None = typer.Option(
        None, "--window", help="Window width such as 1h, 1d, 1w (default: the tier's policy)."
    ),
    prediction_column: str | None = typer.Option(
        None, "--prediction-column", help="The model's score of each row."
    ),
    id_column: str | None = typer.Option(
        None, "--id-column", help="Row id, kept with the score so late labels can be joined."
    ),
    threshold: float = typer.Option(0.5, "--threshold", help="Score at which a row is positive."),
    batch_rows: int = typer.Option(BATCH_ROWS, "--batch-rows", help="Rows read at a time."),
    replace: int | None = typer.Option(
        None, "--replace", help="Swap out the earlier ingest of this number (see `ingests`)."
    ),
    allow_backfill: bool = typer.Option(
        False, "--allow-backfill", help="Admit rows stamped before the version was deployed."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Profile production rows into windows, compare each with the reference and raise the
    alerts the policy's monitoring rules call for. The same data is never counted twice."""
    steward = client(ctx)
    # Loaded here, not at start-up: most commands draw no progress bar.
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]profiling[/bold] {task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json or not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("rows", total=None)
        result = steward.ingest(
            target,
            _data(data),
            time_column=time_column,
            window=window,
            prediction_column=prediction_column,
            id_column=id_column,
            threshold=threshold,
            batch_rows=batch_rows,
            progress=lambda rows: bar.update(task, completed=rows),
            replace=replace,
            allow_backfill=allow_backfill,
        )
    if as_json:
        print_json(result.as_dict())
        return
    if result.already is not None or not result.windows:
        for note in result.notes:
            console.print(f"note: {escape(note)}")
        return
    rows = []
    for r in result.results:
        s = r.signals
        rows.append(
            [
                r.window_start,
                int(s.get("rows", 0)),
                short_number(s.get("drift.share")),
                short_number(s.get("drift.psi_max")),
                short_number(s.get("prediction.psi")),
                short_number(s.get("estimated.accuracy")),
                "insufficient data" if r.detail.get("insufficient") else "",
            ]
        )
    table(
        f"{result.version}: {result.rows:,} rows into {len(result.windows)} window(s)",
        ["window", "rows", "drift share", "PSI max", "prediction PSI", "est. accuracy", ""],
        rows,
    )
    span = f", {result.first_at} to {result.last_at}" if result.first_at else ""
    swapped = f", replacing ingest {result.replaced}" if result.replaced else ""
    console.print(
        f"ingest {result.ingest}: {result.rows:,} rows, {len({r.window_start for r in result.results})} window(s) "
        f"touched{span}, {len(result.alerts)} alert(s) raised{swapped}"
    )
    for note in result.notes:
        console.print(f"note: {escape(note)}")
    _print_alerts(steward, result.alerts)


def ingests(ctx: typer.Context, target: str = TARGET, as_json: bool = JSON_OPTION) -> None:
    """Every ingest of a version: its number, digest, rows, time span and windows, and the
    ingest that replaced it."""
    found = client(ctx).ingests(target)
    if as_json:
        print_json([i.as_dict() for i in found])
        return
    table(
        f"ingests of {target}",
        ["ingest", "rows", "from", "to", "windows", "source", "by", "at", "replaced by"],
        [
            [
                i.id,
                f"{i.rows:,}",
                i.first_at or "",
                i.last_at or "",
                len(i.windows),
                i.source,
                i.ingested_by,
                i.ingested_at,
                i.replaced_by or "",
            ]
            for i in found
        ],
    )


def labels(
    ctx: typer.Context,
    target: str = TARGET,
    data: Path = typer.Argument(..., help="Labels (.parquet or .csv): an id and a 0/1 label."),
    id_column: str = typer.Option(..., "--id-column", help="Id of the row each label is for."),
    label_column: str = typer.Option(..., "--target", help="The label column (1: positive)."),
    threshold: float = typer.Option(0.5, "--threshold", help="Score at which a row is positive."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Join late labels to the logged predictions by id and measure each window they reach."""
    steward = client(ctx)
    result = steward.labels(
        target, _data(data), id_column=id_column, target_column=label_column, threshold=threshold
    )
    if as_json:
        print_json(result.as_dict())
        return
    rows = [
        [
            r.window_start,
            int(r.signals.get("labelled_rows", 0)),
            short_number(r.signals.get("performance.auc")),
            short_number(r.signals.get("performance.accuracy")),
        ]
        for r in result.results
    ]
    table(
        f"{result.version}: {result.matched} of {result.labels} labels matched",
        ["window", "labelled", "AUC", "accuracy"],
        rows,
    )
    for note in result.notes:
        console.print(f"note: {escape(note)}")
    _print_alerts(steward, result.alerts)


def kpi(
    ctx: typer.Context,
    target: str = TARGET,
    name: str = typer.Argument(..., help="Series name, such as approval_rate or errors.rate."),
    value: float | None = typer.Option(None, "--value", help="One value (with --at)."),
    at: str = typer.Option("now", "--at", help="When the value was measured (ISO 8601)."),
    points: Path | None = typer.Option(
        None, "--file", help="A CSV file of points with columns at,value."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record KPI or operational values; the series is watched on a control chart."""
    if (value is None) == (points is None):
        raise InvalidInputError("give either --value (with --at) or --file")
    pairs = [(at, value)] if value is not None else _read_points(points)  # type: ignore[arg-type]
    steward = client(ctx)
    results, alerts = steward.record_series(target, name, pairs)
    if as_json:
        print_json({"results": [r.as_dict() for r in results], "alerts": alerts})
        return
    # Every point out of control, and the newest one whatever its state.
    shown = [r for r in results if r.signals.get(f"kpi.{name}.out_of_control") == 1.0]
    if results and results[-1] not in shown:
        shown.append(results[-1])
    if len(results) > len(shown):
        console.print(f"{len(results)} point(s) of {escape(name)} recorded")
    for r in shown:
        state = r.signals.get(f"kpi.{name}.out_of_control")
        chart = {None: "not charted yet", 0.0: "in control", 1.0: "OUT OF CONTROL"}[state]
        console.print(f"{escape(name)} at {r.window_start}: {r.signals[name]:g} ({chart})")
    _print_alerts(steward, alerts)


def _print_alerts(steward: Any, ids: list[int]) -> None:
    if not ids:
        return
    raised = {a.id: a for a in steward.alerts()}
    for alert_id in ids:
        a = raised[alert_id]
        console.print(
            f"[bold red]alert {a.id}[/bold red]: {escape(a.signal)} = {a.value:.4g} in "
            f"{a.window_start} ({escape(a.rule)}): {escape(str(a.detail.get('outcome')))}"
        )


def _read_points(path: Path) -> list[tuple[str, float]]:
    _data(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"at", "value"} <= set(reader.fieldnames):
            raise InvalidInputError(f"{path.name}: expected a header with columns at,value")
        pairs = []
        for line, row in enumerate(reader, start=2):
            try:
                pairs.append((row["at"], float(row["value"])))
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"{path.name}:{line}: value {row['value']!r} is not a number"
                ) from None
    return pairs
