"""The data both registries are filled with, and the inputs of the measured calls.

Both tools get the same models, the same versions in the same order and the same tags, so that
the only difference between them is how they store and query it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from steward.services.inventory_inputs import Lineage

PROJECT = "bench"
BIG_MODEL = "big"
ACTOR = "bench"
SEED = 20_261_123


@dataclass(frozen=True, slots=True)
class Scale:
    models: int
    versions: int
    big_versions: int
    teams: int
    batches: int
    audit_events: int
    register_samples: int
    search_samples: int
    page_samples: int
    warmup: int
    rounds: int
    verify_runs: int


FULL = Scale(
    models=1_000,
    versions=100_000,
    big_versions=10_000,
    teams=20,
    batches=1_000,  # 100,000 / 1,000: a tag search matches about 100 versions
    audit_events=1_000_000,
    register_samples=600,
    search_samples=500,
    page_samples=500,
    warmup=50,
    rounds=20,  # short blocks: neither tool idles long enough for its pages to go cold
    verify_runs=3,
)

QUICK = Scale(
    models=40,
    versions=4_000,
    big_versions=400,
    teams=20,
    batches=40,
    audit_events=40_000,
    register_samples=60,
    search_samples=60,
    page_samples=60,
    warmup=10,
    rounds=2,
    verify_runs=2,
)


@dataclass(frozen=True, slots=True)
class PlannedVersion:
    model: int  # index into model_names(); 0 is the big model
    number: int
    team: str
    batch: str
    auc: float
    at: datetime


def model_names(scale: Scale) -> list[str]:
    return [BIG_MODEL] + [f"m{i:04d}" for i in range(1, scale.models)]


def _model_sequence(scale: Scale, rng: random.Random) -> list[int]:
    """Which model each version belongs to, in registration order: the big model's share, the
    rest spread as evenly as possible, shuffled so that models grow side by side as in a real
    registry (and the big model's rows are not one contiguous block)."""
    rest, others = scale.versions - scale.big_versions, scale.models - 1
    base, extra = divmod(rest, others)
    sequence = [0] * scale.big_versions
    for model in range(1, scale.models):
        sequence.extend([model] * (base + (1 if model <= extra else 0)))
    rng.shuffle(sequence)
    return sequence


def plan_versions(scale: Scale, start: datetime) -> list[PlannedVersion]:
    """Every version of the bulk fill. `batch` cycles through its values so that each matches
    exactly versions / batches versions; `team` is drawn at random."""
    rng = random.Random(SEED)
    numbers = [0] * scale.models
    planned: list[PlannedVersion] = []
    for i, model in enumerate(_model_sequence(scale, rng)):
        numbers[model] += 1
        planned.append(
            PlannedVersion(
                model=model,
                number=numbers[model],
                team=f"team{rng.randrange(scale.teams):02d}",
                batch=f"b{i % scale.batches:04d}",
                auc=round(rng.uniform(0.6, 0.99), 4),
                # One millisecond apart: distinct, ordered, and all in the past.
                at=start + timedelta(milliseconds=i),
            )
        )
    return planned


def fill_start(scale: Scale) -> datetime:
    """When the bulk history begins: far enough back that it ends before the run starts."""
    return datetime.now(UTC) - timedelta(milliseconds=scale.versions + scale.models + 60_000)


# Inputs of the measured calls -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegisterInput:
    model: str
    tags: dict[str, str]
    auc: float


def register_inputs(scale: Scale, count: int) -> list[RegisterInput]:
    """Registrations into random existing models (never the big one, so its first page stays
    the same for both tools), with the same kind of tags as the bulk data."""
    rng = random.Random(SEED + 1)
    names = model_names(scale)[1:]
    return [
        RegisterInput(
            model=rng.choice(names),
            tags={
                "team": f"team{rng.randrange(scale.teams):02d}",
                "batch": f"b{rng.randrange(scale.batches):04d}",
            },
            auc=round(rng.uniform(0.6, 0.99), 4),
        )
        for _ in range(count)
    ]


def search_inputs(scale: Scale, count: int) -> list[str]:
    rng = random.Random(SEED + 2)
    return [f"b{rng.randrange(scale.batches):04d}" for _ in range(count)]


# What a registration carries --------------------------------------------------------------

# A small pre-serialised artifact: the benchmark measures the registry, not pickling. Every
# registration uses the same bytes, so the content-addressed store writes the blob once.
ARTIFACT = bytes(range(256)) * 8

_FEATURES = [f"feature_{i:02d}" for i in range(30)]


def lineage() -> Lineage:
    """Lineage shaped like what `Client.register` captures for a scikit-learn model, with a
    trimmed package list (a real one lists every installed distribution)."""
    return Lineage(
        artifact_format="skops",
        framework={
            "library": "scikit-learn",
            "library_version": "1.5.2",
            "class": "sklearn.linear_model._logistic.LogisticRegression",
            "params": {"C": 1.0, "max_iter": 5000, "penalty": "l2", "solver": "lbfgs"},
            "feature_names": _FEATURES,
        },
        signature={
            "columns": [{"name": f, "type": "float64", "nullable": False} for f in _FEATURES]
        },
        training_data=_fingerprint(569),
        validation_data=_fingerprint(143),
        code={
            "git_commit": "3f1c2a9d4b5e6f708192a3b4c5d6e7f8091a2b3c",
            "git_dirty": False,
            "git_branch": "main",
            "git_remote": "https://git.example.org/credit/scoring.git",
            "path": "/srv/train/scoring",
        },
        environment={
            "python": "3.11.7",
            "implementation": "CPython",
            "platform": "Linux-6.1-x86_64-with-glibc2.36",
            "packages": {
                "joblib": "1.4.2",
                "numpy": "2.1.3",
                "pandas": "2.2.3",
                "pyarrow": "18.0.0",
                "scikit-learn": "1.5.2",
                "scipy": "1.14.1",
                "skops": "0.10.0",
                "steward-governance": "0.1.0",
            },
        },
    )


def _fingerprint(rows: int) -> dict[str, Any]:
    return {
        "sha256": f"{rows:064x}",
        "rows": rows,
        "columns": len(_FEATURES) + 1,
        "bytes": rows * (len(_FEATURES) + 1) * 8,
        "source": "pandas",
    }
