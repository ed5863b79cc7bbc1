"""Registering a trained model object or a saved model file, with the lineage captured from
its training; loading a version's model back. The stored record is made by
`Inventory.register_version`; this is where the facts it holds are gathered."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from steward.domain.audit import canonical_json
from steward.domain.entities import Version
from steward.domain.errors import InvalidInputError
from steward.domain.naming import ModelRef, VersionRef, as_model_ref, as_version_ref
from steward.domain.principal import Principal
from steward.services.access import Access
from steward.services.inventory import Inventory
from steward.services.inventory_inputs import Lineage
from steward.services.ports import ModelCodec, SourceCapture
from steward.services.use_case import use_case

_SUFFIXES = {".skops": "skops", ".joblib": "joblib", ".pkl": "joblib", ".pickle": "joblib"}


class Registration:
    def __init__(
        self, inventory: Inventory, codec: ModelCodec, capture: SourceCapture, *, access: Access
    ) -> None:
        self._access = access
        self._inventory = inventory
        self._codec = codec
        self._capture = capture

    @use_case("version.register")
    def register(
        self,
        principal: Principal,
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
        framework and parameters, input signature, data fingerprints and the training data's
        profile, git state, environment. `artifact` keeps a saved file's exact bytes (give its
        format as `serializer`); otherwise the model is serialised now."""
        # Imported here: pyarrow and NumPy are heavy, and only registration needs them.
        from steward.stats.fingerprint import fingerprint, signature
        from steward.stats.profile import profile_reference

        if artifact is not None:
            if serializer not in ("skops", "joblib"):
                raise InvalidInputError(
                    "give the artifact's format as serializer='skops' or 'joblib'"
                )
            data, fmt = artifact, serializer
        else:
            data, fmt = self._codec.serialize(model_obj, serializer)
        framework = self._codec.describe(model_obj)
        exclude = [target] if target else []
        if training_data is not None:
            sig = signature(training_data, exclude=exclude)
        else:
            names = framework.get("feature_names") or []
            sig = {"columns": [{"name": n, "type": None, "nullable": None} for n in names]}
        profile = None
        if training_data is not None:
            reference = profile_reference(training_data, exclude=exclude)
            profile = canonical_json(reference.to_dict()).encode("utf-8")
        lineage = Lineage(
            artifact_format=fmt,
            training_profile=profile,
            framework=framework,
            signature=sig,
            training_data=fingerprint(training_data) if training_data is not None else None,
            validation_data=fingerprint(validation_data) if validation_data is not None else None,
            code=self._capture.code(Path(code_dir) if code_dir else None),
            environment=self._capture.environment(),
        )
        return self._inventory.register_version(
            principal,
            project,
            name,
            data,
            lineage,
            metrics=dict(metrics or {}),
            tags=dict(tags or {}),
            documentation=dict(documentation or {}),
            description=description,
            parent=parent,
            reason=reason,
        )

    @use_case("version.register")
    def register_file(
        self,
        principal: Principal,
        path: str | Path,
        ref: str | ModelRef,
        *,
        fmt: str | None = None,
        trust: bool = False,
        **options: Any,
    ) -> Version:
        """Register a saved model file (.skops, or .joblib/.pkl with trust=True) as a new version
        of `ref` (PROJECT/MODEL), keeping the file's exact bytes as the artifact. The other
        options are those of `register`."""
        model_ref = as_model_ref(ref)
        file = Path(path)
        kind = fmt or _SUFFIXES.get(file.suffix)
        if kind is None:
            raise InvalidInputError(
                f"cannot tell the format of {file.name}: pass --format skops or --format joblib"
            )
        data = read_artifact(file)
        model = self._codec.deserialize(data, kind, trust=trust)
        return self.register(
            principal,
            model,
            project=model_ref.project,
            name=model_ref.model,
            serializer=kind,
            artifact=data,
            **options,
        )

    @use_case("inventory.read")
    def load(self, principal: Principal, ref: str | VersionRef, *, trust: bool = False) -> object:
        """A version's model. The artifact's SHA-256 is checked against the record first;
        anything that could run code when loaded needs `trust`."""
        data, fmt = self._inventory.load_artifact(principal, as_version_ref(ref))
        return self._codec.deserialize(data, fmt, trust=trust)


# An artifact is stored whole, in memory and in the store: beyond this it is not a model file
# but a mistake (a device such as /dev/zero reads for ever, a data dump) to stop early.
MAX_ARTIFACT_BYTES = 4 * 2**30


def read_artifact(file: Path, limit: int = MAX_ARTIFACT_BYTES) -> bytes:
    """The bytes of a saved model: a regular file of at most `limit` bytes."""
    try:
        if not file.is_file():
            what = "does not exist" if not file.exists() else "is not a regular file"
            raise InvalidInputError(f"cannot read the artifact {file}: it {what}")
        with file.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InvalidInputError(f"cannot read {file}: {exc.strerror}") from None
    if len(data) > limit:
        raise InvalidInputError(
            f"the artifact {file} is larger than {limit:,} bytes: is it really a model file?"
        )
    return data
