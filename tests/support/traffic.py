"""Production traffic for monitoring tests: a real scikit-learn model on generated data, and day
files of scored rows with ids, times and (later) labels, stable or with an injected change.

The features are drawn as scikit-learn's `make_classification` draws them, once, with a large
pool; each day resamples rows from the pool, so stable traffic is the reference's distribution
and its labels keep the model's accuracy. An input drift shifts one feature; a performance drop
replaces the labels with coin flips, so the scores stop ranking them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = [f"f{i}" for i in range(8)]
START = pd.Timestamp("2026-10-01", tz="UTC")


@dataclass
class Traffic:
    """The model, its reference rows and the pool production rows are drawn from."""

    rows_per_hour: int = 1_000
    seed: int = 7
    model: Pipeline = field(init=False)
    reference: pd.DataFrame = field(init=False)
    _pool: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        x, y = make_classification(
            n_samples=60_000,
            n_features=len(FEATURES),
            n_informative=5,
            n_redundant=1,
            class_sep=1.0,
            flip_y=0.03,
            random_state=self.seed,
        )
        frame = pd.DataFrame(x, columns=FEATURES).assign(target=y)
        train, rest = frame.iloc[:20_000], frame.iloc[20_000:]
        self.model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2_000))
        self.model.fit(train[FEATURES], train["target"])
        self.reference = train
        self._pool = rest.reset_index(drop=True)

    def day(
        self, number: int, *, drift: float = 0.0, noise_labels: bool = False
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(scored rows, labels) of one day: `rows_per_hour` rows in each hour, stamped within
        it, with ids unique across days. `drift` shifts f0 by that many standard deviations;
        `noise_labels` makes the labels coin flips."""
        rng = np.random.default_rng(self.seed * 1_000 + number)
        count = self.rows_per_hour * 24
        rows = self._pool.iloc[rng.integers(0, len(self._pool), count)].reset_index(drop=True)
        if drift:
            rows["f0"] = rows["f0"] + drift * float(self.reference["f0"].std())
        hours = np.repeat(np.arange(24), self.rows_per_hour)
        seconds = hours * 3_600 + rng.integers(0, 3_600, count)
        rows["ts"] = START + pd.Timedelta(days=number) + pd.to_timedelta(seconds, unit="s")
        rows["request_id"] = [f"d{number}-{i}" for i in range(count)]
        rows["score"] = self.model.predict_proba(rows[FEATURES])[:, 1]
        labels = rows[["request_id", "target"]].copy()
        if noise_labels:
            labels["target"] = rng.integers(0, 2, count)
        return rows.drop(columns="target"), labels
