"""The Inventory service over in-memory fakes: projects, members, models, versions, stages, tags.

Every change must write exactly the audit events that describe it, in the transaction that makes
it, and a refused change must write nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.domain.entities import Kpi, Member, Project
from steward.domain.errors import (
    ConflictError,
    IntegrityBrokenError,
    InvalidInputError,
    NotFoundError,
)
from steward.domain.naming import MetricFilter, ModelRef, VersionRef
from steward.domain.stages import DEFAULT_STAGES
from steward.services.audit import AuditTrail
from steward.services.history import StageHistory
from steward.services.inventory import Inventory
from steward.services.ports import MAX_PAGE_SIZE, PageRequest, VersionQuery
from tests.fakes import FakeArtifactStore, FakeClock, FakeStore, make_lineage
from tests.fakes.access import access_over, inventory_over
from tests.fakes.keys import FakeKeys
from tests.support.principals import READER, who
from tests.support.stages import force_stage

STAGES = DEFAULT_STAGES.stages


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> FakeStore:
    return FakeStore(clock)


@pytest.fixture
def artifacts() -> FakeArtifactStore:
    return FakeArtifactStore()


@pytest.fixture
def inventory(store: FakeStore, artifacts: FakeArtifactStore) -> Inventory:
    return inventory_over(store, artifacts)


@pytest.fixture
def credit(inventory: Inventory) -> Inventory:
    """An inventory holding the project 'credit'."""
    inventory.create_project(who("ana"), "credit", purpose="Score loan applications")
    return inventory


def _register(inv: Inventory, model: str = "scorer", data: bytes | None = None, **kw: Any) -> Any:
    blob = data if data is not None else f"{model}-{kw.get('metrics')}-{kw.get('tags')}".encode()
    return inv.register_version(who("ana"), "credit", model, blob, make_lineage(), **kw)


def _ref(number: int, model: str = "scorer") -> VersionRef:
    return VersionRef("credit", model, number)


def _moved(store: FakeStore, inv: Inventory, ref: VersionRef, stage: str, reason: str) -> Any:
    force_stage(store, who("ben"), ref, stage, reason)
    return inv.get_version(READER, ref)


def _search(inv: Inventory, query: VersionQuery, page: PageRequest | None = None) -> Any:
    """The use case with a query's filters in the forms callers give them."""
    return inv.search_versions(
        READER,
        query.project,
        query.model,
        tags=[f"{key}={value}" for key, value in query.tags],
        stage=query.stage,
        metrics=[f"{m.key}{m.op}{m.value!r}" for m in query.metrics],
        page=page,
    )


def _events_after(store: FakeStore, seq: int) -> list[tuple[str, str]]:
    return [(e.action, e.entity_id) for e in store.events() if e.seq > seq]


def _move(store: FakeStore, number: int, *stages: str, model: str = "scorer") -> None:
    for stage in stages:
        force_stage(store, who("ben"), _ref(number, model), stage, f"to {stage}")


