"""Projects, models and versions in the SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from steward.sdk.base import ClientBase

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime
    from pathlib import Path

    from steward.domain.changes import PendingChange
    from steward.domain.entities import Model, Project, Version, VersionSummary
    from steward.domain.inputs import KpiInput, MembersInput, TagsInput
    from steward.domain.naming import ModelRef, VersionRef
    from steward.services.history import ModelAtTime
    from steward.services.ports import Page


class RegistryMethods(ClientBase):
    def create_project(
        self,
        name: str,
        *,
        purpose: str = "",
        business_objective: str = "",
        owner: str | None = None,
        kpis: Iterable[KpiInput] = (),
        members: MembersInput | None = None,
        reason: str | None = None,
    ) -> Project:
        """Create a project (an analytics use case). KPIs are `"name: target"` strings or dicts;
        members map a person to one role or a list of roles."""
        return self._s.inventory.create_project(
            self._p,
            name,
            purpose=purpose,
            business_objective=business_objective,
            owner=owner,
            kpis=kpis,
            members=members,
            reason=reason,
        )

    def add_member(
        self, project: str, person: str, role: str, reason: str | None = None
    ) -> Project | PendingChange:
        """Give a person a role; a role that signs comes back as a pending change."""
        return self._s.inventory.add_member(self._p, project, person, role, reason)

    def change_owner(self, project: str, owner: str, reason: str) -> PendingChange:
        """Ask for a new owner; a second person approves it (steward change approve)."""
        return self._s.inventory.change_owner(self._p, project, owner, reason)

    def remove_member(
        self, project: str, person: str, role: str, reason: str | None = None
    ) -> Project:
        return self._s.inventory.remove_member(self._p, project, person, role, reason)

    def projects(self, limit: int = 50, after: str | None = None) -> Page[Project]:
        from steward.services.ports import PageRequest

        return self._s.inventory.list_projects(self._p, PageRequest(limit, after))

    def project(self, name: str) -> Project:
        return self._s.inventory.get_project(self._p, name)

    def create_model(
        self, ref: str | ModelRef, description: str = "", reason: str | None = None
    ) -> Model:
        return self._s.inventory.create_model(self._p, ref, description, reason)

    def models(
        self, project: str | None = None, limit: int = 50, after: str | None = None
    ) -> Page[Model]:
        from steward.services.ports import PageRequest

        return self._s.inventory.list_models(self._p, project, PageRequest(limit, after))

    def model(self, ref: str | ModelRef) -> Model:
        return self._s.inventory.get_model(self._p, ref)

    def register(
        self,
        model_obj: object,
        *,
        project: str,
        name: str,
        training_data: object | None = None,
        validation_data: object | None = None,
        target: str | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        documentation: Mapping[str, str] | None = None,
        description: str = "",
        parent: str | VersionRef | None = None,
        serializer: str = "auto",
        code_dir: str | Path | None = None,
        reason: str | None = None,
        artifact: bytes | None = None,
    ) -> Version:
        """Register a trained model as a new immutable version, capturing its lineage: artifact,
        framework and parameters, input signature, data fingerprints, git state, environment."""
        return self._s.registration.register(
            self._p,
            model_obj,
            project=project,
            name=name,
            training_data=training_data,
            validation_data=validation_data,
            target=target,
            metrics=metrics,
            tags=tags,
            documentation=documentation,
            description=description,
            parent=parent,
            serializer=serializer,
            code_dir=code_dir,
            reason=reason,
            artifact=artifact,
        )

    def register_file(
        self,
        path: str | Path,
        ref: str | ModelRef,
        *,
        fmt: str | None = None,
        trust: bool = False,
        **kwargs: Any,
    ) -> Version:
        """Register a saved model file (.skops, or .joblib/.pkl with trust=True) as a new version
        of `ref` ("project/model"), keeping the file's exact bytes as the artifact. The other
        arguments are those of `register`."""
        return self._s.registration.register_file(
            self._p, path, ref, fmt=fmt, trust=trust, **kwargs
        )

    def versions(
        self,
        project: str | None = None,
        model: str | None = None,
        *,
        tags: TagsInput | None = None,
        stage: str | None = None,
        metrics: Iterable[str] = (),
        limit: int = 50,
        after: str | None = None,
    ) -> Page[VersionSummary]:
        """Search versions, newest first. `tags` as a dict or `key=value` strings; `metrics` as
        filters such as `"auc>=0.8"`."""
        from steward.services.ports import PageRequest

        return self._s.inventory.search_versions(
            self._p,
            project,
            model,
            tags=tags,
            stage=stage,
            metrics=metrics,
            page=PageRequest(limit, after),
        )

    def version(self, ref: str | VersionRef) -> Version:
        return self._s.inventory.get_version(self._p, ref)

    def load(self, ref: str | VersionRef, *, trust: bool = False) -> object:
        """Load a version's model. The artifact's SHA-256 is checked against the record first."""
        return self._s.registration.load(self._p, ref, trust=trust)

    def artifact(self, ref: str | VersionRef) -> tuple[bytes, str]:
        """A version's artifact bytes and format, checked against the SHA-256 in its record."""
        return self._s.inventory.load_artifact(self._p, ref)

    def tag(
        self, ref: str | VersionRef, tags: Mapping[str, str], reason: str | None = None
    ) -> Version:
        return self._s.inventory.set_tags(self._p, ref, tags, reason)

    def untag(
        self, ref: str | VersionRef, keys: Iterable[str], reason: str | None = None
    ) -> Version:
        return self._s.inventory.remove_tags(self._p, ref, keys, reason)

    def move(self, ref: str | VersionRef, stage: str, reason: str) -> Version:
        """Move a version to another stage through its gate (same as `promote`), displacing the
        holder of an exclusive stage; returns the version as it is afterwards."""
        self._s.promotion.promote(self._p, ref, stage, reason)
        return self._s.inventory.get_version(self._p, ref)

    def model_at(self, ref: str | ModelRef, time: datetime | str) -> ModelAtTime:
        """Which version held each stage at `time`, the event that put it there, and the gate
        decision with the approvals that let it in."""
        return self._s.history.model_at(self._p, ref, time)
