"""The evidence engine's use case over the in-memory store: which checks a gate asks for, that a
run stores every result in one go (or nothing), and how results are judged against the policy.
The model is a real scikit-learn model handed over by a fake loader; the report renderer is a
fake that names the kinds it was given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from steward.adapters.quality_yaml import YamlSuiteLoader
from steward.domain.entities import Member
from steward.domain.errors import InvalidInputError
from steward.domain.naming import VersionRef
from steward.services.check_kinds import CheckOptions
from steward.services.check_plan import CheckRun
from steward.services.check_results import CheckOutcome, ReportHeader
from steward.services.checks import EvidenceEngine
from tests.fakes import make_lineage
from tests.support.principals import READER, who
from tests.unit.test_governance_service import MEMBERS, World

FEATURES = ["x1", "x2"]


class LoaderCodec:
    """Model files are not the subject here: every artifact loads as the test's model."""

    def __init__(self, load: Callable[..., object]) -> None:
        self._load = load

    def serialize(self, model: object, fmt: str) -> tuple[bytes, str]:
        return repr(model).encode(), "joblib"

    def deserialize(self, data: bytes, fmt: str, *, trust: bool) -> object:
        return self._load(data, fmt, trust=trust)

    def describe(self, model: object) -> dict[str, Any]:
        return {"class": type(model).__name__}


class NamingRenderer:
    def render(self, header: ReportHeader, outcomes: list[CheckOutcome]) -> str:
        return f"<html>{header.title}: {', '.join(o.kind for o in outcomes)}</html>"


def _data(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, 2)), columns=FEATURES)
    frame["label"] = (frame["x1"] + 0.5 * rng.normal(size=rows) > 0).astype(int)
    frame["group"] = rng.choice(["a", "b"], size=rows)
    return frame


def _model(frame: pd.DataFrame) -> LogisticRegression:
    return LogisticRegression().fit(frame[FEATURES], frame["label"])


