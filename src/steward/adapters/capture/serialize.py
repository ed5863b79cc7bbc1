"""Turn a model object into bytes and back, refusing to run untrusted code on the way back."""

from __future__ import annotations

import io
from dataclasses import dataclass

from steward.domain.errors import (
    IntegrityBrokenError,
    InvalidInputError,
    StewardError,
    require_extra,
)

FORMATS = ("skops", "joblib")
TRUSTED_PACKAGES = frozenset({"sklearn", "numpy", "scipy"})


@dataclass(frozen=True)
class SerializedModel:
    data: bytes
    format: str


def serialize_model(obj: object, fmt: str = "auto") -> SerializedModel:
    """Serialise with skops for scikit-learn estimators (loadable without pickle), else joblib."""
    if fmt not in ("auto", *FORMATS):
        raise InvalidInputError(f"unknown model format {fmt!r}: use 'auto', 'skops' or 'joblib'")
    if fmt == "skops" or (fmt == "auto" and _is_sklearn(obj)):
        try:
            return SerializedModel(_skops_dumps(obj), "skops")
        except Exception as exc:
            # skops raises many exception types for objects it cannot represent (custom
            # classes, lambdas, C extensions); auto mode falls back, explicit mode reports.
            if fmt == "skops":
                raise InvalidInputError(
                    f"skops cannot serialise {_class_path(obj)}: {_first_line(exc)}"
                ) from exc
    return SerializedModel(_joblib_dumps(obj), "joblib")


def deserialize_model(data: bytes, fmt: str, trust: bool = False) -> object:
    """Load a model; anything that could run code needs `trust=True`."""
    if fmt not in FORMATS:
        raise InvalidInputError(f"unknown model format {fmt!r}: use 'skops' or 'joblib'")
    if not data:
        raise IntegrityBrokenError(f"the {fmt} model artifact is empty")
    if fmt == "skops":
        return _skops_loads(data, trust)
    if not trust:
        raise InvalidInputError(
            "refusing to load a joblib artifact: it is a pickle and loading it can run arbitrary "
            "code; pass trust=True (CLI: --trust) for artifacts you registered yourself"
        )
    return _joblib_loads(data)


def _skops_dumps(obj: object) -> bytes:
    require_extra(("skops.io",), "checks", "Saving a model in the skops format")
    import skops.io

    data: bytes = skops.io.dumps(obj)
    return data


def _skops_loads(data: bytes, trust: bool) -> object:
    require_extra(("skops.io",), "checks", "Loading a skops model")
    import skops.io

    try:
        untrusted: list[str] = skops.io.get_untrusted_types(data=data)
    except Exception as exc:
        raise _load_failure("skops", exc) from exc
    # skops rebuilds these libraries' own types from data without running pickle code paths, so
    # they are accepted; anything from another package needs the caller's explicit trust.
    foreign = [t for t in untrusted if t.split(".", 1)[0] not in TRUSTED_PACKAGES]
    if foreign and not trust:
        raise InvalidInputError(
            f"refusing to load a skops artifact with untrusted types {', '.join(foreign)}; "
            "pass trust=True (CLI: --trust) for artifacts you registered yourself"
        )
    try:
        return skops.io.loads(data, trusted=untrusted)
    except Exception as exc:
        raise _load_failure("skops", exc) from exc


def _joblib_dumps(obj: object) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    return buffer.getvalue()


def _joblib_loads(data: bytes) -> object:
    import joblib

    try:
        obj: object = joblib.load(io.BytesIO(data))
    except Exception as exc:
        raise _load_failure("joblib", exc) from exc
    return obj


def _load_failure(fmt: str, exc: Exception) -> StewardError:
    """Classify a failed load. Damaged bytes surface as almost any exception type (BadZipFile,
    KeyError, ValueError, UnpicklingError, struct.error, ...), so only a missing package is
    told apart: the artifact is fine, this environment lacks what it needs."""
    if isinstance(exc, ImportError):
        return StewardError(f"cannot load the {fmt} model: {_first_line(exc)}")
    return IntegrityBrokenError(f"the {fmt} model artifact is corrupt: {_first_line(exc)}")


def _is_sklearn(obj: object) -> bool:
    return type(obj).__module__.split(".")[0] == "sklearn"


def _class_path(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