class Unchanged:
    """Asserts that a block writes no audit event and leaves the chain head where it was."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def __enter__(self) -> None:
        self.head = self.store.head
        self.count = len(self.store.events())

    def __exit__(self, *exc: object) -> None:
        assert self.store.head == self.head
        assert len(self.store.events()) == self.count


# Projects and members -----------------------------------------------------------------------


def test_create_project_stores_its_facts_and_records_one_event_per_fact(
    inventory: Inventory, store: FakeStore, clock: FakeClock
) -> None:
    project = inventory.create_project(
        who("ana"),
        "credit",
        purpose=" Score loan applications ",
        business_objective="Fewer defaults",
        owner="carla",
        kpis=[Kpi("default rate", "share of loans in default", "< 2%")],
        members=[
            Member("ben", "ml_engineer"),
            Member("dina", "operations"),
            Member("ben", "ml_engineer"),
        ],
        reason="new product line",
    )
    assert project.name == "credit"
    assert project.purpose == "Score loan applications"
    assert project.owner == "carla"
    assert project.kpis == (Kpi("default rate", "share of loans in default", "< 2%"),)
    # The owner holds the owner role from creation, recorded by the project.created event.
    assert project.members == (
        Member("ben", "ml_engineer"),
        Member("carla", "owner"),
        Member("dina", "operations"),
    )  # roles that sign would wait for a second person (tests/unit/test_changes_service.py)
    assert (project.created_by, project.created_at) == ("ana", clock.text())

    events = store.events()
    assert [(e.action, e.entity_id) for e in events] == [
        ("project.created", "credit"),
        ("project.member_added", "credit"),
        ("project.member_added", "credit"),
    ]
    created = events[0]
    assert created.reason == "new product line"
    assert created.payload == {
        "purpose": "Score loan applications",
        "business_objective": "Fewer defaults",
        "owner": "carla",
        "kpis": [
            {"name": "default rate", "description": "share of loans in default", "target": "< 2%"}
        ],
    }
    assert [e.payload for e in events[1:]] == [
        {"person": "ben", "role": "ml_engineer"},
        {"person": "dina", "role": "operations"},
    ]
    assert {e.actor for e in events} == {"ana"}
    assert {e.ts for e in events} == {clock.text()}


def test_the_owner_defaults_to_the_actor(inventory: Inventory) -> None:
    assert inventory.create_project(who("ana"), "credit").owner == "ana"


def test_a_duplicate_project_is_refused_and_writes_nothing(
    credit: Inventory, store: FakeStore
) -> None:
    with Unchanged(store), pytest.raises(ConflictError, match="already exists"):
        credit.create_project(who("bob"), "credit", purpose="another")
    assert credit.get_project(READER, "credit").purpose == "Score loan applications"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"name": "bad name"},
        {"name": "credit", "owner": "a\nb"},
        {"name": "credit", "kpis": [Kpi("", "no name")]},
        {"name": "credit", "members": [Member("ben", "bad role")]},
        {"name": "credit", "purpose": "x" * 10_001},
        {"name": "credit", "reason": "nul\x00"},
    ],
    ids=["name", "owner", "kpi", "role", "purpose", "reason"],
)
def test_an_invalid_project_is_refused_and_writes_nothing(
    inventory: Inventory, store: FakeStore, kwargs: dict[str, Any]
) -> None:
    with Unchanged(store), pytest.raises(InvalidInputError):
        inventory.create_project(who("ana"), **kwargs)
    assert inventory.list_projects(READER).items == []


def test_members_are_added_and_removed_with_an_event_each(
    credit: Inventory, store: FakeStore
) -> None:
    head = store.head.seq
    project = credit.add_member(who("ana"), "credit", "ben", "ml_engineer", reason="second line")
    assert isinstance(project, Project)
    assert project.members == (Member("ana", "owner"), Member("ben", "ml_engineer"))
    project = credit.add_member(who("ana"), "credit", "ben", "operations")
    assert isinstance(project, Project)
    assert set(project.members) == {
        Member("ana", "owner"),
        Member("ben", "ml_engineer"),
        Member("ben", "operations"),
    }
    project = credit.remove_member(who("ana"), "credit", "ben", "ml_engineer")
    assert project.members == (Member("ana", "owner"), Member("ben", "operations"))
    assert _events_after(store, head) == [
        ("project.member_added", "credit"),
        ("project.member_added", "credit"),
        ("project.member_removed", "credit"),
    ]
    assert store.events()[-1].payload == {"person": "ben", "role": "ml_engineer"}


def test_adding_an_existing_member_or_removing_an_absent_one_writes_nothing(
    credit: Inventory, store: FakeStore
) -> None:
    credit.add_member(who("ana"), "credit", "ben", "ml_engineer")
    with Unchanged(store):
        with pytest.raises(ConflictError, match="already holds"):
            credit.add_member(who("ana"), "credit", "ben", "ml_engineer")
        with pytest.raises(NotFoundError, match="does not hold"):
            credit.remove_member(who("ana"), "credit", "ben", "operations")


def test_projects_are_listed_in_creation_order_page_by_page(inventory: Inventory) -> None:
    names = [f"p{i}" for i in range(7)]
    for name in names:
        inventory.create_project(who("ana"), name)
    seen: list[str] = []
    cursor = None
    while True:
        page = inventory.list_projects(READER, PageRequest(limit=3, after=cursor))
        seen += [p.name for p in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == names


# Unknown projects ---------------------------------------------------------------------------

EVERY_OPERATION: dict[str, Callable[[Inventory], object]] = {
    "get_project": lambda inv: inv.get_project(READER, "nope"),
    "add_member": lambda inv: inv.add_member(who("ana"), "nope", "ben", "validator"),
    "remove_member": lambda inv: inv.remove_member(who("ana"), "nope", "ben", "validator"),
    "create_model": lambda inv: inv.create_model(who("ana"), "nope/scorer"),
    "list_models": lambda inv: inv.list_models(READER, "nope"),
    "get_model": lambda inv: inv.get_model(READER, ModelRef("nope", "scorer")),
    "register_version": lambda inv: inv.register_version(
        who("ana"), "nope", "scorer", b"blob", make_lineage()
    ),
    "search_versions": lambda inv: inv.search_versions(READER, project="nope"),
    "get_version": lambda inv: inv.get_version(READER, VersionRef("nope", "scorer", 1)),
    "load_artifact": lambda inv: inv.load_artifact(READER, VersionRef("nope", "scorer", 1)),
    "set_tags": lambda inv: inv.set_tags(who("ana"), VersionRef("nope", "scorer", 1), {"a": "b"}),
    "remove_tags": lambda inv: inv.remove_tags(who("ana"), VersionRef("nope", "scorer", 1), ["a"]),
}


@pytest.mark.parametrize("operation", EVERY_OPERATION.values(), ids=EVERY_OPERATION.keys())
def test_every_operation_on_an_unknown_project_says_so_and_writes_nothing(
    credit: Inventory, store: FakeStore, operation: Callable[[Inventory], object]
) -> None:
    _register(credit)  # other data exists, under another project name
    with Unchanged(store), pytest.raises(NotFoundError, match="unknown project 'nope'"):
        operation(credit)


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (
            lambda inv: inv.get_model(READER, ModelRef("credit", "nope")),
            "unknown model credit/nope",
        ),
        (lambda inv: inv.get_version(READER, _ref(1, "nope")), "unknown model credit/nope"),
        (lambda inv: inv.get_version(READER, _ref(9)), "unknown version credit/scorer/9"),
        (lambda inv: inv.set_tags(who("ana"), _ref(9), {"k": "v"}), "unknown version"),
        (lambda inv: inv.remove_tags(who("ana"), _ref(9), ["k"]), "unknown version"),
    ],
)
def test_unknown_models_and_versions_are_named_in_the_error(
    credit: Inventory, store: FakeStore, operation: Callable[[Inventory], object], message: str
) -> None:
    _register(credit)
    with Unchanged(store), pytest.raises(NotFoundError, match=message):
        operation(credit)


# Models -------------------------------------------------------------------------------------


def test_create_model_records_model_created_and_refuses_a_duplicate(
    credit: Inventory, store: FakeStore
) -> None:
    head = store.head.seq
    model = credit.create_model(who("ana"), "credit/scorer", " Ridge scorer ", reason="kick-off")
    assert (model.ref, model.description, model.version_count) == (
        "credit/scorer",
        "Ridge scorer",
        0,
    )
    assert _events_after(store, head) == [("model.created", "credit/scorer")]
    assert store.events()[-1].payload == {"description": "Ridge scorer"}
    with Unchanged(store), pytest.raises(ConflictError, match="already exists"):
        credit.create_model(who("ana"), "credit/scorer")


def test_models_are_listed_per_project(credit: Inventory) -> None:
    credit.create_project(who("ana"), "fraud")
    credit.create_model(who("ana"), "credit/a")
    credit.create_model(who("ana"), "fraud/b")
    credit.create_model(who("ana"), "credit/c")
    assert [m.ref for m in credit.list_models(READER, "credit").items] == ["credit/a", "credit/c"]
    assert [m.ref for m in credit.list_models(READER).items] == ["credit/a", "fraud/b", "credit/c"]
    page = credit.list_models(READER, page=PageRequest(limit=2))
    rest = credit.list_models(READER, page=PageRequest(limit=2, after=page.next_cursor))
    assert [m.ref for m in page.items + rest.items] == ["credit/a", "fraud/b", "credit/c"]
    assert rest.next_cursor is None


# Registering versions -----------------------------------------------------------------------


def test_versions_are_numbered_from_one_and_the_model_is_created_on_first_use(
    credit: Inventory, store: FakeStore
) -> None:
    head = store.head.seq
    refs = [_register(credit, data=f"blob {i}".encode()).ref for i in range(4)]
    assert refs == [f"credit/scorer/{n}" for n in (1, 2, 3, 4)]
    assert credit.get_model(READER, ModelRef("credit", "scorer")).version_count == 4
    assert _events_after(store, head) == [
        ("model.created", "credit/scorer"),
        ("version.registered", "credit/scorer/1"),
        ("version.registered", "credit/scorer/2"),
        ("version.registered", "credit/scorer/3"),
        ("version.registered", "credit/scorer/4"),
    ]
    _register(credit, model="other")
    assert _register(credit, model="other").ref == "credit/other/2"


def test_a_registered_version_keeps_its_record_and_a_stable_digest(
    credit: Inventory, store: FakeStore, clock: FakeClock, artifacts: FakeArtifactStore
) -> None:
    lineage = make_lineage(training_data={"rows": 10, "columns": ["x", "y"], "share": 0.1})
    version = credit.register_version(
        who("ana"),
        "credit",
        "scorer",
        b"model bytes",
        lineage,
        metrics={"auc": 0.9, "rows": 7},
        documentation={"intended_use": " screening "},
        description="first cut",
    )
    record = version.record
    assert version.stage == "development"
    assert (record.created_at, record.created_by) == (clock.text(), "ana")
    assert record.artifact == {
        "sha256": next(iter(artifacts.blobs)),
        "size": len(b"model bytes"),
        "format": "skops",
    }
    assert record.training_data == {"rows": 10, "columns": ["x", "y"], "share": 0.1}
    assert record.metrics == {"auc": 0.9, "rows": 7.0}
    assert record.documentation == {"intended_use": "screening"}
    assert record.description == "first cut" and record.parent is None

    assert version.record_digest == record.digest()
    clock.advance(days=30)
    again = credit.get_version(READER, _ref(1))
    assert again.record == record
    assert again.record.digest() == version.record_digest

    registered = store.events()[-1]
    assert registered.action == "version.registered"
    assert registered.payload == {
        "record_sha256": version.record_digest,
        "artifact_sha256": record.artifact["sha256"],
        "metrics": {"auc": 0.9, "rows": 7.0},
        "stage": "development",
        "parent": None,
    }


@pytest.mark.parametrize(
    "changes",
    [{"metrics": {"auc": 0.99}}, {"created_by": "mallory"}, {"description": "edited"}],
    ids=["metrics", "created_by", "description"],
)
def test_a_version_record_altered_in_storage_is_refused_on_read(
    credit: Inventory, store: FakeStore, changes: dict[str, Any]
) -> None:
    _register(credit, metrics={"auc": 0.7})
    store.tamper_record("credit/scorer/1", **changes)
    with pytest.raises(IntegrityBrokenError, match="credit/scorer/1"):
        credit.get_version(READER, _ref(1))
    with pytest.raises(IntegrityBrokenError):
        credit.load_artifact(READER, _ref(1))


def test_registering_with_tags_sets_them_and_records_one_tag_event(
    credit: Inventory, store: FakeStore
) -> None:
    head = store.head.seq
    version = _register(credit, tags={"team": "risk", "tier": "1"})
    assert version.tags == {"team": "risk", "tier": "1"}
    assert _events_after(store, head) == [
        ("model.created", "credit/scorer"),
        ("version.registered", "credit/scorer/1"),
        ("version.tagged", "credit/scorer/1"),
    ]
    assert store.events()[-1].payload == {"tags": {"team": "risk", "tier": "1"}}


def test_a_parent_version_is_recorded_and_an_unknown_one_refused(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit, data=b"one")
    child = _register(credit, data=b"two", parent=_ref(1))
    assert child.record.parent == "credit/scorer/1"
    assert store.events()[-1].payload["parent"] == "credit/scorer/1"
    with Unchanged(store), pytest.raises(NotFoundError, match="unknown parent version"):
        _register(credit, data=b"three", parent=_ref(7))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"metrics": {"auc": float("nan")}},
        {"metrics": {"auc": float("inf")}},
        {"metrics": {"auc": "high"}},
        {"metrics": {"auc": True}},
        {"metrics": {"bad key": 1.0}},
        {"tags": {"bad key": "x"}},
        {"tags": {"team": "two\nlines"}},
        {"documentation": {"bad key": "x"}},
        {"description": "x" * 10_001},
    ],
    ids=lambda kw: next(iter(kw)),
)
def test_invalid_metrics_tags_or_documentation_are_refused_and_write_nothing(
    credit: Inventory, store: FakeStore, artifacts: FakeArtifactStore, kwargs: dict[str, Any]
) -> None:
    with Unchanged(store), pytest.raises(InvalidInputError):
        _register(credit, data=b"blob", **kwargs)
    with pytest.raises(NotFoundError):
        credit.get_model(READER, ModelRef("credit", "scorer"))


def test_an_empty_artifact_is_refused_and_nothing_is_stored(
    credit: Inventory, store: FakeStore, artifacts: FakeArtifactStore
) -> None:
    with Unchanged(store), pytest.raises(InvalidInputError, match="empty"):
        _register(credit, data=b"")
    assert artifacts.blobs == {}


def test_the_same_artifact_is_stored_once_for_two_versions(
    credit: Inventory, artifacts: FakeArtifactStore
) -> None:
    one = _register(credit, data=b"same bytes")
    two = _register(credit, data=b"same bytes")
    assert one.record.artifact["sha256"] == two.record.artifact["sha256"]
    assert one.record_digest != two.record_digest  # different numbers
    assert len(artifacts.blobs) == 1


def test_the_artifact_loads_back_and_corruption_is_detected(
    credit: Inventory, artifacts: FakeArtifactStore
) -> None:
    version = _register(credit, data=b"model bytes")
    assert credit.load_artifact(READER, _ref(1)) == (b"model bytes", "skops")
    artifacts.corrupt(version.record.artifact["sha256"])
    with pytest.raises(IntegrityBrokenError, match="corrupted"):
        credit.load_artifact(READER, _ref(1))
    del artifacts.blobs[version.record.artifact["sha256"]]
    with pytest.raises(NotFoundError, match="missing"):
        credit.load_artifact(READER, _ref(1))


# Searching ----------------------------------------------------------------------------------


def _refs(page: Any) -> list[str]:
    return [v.ref for v in page.items]


def test_search_is_newest_first_and_filters_by_tags_stage_and_metrics(
    store: FakeStore, credit: Inventory
) -> None:
    credit.create_project(who("ana"), "fraud")
    _register(credit, metrics={"auc": 0.70}, tags={"team": "risk"})  # scorer/1
    _register(credit, metrics={"auc": 0.85}, tags={"team": "risk", "tier": "1"})  # scorer/2
    _register(credit, metrics={"auc": 0.95}, tags={"team": "ops"})  # scorer/3
    _register(credit, model="other", metrics={"f1": 0.5}, tags={"team": "risk"})  # other/1
    credit.register_version(
        who("ana"), "fraud", "detector", b"f", make_lineage(), tags={"team": "risk"}
    )
    _move(store, 2, "staging")

    def search(**kw: Any) -> list[str]:
        return _refs(_search(credit, VersionQuery(**kw)))

    assert search() == [
        "fraud/detector/1",
        "credit/other/1",
        "credit/scorer/3",
        "credit/scorer/2",
        "credit/scorer/1",
    ]
    assert search(project="credit", model="scorer") == [
        "credit/scorer/3",
        "credit/scorer/2",
        "credit/scorer/1",
    ]
    assert search(project="credit", tags=(("team", "risk"),)) == [
        "credit/other/1",
        "credit/scorer/2",
        "credit/scorer/1",
    ]
    assert search(tags=(("team", "risk"), ("tier", "1"))) == ["credit/scorer/2"]
    assert search(tags=(("team", "nobody"),)) == []
    assert search(stage="staging") == ["credit/scorer/2"]
    assert search(project="credit", stage="development") == [
        "credit/other/1",
        "credit/scorer/3",
        "credit/scorer/1",
    ]
    assert search(metrics=(MetricFilter("auc", ">=", 0.85),)) == [
        "credit/scorer/3",
        "credit/scorer/2",
    ]
    assert search(metrics=(MetricFilter("auc", ">", 0.7), MetricFilter("auc", "<", 0.9))) == [
        "credit/scorer/2"
    ]
    assert search(metrics=(MetricFilter("auc", "!=", 0.85),)) == [
        "credit/scorer/3",
        "credit/scorer/1",
    ]  # a version without the metric never matches
    with pytest.raises(NotFoundError, match="unknown model credit/nope"):
        search(project="credit", model="nope")


@pytest.mark.parametrize(
    ("query", "page", "message"),
    [
        (VersionQuery(stage="limbo"), None, "unknown stage"),
        (VersionQuery(model="scorer"), None, "needs the project"),
        (VersionQuery(), PageRequest(limit=0), "page size"),
        (VersionQuery(), PageRequest(limit=MAX_PAGE_SIZE + 1), "page size"),
        (VersionQuery(), PageRequest(after="abc"), "malformed page cursor"),
    ],
)
def test_bad_searches_are_refused(
    credit: Inventory, query: VersionQuery, page: PageRequest | None, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _search(credit, query, page)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    versions=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["risk", "ops"])), max_size=14
    ),
    limit=st.integers(1, 6),
    team=st.none() | st.sampled_from(["risk", "ops"]),
    model=st.none() | st.sampled_from(["a", "b"]),
)
def test_paging_through_a_search_visits_every_match_once_in_order(
    versions: list[tuple[str, str]], limit: int, team: str | None, model: str | None
) -> None:
    fake = FakeStore(FakeClock())
    inv = inventory_over(fake)
    inv.create_project(who("ana"), "credit")
    if model is not None:
        inv.create_model(who("ana"), f"credit/{model}")  # searching an unknown model is an error
    for i, (name, tag) in enumerate(versions):
        inv.register_version(
            who("ana"), "credit", name, f"blob {i}".encode(), make_lineage(), tags={"team": tag}
        )
    query = VersionQuery(project="credit", model=model, tags=(("team", team),) if team else ())
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = _search(inv, query, PageRequest(limit=limit, after=cursor))
        assert len(page.items) <= limit
        seen += _refs(page)
        pages += 1
        if page.next_cursor is None:
            break
        assert len(page.items) == limit
        cursor = page.next_cursor

    numbers: dict[str, int] = {}
    expected: list[str] = []
    for name, tag in versions:
        numbers[name] = numbers.get(name, 0) + 1
        if (team is None or tag == team) and (model is None or name == model):
            expected.append(f"credit/{name}/{numbers[name]}")
    assert seen == expected[::-1]
    assert pages == max(1, -(-len(expected) // limit))


# Stages -------------------------------------------------------------------------------------

# A way to bring a new version into each stage, without ever reaching production on the way to
# retired (so that the rollback rule stays out of the plain transition table).
PATH_TO = {
    "development": (),
    "staging": ("staging",),
    "production": ("staging", "production"),
    "retired": ("retired",),
}


@pytest.mark.parametrize("target", STAGES)
@pytest.mark.parametrize("current", STAGES)
def test_only_the_moves_of_the_stage_graph_are_allowed(
    credit: Inventory, store: FakeStore, current: str, target: str
) -> None:
    _register(credit)
    _move(store, 1, *PATH_TO[current])
    if (current, target) in DEFAULT_STAGES.transitions:
        head = store.head.seq
        assert _moved(store, credit, _ref(1), target, "because").stage == target
        assert _events_after(store, head) == [("version.stage_changed", "credit/scorer/1")]
        assert store.events()[-1].payload == {"from": current, "to": target}
        assert store.events()[-1].reason == "because"
    else:
        with Unchanged(store), pytest.raises(InvalidInputError):
            force_stage(store, who("ben"), _ref(1), target, "because")
        assert credit.get_version(READER, _ref(1)).stage == current


def test_an_unknown_stage_is_refused(credit: Inventory, store: FakeStore) -> None:
    _register(credit)
    with Unchanged(store), pytest.raises(InvalidInputError, match="unknown stage 'limbo'"):
        force_stage(store, who("ben"), _ref(1), "limbo", "why")


def test_a_new_production_version_displaces_the_holder_to_retired_with_its_own_event(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit, data=b"one")
    _register(credit, data=b"two")
    _move(store, 1, "staging", "production")
    _move(store, 2, "staging")
    head = store.head.seq

    promoted = _moved(store, credit, _ref(2), "production", "better auc")

    assert promoted.stage == "production"
    assert credit.get_version(READER, _ref(1)).stage == "retired"
    displaced, moved = store.events()[head:]
    assert (displaced.action, displaced.entity_id) == ("version.stage_changed", "credit/scorer/1")
    assert displaced.payload == {
        "from": "production",
        "to": "retired",
        "displaced_by": "credit/scorer/2",
    }
    assert displaced.reason == "displaced from production by credit/scorer/2"
    assert (moved.entity_id, moved.payload, moved.reason) == (
        "credit/scorer/2",
        {"from": "staging", "to": "production"},
        "better auc",
    )
    assert [v.ref for v in _search(credit, VersionQuery(stage="production")).items] == [
        "credit/scorer/2"
    ]


def test_a_new_staging_version_sends_the_holder_back_to_development(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit, data=b"one")
    _register(credit, data=b"two")
    _move(store, 1, "staging")
    head = store.head.seq
    _move(store, 2, "staging")
    assert credit.get_version(READER, _ref(1)).stage == "development"
    assert [e.payload for e in store.events()[head:]] == [
        {"from": "staging", "to": "development", "displaced_by": "credit/scorer/2"},
        {"from": "development", "to": "staging"},
    ]


def test_exclusive_stages_are_per_model(store: FakeStore, credit: Inventory) -> None:
    _register(credit, model="a")
    _register(credit, model="b")
    _move(store, 1, "staging", "production", model="a")
    _move(store, 1, "staging", "production", model="b")
    assert credit.get_version(READER, _ref(1, "a")).stage == "production"
    assert credit.get_version(READER, _ref(1, "b")).stage == "production"


def test_a_version_that_was_in_production_can_be_rolled_back_to_it(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit, data=b"one")
    _register(credit, data=b"two")
    _move(store, 1, "staging", "production")
    _move(store, 2, "staging", "production")  # retires version 1
    head = store.head.seq

    rolled = _moved(store, credit, _ref(1), "production", "version 2 misbehaves")

    assert rolled.stage == "production"
    assert credit.get_version(READER, _ref(2)).stage == "retired"
    assert [(e.entity_id, e.payload) for e in store.events()[head:]] == [
        (
            "credit/scorer/2",
            {"from": "production", "to": "retired", "displaced_by": "credit/scorer/1"},
        ),
        ("credit/scorer/1", {"from": "retired", "to": "production"}),
    ]


def test_a_version_retired_without_being_in_production_cannot_go_there(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit)
    _move(store, 1, "staging", "retired")
    with Unchanged(store), pytest.raises(InvalidInputError, match="only a version that was in"):
        force_stage(store, who("ben"), _ref(1), "production", "try")


def test_moving_to_the_current_stage_is_refused(credit: Inventory, store: FakeStore) -> None:
    _register(credit)
    with Unchanged(store), pytest.raises(InvalidInputError, match="already in development"):
        force_stage(store, who("ben"), _ref(1), "development", "again")


# The model at a point in time ---------------------------------------------------------------


def test_model_at_gives_the_holder_of_each_stage_and_the_event_that_put_it_there(
    credit: Inventory, store: FakeStore, clock: FakeClock
) -> None:
    ref = ModelRef("credit", "scorer")
    before = clock.text()
    clock.advance(hours=1)
    _register(credit, data=b"one")
    t_registered = clock.text()
    clock.advance(hours=1)
    _move(store, 1, "staging", "production")
    t_v1_live = clock.text()
    clock.advance(hours=1)
    _register(credit, data=b"two")
    _move(store, 2, "staging")
    clock.advance(hours=1)
    _move(store, 2, "production")
    t_v2_live = clock.text()
    seq_of = {
        (e.entity_id, e.payload.get("to")): e.seq
        for e in store.events()
        if e.action == "version.stage_changed"
    }
    registered_seq = next(e.seq for e in store.events() if e.action == "version.registered")

    def holders(time: str) -> dict[str, list[tuple[str, int, str]]]:
        at = StageHistory(store, access=access_over(store)).model_at(READER, ref, time)
        assert at.model == "credit/scorer" and at.time == time
        return {s: [(h.version, h.audit_seq, h.since) for h in hs] for s, hs in at.stages.items()}

    assert holders(before) == {}
    assert holders(t_registered) == {
        "development": [("credit/scorer/1", registered_seq, t_registered)]
    }
    assert holders(t_v1_live) == {
        "production": [("credit/scorer/1", seq_of[("credit/scorer/1", "production")], t_v1_live)]
    }
    at_v2 = holders(t_v2_live)
    assert list(at_v2) == ["production", "retired"]  # in the order of the stage graph
    assert at_v2 == {
        "production": [("credit/scorer/2", seq_of[("credit/scorer/2", "production")], t_v2_live)],
        "retired": [("credit/scorer/1", seq_of[("credit/scorer/1", "retired")], t_v2_live)],
    }
    holding = (
        StageHistory(store, access=access_over(store))
        .model_at(READER, ref, t_v2_live)
        .stages["retired"][0]
    )
    assert holding.reason == "displaced from production by credit/scorer/2"
    assert holding.actor == "ben"


def test_model_at_just_before_a_change_shows_the_state_before_it(
    store: FakeStore, credit: Inventory, clock: FakeClock
) -> None:
    _register(credit)
    just_before = clock.text()
    clock.advance(microseconds=1)
    _move(store, 1, "staging")
    stages = (
        StageHistory(store, access=access_over(store))
        .model_at(READER, ModelRef("credit", "scorer"), just_before)
        .stages
    )
    assert list(stages) == ["development"]


def test_a_clock_running_backwards_never_moves_the_audit_time_back(
    credit: Inventory, store: FakeStore, clock: FakeClock
) -> None:
    _register(credit)
    t1 = store.head.ts or ""
    clock.advance(hours=-5)
    _move(store, 1, "staging")
    assert store.head.ts == t1
    assert store.events()[-1].ts == t1
    stages = (
        StageHistory(store, access=access_over(store))
        .model_at(READER, ModelRef("credit", "scorer"), t1)
        .stages
    )
    assert [h.version for h in stages["staging"]] == ["credit/scorer/1"]


# Tags ---------------------------------------------------------------------------------------


def test_set_tags_records_only_the_changed_values_with_their_previous_ones(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit, tags={"team": "risk", "tier": "2"})
    head = store.head.seq
    version = credit.set_tags(
        who("ana"), _ref(1), {"team": "risk", "tier": "1", "owner": "dina"}, reason="re-tiered"
    )
    assert version.tags == {"owner": "dina", "team": "risk", "tier": "1"}
    assert _events_after(store, head) == [("version.tagged", "credit/scorer/1")]
    event = store.events()[-1]
    assert event.payload == {"tags": {"tier": "1", "owner": "dina"}, "previous": {"tier": "2"}}
    assert event.reason == "re-tiered"


def test_setting_tags_to_the_values_they_have_writes_no_event(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit, tags={"team": "risk"})
    with Unchanged(store):
        assert credit.set_tags(who("ana"), _ref(1), {"team": "risk"}).tags == {"team": "risk"}


def test_set_tags_needs_at_least_one_valid_tag(credit: Inventory, store: FakeStore) -> None:
    _register(credit)
    with Unchanged(store):
        with pytest.raises(InvalidInputError, match="no tags given"):
            credit.set_tags(who("ana"), _ref(1), {})
        with pytest.raises(InvalidInputError, match="malformed tag key"):
            credit.set_tags(who("ana"), _ref(1), {"ok": "1", "not ok": "2"})
    assert credit.get_version(READER, _ref(1)).tags == {}


def test_remove_tags_records_the_removed_values(credit: Inventory, store: FakeStore) -> None:
    _register(credit, tags={"team": "risk", "tier": "1", "keep": "me"})
    head = store.head.seq
    version = credit.remove_tags(who("ana"), _ref(1), ["team", "tier"], reason="obsolete")
    assert version.tags == {"keep": "me"}
    assert _events_after(store, head) == [("version.untagged", "credit/scorer/1")]
    event = store.events()[-1]
    assert (event.payload, event.reason) == ({"removed": {"team": "risk", "tier": "1"}}, "obsolete")


def test_removing_a_missing_tag_removes_nothing_and_writes_nothing(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit, tags={"team": "risk"})
    with Unchanged(store), pytest.raises(NotFoundError, match="no tag 'tier'"):
        credit.remove_tags(who("ana"), _ref(1), ["team", "tier"])
    assert credit.get_version(READER, _ref(1)).tags == {"team": "risk"}


def test_removing_no_tags_writes_no_event(credit: Inventory, store: FakeStore) -> None:
    _register(credit, tags={"team": "risk"})
    with Unchanged(store), pytest.raises(InvalidInputError):
        credit.remove_tags(who("ana"), _ref(1), [])


# The whole audit trail of a history ---------------------------------------------------------


def test_a_full_history_writes_exactly_the_expected_actions_and_verifies(
    credit: Inventory, store: FakeStore
) -> None:
    credit.add_member(who("ana"), "credit", "ben", "ml_engineer")
    _register(credit, data=b"one", tags={"team": "risk"})
    _register(credit, data=b"two")
    _move(store, 1, "staging", "production")
    _move(store, 2, "staging", "production")
    credit.set_tags(who("ben"), _ref(2), {"approved": "yes"})
    credit.remove_tags(who("ben"), _ref(1), ["team"])
    actions = [(e.action, e.entity_id) for e in store.events()]
    assert actions == [
        ("project.created", "credit"),
        ("project.member_added", "credit"),
        ("model.created", "credit/scorer"),
        ("version.registered", "credit/scorer/1"),
        ("version.tagged", "credit/scorer/1"),
        ("version.registered", "credit/scorer/2"),
        ("version.stage_changed", "credit/scorer/1"),
        ("version.stage_changed", "credit/scorer/1"),
        ("version.stage_changed", "credit/scorer/2"),
        ("version.stage_changed", "credit/scorer/1"),  # displaced to retired
        ("version.stage_changed", "credit/scorer/2"),
        ("version.tagged", "credit/scorer/2"),
        ("version.untagged", "credit/scorer/1"),
    ]
    assert [e.seq for e in store.events()] == list(range(1, len(actions) + 1))
    result = AuditTrail(store, FakeKeys(), access=access_over(store)).verify(
        READER, raise_on_break=False
    )
    assert result.ok and result.checked == len(actions) == result.head_seq


def test_an_audit_query_by_entity_gives_the_history_of_one_version(
    credit: Inventory, store: FakeStore
) -> None:
    _register(credit, data=b"one")
    _register(credit, data=b"two")
    _move(store, 1, "staging")
    history = AuditTrail(store, FakeKeys(), access=access_over(store)).log(
        READER, entity="credit/scorer/1", newest_first=False
    )
    assert [e.action for e in history.items] == ["version.registered", "version.stage_changed"]
