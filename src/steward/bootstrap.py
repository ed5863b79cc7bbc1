"""Composition root: builds engines, stores and services from settings. Nothing here runs at
import time; callers ask for a container when they need one."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from steward.adapters.sql import schema
from steward.adapters.sql.engine import make_engines
from steward.adapters.sql.store import SqlStore
from steward.domain.errors import StorageUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

    from steward.adapters.artifacts import LocalArtifactStore
    from steward.config import Settings
    from steward.domain.windows import Window
    from steward.services.access import Access
    from steward.services.analysis import Analysis
    from steward.services.audit import AuditTrail
    from steward.services.changes import Changes
    from steward.services.checks import EvidenceEngine
    from steward.services.governance import Governance
    from steward.services.governed import GovernanceContext
    from steward.services.history import StageHistory
    from steward.services.inventory import Inventory
    from steward.services.kpis import GovernanceKpis
    from steward.services.monitoring import Monitor
    from steward.services.organisation import Organisation
    from steward.services.policies import PolicyBook, PolicyResolver
    from steward.services.promotion import Promotion
    from steward.services.registration import Registration
    from steward.services.webhooks import WebhookTools
    from steward.stats.profile import Profile


RETRAIN_SECRET_ENV = "STEWARD_RETRAIN_HOOK_SECRET"


class Container:
    """The use-case services over one store; `LocalServices` adds those that need none. Each
    service is built on first use, with the adapters it needs, so that a command imports only
    what it uses: showing a version loads neither the policy models nor the signing library."""

    def __init__(self, settings: Settings, store: SqlStore) -> None:
        self.settings = settings
        self.store = store

    @cached_property
    def artifacts(self) -> LocalArtifactStore:
        from steward.adapters.artifacts import LocalArtifactStore as Artifacts

        return Artifacts(self.settings.resolved_artifact_root)

    @cached_property
    def access(self) -> Access:
        from steward.adapters.shipped_policies import shipped_permissions
        from steward.services.access import Access as Decider

        return Decider(self.store, shipped_permissions, self.settings.default_policy)

    @cached_property
    def resolver(self) -> PolicyResolver:
        from steward.adapters.policy_yaml import YamlPolicyLoader
        from steward.services.policies import PolicyResolver as Resolver

        return Resolver(YamlPolicyLoader())

    @cached_property
    def deferred_resolver(self) -> PolicyResolver:
        """The resolver for services that need a policy only on some paths (granting a role that
        may sign): built on first use, so that reads never load the policy models."""
        return cast("PolicyResolver", _Deferred(lambda: self.resolver))

    @cached_property
    def context(self) -> GovernanceContext:
        from steward.services.governed import GovernanceContext as Context

        return Context(
            self.store,
            self.resolver,
            self.artifacts,
            access=self.access,
            default_policy=self.settings.default_policy,
        )

    @cached_property
    def inventory(self) -> Inventory:
        from steward.services.inventory import Inventory as InventoryService

        return InventoryService(
            self.store,
            self.artifacts,
            access=self.access,
            policies=self.deferred_resolver,
            default_policy=self.settings.default_policy,
        )

    @cached_property
    def registration(self) -> Registration:
        from steward.adapters.capture.ports import GitAndEnvironment, SkopsJoblibCodec
        from steward.services.registration import Registration as RegistrationService

        return RegistrationService(
            self.inventory, SkopsJoblibCodec(), GitAndEnvironment(), access=self.access
        )

    @cached_property
    def history(self) -> StageHistory:
        from steward.services.history import StageHistory as History

        return History(self.store, access=self.access)

    @cached_property
    def audit(self) -> AuditTrail:
        from steward.adapters.signing import Ed25519Keys
        from steward.adapters.sql.chain import ParallelChainVerifier
        from steward.services.audit import AuditTrail as Trail

        return Trail(
            self.store,
            Ed25519Keys(),
            ParallelChainVerifier(self.settings.resolved_database_url, _cores()),
            access=self.access,
        )

    @cached_property
    def policies(self) -> PolicyBook:
        from steward.services.policies import PolicyBook as Book

        return Book(self.store, self.resolver, access=self.access)

    @cached_property
    def organisation(self) -> Organisation:
        from steward.services.organisation import Organisation as Org

        return Org(
            self.store,
            access=self.access,
            policies=self.deferred_resolver,
            default_policy=self.settings.default_policy,
        )

    @cached_property
    def changes(self) -> Changes:
        from steward.services.changes import Changes as ChangeService

        return ChangeService(self.context)

    @cached_property
    def governance(self) -> Governance:
        from steward.services.governance import Governance as GovernanceService

        return GovernanceService(self.context)

    @cached_property
    def promotion(self) -> Promotion:
        from steward.services.promotion import Promotion as PromotionService

        return PromotionService(self.context)

    @cached_property
    def kpis(self) -> GovernanceKpis:
        from steward.services.kpis import GovernanceKpis as Kpis

        return Kpis(self.context, self.promotion)

    @cached_property
    def checks(self) -> EvidenceEngine:
        """Built on first use: the evidence engine pulls in NumPy, Arrow and the report
        renderer, which most commands never need."""
        from steward.adapters.capture.ports import SkopsJoblibCodec
        from steward.adapters.memory import release_memory
        from steward.adapters.quality_yaml import YamlSuiteLoader
        from steward.adapters.report.page import HtmlReportRenderer
        from steward.services.checks import EvidenceEngine as Engine

        return Engine(
            self.context,
            self.inventory,
            SkopsJoblibCodec(),
            HtmlReportRenderer(),
            YamlSuiteLoader(),
            release_memory,
        )

    @cached_property
    def monitor(self) -> Monitor:
        """Built on first use, like the evidence engine: it needs Arrow and NumPy."""
        from steward.adapters.capture.ports import SkopsJoblibCodec
        from steward.adapters.hooks import HttpAndCommandHooks
        from steward.adapters.report import HtmlMonitorReport
        from steward.services.monitoring import Monitor as MonitorService
        from steward.services.outbox import Outbox

        return MonitorService(
            self.context,
            self.inventory,
            Outbox(self.store, HttpAndCommandHooks()),
            SkopsJoblibCodec(),
            HtmlMonitorReport(),
            spark=_profile_spark,
            retrain_hook=self.settings.retrain_hook,
            # A retraining URL is signed like a webhook route when this variable is set.
            retrain_secret_env=RETRAIN_SECRET_ENV if os.environ.get(RETRAIN_SECRET_ENV) else None,
        )

    def close(self) -> None:
        self.store.dispose()


class LocalServices:
    """The `Services` of a local store. The store is opened on the first use case that needs
    it, so comparing two files or listening for webhooks touches no database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._container: Container | None = None

    def container(self) -> Container:
        if self._container is None:
            self._container = build(self.settings)
        return self._container

    @property
    def inventory(self) -> Inventory:
        return self.container().inventory

    @property
    def registration(self) -> Registration:
        return self.container().registration

    @property
    def history(self) -> StageHistory:
        return self.container().history

    @property
    def audit(self) -> AuditTrail:
        return self.container().audit

    @property
    def policies(self) -> PolicyBook:
        return self.container().policies

    @property
    def governance(self) -> Governance:
        return self.container().governance

    @property
    def promotion(self) -> Promotion:
        return self.container().promotion

    @property
    def kpis(self) -> GovernanceKpis:
        return self.container().kpis

    @property
    def checks(self) -> EvidenceEngine:
        return self.container().checks

    @property
    def monitor(self) -> Monitor:
        return self.container().monitor

    @property
    def organisation(self) -> Organisation:
        return self.container().organisation

    @property
    def changes(self) -> Changes:
        return self.container().changes

    @cached_property
    def analysis(self) -> Analysis:
        from steward.adapters.report.page import HtmlReportRenderer
        from steward.services.analysis import Analysis as AnalysisService

        return AnalysisService(HtmlReportRenderer())

    @cached_property
    def webhooks(self) -> WebhookTools:
        from steward.adapters.webhook_receiver import LoopbackListener
        from steward.services.webhooks import WebhookTools as Tools

        return Tools(LoopbackListener())

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None


