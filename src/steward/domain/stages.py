"""Stages a version moves through, and which moves are allowed before any policy applies.

The risk-tiered policy (gates) narrows these moves further; this graph is the floor.
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.domain.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class StageGraph:
    stages: tuple[str, ...]
    initial: str
    transitions: frozenset[tuple[str, str]]
    # A stage that one version per model holds; a newcomer displaces the holder to the named stage.
    exclusive: tuple[tuple[str, str], ...]
    # Moves allowed only for a version that held the target stage before (rollback).
    rollback: frozenset[tuple[str, str]]

    def check_stage(self, stage: str) -> str:
        if stage not in self.stages:
            raise InvalidInputError(
                f"unknown stage {stage!r}: expected one of {', '.join(self.stages)}"
            )
        return stage

    def displaced_to(self, stage: str) -> str | None:
        return dict(self.exclusive).get(stage)

    def check_move(self, current: str, target: str, held_before: bool) -> None:
        self.check_stage(target)
        if current == target:
            raise InvalidInputError(f"the version is already in {target}")
        if (current, target) in self.transitions:
            return
        if (current, target) in self.rollback and held_before:
            return
        allowed = sorted(t for (s, t) in self.transitions if s == current)
        hint = f"; from {current} it can go to {', '.join(allowed)}" if allowed else ""
        if (current, target) in self.rollback:
            hint = f"; only a version that was in {target} before can return to it"
        raise InvalidInputError(f"cannot move a version from {current} to {target}{hint}")


DEFAULT_STAGES = StageGraph(
    stages=("development", "staging", "production", "retired"),
    initial="development",
    transitions=frozenset(
        {
            ("development", "staging"),
            ("staging", "production"),
            ("staging", "development"),
            ("development", "retired"),
            ("staging", "retired"),
            ("production", "retired"),
        }
    ),
    exclusive=(("staging", "development"), ("production", "retired")),
    rollback=frozenset({("retired", "production")}),
)
