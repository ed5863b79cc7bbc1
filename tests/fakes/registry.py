"""The registry port in memory: projects, members, models, versions, stages and tags."""

from __future__ import annotations

import json

from steward.domain.audit import (
    canonical_json,
)
from steward.domain.entities import (
    Kpi,
    Model,
    Project,
    StageChange,
    Version,
    VersionRecord,
    VersionSummary,
)
from steward.domain.errors import (
    InvalidInputError,
    NotFoundError,
)
from steward.services.ports import (
    Page,
    PageRequest,
    RegistryReads,
    RegistryWrites,
    VersionHandle,
    VersionQuery,
)
from tests.fakes.state import (
    _OPS,
    View,
    _conflict,
    _ModelRow,
    _new_id,
    _page,
    _ProjectRow,
    _StageChangeRow,
    _VersionRow,
)


class FakeRegistryWrites(View):
    """RegistryWrites over the write's working copy."""

    def project_id(self, name: str) -> int | None:
        return next((p.id for p in self._state.projects.values() if p.name == name), None)

    def add_project(
        self, name: str, purpose: str, business_objective: str, owner: str, kpis: tuple[Kpi, ...]
    ) -> int:
        if self.project_id(name) is not None:
            raise _conflict(f"duplicate project name {name!r}")
        new_id = _new_id(self._state.projects)
        self._state.projects[new_id] = _ProjectRow(
            new_id,
            name,
            purpose,
            business_objective,
            owner,
            json.dumps([k.as_dict() for k in kpis]),
            self.now,
            self.actor,
        )
        return new_id

    def set_owner(self, project_id: int, owner: str) -> None:
        self._state.projects[project_id].owner = owner

    def add_member(self, project_id: int, person: str, role: str) -> bool:
        members = self._state.projects[project_id].members
        if (person, role) in members:
            return False
        members.add((person, role))
        return True

    def remove_member(self, project_id: int, person: str, role: str) -> bool:
        members = self._state.projects[project_id].members
        if (person, role) not in members:
            return False
        members.remove((person, role))
        return True

    def member_roles(self, project_id: int) -> dict[str, frozenset[str]]:
        return self._roles(project_id) if project_id in self._state.projects else {}

    def model_id(self, project_id: int, name: str) -> int | None:
        return next(
            (
                m.id
                for m in self._state.models.values()
                if m.project_id == project_id and m.name == name
            ),
            None,
        )

    def add_model(self, project_id: int, name: str, description: str) -> int:
        if self.model_id(project_id, name) is not None:
            raise _conflict(f"duplicate model name {name!r}")
        new_id = _new_id(self._state.models)
        self._state.models[new_id] = _ModelRow(
            new_id, project_id, name, description, self.now, self.actor
        )
        return new_id

    def next_version_number(self, model_id: int) -> int:
        model = self._state.models[model_id]
        model.version_count += 1
        return model.version_count

    def claim_version_number(self, project: str, model: str) -> tuple[int, int] | None:
        project_id = self.project_id(project)
        model_id = None if project_id is None else self.model_id(project_id, model)
        return None if model_id is None else (model_id, self.next_version_number(model_id))

    def add_version(
        self, model_id: int, record: VersionRecord, record_digest: str, stage: str
    ) -> int:
        # `stage` is unused, as in the SQL adapter: the caller sets it with move_stage().
        if any(
            v.model_id == model_id and v.number == record.number
            for v in self._state.versions.values()
        ):
            raise _conflict(f"duplicate version number {record.number}")
        new_id = _new_id(self._state.versions)
        self._state.versions[new_id] = _VersionRow(
            new_id,
            model_id,
            record.number,
            record.created_at,
            record.created_by,
            record.artifact["sha256"],
            canonical_json(record.as_dict()),
            record_digest,
            dict(record.metrics),
        )
        return new_id

    def version(self, project: str, model: str, number: int) -> VersionHandle | None:
        for v in self._state.versions.values():
            if self._ref(v) == f"{project}/{model}/{number}":
                return VersionHandle(v.id, v.model_id, self._ref(v), v.stage or "")
        return None

    def stage_holders(self, model_id: int, stage: str) -> list[VersionHandle]:
        return [
            VersionHandle(v.id, model_id, self._ref(v), stage)
            for v in sorted(self._state.versions.values(), key=lambda v: v.id)
            if v.model_id == model_id and v.stage == stage
        ]

    def held_stage_before(self, version_id: int, stage: str) -> bool:
        return any(
            c.version_id == version_id and c.to_stage == stage for c in self._state.stage_changes
        )

    def move_stage(
        self, version: VersionHandle, to_stage: str, reason: str | None, audit_seq: int
    ) -> None:
        self._state.stage_changes.append(
            _StageChangeRow(
                version.id,
                version.model_id,
                version.stage or None,
                to_stage,
                self.now,
                self.actor,
                reason,
                audit_seq,
            )
        )
        self._state.versions[version.id].stage = to_stage

    def tags(self, version_id: int) -> dict[str, str]:
        return dict(self._state.versions[version_id].tags)

    def set_tag(self, version_id: int, key: str, value: str) -> None:
        self._state.versions[version_id].tags[key] = value

    def add_tags(self, version_id: int, tags: dict[str, str]) -> None:
        current = self._state.versions[version_id].tags
        assert not set(tags) & set(current), "add_tags is for a version without those tags"
        current.update(tags)

    def remove_tag(self, version_id: int, key: str) -> None:
        self._state.versions[version_id].tags.pop(key, None)


