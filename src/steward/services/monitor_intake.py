"""Feedback that arrives after the predictions: late labels joined to logged scores, and
series of business KPIs or operational figures. Part of `Monitor`."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from steward.domain.audit import PendingEvent
from steward.domain.errors import InvalidInputError
from steward.domain.monitoring import WindowResult
from steward.domain.naming import VersionRef
from steward.domain.principal import Principal
from steward.services.monitor_actions import Reactor
from steward.services.monitor_feedback import LabelResult
from steward.services.monitor_reads import version_id_of
from steward.services.monitor_reference import ReferenceSetting
from steward.services.monitor_signals import noted, tier_monitoring
from steward.services.outbox import Outbox
from steward.services.use_case import use_case


class FeedbackIntake(ReferenceSetting):
    _outbox: Outbox
    _reactor: Reactor

    # Labels and series ---------------------------------------------------------------------

    @use_case("monitor.ingest")
    def labels(
        self,
        principal: Principal,
        target: str | VersionRef,
        source: object,
        *,
        id_column: str,
        target_column: str,
        threshold: float = 0.5,
        deliver: bool = True,
    ) -> LabelResult:
        """Join labels to the scores logged at ingest, by id, and measure each window they
        reach with every label known so far. Labels whose id matches no logged prediction are
        counted and reported; the whole file is kept, so such a label joins a prediction logged
        later."""
        import pyarrow.parquet as pq

        from steward.services.monitor_feedback import (
            logged,
            one_per_id,
            performance_results,
            read_labels,
        )

        ref = self._target(target)
        new = read_labels(source, id_column, target_column)
        if new.num_rows == 0:
            raise InvalidInputError("the labels file has no labelled rows")
        with self._ctx.store.read() as q:
            version_id = version_id_of(q, ref)
            predictions = [d for d, _ in q.monitoring.monitor_logs(version_id, "predictions")]
            earlier = [d for d, _ in q.monitoring.monitor_logs(version_id, "labels")]
        if not predictions:
            raise InvalidInputError(
                f"{ref} has no logged predictions to join labels to: ingest with "
                "--id-column and --prediction-column first"
            )
        scores = logged(self._artifacts, predictions)
        matched_new = new.join(scores.select(["id"]), "id", join_type="inner")
        unmatched = new.num_rows - matched_new.num_rows
        if matched_new.num_rows == 0:
            raise InvalidInputError(
                f"none of the {new.num_rows} labels matches a logged prediction id of {ref}"
            )
        sink = io.BytesIO()
        pq.write_table(new.select(["id", "label"]), sink)
        digest = self._artifacts.put(sink.getvalue()).digest
        # Oldest file first, so an id labelled again keeps its newest label.
        every = [pq.read_table(io.BytesIO(self._artifacts.get(d))) for d in earlier]
        labels = one_per_id(pa.concat_tables([*every, new.select(["id", "label"])]), keep="last")
        joined = labels.join(scores, "id", join_type="inner")
        touched = set(matched_new.join(scores, "id").column("window").to_pylist())
        joined = joined.filter(pc.is_in(joined.column("window"), value_set=pa.array(touched)))
        notes = []
        if unmatched:
            notes.append(f"{unmatched} label(s) match no logged prediction id and were left out")
        with self._ctx.store.write(principal) as tx:
            governed = self._ctx.governed_for_write(tx, ref)
            event = tx.record(
                PendingEvent(
                    "monitor.labels",
                    "version",
                    str(ref),
                    {
                        "labels": new.num_rows,
                        "matched": matched_new.num_rows,
                        "unmatched": unmatched,
                    },
                    None,
                )
            )
            tx.monitoring.add_monitor_log(
                governed.handle.id, "labels", digest, new.num_rows, event.seq
            )
            rules = tier_monitoring(governed).rules
            results = [
                noted(result, rules)
                for result in performance_results(str(ref), joined, threshold, tx.now)
            ]
            for result in results:
                tx.monitoring.add_window_result(governed.handle.id, result, event.seq)
            alerts = self._reactor.react(tx, governed, results, rules)
            tx.commit()
        if deliver:
            self._outbox.deliver_due(principal)
        return LabelResult(
            str(ref), new.num_rows, matched_new.num_rows, unmatched, results, alerts, notes
        )

    @use_case("monitor.ingest")
    def series(
        self,
        principal: Principal,
        target: str | VersionRef,
        name: str,
        points: Sequence[tuple[str, float]],
        *,
        deliver: bool = True,
    ) -> tuple[list[WindowResult], list[int]]:
        """Append points to a named series of the version (a KPI, an error rate); its newest
        value and its control chart become signals the rules read."""
        from steward.services.monitor_feedback import record_series, series_points

        ref = self._target(target)
        checked = series_points(points, name)
        with self._ctx.store.write(principal) as tx:
            governed = self._ctx.governed_for_write(tx, ref)
            project_id = tx.registry.project_id(ref.project)
            assert project_id is not None
            rules = tier_monitoring(governed).rules
            results, alerts = record_series(
                tx, self._reactor, governed, project_id, name, checked, rules
            )
            tx.commit()
        if deliver:
            self._outbox.deliver_due(principal)
        return results, alerts
