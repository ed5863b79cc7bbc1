"""Composition root: builds engines, stores and services from settings. Nothing here runs at
import time; callers ask for a container when they need one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from steward.adapters.artifacts import LocalArtifactStore
from steward.adapters.policy_yaml import YamlPolicyLoader
from steward.adapters.sql import schema
from steward.adapters.sql.chain import ParallelChainVerifier
from steward.adapters.sql.engine import make_engines
from steward.adapters.sql.store import SqlStore
from steward.config import Settings
from steward.domain.errors import StorageUnavailableError
from steward.services.audit import AuditTrail
from steward.services.governance import Governance
from steward.services.inventory import Inventory
from steward.services.kpis import GovernanceKpis
from steward.services.policies import PolicyBook
from steward.services.promotion import Promotion

if TYPE_CHECKING:
    from steward.services.checks import EvidenceEngine
    from steward.services.monitoring import Monitor


RETRAIN_SECRET_ENV = "STEWARD_RETRAIN_HOOK_SECRET"


@dataclass
class Container:
    settings: Settings
    store: SqlStore
    artifacts: LocalArtifactStore
    inventory: Inventory
    audit: AuditTrail
    policies: PolicyBook
    governance: Governance
    promotion: Promotion
    kpis: GovernanceKpis

    @cached_property
    def checks(self) -> EvidenceEngine:
        """Built on first use: the evidence engine pulls in NumPy, Arrow and the report
        renderer, which most commands never need."""
        from steward.adapters.memory import release_memory
        from steward.adapters.report import HtmlReportRenderer
        from steward.services.checks import EvidenceEngine as Engine

        return Engine(
            self.inventory,
            self.promotion,
            self.governance,
            self.artifacts,
            _load_model,
            HtmlReportRenderer(),
            release_memory,
        )

    @cached_property
    def monitor(self) -> Monitor:
        """Built on first use, like the evidence engine: it needs Arrow and NumPy."""
        from steward.adapters.hooks import HttpAndCommandHooks
        from steward.services.monitoring import Monitor as MonitorService
        from steward.services.outbox import Outbox

        return MonitorService(
            self.promotion,
            self.inventory,
            self.artifacts,
            Outbox(self.store, HttpAndCommandHooks()),
            _load_model,
            retrain_hook=self.settings.retrain_hook,
            # A retraining URL is signed like a webhook route when this variable is set.
            retrain_secret_env=RETRAIN_SECRET_ENV if os.environ.get(RETRAIN_SECRET_ENV) else None,
        )

    def close(self) -> None:
        self.store.dispose()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def safe_url(settings: Settings) -> str:
    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


def open_engines(settings: Settings) -> tuple[Engine, Engine]:
    return make_engines(settings.resolved_database_url)


def build(settings: Settings, *, create_if_empty: bool = True) -> Container:
    writer, reader = open_engines(settings)
    try:
        schema.ensure_current(writer, create_if_empty=create_if_empty)
    except OperationalError as exc:
        writer.dispose()
        reader.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StorageUnavailableError(
            f"cannot open the database {safe_url(settings)}: {reason}"
        ) from None
    except BaseException:
        writer.dispose()
        reader.dispose()
        raise
    store = SqlStore(writer, reader)
    artifacts = LocalArtifactStore(settings.resolved_artifact_root)
    policies = PolicyBook(store, YamlPolicyLoader())
    governance = Governance(store, policies, artifacts, default_policy=settings.default_policy)
    promotion = Promotion(governance)
    inventory = Inventory(store, artifacts)
    return Container(
        settings=settings,
        store=store,
        artifacts=artifacts,
        inventory=inventory,
        audit=AuditTrail(store, ParallelChainVerifier(settings.resolved_database_url, _cores())),
        policies=policies,
        governance=governance,
        promotion=promotion,
        kpis=GovernanceKpis(promotion),
    )


def _load_model(data: bytes, fmt: str, *, trust: bool) -> object:
    from steward.adapters.capture.serialize import deserialize_model

    return deserialize_model(data, fmt, trust=trust)


@contextmanager
def _engines(settings: Settings) -> Iterator[Engine]:
    """The writer engine for one administrative command, with unreachable databases reported
    as one line."""
    writer, reader = open_engines(settings)
    try:
        yield writer
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StorageUnavailableError(
            f"cannot open the database {safe_url(settings)}: {reason}"
        ) from None
    finally:
        writer.dispose()
        reader.dispose()


def upgrade_database(settings: Settings, revision: str = "head") -> tuple[str | None, str | None]:
    """(revision before, revision after)."""
    with _engines(settings) as writer:
        before = schema.current_revision(writer)
        return before, schema.upgrade(writer, revision)


def database_status(settings: Settings) -> dict[str, str | None]:
    with _engines(settings) as writer:
        current = schema.current_revision(writer)
        return {
            "database": safe_url(settings),
            "revision": current,
            "head": schema.head_revision(),
            "state": schema.describe_state(current),
        }