class Engine:
    def __init__(self, impact: str | None = "high") -> None:
        self.world = World()
        self.world.apply()
        # The CI job that runs the checks is a member of the project, as ml_engineer.
        self.world.project(impact=impact, members=(*MEMBERS, Member("ci", "ml_engineer")))
        self.frame = _data()
        self.model = _model(self.frame)
        self.loaded: list[bytes] = []
        signature = {"columns": [{"name": n, "type": "double"} for n in FEATURES]}
        self.ref = self._register(signature)
        self.engine = EvidenceEngine(
            self.world.context,
            self.world.inventory,
            LoaderCodec(self._load),
            NamingRenderer(),
            YamlSuiteLoader(),
        )

    def _register(self, signature: dict[str, Any]) -> VersionRef:
        version = self.world.inventory.register_version(
            who("carl"),
            "credit",
            "scorer",
            f"artifact {len(self.loaded)}".encode(),
            make_lineage(signature=signature),
            documentation={"intended_use": "triage"},
        )
        return VersionRef("credit", "scorer", version.record.number)

    def _load(self, data: bytes, fmt: str, *, trust: bool) -> object:
        self.loaded.append(data)
        return self.model

    def run(
        self,
        data: Any,
        options: CheckOptions,
        *,
        ref: VersionRef | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> CheckRun:
        """A run by the CI job, with the options of `options`."""
        given = {f.name: getattr(options, f.name) for f in fields(options)}
        return self.engine.run(who("ci"), ref or self.ref, data, **given, progress=progress)

    def evidence(self) -> list[Any]:
        return list(self.world.gov.facts(READER, self.ref).evidence)


def test_the_plan_follows_the_gate_of_the_next_stage() -> None:
    e = Engine()
    staging = e.engine.plan(READER, e.ref)
    assert (staging.stage, staging.kinds) == ("staging", ("performance",))
    production = e.engine.plan(READER, e.ref, "production")
    assert production.kinds == ("documentation", "data_quality", "performance")
    # The gate judges documentation from the record itself: shown, never failing the run.
    assert production.required == {"data_quality", "performance"}


def test_an_unclassified_project_needs_named_checks() -> None:
    e = Engine(impact=None)
    with pytest.raises(InvalidInputError, match="no risk assessment"):
        e.engine.plan(READER, e.ref)
    assert e.engine.plan(READER, e.ref, checks=("performance",)).kinds == ("performance",)
    with pytest.raises(InvalidInputError, match="unknown check 'speed'"):
        e.engine.plan(READER, e.ref, checks=("speed",))


def test_a_run_stores_each_result_with_its_inputs_and_report() -> None:
    e = Engine()
    run = e.run(e.frame, CheckOptions(target="label", bootstrap=20))
    (performance,) = run.evidence
    assert performance.kind == "performance" and performance.passed is True
    assert performance.producer == "ci"
    assert performance.inputs["data"]["rows"] == len(e.frame)
    assert performance.config["target"] == "label"
    assert (
        e.world.artifacts.get(performance.report or "")
        == b"<html>Evidence for credit/scorer/1: performance</html>"
    )
    assert "performance" in run.report_html
    assert run.passed


def test_a_threshold_the_model_misses_fails_the_check_and_the_run() -> None:
    e = Engine()
    noisy = e.frame.assign(score=np.random.default_rng(3).uniform(size=len(e.frame)))
    run = e.run(
        noisy,
        CheckOptions(target="label", prediction_column="score", bootstrap=0),
    )
    (outcome,) = run.outcomes
    assert not outcome.passed and not run.passed
    (requirement,) = outcome.requirements
    assert requirement.clause == "performance.auc >= 0.75" and not requirement.met
    assert [e.passed for e in e.evidence()] == [False]
    assert e.loaded == []  # scores came from the column: the model was never loaded


def test_a_check_that_cannot_compute_leaves_no_evidence() -> None:
    e = Engine()
    options = CheckOptions(target="label", stage="production", checks=("performance", "fairness"))
    with pytest.raises(InvalidInputError, match="fairness needs --sensitive"):
        e.run(e.frame, options)
    with pytest.raises(InvalidInputError, match="target 'y' is not in the data"):
        e.run(e.frame, CheckOptions(target="y"))
    with pytest.raises(InvalidInputError, match="no rows"):
        e.run(e.frame.iloc[:0], CheckOptions(target="label"))
    with pytest.raises(InvalidInputError, match="single class"):
        e.run(e.frame.assign(label=1), CheckOptions(target="label"))
    one_class = e.frame.assign(label=1, score=0.7)
    scored = CheckOptions(target="label", prediction_column="score")
    with pytest.raises(InvalidInputError, match="single class"):
        e.run(one_class, scored)
    with_gap = e.frame.astype({"group": object})
    with_gap.loc[5, "group"] = None
    fairness = CheckOptions(target="label", sensitive=("group",), checks=("fairness",))
    with pytest.raises(InvalidInputError, match="group"):
        e.run(with_gap, fairness)
    assert e.evidence() == []


def test_probabilities_outside_zero_one_are_refused() -> None:
    e = Engine()
    shifted = e.frame.assign(score=np.linspace(-0.5, 1.5, len(e.frame)))
    options = CheckOptions(target="label", prediction_column="score")
    with pytest.raises(InvalidInputError, match=r"\[0, 1\]"):
        e.run(shifted, options)


def test_a_check_named_but_not_required_does_not_fail_the_run() -> None:
    e = Engine()
    options = CheckOptions(
        target="label", sensitive=("group",), checks=("performance", "fairness"), bootstrap=0
    )
    run = e.run(e.frame, options)
    required = {o.kind: o.required for o in run.outcomes}
    assert required == {"performance": True, "fairness": False}


def test_documentation_completeness_reads_the_record() -> None:
    e = Engine()
    options = CheckOptions(target="label", stage="production", checks=("documentation",))
    (outcome,) = e.run(e.frame, options).outcomes
    assert outcome.passed and outcome.metrics == {"complete": 1.0, "missing_fields": 0.0}
    e.world.inventory.register_version(
        who("carl"), "credit", "scorer", b"second", make_lineage(), documentation={}
    )
    second = VersionRef("credit", "scorer", 2)
    run = e.run(e.frame, options, ref=second)
    (missing,) = run.outcomes
    assert not missing.passed and missing.details["missing"] == ["intended_use"]
    assert not missing.required and run.passed


def test_evidence_records_only_the_inputs_its_check_reads() -> None:
    """A new holdout changes the performance evidence, not the documentation evidence, so an
    approval is not made stale by an input the check never read."""
    e = Engine()
    options = CheckOptions(
        target="label", stage="production", checks=("documentation", "performance"), bootstrap=0
    )
    first = {x.kind: x for x in e.run(e.frame, options).evidence}
    other = {x.kind: x for x in e.run(_data(seed=9), options).evidence}
    assert first["documentation"].digest == other["documentation"].digest
    assert first["documentation"].inputs == {}
    assert first["performance"].digest != other["performance"].digest
    assert set(first["performance"].inputs) == {"data", "model"}


def test_fairness_without_sensitive_columns_stops_before_computing() -> None:
    e = Engine()
    steps: list[str] = []
    options = CheckOptions(target="label", checks=("performance", "fairness"))
    with pytest.raises(InvalidInputError, match="fairness needs --sensitive"):
        e.run(e.frame, options, progress=steps.append)
    assert "performance" not in steps


def test_pandas_polars_arrow_and_files_give_the_same_evidence(tmp_path: Any) -> None:
    """The data's container does not change what is measured: same inputs, same digests."""
    import polars as pl
    import pyarrow as pa

    e = Engine()
    options = CheckOptions(target="label", sensitive=("group",), checks=("performance", "fairness"))
    e.frame.to_parquet(tmp_path / "data.parquet", index=False)
    e.frame.to_csv(tmp_path / "data.csv", index=False)
    containers = [
        e.frame,
        pl.from_pandas(e.frame),
        pa.Table.from_pandas(e.frame, preserve_index=False),
        tmp_path / "data.parquet",
        str(tmp_path / "data.csv"),
    ]
    digests = {tuple(item.digest for item in e.run(data, options).evidence) for data in containers}
    assert len(digests) == 1


def test_memory_is_released_before_each_check_and_after_the_last() -> None:
    e = Engine()
    released: list[int] = []
    e.engine = EvidenceEngine(
        e.world.context,
        e.world.inventory,
        LoaderCodec(e._load),
        NamingRenderer(),
        YamlSuiteLoader(),
        lambda: released.append(1),
    )
    run = e.run(e.frame, CheckOptions(target="label", stage="production", bootstrap=0))
    assert len(released) == len(run.outcomes) + 1 == 4


def test_releasing_memory_works_on_this_platform() -> None:
    """Arrow's pool and, on glibc, malloc_trim: neither may raise where Steward runs."""
    from steward.adapters.memory import release_memory

    release_memory()
