"""When a monitoring rule may act on a window: how large a sample it needs, which value it
reads (a confidence bound for destructive actions on performance), how many breaching windows
in a row it waits for, and how long it stays quiet after an alert closes.

A statistic from a small sample is noise: AUC on 17 labelled rows, PSI on 40 rows. Each rule
therefore has a floor on its window's sample (the rows of a drift window, the labelled rows of
a performance window). A window below it is "insufficient data" for the rule: it raises
nothing, and neither breaks nor extends a run of breaching windows. Windows at or above the
floor are the rule's qualifying windows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from steward.domain.monitoring import WindowResult
    from steward.domain.policy import MonitoringRule

# Labelled rows below which a window's AUC, accuracy, precision or recall is too noisy to read.
MIN_LABELLED_ROWS = 200
# Rows below which a window's drift (PSI, distances, tests) is too noisy to read.
MIN_WINDOW_ROWS = 500
# Families of signals measured on a window's rows; the others (series, KPIs) are single values.
_ROW_SIGNALS = ("drift.", "prediction.", "data.", "estimated.")
PERFORMANCE = "performance."
# Performance metrics that come with a confidence interval (steward.stats.performance_bounds):
# the only ones a destructive rule can act on.
BOUNDED_METRICS = ("auc", "accuracy", "precision", "recall")

State = Literal["unmeasured", "insufficient", "clear", "breach"]


def default_min_rows(signal: str) -> int:
    if signal.startswith(PERFORMANCE):
        return MIN_LABELLED_ROWS
    if signal.startswith(_ROW_SIGNALS):
        return MIN_WINDOW_ROWS
    return 0


def min_rows(rule: MonitoringRule) -> int:
    return rule.min_rows if rule.min_rows is not None else default_min_rows(rule.signal)


def sample_size(result: WindowResult) -> int | None:
    """The sample a window's statistics were computed from; None for a single value."""
    if result.kind == "performance":
        return int(result.signals.get("labelled_rows", 0))
    if "rows" in result.signals:
        return int(result.signals["rows"])
    return None


def bound_signal(rule: MonitoringRule) -> str | None:
    """The signal a destructive performance rule reads instead of the point estimate: the
    bound on the healthy side, so that it acts only when even that is past the threshold."""
    if not (rule.destructive and rule.signal.startswith(PERFORMANCE)):
        return None
    side = "upper" if rule.op in ("<", "<=") else "lower"
    return f"{rule.signal}.{side}"


def unboundable(rule: MonitoringRule) -> bool:
    """A destructive rule on a performance metric without a confidence interval."""
    if bound_signal(rule) is None:
        return False
    return rule.signal.removeprefix(PERFORMANCE) not in BOUNDED_METRICS


@dataclass(frozen=True, slots=True)
class Reading:
    """What one rule makes of one window."""

    state: State
    value: float | None = None
    sample: int | None = None
    floor: int = 0

    def note(self, rule: MonitoringRule) -> str:
        if self.state == "insufficient":
            return (
                f"insufficient data for {rule.key}: {self.sample:,} of the {self.floor:,} "
                "rows it needs"
            )
        if self.state == "unmeasured":
            return f"{rule.signal} was not measured"
        return f"{rule.signal} = {self.value:.4g}" if self.value is not None else rule.signal


def read(rule: MonitoringRule, result: WindowResult) -> Reading:
    import math

    point = result.signals.get(rule.signal)
    if point is None or not math.isfinite(point):
        return Reading("unmeasured")
    sample, floor = sample_size(result), min_rows(rule)
    if sample is not None and sample < floor:
        return Reading("insufficient", point, sample, floor)
    bound = bound_signal(rule)
    value = point
    if bound is not None:
        bounded = result.signals.get(bound)
        if bounded is None or not math.isfinite(bounded):
            return Reading("unmeasured", point, sample, floor)
        value = bounded
    state: State = "breach" if rule.holds(value) else "clear"
    return Reading(state, value, sample, floor)


def insufficient(rules: Iterable[MonitoringRule], result: WindowResult) -> list[str]:
    """Notes for the rules that cannot read the window for want of rows, for status, reports
    and charts."""
    return [
        reading.note(rule)
        for rule in rules
        if (reading := read(rule, result)).state == "insufficient"
    ]


class RuleHistory:
    """One rule's qualifying windows of one kind of result, in time order: whether each
    breached, the runs of breaches, and how many qualifying windows lie between two times."""

    def __init__(self, rule: MonitoringRule, results: Iterable[WindowResult]) -> None:
        readings = [(r.window_start, read(rule, r)) for r in results]
        qualifying = sorted(
            (start, reading.state == "breach")
            for start, reading in readings
            if reading.state in ("clear", "breach")
        )
        self._starts = [start for start, _ in qualifying]
        self._runs: dict[str, int] = {}
        run = 0
        for start, breached in qualifying:
            run = run + 1 if breached else 0
            self._runs[start] = run

    @property
    def newest(self) -> str | None:
        """The start of the newest qualifying window."""
        return self._starts[-1] if self._starts else None

    def run_at(self, window: str) -> int:
        """Breaching qualifying windows in a row, ending with `window`."""
        return self._runs.get(window, 0)

    def windows_after(self, after: str, upto: str) -> int:
        """Qualifying windows later than `after`, up to and including `upto`."""
        return max(0, bisect_right(self._starts, upto) - bisect_right(self._starts, after))
