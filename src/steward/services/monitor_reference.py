"""A version's reference profile: what its production windows are compared with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from steward.domain.audit import PendingEvent
from steward.domain.errors import InvalidInputError, NotFoundError
from steward.domain.monitoring import PREDICTION, MonitorReference
from steward.domain.naming import VersionRef
from steward.domain.principal import Principal
from steward.services.inventory import Inventory
from steward.services.monitor_reads import MonitorReading, source_label, version_id_of
from steward.services.ports import ArtifactStore, ModelCodec, WriteSession
from steward.services.use_case import use_case
from steward.stats.profile import Profile, profile_reference
from steward.stats.score_sums import fit_calibration
from steward.stats.window_profiler import score_values


class ReferenceSetting(MonitorReading):
    """Part of `Monitor`, which provides the services, artifacts and model codec."""

    _inventory: Inventory
    _artifacts: ArtifactStore
    _codec: ModelCodec

    @use_case("monitor.configure")
    def set_reference(
        self,
        principal: Principal,
        target: str | VersionRef,
        data: object,
        *,
        target_column: str | None = None,
        prediction_column: str | None = None,
        score: bool = True,
        exclude: Sequence[str] = (),
        trust: bool = False,
    ) -> MonitorReference:
        """Profile reference data (training or validation rows) as what production windows of
        `ref` are compared with. The model's scores are profiled too, as the prediction, when
        the data holds them (`prediction_column`) or the model can be loaded and scores it; with
        a target as well, the scores' calibration is checked and an isotonic map fitted, which
        the estimated performance of every window then uses. `target` is PROJECT/MODEL/NUMBER
        or the deployment PROJECT/MODEL@STAGE."""
        from steward.stats.fingerprint import to_arrow_table
        from steward.stats.scoring import is_classifier, model_features

        ref = self._target(target)
        source = source_label(data)
        version = self._inventory.get_version(principal, ref)
        table = to_arrow_table(data)
        if table.num_rows == 0:
            raise InvalidInputError("the reference data has no rows")
        for name in [target_column, prediction_column, *exclude]:
            if name is not None and name not in table.column_names:
                raise InvalidInputError(f"column {name!r} is not in the reference data")
        scores: np.ndarray[Any, np.dtype[np.float64]] | None = None
        if prediction_column is not None:
            scores = score_values(table.column(prediction_column))
        elif score:
            data_bytes, fmt = self._inventory.load_artifact(principal, ref)
            model = self._codec.deserialize(data_bytes, fmt, trust=trust)
            if is_classifier(model):
                record = version.record.as_dict()
                signature = [
                    str(c["name"]) for c in (record.get("signature") or {}).get("columns", [])
                ]
                features = model_features(model, signature, table.column_names)
                scores = _positive_scores(model, table, features)
        dropped = [n for n in [target_column, prediction_column, *exclude] if n is not None]
        features_table = table.drop_columns(dropped) if dropped else table
        if scores is not None:
            features_table = features_table.append_column(PREDICTION, pa.array(scores))
        profile = profile_reference(features_table)
        calibration = None
        if scores is not None and target_column is not None:
            labels = _labels(table.column(target_column))
            calibration = fit_calibration(scores, labels)
        stored = self._artifacts.put(_profile_bytes(profile))
        with self._ctx.store.write(principal) as tx:
            handle = _handle(tx, ref)
            event = tx.record(
                PendingEvent(
                    "monitor.reference_set",
                    "version",
                    str(ref),
                    {
                        "profile": stored.digest,
                        "rows": table.num_rows,
                        "columns": list(profile.columns),
                        "prediction": scores is not None,
                        "calibration_error": None
                        if calibration is None
                        else calibration["expected_calibration_error"],
                        "source": source,
                    },
                    None,
                )
            )
            tx.monitoring.add_monitor_reference(
                handle.id,
                stored.digest,
                table.num_rows,
                source,
                scores is not None,
                calibration,
                event.seq,
            )
            tx.commit()
            found = tx.monitoring.monitor_reference(handle.id)
        assert found is not None
        return found

    @use_case("monitor.read")
    def reference_profile(self, principal: Principal, target: str | VersionRef) -> Profile:
        """The profile the version's production windows are compared with."""
        return self._reference(self._target(target))[0]

    def _reference(self, ref: VersionRef) -> tuple[Profile, MonitorReference | None]:
        """The profile windows are compared with: the newest reference set, else the training
        profile recorded at registration."""
        with self._ctx.store.read() as q:
            version_id = version_id_of(q, ref)
            stored = q.monitoring.monitor_reference(version_id)
        if stored is not None:
            return _load_profile(self._artifacts, stored.profile_digest), stored
        with self._ctx.store.read() as q:
            version = q.registry.get_version(ref.project, ref.model, ref.number)
        assert version is not None  # found by id above, and versions are never deleted
        digest = (version.record.training_data or {}).get("profile")
        if not digest:
            raise InvalidInputError(
                f"{ref} has no reference profile: set one with `steward monitor reference "
                f"{ref} DATA`, or register the version with its training data"
            )
        return _load_profile(self._artifacts, str(digest)), None


def _handle(tx: WriteSession, ref: VersionRef) -> Any:
    from steward.services.lookup import version_for_write

    return version_for_write(tx, ref)


def _load_profile(artifacts: ArtifactStore, digest: str) -> Profile:
    import json

    try:
        data = json.loads(artifacts.get(digest))
    except FileNotFoundError:
        raise NotFoundError(f"the reference profile {digest[:12]} is missing") from None
    return Profile.from_dict(data)


def _profile_bytes(profile: Profile) -> bytes:
    from steward.domain.audit import canonical_json

    return canonical_json(profile.to_dict()).encode()


def _labels(column: pa.ChunkedArray) -> Any:
    values = score_values(column)
    present = values[~np.isnan(values)]
    if np.any((present != 0) & (present != 1)):
        raise InvalidInputError("the target must hold 0 and 1 (1: the positive class)")
    return values


def _positive_scores(model: object, table: pa.Table, features: Sequence[str]) -> Any:
    from steward.stats.scoring import BATCH_ROWS, feature_frame

    classes = list(getattr(model, "classes_", []))
    if len(classes) != 2:
        return None
    parts = []
    for batch in table.select(list(features)).to_batches(max_chunksize=BATCH_ROWS):
        x = feature_frame(pa.Table.from_batches([batch]), features, model)
        parts.append(np.asarray(model.predict_proba(x))[:, 1])  # type: ignore[attr-defined]
    return np.concatenate(parts).astype(np.float64)
