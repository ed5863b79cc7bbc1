"""The policy document: questionnaire, tiers, stages, gates, RACI, recertification, monitoring.

A policy is data. These models fix its shape (unknown fields are refused), and `Policy`'s
cross-reference checks (`domain.policy_checks`) fix its meaning. Loading YAML and turning
validation errors into `file:line: field: message` lives in an adapter.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from steward.domain.audit import json_sha256
from steward.domain.permissions import DEFAULT_PERMISSIONS
from steward.domain.stages import StageGraph

_ID = r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
Comparison = Literal[">=", ">", "<=", "<", "=="]
_CHECK = re.compile(
    r"^\s*(?P<kind>[A-Za-z_][A-Za-z0-9_-]*)"
    r"(?:\s+(?P<passed>passed)"
    r"|\.(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>>=|<=|==|>|<)\s*(?P<value>[-+0-9.eE]+))\s*$"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Answer(_Strict):
    value: str = Field(pattern=_ID)
    score: int = 0
    label: str = ""


class Question(_Strict):
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)
    help: str = ""
    answers: tuple[Answer, ...] = Field(min_length=2)

    @field_validator("answers", mode="before")
    @classmethod
    def _short_answers(cls, value: Any) -> Any:
        # `answers: [no, yes]` and `answers: {low: 0, high: 2}` are shorthands.
        if isinstance(value, dict):
            return [{"value": str(k), "score": v} for k, v in value.items()]
        if isinstance(value, list):
            return [{"value": v} if isinstance(v, str) else v for v in value]
        return value

    def allowed(self) -> tuple[str, ...]:
        return tuple(a.value for a in self.answers)

    def score_of(self, answer: str) -> int:
        return next(a.score for a in self.answers if a.value == answer)


class AnswerMatch(_Strict):
    """The answers a rule accepts for one question: a list, or `{not: [...]}`."""

    in_: tuple[str, ...] = Field(default=(), alias="in")
    not_: tuple[str, ...] = Field(default=(), alias="not")

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"in": [value]}
        if isinstance(value, list):
            return {"in": value}
        return value

    def matches(self, answer: str) -> bool:
        if self.in_ and answer not in self.in_:
            return False
        return answer not in self.not_


class TierRule(_Strict):
    """`tier` sets the tier and stops; `minimum` raises the floor and goes on. A rule matches
    when every `all` condition holds and, if `any` is given, at least one `any` condition."""

    tier: str | None = None
    minimum: str | None = None
    all: dict[str, AnswerMatch] = Field(default_factory=dict)
    any: dict[str, AnswerMatch] = Field(default_factory=dict)
    reason: str = ""


class ScoreBand(_Strict):
    tier: str
    min_score: int


class Questionnaire(_Strict):
    questions: tuple[Question, ...] = Field(min_length=1)
    rules: tuple[TierRule, ...] = ()
    scoring: tuple[ScoreBand, ...] = ()
    default_tier: str


class Tier(_Strict):
    name: str = Field(pattern=_ID)
    description: str = ""
    # Days an approval holds before the version is due for periodic review; None: never.
    recertify_days: int | None = Field(default=None, ge=1)
    # A prohibited tier can never leave the initial stage (EU AI Act Art. 5).
    prohibited: bool = False


class Transition(_Strict):
    from_: str = Field(alias="from")
    to: str


class Stages(_Strict):
    names: tuple[str, ...] = Field(min_length=2)
    initial: str
    transitions: tuple[Transition, ...] = Field(min_length=1)
    # Stage -> where its current holder goes when another version of the model takes it.
    exclusive: dict[str, str] = Field(default_factory=dict)
    # Backward moves allowed only for a version that held the target stage before.
    rollback: tuple[Transition, ...] = ()

    def graph(self) -> StageGraph:
        return StageGraph(
            stages=self.names,
            initial=self.initial,
            transitions=frozenset((t.from_, t.to) for t in self.transitions),
            exclusive=tuple(self.exclusive.items()),
            rollback=frozenset((t.from_, t.to) for t in self.rollback),
        )


class CheckRequirement(_Strict):
    """`performance.auc >= 0.75` (a metric against a threshold) or `data_quality passed`."""

    kind: str
    metric: str | None = None
    op: Comparison | None = None
    value: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        found = _CHECK.match(value)
        if found is None:
            raise ValueError(
                f"malformed check {value!r}: expected 'kind passed' or 'kind.metric >= number'"
            )
        if found["passed"]:
            return {"kind": found["kind"]}
        try:
            number = float(found["value"])
        except ValueError:
            raise ValueError(f"malformed threshold in check {value!r}") from None
        return {
            "kind": found["kind"],
            "metric": found["metric"],
            "op": found["op"],
            "value": number,
        }

    @model_validator(mode="after")
    def _complete(self) -> CheckRequirement:
        given = [self.metric is not None, self.op is not None, self.value is not None]
        if any(given) and not all(given):
            raise ValueError("a metric check needs metric, op and value together")
        return self

    @property
    def key(self) -> str:
        if self.metric is None:
            return f"check:{self.kind} passed"
        return f"check:{self.kind}.{self.metric} {self.op} {self.value:g}"

    def holds(self, measured: float) -> bool:
        assert self.op is not None and self.value is not None
        return {
            ">=": measured >= self.value,
            ">": measured > self.value,
            "<=": measured <= self.value,
            "<": measured < self.value,
            "==": measured == self.value,
        }[self.op]


class SignoffRequirement(_Strict):
    role: str
    count: int = Field(default=1, ge=1, le=20)
    meaning: str = ""

    @property
    def key(self) -> str:
        return f"signoff:{self.role}"


# Facts of the version record a gate can demand (reproducibility and traceability, Table 8-3).
LineageFact = Literal[
    "code_commit", "clean_code", "training_data", "validation_data", "environment", "signature"
]


class SeparationOfDuties(_Strict):
    author_may_sign: bool = False
    evidence_producers_may_sign: bool = False
    # Whether evidence the version's author attests (types in) counts; computed evidence always
    # may come from anyone.
    author_may_attest: bool = True
    # People holding any of these roles in the project may not sign (e.g. independent
    # validation: nobody on the development team), whatever other roles they hold.
    signers_may_not_hold: tuple[str, ...] = ()

    def conflict(
        self, person: str, author: str, producers: Collection[str], roles_held: Collection[str]
    ) -> tuple[Literal["author", "evidence_producer", "barred_role"], str] | None:
        """Why `person` may not sign under these rules, as (kind, detail), or None if they may.
        The one statement of the rule: gates, the sign-off service and inboxes all ask here.
        `detail` is the barred role for "barred_role", else the person."""
        if person == author and not self.author_may_sign:
            return ("author", person)
        if person in producers and not self.evidence_producers_may_sign:
            return ("evidence_producer", person)
        barred = sorted(set(roles_held) & set(self.signers_may_not_hold))
        if barred:
            return ("barred_role", barred[0])
        return None


SignerIdentity = Literal["declared", "os_login", "password", "token", "sso"]


class Gate(_Strict):
    """What a version of a given tier needs to enter a given stage."""

    checks: tuple[CheckRequirement, ...] = ()
    signoffs: tuple[SignoffRequirement, ...] = ()
    documentation: tuple[str, ...] = ()
    lineage: tuple[LineageFact, ...] = ()
    # Replaces the policy-wide rules for this gate's sign-offs when given.
    separation_of_duties: SeparationOfDuties | None = None
    # How a signer's identity must have been established for their sign-off to count here
    # (empty: any way, `declared` included).
    signer_identity: tuple[SignerIdentity, ...] = ()
    # Evidence kinds that count here only when computed by Steward's checks on this version's
    # artifact: a person's attestation (`steward evidence add`) does not satisfy them.
    computed: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.checks or self.signoffs or self.documentation or self.lineage)


class RaciStep(_Strict):
    responsible: tuple[str, ...] = ()
    accountable: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    informed: tuple[str, ...] = ()


class Route(_Strict):
    kind: Literal["webhook", "log"]
    url: str | None = None
    # Name of the environment variable holding the HMAC secret; never the secret itself.
    secret_env: str | None = None


MonitoringAction = Literal["notify", "open_review", "retrain", "demote"]


class MonitoringRule(_Strict):
    # A series may be named with spaces between words, as a project's KPIs are.
    signal: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*(?: [A-Za-z0-9_.]+)*$")
    op: Comparison
    value: float
    action: MonitoringAction = "notify"
    routes: tuple[str, ...] = ()
    # Rows a window's sample needs before the rule reads it (None: the signal's default, see
    # steward.domain.alerting); below it the window is "insufficient data" for the rule.
    min_rows: int | None = Field(default=None, ge=0, le=1_000_000_000)
    # Qualifying windows in a row the condition must hold in before the rule acts (None: 3 for
    # demote, 1 otherwise).
    consecutive: int | None = Field(default=None, ge=1, le=1_000)
    # Qualifying windows after an alert of the rule closes during which it is not raised again.
    cooldown: int = Field(default=3, ge=0, le=100_000)

    @property
    def destructive(self) -> bool:
        """Whether acting harms production when the alarm is false."""
        return self.action in ("demote", "retrain")

    @property
    def windows_needed(self) -> int:
        if self.consecutive is not None:
            return self.consecutive
        return 3 if self.action == "demote" else 1

    @property
    def key(self) -> str:
        return f"{self.signal} {self.op} {self.value:g} -> {self.action}"

    def holds(self, measured: float) -> bool:
        return {
            ">=": measured >= self.value,
            ">": measured > self.value,
            "<=": measured <= self.value,
            "<": measured < self.value,
            "==": measured == self.value,
        }[self.op]


# Drift methods that can be computed from profiles (steward.stats.profile_drift).
DRIFT_METHODS = ("jensenshannon", "psi", "ks", "wasserstein", "chisquare", "z")


class DriftSettings(_Strict):
    """How a tier's production windows are compared with the reference: one method and
    threshold for every column unless a column names its own; None means the default."""

    method: str | None = None
    threshold: float | None = None
    drift_share: float = Field(default=0.5, gt=0, le=1)
    column_methods: dict[str, str] = Field(default_factory=dict)
    column_thresholds: dict[str, float] = Field(default_factory=dict)


class Monitoring(_Strict):
    schedule: str = ""
    # Width of the production windows, such as 1h, 1d or 1w.
    window: str = "1d"
    drift: DriftSettings = DriftSettings()
    rules: tuple[MonitoringRule, ...] = ()


class WaiverRules(_Strict):
    granted_by: tuple[str, ...] = ()
    max_days: int = Field(default=90, ge=1)
    # Which kinds of requirement may be waived; sign-offs never can.
    waivable: tuple[Literal["check", "documentation", "lineage"], ...] = (
        "check",
        "documentation",
        "lineage",
    )


class EvidenceKind(_Strict):
    description: str = ""
    metrics: tuple[str, ...] = ()


class Policy(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    title: str = ""
    description: str = ""
    roles: dict[str, str] = Field(min_length=1)
    questionnaire: Questionnaire
    tiers: tuple[Tier, ...] = Field(min_length=1)
    stages: Stages
    gates: dict[str, dict[str, Gate]] = Field(default_factory=dict)
    separation_of_duties: SeparationOfDuties = SeparationOfDuties()
    documentation_fields: dict[str, str] = Field(default_factory=dict)
    evidence_kinds: dict[str, EvidenceKind] = Field(default_factory=dict)
    raci: dict[str, RaciStep] = Field(default_factory=dict)
    routes: dict[str, Route] = Field(default_factory=dict)
    monitoring: dict[str, Monitoring] = Field(default_factory=dict)
    waivers: WaiverRules = WaiverRules()
    # Action -> the roles that allow it. Actions left out take Steward's defaults, which are
    # written into the stored document so that a decision can always be explained from it.
    permissions: dict[str, tuple[str, ...]] = Field(default_factory=dict, validate_default=True)

    @field_validator("permissions", mode="after")
    @classmethod
    def _with_defaults(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {**DEFAULT_PERMISSIONS, **value}

    def allowed(self, action: str) -> tuple[str, ...]:
        """The roles that allow `action` under this policy."""
        return self.permissions.get(action, ())

    def tier(self, name: str) -> Tier:
        return next(t for t in self.tiers if t.name == name)

    def tier_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tiers)

    def gate(self, tier: str, stage: str) -> Gate:
        return self.gates.get(tier, {}).get(stage, Gate())

    def duties(self, tier: str | None, stage: str) -> SeparationOfDuties:
        """The separation-of-duties rules for sign-offs into `stage` at `tier`."""
        own = self.gate(tier, stage).separation_of_duties if tier is not None else None
        return own or self.separation_of_duties

    def document(self) -> dict[str, Any]:
        """The normalised policy, as stored and hashed."""
        return self.model_dump(mode="json", by_alias=True)

    def digest(self) -> str:
        return json_sha256(self.document())
