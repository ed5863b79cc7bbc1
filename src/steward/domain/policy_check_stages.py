"""Cross-reference checks of a policy's stage graph: names, moves, exclusive stages, cycles and
reachability from the initial stage."""

from __future__ import annotations

import re

from steward.domain.policy import Stages
from steward.domain.policy_check_common import Location, Problem, duplicates, unknown_stage

__all__ = ["stage_problems"]

_STAGE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


def stage_problems(stages: Stages) -> list[Problem]:
    base: Location = ("stages",)
    return [
        *_stage_name_problems(stages, base),
        *_move_problems(stages, base),
        *_exclusive_problems(stages, base),
        *_cycles(stages),
        *_unreachable_problems(stages, base),
    ]


def _stage_name_problems(stages: Stages, base: Location) -> list[Problem]:
    names = stages.names
    found: list[Problem] = []
    for index, name in enumerate(names):
        if not _STAGE.fullmatch(name):
            found.append(
                (
                    (*base, "names", index),
                    f"invalid stage name {name!r}: use up to 64 letters, digits, '_', '.' or '-', "
                    "starting with a letter or '_'",
                )
            )
    for index, name in duplicates(names):
        found.append(((*base, "names", index), f"duplicate stage {name!r}"))
    if stages.initial not in names:
        found.append(((*base, "initial"), unknown_stage(stages.initial, names)))
    return found


def _move_problems(stages: Stages, base: Location) -> list[Problem]:
    names = stages.names
    found: list[Problem] = []
    forward: set[tuple[str, str]] = set()
    for group, moves in (("transitions", stages.transitions), ("rollback", stages.rollback)):
        for index, move in enumerate(moves):
            for field, stage in (("from", move.from_), ("to", move.to)):
                if stage not in names:
                    found.append(((*base, group, index, field), unknown_stage(stage, names)))
            if move.from_ == move.to:
                found.append(
                    ((*base, group, index), f"a move from {move.from_!r} to itself is no move")
                )
            pair = (move.from_, move.to)
            if group == "transitions":
                if pair in forward:
                    found.append(
                        (
                            (*base, group, index),
                            f"duplicate transition {move.from_} -> {move.to}",
                        )
                    )
                forward.add(pair)
            elif pair in forward:
                found.append(
                    (
                        (*base, group, index),
                        f"{move.from_} -> {move.to} is already a transition; a rollback is a move "
                        "back to a stage the version held before",
                    )
                )
    return found


def _exclusive_problems(stages: Stages, base: Location) -> list[Problem]:
    names = stages.names
    found: list[Problem] = []
    for stage, displaced in stages.exclusive.items():
        if stage not in names:
            found.append(((*base, "exclusive", stage), unknown_stage(stage, names)))
        if displaced not in names:
            found.append(((*base, "exclusive", stage), unknown_stage(displaced, names)))
        elif displaced == stage:
            found.append(
                (
                    (*base, "exclusive", stage),
                    f"the holder of {stage!r} cannot be displaced to {stage!r} itself",
                )
            )
    return found


def _unreachable_problems(stages: Stages, base: Location) -> list[Problem]:
    if stages.initial not in stages.names:
        return []
    reachable = _reachable(stages)
    return [
        (
            (*base, "names", index),
            f"stage {name!r} cannot be reached from {stages.initial!r} by any transition",
        )
        for index, name in enumerate(stages.names)
        if name not in reachable
    ]


def _reachable(stages: Stages) -> set[str]:
    seen = {stages.initial}
    todo = [stages.initial]
    while todo:
        current = todo.pop()
        for move in stages.transitions:
            if move.from_ == current and move.to not in seen:
                seen.add(move.to)
                todo.append(move.to)
    return seen


def _cycles(stages: Stages) -> list[Problem]:
    """One problem per forward transition that closes a cycle. Left out are rollback moves
    (they go back on purpose, only for a version that held the stage before) and moves back to
    the initial stage (sending a version back for rework: every version started there)."""
    edges: dict[str, list[tuple[int, str]]] = {}
    for index, move in enumerate(stages.transitions):
        if move.to not in (move.from_, stages.initial):
            edges.setdefault(move.from_, []).append((index, move.to))
    order = list(dict.fromkeys([stages.initial, *stages.names, *edges]))
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    found: list[Problem] = []

    def visit(stage: str) -> None:
        state[stage] = 1
        path.append(stage)
        for index, target in edges.get(stage, []):
            if state.get(target) == 1:
                loop = [*path[path.index(target) :], target]
                found.append(
                    (
                        ("stages", "transitions", index),
                        f"stage cycle: {' -> '.join(loop)}; list moves back to an earlier stage "
                        "under stages.rollback",
                    )
                )
            elif target not in state:
                visit(target)
        path.pop()
        state[stage] = 2

    for stage in order:
        if stage not in state:
            visit(stage)
    return found