class FakeRegistryReads(View):
    """RegistryReads over a snapshot."""

    def list_projects(self, page: PageRequest) -> Page[Project]:
        after = page.position()
        rows = sorted(
            (p for p in self._state.projects.values() if after is None or p.id > after),
            key=lambda p: p.id,
        )
        rows, cursor = _page(rows, page.limit, lambda p: p.id)
        return Page([self._project(r) for r in rows], cursor)

    def get_project(self, name: str) -> Project | None:
        row = next((p for p in self._state.projects.values() if p.name == name), None)
        return None if row is None else self._project(row)

    def member_roles(self, project: str) -> dict[str, frozenset[str]]:
        row = next((p for p in self._state.projects.values() if p.name == project), None)
        return {} if row is None else self._roles(row.id)

    def list_models(self, project: str | None, page: PageRequest) -> Page[Model]:
        after = page.position()
        models = sorted(
            (self._model(m) for m in self._state.models.values()),
            key=lambda m: m.id,
        )
        models = [
            m
            for m in models
            if (project is None or m.project == project) and (after is None or m.id > after)
        ]
        models, cursor = _page(models, page.limit, lambda m: m.id)
        return Page(models, cursor)

    def get_model(self, project: str, name: str) -> Model | None:
        return next(
            (
                self._model(m)
                for m in self._state.models.values()
                if m.name == name and self._state.projects[m.project_id].name == project
            ),
            None,
        )

    def search_versions(self, query: VersionQuery, page: PageRequest) -> Page[VersionSummary]:
        after = page.position()
        if query.model is not None and query.project is None:
            raise InvalidInputError("filtering by model needs the project too")
        if query.project is not None and self.get_project(query.project) is None:
            raise NotFoundError(f"unknown project {query.project!r}")
        if query.model is not None and self.get_model(query.project or "", query.model) is None:
            raise NotFoundError(f"unknown model {query.project}/{query.model}")

        def matches(v: _VersionRow) -> bool:
            project, model = self._names(v)
            return (
                v.stage is not None  # an inner join with version_state
                and (query.project is None or project == query.project)
                and (query.model is None or model == query.model)
                and (query.stage is None or v.stage == query.stage)
                and all(v.tags.get(k) == value for k, value in query.tags)
                and all(
                    f.key in v.metrics and _OPS[f.op](v.metrics[f.key], f.value)
                    for f in query.metrics
                )
                and (after is None or v.id < after)
            )

        rows = sorted(
            (v for v in self._state.versions.values() if matches(v)),
            key=lambda v: v.id,
            reverse=True,
        )
        rows, cursor = _page(rows, page.limit, lambda v: v.id)
        return Page(
            [
                VersionSummary(
                    id=v.id,
                    project=self._names(v)[0],
                    model=self._names(v)[1],
                    number=v.number,
                    stage=v.stage or "",
                    created_at=v.created_at,
                    created_by=v.created_by,
                    artifact_digest=v.artifact_sha256,
                )
                for v in rows
            ],
            cursor,
        )

    def get_version(self, project: str, model: str, number: int) -> Version | None:
        for v in self._state.versions.values():
            if self._names(v) == (project, model) and v.number == number and v.stage is not None:
                data = json.loads(v.record)
                data.pop("ref", None)
                return Version(
                    id=v.id,
                    record=VersionRecord(**data),
                    record_digest=v.record_sha256,
                    stage=v.stage,
                    tags=dict(sorted(v.tags.items())),
                )
        return None

    def stage_history(self, project: str, model: str, until: str | None) -> list[StageChange]:
        changes = []
        for c in sorted(self._state.stage_changes, key=lambda c: c.audit_seq):
            version = self._state.versions[c.version_id]
            if self._names(version) != (project, model):
                continue
            if until is not None and c.at > until:
                continue
            changes.append(
                StageChange(
                    version_ref=f"{project}/{model}/{version.number}",
                    from_stage=c.from_stage,
                    to_stage=c.to_stage,
                    at=c.at,
                    actor=c.actor,
                    reason=c.reason,
                    audit_seq=c.audit_seq,
                )
            )
        return changes

    def versions_in_stage(self, project: str | None, stage: str) -> list[VersionSummary]:
        return [
            VersionSummary(
                id=v.id,
                project=self._project_of(v.id),
                model=self._version_names(v.id)[1],
                number=v.number,
                stage=stage,
                created_at=v.created_at,
                created_by=v.created_by,
                artifact_digest=v.artifact_sha256,
            )
            for v in sorted(self._state.versions.values(), key=lambda v: v.id)
            if v.stage == stage and (project is None or self._project_of(v.id) == project)
        ]

    def version_id_of(self, project: str, model: str, number: int) -> int | None:
        for v in self._state.versions.values():
            if self._names(v) == (project, model) and v.number == number:
                return v.id
        return None


# Each fake must implement its port: a fake that drifts from the Protocol fails the type check
# here, not at some distant use.
_registry_reads: type[RegistryReads] = FakeRegistryReads
_registry_writes: type[RegistryWrites] = FakeRegistryWrites