def _profile_spark(
    reference: Profile, frame: Any, *, time_column: str | None, window: Window, now_epoch: int
) -> tuple[dict[int, Profile], int]:
    from steward.adapters.spark import profile_spark

    return profile_spark(
        reference, frame, time_column=time_column, window=window, now_epoch=now_epoch
    )


class _Deferred:
    """Stands for an object that is made when first used."""

    def __init__(self, make: Callable[[], object]) -> None:
        self._make = make
        self._made: object | None = None

    def __getattr__(self, name: str) -> Any:
        if self._made is None:
            self._made = self._make()
        return getattr(self._made, name)


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
    except DatabaseError as exc:
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
    return Container(settings, SqlStore(writer, reader))


@contextmanager
def _engines(settings: Settings) -> Iterator[Engine]:
    """The writer engine for one administrative command, with unreachable databases reported
    as one line."""
    writer, reader = open_engines(settings)
    try:
        yield writer
    except DatabaseError as exc:
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


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    database: str  # the URL, without its password
    revision: str | None
    head: str
    state: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "database": self.database,
            "revision": self.revision,
            "head": self.head,
            "state": self.state,
        }


def database_status(settings: Settings) -> DatabaseStatus:
    with _engines(settings) as writer:
        current = schema.current_revision(writer)
        return DatabaseStatus(
            safe_url(settings), current, schema.head_revision(), schema.describe_state(current)
        )
