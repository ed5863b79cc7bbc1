"""The evidence engine: run the checks a version's gate asks for and store what they found.

`steward check run` comes here. The run reads the version, its policy and tier, and the gate
into the target stage; computes every check before writing anything, so a run that fails to
compute leaves no evidence behind; then appends all the results in one transaction, each with
its configuration, the fingerprints of its inputs and its own HTML report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from steward.domain.audit import json_sha256
from steward.domain.errors import InvalidInputError, StewardError
from steward.domain.naming import VersionRef, as_version_ref
from steward.domain.policy import Gate
from steward.domain.principal import Principal
from steward.domain.quality_rules import QualitySuite
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
from steward.services.check_plan import (
    CheckPlan,
    CheckRun,
    champion_stage,
    check_columns,
    column_values,
    next_stage,
)
from steward.services.check_results import CheckOutcome, ReportHeader
from steward.services.evidence_store import EvidenceDraft, store_evidence
from steward.services.governed import GovernanceContext
from steward.services.inventory import Inventory
from steward.services.ports import MemoryRelease, ModelCodec, ReportRenderer, SuiteLoader
from steward.services.use_case import use_case
from steward.stats.columns import first_line

Progress = Callable[[str], None]

RUNNERS: dict[str, Runner] = {
    "documentation": run_documentation,
    "data_quality": run_data_quality,
    "performance": run_performance,
    "fairness": run_fairness,
    "explainability": run_explainability,
    "champion_challenger": run_champion_challenger,
}


class EvidenceEngine:
    def __init__(
        self,
        ctx: GovernanceContext,
        inventory: Inventory,
        codec: ModelCodec,
        renderer: ReportRenderer,
        suites: SuiteLoader,
        release_memory: MemoryRelease = lambda: None,
    ) -> None:
        self._ctx = ctx
        self._access = ctx.access
        self._inventory = inventory
        self._artifacts = ctx.artifacts
        self._codec = codec
        self._renderer = renderer
        self._suites = suites
        # Called between steps: each check's temporaries should not stack on the last one's.
        self._release_memory = release_memory

    # Planning -----------------------------------------------------------------------------

    @use_case("governance.read")
    def plan(
        self,
        principal: Principal,
        ref: str | VersionRef,
        stage: str | None = None,
        checks: Sequence[str] = (),
    ) -> CheckPlan:
        """Which checks `run` would compute for the gate into `stage` (default: the next
        stage), and which of them the gate requires."""
        return self._plan(as_version_ref(ref), stage, tuple(checks))

    def _plan(self, ref: VersionRef, stage: str | None, checks: tuple[str, ...]) -> CheckPlan:
        with self._ctx.store.read() as q:
            governed = self._ctx.governed_for_read(q, ref)
        policy = governed.policy
        graph = policy.stages.graph()
        target = graph.check_stage(stage) if stage else next_stage(policy, governed.handle.stage)
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

    @use_case("evidence.compute")
    def run(
        self,
        principal: Principal,
        ref: str | VersionRef,
        data: object,
        *,
        target: str,
        prediction_column: str | None = None,
        sensitive: Sequence[str] | str = (),
        stage: str | None = None,
        checks: Sequence[str] = (),
        id_column: str | None = None,
        suite: QualitySuite | str | Path | None = None,
        threshold: float = 0.5,
        bootstrap: int = 200,
        confidence: float = 0.95,
        seed: int = 0,
        min_group_size: int = 30,
        explain_rows: int = 2000,
        permutation_repeats: int = 5,
        local_explanations: int = 5,
        margin: float = 0.01,
        latency_calls: int = 200,
        trust: bool = False,
        reason: str | None = None,
        progress: Progress | None = None,
        deliver: Callable[[str], None] | None = None,
    ) -> CheckRun:
        """Run the checks the policy requires for the version's tier and the gate into `stage`
        (or those named in `checks`) on `data` (pandas, Polars, Arrow, or a Parquet/CSV path),
        then store each result as evidence, all in one transaction. Nothing is stored when a
        check cannot be computed; a failed check does not raise (see `passed` and
        `failed_required`). `suite` is a rule suite or the path of its YAML file. `deliver`
        receives the combined HTML report before the evidence is stored (to write it to a
        file: a report that cannot be written stops the run unstored)."""
        ref = as_version_ref(ref)
        if isinstance(sensitive, str):
            sensitive = [s.strip() for s in sensitive.split(",") if s.strip()]
        rules = self._suites.load(Path(suite)) if isinstance(suite, str | Path) else suite
        options = CheckOptions(
            target=target,
            prediction_column=prediction_column,
            sensitive=tuple(sensitive),
            stage=stage,
            checks=tuple(checks),
            id_column=id_column if id_column is not None or rules is None else rules.id_column,
            suite=rules,
            threshold=threshold,
            bootstrap=bootstrap,
            confidence=confidence,
            seed=seed,
            min_group_size=min_group_size,
            explain_rows=explain_rows,
            permutation_repeats=permutation_repeats,
            local_explanations=local_explanations,
            margin=margin,
            latency_calls=latency_calls,
            trust=trust,
        )
        step = progress or (lambda _name: None)
        plan = self._plan(ref, options.stage, options.checks)
        if not plan.kinds:
            raise InvalidInputError(
                f"the {plan.stage} gate of tier {plan.tier} asks for no check Steward runs"
                + (f" (it asks for {', '.join(plan.elsewhere)})" if plan.elsewhere else "")
                + ": name checks with --check"
            )
        step("reading data")
        context = self._context(principal, ref, plan, data, options, step)
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
        evidence = store_evidence(
            self._ctx, principal, ref, drafts, provenance="computed", reason=reason
        )
        return CheckRun(plan, tuple(outcomes), tuple(evidence), report)

    def _context(
        self,
        principal: Principal,
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

        version = self._inventory.get_version(principal, ref)
        record = version.record.as_dict()
        table = to_arrow_table(data)
        check_columns(table, options)
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
            model = self._model(principal, ref, options.trust)
        signature = [str(c["name"]) for c in (record.get("signature") or {}).get("columns", [])]
        features = (
            model_features(model, signature, table.column_names)
            if model is not None
            else [name for name in signature if name in table.column_names]
        )
        target = column_values(table, options.target)
        scored = None
        if needs_scores:
            step("scoring")
            if options.prediction_column is not None:
                predictions = column_values(table, options.prediction_column)
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
        serving = champion_stage(policy, plan.stage)
        if "champion_challenger" in plan.kinds and scored is not None:
            champion = self._champion(principal, ref, serving, table, target, options, step)
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
            champion_stage=serving,
            inputs=inputs,
        )

    def _model(self, principal: Principal, ref: VersionRef, trust: bool) -> object:
        data, fmt = self._inventory.load_artifact(principal, ref)
        return self._codec.deserialize(data, fmt, trust=trust)

    def _champion(
        self,
        principal: Principal,
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
        with self._ctx.store.read() as q:
            holders = [
                v
                for v in q.registry.versions_in_stage(ref.project, stage)
                if v.model == ref.model and v.number != ref.number
            ]
        if not holders:
            return None
        holder = holders[0]
        step("loading champion")
        champion_ref = VersionRef(holder.project, holder.model, holder.number)
        version = self._inventory.get_version(principal, champion_ref)
        model = self._model(principal, champion_ref, options.trust)
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
