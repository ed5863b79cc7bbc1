"""The liberal forms use cases accept from their callers (Python, command line, JSON), turned
into the domain's values in one place, so every entrypoint accepts the same forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from steward.domain.entities import Kpi, Member
from steward.domain.errors import InvalidInputError
from steward.domain.naming import parse_tag

KpiInput = str | Mapping[str, str] | Kpi
MembersInput = Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]] | Iterable[Member]
TagsInput = Mapping[str, str] | Iterable[str]


def kpi_from(value: KpiInput) -> Kpi:
    """`"name: target"`, a mapping with name/description/target, or a Kpi."""
    if isinstance(value, Kpi):
        return value
    if isinstance(value, str):
        name, _, target = value.partition(":")
        return Kpi(name=name.strip(), target=target.strip())
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"a KPI must be text or a mapping, got {type(value).__name__}")
    unknown = set(value) - {"name", "description", "target"}
    if unknown:
        raise InvalidInputError(
            f"unknown KPI field {sorted(unknown)[0]!r}: use name, description, target"
        )
    return Kpi(
        name=str(value.get("name", "")),
        description=str(value.get("description", "")),
        target=str(value.get("target", "")),
    )


def kpis_from(values: Iterable[KpiInput] | None) -> list[Kpi]:
    if isinstance(values, str | Mapping):
        return [kpi_from(values)]
    return [kpi_from(v) for v in values or ()]


def members_from(members: MembersInput | None) -> list[Member]:
    """A mapping of person to one role or a list of roles, or (person, role) pairs."""
    if members is None:
        return []
    if isinstance(members, Mapping):
        return [
            Member(person, role)
            for person, roles in members.items()
            for role in ([roles] if isinstance(roles, str) else roles)
        ]
    result: list[Member] = []
    for item in members:
        if isinstance(item, Member):
            result.append(item)
            continue
        if isinstance(item, str) or len(item) != 2:
            raise InvalidInputError(f"a member must be a (person, role) pair, got {item!r}")
        result.append(Member(str(item[0]), str(item[1])))
    return result


def tag_pairs(tags: TagsInput | None) -> tuple[tuple[str, str], ...]:
    """A mapping, or `key=value` strings."""
    if tags is None:
        return ()
    if isinstance(tags, Mapping):
        return tuple((str(k), str(v)) for k, v in tags.items())
    if isinstance(tags, str):
        return (parse_tag(tags),)
    return tuple(parse_tag(t) for t in tags)


def entity_filter(entity: str | None) -> tuple[str | None, str | None]:
    """`project`, `project/model` or `project/model/3` (or `type:id`) to (entity_type, entity_id)."""
    if entity is None:
        return None, None
    if ":" in entity:
        kind, _, ident = entity.partition(":")
        return kind, ident
    depth = entity.count("/")
    kinds = {0: "project", 1: "model", 2: "version"}
    if depth not in kinds:
        raise InvalidInputError(f"malformed entity {entity!r}: expected PROJECT[/MODEL[/NUMBER]]")
    return kinds[depth], entity
