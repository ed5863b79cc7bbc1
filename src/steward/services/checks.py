"""The evidence engine: run the checks a version's gate asks for and store what they found.

`steward check run` comes here. The run reads the version, its policy and tier, and the gate
into the target stage; computes every check before writing anything, so a run that fails to
compute leaves no evidence behind; then appends all the results in one transaction, each with
its configuration, the fingerprints of its inputs and its own HTML report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from steward.domain.audit import json_sha256
from steward.domain.errors import InvalidInputError, StewardError
from steward.domain.governance import Evidence
from steward.domain.naming import VersionRef
from steward.domain.policy import Gate, Policy
from steward.services.check_champion import run_champion_challenger
from steward.services.check_kinds import (
    ENGINE_KINDS,
    Champion,
    CheckContext,
    CheckOptions,
    Runner,
    run_data_quality,
    run_documentation,
    run_explainability,
    run_fairness,
    run_performance,
)
from steward.services.check_results import CheckOutcome, ReportHeader, ReportRenderer
from steward.services.governance import EvidenceDraft, Governance
from steward.services.inventory import Inventory
from steward.services.ports import ArtifactStore
from steward.services.promotion import Promotion
from steward.stats.columns import first_line, listed

Progress = Callable[[str], None]

RUNNERS: dict[str, Runner] = {
    "documentation": run_documentation,
    "data_quality": run_data_quality,
    "performance": run_performance,
    "fairness": run_fairness,
    "explainability": run_explainability,
    "champion_challenger": run_champion_challenger,
}


class ModelLoader(Protocol):
    def __call__(self, data: bytes, fmt: str, *, trust: bool) -> object: ...


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """What a run will do: the kinds it computes and those the gate needs but it cannot."""

    ref: str
    policy: str
    tier: str | None
    stage: str
    kinds: tuple[str, ...]
    required: frozenset[str]
    elsewhere: tuple[str, ...]  # gate kinds produced outside Steward (a load test, ...)
    rules: Policy = field(compare=False, repr=False)  # the policy read for the plan
    gate: Gate = field(compare=False, repr=False)  # its gate into `stage` at `tier`
    explicit: bool = False  # the kinds were named (--check), not taken from the gate

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.ref,
            "policy": self.policy,
            "tier": self.tier,
            "stage": self.stage,
            "checks": list(self.kinds),
            "required": sorted(self.required),
            "not_run_here": list(self.elsewhere),
        }


@dataclass(frozen=True, slots=True)
class CheckRun:
    plan: CheckPlan
    outcomes: tuple[CheckOutcome, ...]
    evidence: tuple[Evidence, ...]
    report_html: str

    @property
    def failed_required(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if o.required and not o.passed]

    @property
    def passed(self) -> bool:
        return not self.failed_required

    def as_dict(self) -> dict[str, Any]:
        by_kind = {e.kind: e for e in self.evidence}
        return {
            **self.plan.as_dict(),
            "passed": self.passed,
            "results": [
                {
                    **o.as_dict(),
                    "evidence_id": by_kind[o.kind].id if o.kind in by_kind else None,
                    "digest": by_kind[o.kind].digest if o.kind in by_kind else None,
                }
                for o in self.outcomes
            ],
        }


class EvidenceEngine:
    def __init__(
        self,
        inventory: Inventory,
        promotion: Promotion,
        governance: Governance,
        artifacts: ArtifactStore,
        load_model: ModelLoader,
        renderer: ReportRenderer,
        release_memory: Callable[[], None] = lambda: None,
    ) -> None:
        self._inventory = inventory
        self._promotion = promotion
        self._governance = governance
        self._artifacts = artifacts
        self._load_model = load_model
        self._renderer = renderer
        # Called between steps: each check's temporaries should not stack on the last one's.
        self._release_memory = release_memory

    # Planning -----------------------------------------------------------------------------

    def plan(
        self, ref: VersionRef, stage: str | None = None, checks: tuple[str, ...] = ()
    ) -> CheckPlan:
        with self._governance.store.read() as q:
            governed = self._promotion.governed_for_read(q, ref)
        policy = governed.policy
        graph = policy.stages.graph()
        target = graph.check_stage(stage) if stage else _next_stage(policy, governed.handle.stage)
        gate = policy.gate(governed.tier, target) if governed.tier is not None else Gate()
        required = {check.kind for check in gate.checks}
        # Documentation fields are judged by the gate itself, from the version record (and
        # waivers): the completeness check runs to show them, but cannot fail a run.
        shown = required | ({"documentation"} if gate.documentation else set())
        for kind in checks:
            if kind not in ENGINE_KINDS:
                raise InvalidInputError(
                    f"unknown check {kind!r}: expected one of {', '.join(ENGINE_KINDS)}"
                )
        if checks:
            kinds = tuple(k for k in ENGINE_KINDS if k in checks)
        else:
            if governed.tier is None:
                raise InvalidInputError(
                    f"project {ref.project!r} has no risk assessment, so no gate says which "
                    "checks to run: run steward project classify, or name them with --check"
                )
            kinds = tuple(k for k in ENGINE_KINDS if k in shown)
        label = governed.stored_policy.label if governed.stored_policy else policy.name
        elsewhere = tuple(sorted(k for k in required if k not in ENGINE_KINDS))
        return CheckPlan(
            str(ref),
            label,
            governed.tier,
            target,
            kinds,
            frozenset(required),
            elsewhere,
            policy,
            gate,
            explicit=bool(checks),
        )

    # Running ------------------------------------------------------------------------------

    def run(
        self,
        actor: str,
        ref: VersionRef,
        data: object,
        options: CheckOptions,
        *,
        progress: Progress | None = None,
        reason: str | None = None,
        deliver: Callable[[str], None] | None = None,
    ) -> CheckRun:
        """Compute every planned check, then store them all as evidence in one transaction.
        Raises before writing anything when a check cannot be computed. `deliver` receives the
        combined HTML report before the evidence is stored (to write it to a file)."""
        step = progress or (lambda _name: None)
        plan = self.plan(ref, options.stage, options.checks)
        if not plan.kinds:
            raise InvalidInputError(
                f"the {plan.stage} gate of tier {plan.tier} asks for no check Steward runs"
                + (f" (it asks for {', '.join(plan.elsewhere)})" if plan.elsewhere else "")
                + ": name checks with --check"
            )
        step("reading data")
        context = self._context(ref, plan, data, options, step)
        outcomes = []
        for kind in plan.kinds:
            self._release_memory()
            step(kind)
            outcomes.append(_run_one(kind, context, required=kind in plan.required))
        self._release_memory()
        step("writing evidence")
        header = self._header(plan, context)
        drafts = [
            EvidenceDraft(
                o.kind,
                o.passed,
                o.metrics,
                o.config,
                o.inputs,
                o.summary,
                self._renderer.render(header, [o]).encode("utf-8"),
            )
            for o in outcomes
        ]
        report = self._renderer.render(header, outcomes)
        if deliver is not None:
            # Before the evidence: a report that cannot be written stops the run unstored.
            deliver(report)
        evidence = self._governance.add_evidence_set(actor, ref, drafts, reason=reason)
        return CheckRun(plan, tuple(outcomes), tuple(evidence), report)

    def _context(
        self,
        ref: VersionRef,
        plan: CheckPlan,
        data: object,
        options: CheckOptions,
        step: Progress,
    ) -> CheckContext:
        from steward.stats.fingerprint import fingerprint, to_arrow_table
        from steward.stats.scoring import (
            model_features,
            score_model,
            scored_column,
        )

        version = self._inventory.get_version(ref)
        record = version.record.as_dict()
        table = to_arrow_table(data)
        _check_columns(table, options)
        if "fairness" in plan.kinds and not options.sensitive:
            raise InvalidInputError(
                "fairness needs --sensitive: name the columns holding the protected attributes"
            )
        policy, gate = plan.rules, plan.gate
        needs_model = bool({"explainability", "champion_challenger"} & set(plan.kinds))
        needs_scores = bool(
            {"performance", "fairness", "explainability", "champion_challenger"} & set(plan.kinds)
        )
        model = None
        if needs_model or (needs_scores and options.prediction_column is None):
            step("loading model")
            model = self._model(ref, options.trust)
        signature = [str(c["name"]) for c in (record.get("signature") or {}).get("columns", [])]
        features = (
            model_features(model, signature, table.column_names)
            if model is not None
            else [name for name in signature if name in table.column_names]
        )
        target = _column(table, options.target)
        scored = None
        if needs_scores:
            step("scoring")
            if options.prediction_column is not None:
                predictions = _column(table, options.prediction_column)
                scored = scored_column(target, predictions, options.prediction_column)
            else:
                scored = score_model(model, table, features, target)
            if scored.task == "classification" and not (
                float(scored.scores.min()) >= 0.0 and float(scored.scores.max()) <= 1.0
            ):
                raise InvalidInputError(
                    f"predicted probabilities must lie in [0, 1]; they range from "
                    f"{float(scored.scores.min()):g} to {float(scored.scores.max()):g}"
                )
        champion = None
        champion_stage = _champion_stage(policy, plan.stage)
        if "champion_challenger" in plan.kinds and scored is not None:
            champion = self._champion(ref, champion_stage, table, target, options, step)
        data_print = fingerprint(table)
        inputs: dict[str, Any] = {
            "data": {k: data_print[k] for k in ("sha256", "rows", "columns")},
            "model": {"sha256": record["artifact"]["sha256"]},
        }
        if champion is not None:
            inputs["champion"] = {"version": champion.ref, "sha256": champion.artifact_sha256}
        profile = self._profile(record)
        if profile is not None:
            inputs["training_profile"] = {"sha256": record["training_data"]["profile"]}
        if options.suite is not None:
            inputs["suite"] = {"sha256": json_sha256(options.suite.model_dump(mode="json"))}
        return CheckContext(
            ref=str(ref),
            record=record,
            policy=policy,
            gate=gate,
            stage=plan.stage,
            table=table,
            options=options,
            scored=scored,
            model=model,
            features=features,
            profile=profile,
            champion=champion,
            champion_stage=champion_stage,
            inputs=inputs,
        )

    def _model(self, ref: VersionRef, trust: bool) -> object:
        data, fmt = self._inventory.load_artifact(ref)
        return self._load_model(data, fmt, trust=trust)

    def _champion(
        self,
        ref: VersionRef,
        stage: str | None,
        table: pa.Table,
        target: np.ndarray[Any, Any],
        options: CheckOptions,
        step: Progress,
    ) -> Champion | None:
        from steward.stats.scoring import model_features, score_model

        if stage is None:
            return None
        with self._governance.store.read() as q:
            holders = [
                v
                for v in q.versions_in_stage(ref.project, stage)
                if v.model == ref.model and v.number != ref.number
            ]
        if not holders:
            return None
        holder = holders[0]
        step("loading champion")
        champion_ref = VersionRef(holder.project, holder.model, holder.number)
        version = self._inventory.get_version(champion_ref)
        model = self._model(champion_ref, options.trust)
        # The champion may read other columns than the challenger: its own signature says which.
        signature = [str(c["name"]) for c in version.record.signature.get("columns", [])]
        own = model_features(model, signature, table.column_names)
        scored = score_model(model, table, own, target)
        return Champion(
            str(champion_ref),
            model,
            own,
            scored.scores,
            int(version.record.artifact.get("size", 0)),
            str(version.record.artifact["sha256"]),
        )

    def _profile(self, record: dict[str, Any]) -> Any | None:
        from steward.stats.profile import Profile

        training = record.get("training_data") or {}
        digest = training.get("profile")
        if not digest:
            return None
        return Profile.from_dict(json.loads(self._artifacts.get(str(digest))))

    @staticmethod
    def _header(plan: CheckPlan, context: CheckContext) -> ReportHeader:
        data = context.inputs["data"]
        facts = [
            ("Version", plan.ref),
            ("Policy", plan.policy),
            ("Risk tier", plan.tier or "not classified"),
            ("Gate", f"into {plan.stage}"),
            (
                "Data",
                f"{data['rows']} rows, {data['columns']} columns, sha256 {data['sha256'][:16]}…",
            ),
            ("Model artifact", f"sha256 {context.inputs['model']['sha256'][:16]}…"),
            ("Target", context.options.target),
        ]
        if plan.elsewhere:
            facts.append(("Required, produced elsewhere", ", ".join(plan.elsewhere)))
        return ReportHeader(f"Evidence for {plan.ref}", tuple(facts))


def _run_one(kind: str, context: CheckContext, *, required: bool) -> CheckOutcome:
    try:
        result = RUNNERS[kind](context)
    except StewardError:
        raise
    except (ValueError, TypeError, ArithmeticError, KeyError, MemoryError) as exc:
        raise InvalidInputError(f"the {kind} check could not run: {first_line(exc)}") from exc
    if result.required != required:
        from dataclasses import replace

        result = replace(result, required=required)
    return result


def _next_stage(policy: Policy, current: str) -> str:
    """The nearest later stage (in the policy's order) the version can move to from `current`."""
    names = list(policy.stages.names)
    forward = {t.to for t in policy.stages.transitions if t.from_ == current}
    later = [name for name in names[names.index(current) + 1 :] if name in forward]
    if not later:
        raise InvalidInputError(
            f"a version in {current} has no next stage: name the gate's stage with --stage"
        )
    return later[0]


def _champion_stage(policy: Policy, stage: str) -> str | None:
    """Where the champion lives: the last stage, from the target on, that one version holds at
    a time (production in the shipped policies), so a challenger headed for staging is already
    measured against the model serving now."""
    names = list(policy.stages.names)
    exclusive = [n for n in names[names.index(stage) :] if n in policy.stages.exclusive]
    return exclusive[-1] if exclusive else None


def _check_columns(table: pa.Table, options: CheckOptions) -> None:
    if table.num_rows == 0:
        raise InvalidInputError("the data has no rows")
    present = set(table.column_names)
    named = [("target", options.target)]
    if options.prediction_column:
        named.append(("prediction column", options.prediction_column))
    named += [("sensitive column", name) for name in options.sensitive]
    if options.id_column:
        named.append(("id column", options.id_column))
    for what, name in named:
        if name not in present:
            raise InvalidInputError(
                f"{what} {name!r} is not in the data (columns: "
                f"{listed(table.column_names, limit=8)})"
            )


def _column(table: pa.Table, name: str) -> np.ndarray[Any, Any]:
    column = table.column(name)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    values: np.ndarray[Any, Any] = column.to_numpy()
    return values
