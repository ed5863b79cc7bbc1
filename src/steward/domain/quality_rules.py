"""A user's data-quality rule suite: thresholds for the built-in checks and their own rules.

A suite is data. These models fix its shape (unknown fields are refused, booleans and numbers
are not guessed from text) and its meaning (a rule has exactly one check, a range has at most
one missing bound, a pattern compiles). Loading YAML with line numbers lives in an adapter;
evaluating the rules lives in `steward.stats`.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

Severity = Literal["error", "warning"]
CheckName = Literal["not_null", "unique", "between", "in_set", "regex", "row_count", "freshness"]
CHECKS: tuple[CheckName, ...] = (
    "not_null",
    "unique",
    "between",
    "in_set",
    "regex",
    "row_count",
    "freshness",
)
# Checks about the table as a whole take no column.
TABLE_CHECKS: frozenset[str] = frozenset({"row_count"})


class _Strict(BaseModel):
    # Scalars are strict (`yes` is not a boolean, "0.1" is not a number, true is not 1), as
    # in the policy files; lists are accepted where a tuple is kept.
    model_config = ConfigDict(extra="forbid", frozen=True)


class QualitySettings(_Strict):
    """Thresholds of the built-in checks, as shares of rows (0 to 1)."""

    max_missing_increase: float = Field(default=0.10, ge=0.0, le=1.0, strict=True)
    max_duplicate_share: float = Field(default=0.05, ge=0.0, le=1.0, strict=True)
    max_unseen_share: float = Field(default=0.01, ge=0.0, le=1.0, strict=True)
    max_outlier_share: float = Field(default=0.05, ge=0.0, le=1.0, strict=True)


class RowCount(_Strict):
    """Inclusive bounds on the number of rows; either may be left out."""

    min: StrictInt | None = Field(default=None, ge=0)
    max: StrictInt | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> RowCount:
        if self.min is None and self.max is None:
            raise ValueError("row_count needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"row_count min ({self.min}) is above max ({self.max})")
        return self


class Freshness(_Strict):
    """The newest value may be at most this many days older than the time of the check."""

    max_age_days: float = Field(gt=0.0, allow_inf_nan=False, strict=True)


# Strict float takes integers but not booleans or text.
Bound = Annotated[float, Field(strict=True)] | None
Member = str | int | float | bool


class QualityRule(_Strict):
    """One rule: exactly one check, on `column` unless it is a check of the whole table."""

    name: str | None = Field(default=None, min_length=1)
    severity: Severity = "error"
    column: str | None = Field(default=None, min_length=1)
    not_null: StrictBool | None = None
    unique: StrictBool | None = None
    between: tuple[Bound, Bound] | None = None  # inclusive; null for an open side
    in_set: tuple[Member, ...] | None = Field(default=None, min_length=1)
    regex: str | None = None  # Python syntax, searched anywhere in the text
    row_count: RowCount | None = None
    freshness: Freshness | None = None

    @property
    def check(self) -> CheckName:
        """The name of the rule's one check."""
        return next(name for name in CHECKS if getattr(self, name) is not None)

    @property
    def label(self) -> str:
        """The rule's name, or its check's."""
        return self.name or self.check

    @field_validator("not_null", "unique")
    @classmethod
    def _only_true(cls, value: bool | None) -> bool | None:
        if value is False:
            raise ValueError("false checks nothing: write true, or remove the rule")
        return value

    @field_validator("between")
    @classmethod
    def _valid_range(cls, value: tuple[Bound, Bound] | None) -> tuple[Bound, Bound] | None:
        if value is None:
            return None
        low, high = value
        if low is None and high is None:
            raise ValueError("between needs at least one bound: [low, high], null for an open side")
        for bound in (low, high):
            if bound is not None and not math.isfinite(bound):
                raise ValueError("between bounds must be finite numbers; use null for an open side")
        if low is not None and high is not None and low > high:
            raise ValueError(f"between's low bound ({low}) is above its high bound ({high})")
        return value

    @field_validator("in_set", mode="before")
    @classmethod
    def _scalar_members(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for member in value:
                scalar = isinstance(member, str | int | float | bool)
                if not scalar or (isinstance(member, float) and not math.isfinite(member)):
                    raise ValueError(
                        f"in_set values must be text or finite numbers, not {member!r}"
                    )
        return value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"the pattern {value!r} does not compile: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_check(self) -> QualityRule:
        present = [name for name in CHECKS if getattr(self, name) is not None]
        if not present:
            raise ValueError(f"the rule has no check: give one of {', '.join(CHECKS)}")
        if len(present) > 1:
            raise ValueError(f"a rule has exactly one check; this one has {' and '.join(present)}")
        check = present[0]
        if check in TABLE_CHECKS and self.column is not None:
            raise ValueError(f"{check} is about the whole table: remove column")
        if check not in TABLE_CHECKS and self.column is None:
            raise ValueError(f"{check} needs a column")
        return self


class QualitySuite(_Strict):
    """What a user asks of their data beyond the built-in checks."""

    id_column: str | None = Field(default=None, min_length=1)
    settings: QualitySettings = QualitySettings()
    rules: tuple[QualityRule, ...] = ()


__all__ = [
    "CHECKS",
    "TABLE_CHECKS",
    "CheckName",
    "Freshness",
    "QualityRule",
    "QualitySettings",
    "QualitySuite",
    "RowCount",
    "Severity",
]
