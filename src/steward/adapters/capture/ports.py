"""The capture adapters as the services' ports: `ModelCodec` (model objects to artifact bytes
and back) and `SourceCapture` (the code's git state and the environment of the training)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class SkopsJoblibCodec:
    """skops for scikit-learn estimators (loadable without pickle), joblib otherwise."""

    def serialize(self, model: object, fmt: str) -> tuple[bytes, str]:
        from steward.adapters.capture.serialize import serialize_model

        serialized = serialize_model(model, fmt)
        return serialized.data, serialized.format

    def deserialize(self, data: bytes, fmt: str, *, trust: bool) -> object:
        from steward.adapters.capture.serialize import deserialize_model

        return deserialize_model(data, fmt, trust=trust)

    def describe(self, model: object) -> dict[str, Any]:
        from steward.adapters.capture.framework import describe_model

        return describe_model(model)


class GitAndEnvironment:
    def code(self, directory: Path | None) -> dict[str, Any]:
        from steward.adapters.capture.code import capture_code

        return capture_code(directory)

    def environment(self) -> dict[str, Any]:
        from steward.adapters.capture.environment import capture_environment

        return capture_environment()
