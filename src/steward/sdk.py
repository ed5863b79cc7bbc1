"""The Python SDK: the same operations as the CLI, for training code and notebooks.

    import steward
    steward.register(model, project="credit", name="scorer", training_data=df, metrics={"auc": 0.91})

Module-level functions use a client configured from the environment (see `steward.config`);
`Client(...)` takes explicit settings. Nothing connects until the first call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from steward.bootstrap import Container, build
from steward.config import Settings, load_settings
from steward.domain.audit import AuditEvent, canonical_json
from steward.domain.checkpoint import Checkpoint
from steward.domain.entities import Kpi, Member, Model, Project, Version, VersionSummary
from steward.domain.errors import IntegrityBrokenError, InvalidInputError
from steward.domain.naming import (
    ModelRef,
    VersionRef,
    parse_metric_filter,
    parse_model_ref,
    parse_tag,
    parse_version_ref,
)
from steward.domain.times import to_utc_text
from steward.sdk_checks import ChecksClient
from steward.sdk_governance import GovernanceClient
from steward.sdk_monitor import MonitorClient
from steward.services.audit import VerifyResult
from steward.services.inventory import Lineage, ModelAtTime
from steward.services.ports import AuditQuery, Page, PageRequest, VersionQuery

__all__ = ["Client", "entity_filter", "register"]


def _version_ref(ref: str | VersionRef) -> VersionRef:
    return ref if isinstance(ref, VersionRef) else parse_version_ref(ref)


def _model_ref(ref: str | ModelRef) -> ModelRef:
    return ref if isinstance(ref, ModelRef) else parse_model_ref(ref)


def _kpi(value: str | Mapping[str, str] | Kpi) -> Kpi:
    if isinstance(value, Kpi):
        return value
    if isinstance(value, str):
        name, _, target = value.partition(":")
        return Kpi(name=name.strip(), target=target.strip())
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


def _members(
    members: Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]] | None,
) -> list[Member]:
    if members is None:
        return []
    result: list[Member] = []
    if isinstance(members, Mapping):
        for person, roles in members.items():
            for role in [roles] if isinstance(roles, str) else roles:
                result.append(Member(person, role))
        return result
    return [Member(person, role) for person, role in members]


def _tag_pairs(tags: Mapping[str, str] | Iterable[str] | None) -> tuple[tuple[str, str], ...]:
    if tags is None:
        return ()
    if isinstance(tags, Mapping):
        return tuple((str(k), str(v)) for k, v in tags.items())
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


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"checkpoint file {path} does not exist") from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError(f"{path}: not JSON") from None
    return Checkpoint.from_dict(data, str(path))


def _verify_message(result: VerifyResult) -> str:
    if result.broken_seq is not None:
        return f"audit chain broken at event {result.broken_seq}: {result.problem}"
    return f"audit checkpoint check failed: {result.problem}"


def _audit_query(
    entity: str | None,
    actor: str | None,
    action: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
    newest_first: bool,
) -> AuditQuery:
    entity_type, entity_id = entity_filter(entity)
    return AuditQuery(
        entity_type=entity_type,
        entity_id=entity_id,
        actor=actor,
        action=action,
        since=to_utc_text(since, date_means="start") if since is not None else None,
        until=to_utc_text(until) if until is not None else None,
        newest_first=newest_first,
    )


class Client(GovernanceClient, ChecksClient, MonitorClient):
    """A connection to one Steward store. Cheap to create; connects on first use."""

    def __init__(
        self,
        *,
        home: str | Path | None = None,
        database_url: str | None = None,
        artifact_root: str | Path | None = None,
        actor: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or load_settings(
            home=home, database_url=database_url, artifact_root=artifact_root, actor=actor
        )
        self._container: Container | None = None

    @property
    def actor(self) -> str:
        return self.settings.resolved_actor

    @property
    def _c(self) -> Container:
        if self._container is None:
            self._container = build(self.settings)
        return self._container

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # Projects -------------------------------------------------------------------------------

    def create_project(
        self,
        name: str,
        *,
        purpose: str = "",
        business_objective: str = "",
        owner: str | None = None,
        kpis: Iterable[str | Mapping[str, str] | Kpi] = (),
        members: Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]] | None = None,
        reason: str | None = None,
    ) -> Project:
        """Create a project (an analytics use case). KPIs are `"name: target"` strings or dicts;
        members map a person to one role or a list of roles."""
        return self._c.inventory.create_project(
            self.actor,
            name,
            purpose=purpose,
            business_objective=business_objective,
            owner=owner,
            kpis=[_kpi(k) for k in kpis],
            members=_members(members),
            reason=reason,
        )

    def add_member(
        self, project: str, person: str, role: str, reason: str | None = None
    ) -> Project:
        return self._c.inventory.add_member(self.actor, project, person, role, reason)

    def remove_member(
        self, project: str, person: str, role: str, reason: str | None = None
    ) -> Project:
        return self._c.inventory.remove_member(self.actor, project, person, role, reason)

    def projects(self, limit: int = 50, after: str | None = None) -> Page[Project]:
        return self._c.inventory.list_projects(PageRequest(limit, after))

    def project(self, name: str) -> Project:
        return self._c.inventory.get_project(name)

    # Models and versions --------------------------------------------------------------------

    def create_model(
        self, ref: str | ModelRef, description: str = "", reason: str | None = None
    ) -> Model:
        model = _model_ref(ref)
        return self._c.inventory.create_model(
            self.actor, model.project, model.model, description, reason
        )

    def models(
        self, project: str | None = None, limit: int = 50, after: str | None = None
    ) -> Page[Model]:
        return self._c.inventory.list_models(project, PageRequest(limit, after))

    def model(self, ref: str | ModelRef) -> Model:
        return self._c.inventory.get_model(_model_ref(ref))

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
        # Imported here: scikit-learn, skops and pyarrow are heavy and only registration needs them.
        from steward.adapters.capture.code import capture_code
        from steward.adapters.capture.environment import capture_environment
        from steward.adapters.capture.framework import describe_model
        from steward.adapters.capture.serialize import SerializedModel, serialize_model
        from steward.stats.fingerprint import fingerprint, signature

        # `artifact` keeps a saved file's exact bytes (the CLI passes them); else serialise now.
        if artifact is not None:
            if serializer not in ("skops", "joblib"):
                raise InvalidInputError(
                    "give the artifact's format as serializer='skops' or 'joblib'"
                )
            serialized = SerializedModel(artifact, serializer)
        else:
            serialized = serialize_model(model_obj, serializer)
        framework = describe_model(model_obj)
        exclude = [target] if target else []
        if training_data is not None:
            sig = signature(training_data, exclude=exclude)
        elif framework.get("feature_names"):
            sig = {
                "columns": [
                    {"name": n, "type": None, "nullable": None} for n in framework["feature_names"]
                ]
            }
        else:
            sig = {"columns": []}
        profile = None
        if training_data is not None:
            from steward.stats.profile import profile_reference

            reference = profile_reference(training_data, exclude=exclude)
            profile = canonical_json(reference.to_dict()).encode("utf-8")
        lineage = Lineage(
            artifact_format=serialized.format,
            training_profile=profile,
            framework=framework,
            signature=sig,
            training_data=fingerprint(training_data) if training_data is not None else None,
            validation_data=fingerprint(validation_data) if validation_data is not None else None,
            code=capture_code(Path(code_dir) if code_dir else None),
            environment=capture_environment(),
        )
        return self._c.inventory.register_version(
            self.actor,
            project,
            name,
            serialized.data,
            lineage,
            metrics=dict(metrics or {}),
            tags=dict(tags or {}),
            documentation=dict(documentation or {}),
            description=description,
            parent=_version_ref(parent) if parent is not None else None,
            reason=reason,
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
        from steward.adapters.capture.serialize import deserialize_model

        model_ref = _model_ref(ref)
        file = Path(path)
        suffixes = {".skops": "skops", ".joblib": "joblib", ".pkl": "joblib", ".pickle": "joblib"}
        kind = fmt or suffixes.get(file.suffix)
        if kind is None:
            raise InvalidInputError(
                f"cannot tell the format of {file.name}: pass --format skops or --format joblib"
            )
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise InvalidInputError(f"cannot read {file}: {exc.strerror}") from None
        model = deserialize_model(data, kind, trust=trust)
        return self.register(
            model,
            project=model_ref.project,
            name=model_ref.model,
            serializer=kind,
            artifact=data,
            **kwargs,
        )

    def versions(
        self,
        project: str | None = None,
        model: str | None = None,
        *,
        tags: Mapping[str, str] | Iterable[str] | None = None,
        stage: str | None = None,
        metrics: Iterable[str] = (),
        limit: int = 50,
        after: str | None = None,
    ) -> Page[VersionSummary]:
        """Search versions, newest first. `tags` as a dict or `key=value` strings; `metrics` as
        filters such as `"auc>=0.8"`."""
        query = VersionQuery(
            project=project,
            model=model,
            tags=_tag_pairs(tags),
            stage=stage,
            metrics=tuple(parse_metric_filter(m) for m in metrics),
        )
        return self._c.inventory.search_versions(query, PageRequest(limit, after))

    def version(self, ref: str | VersionRef) -> Version:
        return self._c.inventory.get_version(_version_ref(ref))

    def load(self, ref: str | VersionRef, *, trust: bool = False) -> object:
        """Load a version's model. The artifact's SHA-256 is checked against the record first."""
        from steward.adapters.capture.serialize import deserialize_model

        data, fmt = self._c.inventory.load_artifact(_version_ref(ref))
        return deserialize_model(data, fmt, trust=trust)

    def artifact(self, ref: str | VersionRef) -> tuple[bytes, str]:
        """A version's artifact bytes and format, checked against the SHA-256 in its record."""
        return self._c.inventory.load_artifact(_version_ref(ref))

    def tag(
        self, ref: str | VersionRef, tags: Mapping[str, str], reason: str | None = None
    ) -> Version:
        return self._c.inventory.set_tags(self.actor, _version_ref(ref), dict(tags), reason)

    def untag(
        self, ref: str | VersionRef, keys: Iterable[str], reason: str | None = None
    ) -> Version:
        return self._c.inventory.remove_tags(self.actor, _version_ref(ref), list(keys), reason)

    def move(self, ref: str | VersionRef, stage: str, reason: str) -> Version:
        """Move a version to another stage through its gate (same as `promote`), displacing the
        holder of an exclusive stage; returns the version as it is afterwards."""
        version_ref = _version_ref(ref)
        self._c.promotion.promote(self.actor, version_ref, stage, reason)
        return self._c.inventory.get_version(version_ref)

    def model_at(self, ref: str | ModelRef, time: datetime | str) -> ModelAtTime:
        """Which version held each stage at `time`, the event that put it there, and the gate
        decision with the approvals that let it in."""
        at_time = self._c.inventory.model_at(_model_ref(ref), to_utc_text(time))
        return self._c.promotion.with_approvals(at_time)

    # Audit ----------------------------------------------------------------------------------

    def verify_audit(
        self,
        *,
        raise_on_break: bool = True,
        on_progress: Callable[[int, int], None] | None = None,
        checkpoints: Iterable[str | Path] = (),
        public_key: str | None = None,
    ) -> VerifyResult:
        """Recompute the audit chain, then check any signed checkpoint files against it (with
        `public_key`, only checkpoints signed by that key are accepted). Raises
        IntegrityBrokenError naming the first problem (or returns the failed result with
        raise_on_break=False)."""
        from steward.adapters.signing import signature_valid

        loaded = [(str(p), _read_checkpoint(Path(p))) for p in checkpoints]
        result = self._c.audit.verify(on_progress)
        if result.ok and loaded:
            problems = self._c.audit.check_checkpoints(loaded, signature_valid, public_key)
            if problems:
                result = replace(result, ok=False, problem=problems[0], broken_seq=None)
        if raise_on_break and not result.ok:
            raise IntegrityBrokenError(_verify_message(result))
        return result

    def audit_checkpoint(self, key: str | Path) -> Checkpoint:
        """Sign the chain's current head with an Ed25519 key (see `steward audit keygen`). Keep
        the result where the database administrator cannot change it."""
        from steward.adapters.signing import Ed25519Signer

        return self._c.audit.checkpoint(self.actor, Ed25519Signer(Path(key)))

    def audit_log(
        self,
        *,
        entity: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        newest_first: bool = True,
        limit: int = 50,
        after: str | None = None,
    ) -> Page[AuditEvent]:
        query = _audit_query(entity, actor, action, since, until, newest_first)
        return self._c.audit.log(query, PageRequest(limit, after))

    def audit_export(
        self,
        out: IO[str],
        *,
        entity: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
    ) -> int:
        """Write matching events as JSON Lines to `out`, oldest first; return how many. Each line
        carries `payload_canonical`, the exact text that was hashed, so that any language can
        re-verify an export without re-serialising JSON."""
        query = _audit_query(entity, actor, action, since, until, newest_first=False)
        count = 0
        for event in self._c.audit.export(query):
            line = event.as_dict()
            line["payload_canonical"] = event.payload_json
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
        return count


_default: Client | None = None


def _default_client() -> Client:
    global _default  # noqa: PLW0603 - one lazily built client per process, by design
    if _default is None:
        _default = Client()
    return _default


def register(model_obj: object, **kwargs: Any) -> Version:
    """Register with the client configured from the environment. See `Client.register`."""
    return _default_client().register(model_obj, **kwargs)
