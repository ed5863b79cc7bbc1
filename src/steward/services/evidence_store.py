"""Appending evidence to a version: shared by evidence a person attaches and by what the
evidence engine computes. Not a use case itself; those two are."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from steward.domain.audit import PendingEvent
from steward.domain.errors import InvalidInputError
from steward.domain.evidence_kinds import check_metric_value, metrics_for
from steward.domain.governance import Evidence, Provenance
from steward.domain.naming import VersionRef, check_tag_key
from steward.domain.policy import Policy
from steward.domain.principal import Principal
from steward.services.governed import GovernanceContext, with_fields


@dataclass(frozen=True, slots=True)
class EvidenceDraft:
    """Evidence before it is stored: what a check found, without producer, time or id."""

    kind: str
    passed: bool | None
    metrics: Mapping[str, float]
    config: Mapping[str, Any]
    inputs: Mapping[str, Any]
    summary: str = ""
    report: bytes | None = None  # the check's own report; stored as an artifact


def store_evidence(
    ctx: GovernanceContext,
    principal: Principal,
    ref: VersionRef,
    drafts: Sequence[EvidenceDraft],
    *,
    provenance: Provenance,
    report: bytes | None = None,
    reason: str | None = None,
) -> list[Evidence]:
    """Append several results in one transaction: all of them or, on any refusal, none. A
    draft's own report bytes win over the shared `report`. The newest item of a kind is the
    one gates read."""
    if not drafts:
        raise InvalidInputError("no evidence to add")
    cleaned = [(draft, _clean_draft(draft)) for draft in drafts]
    shared = ctx.artifacts.put(report).digest if report else None
    reports = [
        ctx.artifacts.put(draft.report).digest if draft.report else shared for draft, _ in cleaned
    ]
    added: list[Evidence] = []
    with ctx.store.write(principal) as tx:
        governed = ctx.governed_for_write(tx, ref)
        for (draft, clean_metrics), report_digest in zip(cleaned, reports, strict=True):
            _check_kind(draft.kind, clean_metrics, governed.policy)
            evidence = Evidence(
                version_ref=str(ref),
                kind=draft.kind,
                passed=draft.passed,
                metrics=clean_metrics,
                config=dict(draft.config),
                inputs=dict(draft.inputs),
                producer=principal.name,
                created_at=tx.now,
                report=report_digest,
                summary=draft.summary.strip()[:2000],
                provenance=provenance,
            )
            event = tx.record(
                PendingEvent(
                    "evidence.added",
                    "version",
                    str(ref),
                    {
                        "kind": draft.kind,
                        "passed": draft.passed,
                        "metrics": clean_metrics,
                        "digest": evidence.digest,
                        "report": report_digest,
                        "provenance": provenance,
                    },
                    (reason or "").strip() or None,
                )
            )
            evidence_id = tx.governance.add_evidence(governed.handle.id, evidence, event.seq)
            added.append(Evidence(**{**with_fields(evidence), "id": evidence_id}))
        tx.commit()
    return added


def _clean_draft(draft: EvidenceDraft) -> dict[str, float]:
    check_tag_key(draft.kind)
    clean_metrics = _metrics(draft.metrics)
    if draft.passed is None and not clean_metrics:
        raise InvalidInputError(
            f"evidence {draft.kind!r} states nothing: give --passed/--failed or at least one metric"
        )
    return clean_metrics


def _check_kind(kind: str, metrics: Mapping[str, float], policy: Policy) -> None:
    known = metrics_for(kind, policy)
    if known is None:
        raise InvalidInputError(f"unknown evidence kind {kind!r} under policy {policy.name}")
    extra = sorted(set(metrics) - known)
    if extra:
        raise InvalidInputError(
            f"evidence {kind!r} has no metric {extra[0]!r}: "
            f"expected some of {', '.join(sorted(known))}"
        )
    for name, value in metrics.items():
        check_metric_value(kind, name, value)


def _metrics(metrics: Mapping[str, float] | None) -> dict[str, float]:
    clean: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        check_tag_key(str(key))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInputError(f"metric {key!r} must be a number, not {value!r}")
        if not math.isfinite(value):
            raise InvalidInputError(f"metric {key!r} must be finite, not {value!r}")
        clean[str(key)] = float(value)
    return clean
