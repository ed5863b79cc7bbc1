"""Inventory use cases: projects, members, models, versions, stages and tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from steward.domain.audit import PendingEvent
from steward.domain.entities import (
    OWNER_ROLE,
    Kpi,
    Member,
    Model,
    Project,
    Version,
    VersionRecord,
    VersionSummary,
)
from steward.domain.errors import (
    ConflictError,
    IntegrityBrokenError,
    InvalidInputError,
    NotFoundError,
)
from steward.domain.inputs import (
    KpiInput,
    MembersInput,
    TagsInput,
    kpis_from,
    members_from,
    tag_pairs,
)
from steward.domain.naming import (
    ModelRef,
    VersionRef,
    as_model_ref,
    as_version_ref,
    check_metrics,
    check_name,
    check_person,
    check_role,
    check_tag_key,
    check_tags,
    parse_metric_filter,
)
from steward.domain.principal import Principal
from steward.domain.stages import DEFAULT_STAGES, StageGraph
from steward.services.access import Access
from steward.services.inventory_inputs import Lineage, check_reason, text_field
from steward.services.inventory_members import MemberCases, not_to_oneself
from steward.services.inventory_tags import TagCases
from steward.services.lookup import explain_missing
from steward.services.ports import (
    ArtifactStore,
    Page,
    PageRequest,
    Store,
    VersionHandle,
    VersionQuery,
    WriteSession,
)
from steward.services.use_case import use_case

if TYPE_CHECKING:
    # Only a type here: importing it would load the policy models on every read.
    from steward.services.policies import PolicyResolver


class Inventory(TagCases, MemberCases):
    """The registry of projects, models and versions. Every change writes one audit event per
    fact, in the transaction that makes the change."""

    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        stages: StageGraph = DEFAULT_STAGES,
        *,
        access: Access,
        policies: PolicyResolver,
        default_policy: str = "default",
    ) -> None:
        self._access = access
        self._policies = policies
        self._default_policy = default_policy
        self._store = store
        self._artifacts = artifacts
        self._stages = stages

    # Projects -------------------------------------------------------------------------------

    @use_case("project.create")
    def create_project(
        self,
        principal: Principal,
        name: str,
        *,
        purpose: str = "",
        business_objective: str = "",
        owner: str | None = None,
        kpis: Iterable[KpiInput] | None = None,
        members: MembersInput | None = None,
        reason: str | None = None,
    ) -> Project:
        """Create a project (an analytics use case) owned by `owner` (the actor by default), who
        holds the owner role from the start (project.created names the owner). KPIs are `"name:
        target"` strings, mappings or Kpi values; members map a person to roles."""
        check_name("project", name)
        owner_name = check_person("owner", owner or principal.name)
        checked_kpis = tuple(
            Kpi(
                text_field("KPI name", k.name, 200),
                text_field("KPI description", k.description),
                text_field("KPI target", k.target, 200),
            )
            for k in kpis_from(kpis)
        )
        if any(not k.name for k in checked_kpis):
            raise InvalidInputError("every KPI needs a name")
        checked_members = [
            Member(check_person("member", m.person), check_role(m.role))
            for m in members_from(members)
        ]
        # One person behind every spelling: the owner and members are resolved together.
        named = self._access.people([owner_name, *(m.person for m in checked_members)], "member")
        owner_name = named[0]
        checked_members = [
            Member(p, m.role) for p, m in zip(named[1:], checked_members, strict=True)
        ]
        not_to_oneself(principal, [m.person for m in checked_members])
        with self._store.write(principal) as tx:
            if tx.registry.project_id(name) is not None:
                raise ConflictError(f"project {name!r} already exists")
            project_id = tx.registry.add_project(
                name,
                text_field("purpose", purpose),
                text_field("business objective", business_objective),
                owner_name,
                checked_kpis,
            )
            tx.record(
                PendingEvent(
                    "project.created",
                    "project",
                    name,
                    {
                        "purpose": purpose.strip(),
                        "business_objective": business_objective.strip(),
                        "owner": owner_name,
                        "kpis": [k.as_dict() for k in checked_kpis],
                    },
                    check_reason(reason, False),
                )
            )
            owner_member = Member(owner_name, OWNER_ROLE)
            tx.registry.add_member(project_id, owner_name, OWNER_ROLE)
            signing = self._signing_roles(tx, None)
            for member in dict.fromkeys(m for m in checked_members if m != owner_member):
                if member.role in signing:
                    self._request_signing_role(
                        tx,
                        principal,
                        (project_id, name),
                        member,
                        "named when the project was created",
                    )
                    continue
                tx.registry.add_member(project_id, member.person, member.role)
                tx.record(
                    PendingEvent(
                        "project.member_added",
                        "project",
                        name,
                        {"person": member.person, "role": member.role},
                    )
                )
            tx.commit()
        return self._project(name)

    @use_case("inventory.read")
    def list_projects(self, principal: Principal, page: PageRequest | None = None) -> Page[Project]:
        with self._store.read() as q:
            return q.registry.list_projects(page or PageRequest())

    @use_case("inventory.read")
    def get_project(self, principal: Principal, name: str) -> Project:
        return self._project(name)

    def _project(self, name: str) -> Project:
        with self._store.read() as q:
            project = q.registry.get_project(name)
        if project is None:
            raise NotFoundError(f"unknown project {name!r}")
        return project

    # Models ---------------------------------------------------------------------------------

    @use_case("model.create")
    def create_model(
        self,
        principal: Principal,
        ref: str | ModelRef,
        description: str = "",
        reason: str | None = None,
    ) -> Model:
        """Create a model (PROJECT/MODEL) before its first version is registered."""
        model = as_model_ref(ref)
        project, name = model.project, model.model
        check_name("model", name)
        with self._store.write(principal) as tx:
            project_id = self._project_id(tx, project)
            if tx.registry.model_id(project_id, name) is not None:
                raise ConflictError(f"model {project}/{name} already exists")
            self._add_model(tx, project_id, project, name, description, reason)
            tx.commit()
        return self._model(model)

    @use_case("inventory.read")
    def list_models(
        self, principal: Principal, project: str | None = None, page: PageRequest | None = None
    ) -> Page[Model]:
        with self._store.read() as q:
            if project is not None and q.registry.get_project(project) is None:
                raise NotFoundError(f"unknown project {project!r}")
            return q.registry.list_models(project, page or PageRequest())

    @use_case("inventory.read")
    def get_model(self, principal: Principal, ref: str | ModelRef) -> Model:
        return self._model(as_model_ref(ref))

    def _model(self, ref: ModelRef) -> Model:
        with self._store.read() as q:
            model = q.registry.get_model(ref.project, ref.model)
            if model is None:
                if q.registry.get_project(ref.project) is None:
                    raise NotFoundError(f"unknown project {ref.project!r}")
                raise NotFoundError(f"unknown model {ref}")
        return model

    # Versions -------------------------------------------------------------------------------

    @use_case("version.register")
    def register_version(
        self,
        principal: Principal,
        project: str,
        model: str,
        artifact: bytes,
        lineage: Lineage,
        *,
        metrics: dict[str, float] | None = None,
        tags: dict[str, str] | None = None,
        documentation: dict[str, str] | None = None,
        description: str = "",
        parent: str | VersionRef | None = None,
        reason: str | None = None,
    ) -> Version:
        """Store the artifact and record an immutable version with the lineage captured from
        its training; the model is created on first use."""
        parent = as_version_ref(parent) if parent is not None else None
        check_name("project", project)
        check_name("model", model)
        checked_metrics = check_metrics(metrics)
        checked_tags = check_tags(tags)
        docs = {
            check_tag_key(k): text_field(f"documentation field {k!r}", v)
            for k, v in (documentation or {}).items()
        }
        if not artifact:
            raise InvalidInputError("the model artifact is empty")
        # The artifact goes in first: content-addressed, so a failed transaction leaves at most an
        # unreferenced blob, never a version whose artifact is missing.
        stored = self._artifacts.put(artifact)
        training_data = lineage.training_data
        if lineage.training_profile is not None:
            if training_data is None:
                raise InvalidInputError("a training profile needs the training data's fingerprint")
            profile = self._artifacts.put(lineage.training_profile)
            training_data = {**training_data, "profile": profile.digest}
        with self._store.write(principal) as tx:
            # The common case, an existing model, costs one statement; the rest only on a miss.
            claimed = tx.registry.claim_version_number(project, model)
            if claimed is None:
                project_id = self._project_id(tx, project)
                model_id = self._add_model(tx, project_id, project, model, "", None)
                number = tx.registry.next_version_number(model_id)
            else:
                model_id, number = claimed
            if (
                parent is not None
                and tx.registry.version(parent.project, parent.model, parent.number) is None
            ):
                raise NotFoundError(f"unknown parent version {parent}")
            record = VersionRecord(
                project=project,
                model=model,
                number=number,
                created_at=tx.now,
                created_by=principal.name,
                description=text_field("description", description),
                artifact={
                    "sha256": stored.digest,
                    "size": stored.size,
                    "format": lineage.artifact_format,
                },
                framework=lineage.framework,
                signature=lineage.signature,
                training_data=training_data,
                validation_data=lineage.validation_data,
                code=lineage.code,
                environment=lineage.environment,
                metrics=checked_metrics,
                documentation=docs,
                parent=str(parent) if parent else None,
            )
            digest = record.digest()
            version_id = tx.registry.add_version(model_id, record, digest, self._stages.initial)
            event = tx.record(
                PendingEvent(
                    "version.registered",
                    "version",
                    record.ref,
                    {
                        "record_sha256": digest,
                        "artifact_sha256": stored.digest,
                        "metrics": checked_metrics,
                        "stage": self._stages.initial,
                        "parent": record.parent,
                    },
                    check_reason(reason, False),
                )
            )
            handle = VersionHandle(version_id, model_id, record.ref, "")
            tx.registry.move_stage(handle, self._stages.initial, None, event.seq)
            if checked_tags:
                tx.registry.add_tags(version_id, checked_tags)
                tx.record(
                    PendingEvent("version.tagged", "version", record.ref, {"tags": checked_tags})
                )
            tx.commit()
        # Built from what was just written: a re-read would cost four more round trips.
        return Version(version_id, record, digest, self._stages.initial, dict(checked_tags))

    @use_case("inventory.read")
    def search_versions(
        self,
        principal: Principal,
        project: str | None = None,
        model: str | None = None,
        *,
        tags: TagsInput | None = None,
        stage: str | None = None,
        metrics: Iterable[str] = (),
        page: PageRequest | None = None,
    ) -> Page[VersionSummary]:
        """Versions newest first. `tags` as a mapping or `key=value` strings; `metrics` as
        filters such as `"auc>=0.8"`."""
        query = VersionQuery(
            project=project,
            model=model,
            tags=tag_pairs(tags),
            stage=stage,
            metrics=tuple(parse_metric_filter(m) for m in metrics),
        )
        if query.stage is not None:
            self._stages.check_stage(query.stage)
        with self._store.read() as q:  # raises NotFoundError for an unknown project or model
            return q.registry.search_versions(query, page or PageRequest())

    @use_case("inventory.read")
    def get_version(self, principal: Principal, ref: str | VersionRef) -> Version:
        return self._version_read(as_version_ref(ref))

    def _version_read(self, ref: VersionRef) -> Version:
        with self._store.read() as q:
            version = q.registry.get_version(ref.project, ref.model, ref.number)
            if version is None:
                explain_missing(q, ref)
        assert version is not None
        if version.record.digest() != version.record_digest:
            raise IntegrityBrokenError(
                f"the record of version {ref} does not match its digest: it was altered in storage"
            )
        return version

    @use_case("inventory.read")
    def load_artifact(self, principal: Principal, ref: str | VersionRef) -> tuple[bytes, str]:
        """The artifact bytes and format, checked against the digest in the version record."""
        version = self._version_read(as_version_ref(ref))
        artifact = version.record.artifact
        return self._artifacts.get(artifact["sha256"]), artifact["format"]

    # Helpers --------------------------------------------------------------------------------

    def _add_model(
        self,
        tx: WriteSession,
        project_id: int,
        project: str,
        name: str,
        description: str,
        reason: str | None,
    ) -> int:
        model_id = tx.registry.add_model(project_id, name, text_field("description", description))
        tx.record(
            PendingEvent(
                "model.created",
                "model",
                f"{project}/{name}",
                {"description": description.strip()},
                check_reason(reason, False),
            )
        )
        return model_id

    @staticmethod
    def _project_id(tx: WriteSession, project: str) -> int:
        project_id = tx.registry.project_id(project)
        if project_id is None:
            raise NotFoundError(f"unknown project {project!r}")
        return project_id
