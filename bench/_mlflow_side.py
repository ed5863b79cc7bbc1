"""MLflow's model registry: the schema its own SqlAlchemyStore creates, filled in bulk with the
same data as Steward, and the measured operations through MlflowClient."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import Any

# MLflow would otherwise report usage over the network; the benchmark stays on loopback.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

from mlflow import MlflowClient
from sqlalchemy import Connection, MetaData, Table, create_engine, func, select

from _dataset import PlannedVersion, RegisterInput, Scale, model_names, plan_versions
from _steward_side import insert_rows

WORKSPACE = "default"  # MLflow's single-tenant workspace name
STAGE_NONE = "None"
READY = "READY"


def quiet() -> None:
    """MLflow logs every schema migration step at INFO."""
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _source(name: str, number: int) -> str:
    # A URI only: creating a version stores it and never reads it.
    return f"mlflow-artifacts:/bench/{name}/{number}"


def create_schema(url: str) -> None:
    """Let MLflow create its own tables (tracking and registry), as `mlflow server` would."""
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    client.search_registered_models(max_results=1)
    dispose_engines()


def _tables(conn: Connection) -> tuple[Table, Table, Table]:
    meta = MetaData()
    return tuple(  # type: ignore[return-value]
        Table(name, meta, autoload_with=conn)
        for name in ("registered_models", "model_versions", "model_version_tags")
    )


def _version_rows(
    names: list[str], planned: list[PlannedVersion]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    versions, tags = [], []
    for p in planned:
        name, millis = names[p.model], _millis(p.at)
        versions.append(
            {
                "workspace": WORKSPACE,
                "name": name,
                "version": p.number,
                "creation_time": millis,
                "last_updated_time": millis,
                "description": None,
                "user_id": None,
                "current_stage": STAGE_NONE,
                "source": _source(name, p.number),
                "storage_location": _source(name, p.number),
                "run_id": None,
                "run_link": None,
                "status": READY,
                "status_message": None,
            }
        )
        for key, value in (("team", p.team), ("batch", p.batch)):
            tags.append(
                {
                    "workspace": WORKSPACE,
                    "name": name,
                    "version": p.number,
                    "key": key,
                    "value": value,
                }
            )
    return versions, tags


def fill(url: str, scale: Scale, start: datetime) -> dict[str, int]:
    """The same models, versions, order, times and tags as the Steward fill."""
    create_schema(url)
    names = model_names(scale)
    planned = plan_versions(scale, start + timedelta(milliseconds=1 + scale.models))
    last_update: dict[str, int] = {}
    for p in planned:
        last_update[names[p.model]] = _millis(p.at)
    models = [
        {
            "workspace": WORKSPACE,
            "name": name,
            "creation_time": _millis(start + timedelta(milliseconds=1 + j)),
            "last_updated_time": last_update[name],
            "description": None,
        }
        for j, name in enumerate(names)
    ]
    versions, tags = _version_rows(names, planned)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            registered_models, model_versions, model_version_tags = _tables(conn)
            insert_rows(conn, registered_models, models)
            insert_rows(conn, model_versions, versions)
            insert_rows(conn, model_version_tags, tags)
            count = conn.execute(select(func.count()).select_from(model_versions)).scalar_one()
    finally:
        engine.dispose()
    return {"models": len(models), "versions": int(count)}


def dispose_engines() -> None:
    """MLflow keeps one engine per database URI in class-level caches; close their pools so
    that the bench databases can be dropped and files removed."""
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistryStore
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as TrackingStore

    for store in (RegistryStore, TrackingStore):
        for engine in store._engine_map.values():
            engine.dispose()
        store._engine_map.clear()


class MlflowTool:
    """The calls being measured, through MlflowClient against the same database engine."""

    def __init__(self, url: str) -> None:
        self.client = MlflowClient(tracking_uri=url, registry_uri=url)

    def register(self, item: RegisterInput) -> int:
        # The registered model exists already; no run, no artifact upload: the registry write.
        version = self.client.create_model_version(
            item.model, _source(item.model, 0), tags=dict(item.tags)
        )
        return int(version.version)

    def search_tag(self, batch: str) -> list[tuple[str, int]]:
        found = self.client.search_model_versions(f"tags.batch = '{batch}'", max_results=50)
        return [(v.name, int(v.version)) for v in found]

    def first_page(self, model: str) -> list[tuple[str, int]]:
        found = self.client.search_model_versions(
            f"name = '{model}'", max_results=50, order_by=["version_number DESC"]
        )
        return [(v.name, int(v.version)) for v in found]

    def close(self) -> None:
        dispose_engines()
