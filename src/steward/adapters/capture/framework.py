"""Describe a model object: which framework, which class, which hyperparameters."""

from __future__ import annotations

import functools
import importlib.metadata
import math
import sys
from typing import Any

# Import names whose distribution is named differently; the rest are looked up on demand.
_DISTRIBUTIONS = {"sklearn": "scikit-learn"}
_MAX_DEPTH = 20
_MAX_ARRAY_ITEMS = 1000


def describe_model(obj: object) -> dict[str, Any]:
    """Return the framework, class path, JSON-safe parameters and input shape of a model."""
    package = type(obj).__module__.split(".")[0]
    n_features = getattr(obj, "n_features_in_", None)
    return {
        "name": _distribution(package) or package,
        "version": _version(package),
        "estimator_class": class_path(type(obj)),
        "params": _params(obj),
        "feature_names": _feature_names(obj),
        "n_features": int(n_features) if n_features is not None else None,
    }


def class_path(cls: type) -> str:
    """Return the shortest public import path of a class, e.g. sklearn.pipeline.Pipeline.

    scikit-learn defines classes in private modules (sklearn.linear_model._logistic) and
    re-exports them; the public path survives refactors that the private one does not.
    """
    module, name = cls.__module__, cls.__qualname__
    parts = module.split(".")
    for end in range(1, len(parts) + 1):
        if any(part.startswith("_") for part in parts[:end]):
            break
        # Parent packages of an imported module are always imported, so no import happens.
        candidate = sys.modules.get(".".join(parts[:end]))
        if candidate is not None and "." not in name and getattr(candidate, name, None) is cls:
            return f"{candidate.__name__}.{name}"
    return f"{module}.{name}"


def _params(obj: object) -> dict[str, Any]:
    get_params = getattr(obj, "get_params", None)
    if not callable(get_params):
        return {}
    try:
        params = get_params(deep=True)
    except TypeError:
        params = get_params()  # non-sklearn objects with a get_params() of their own
    if not isinstance(params, dict):
        return {}
    return {str(key): _json_safe(value, 0) for key, value in params.items()}


def _json_safe(value: object, depth: int) -> Any:
    """Make a parameter value storable as JSON without losing what it was."""
    if _is_numpy(value) and depth < _MAX_DEPTH:
        # First: np.float64 and np.str_ subclass float and str but are not plain JSON values.
        return _numpy_safe(value, depth)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # NaN and infinity are not valid JSON; keep them readable instead of dropping them.
        return value if math.isfinite(value) else str(value)
    if depth >= _MAX_DEPTH:
        return repr(value)
    if isinstance(value, type):
        return class_path(value)
    if hasattr(value, "get_params"):
        return class_path(type(value))  # a nested estimator; its own params appear flattened
    if isinstance(value, list | tuple):
        return [_json_safe(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item, depth + 1) for key, item in value.items()}
    if callable(value) and hasattr(value, "__qualname__") and hasattr(value, "__module__"):
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)


def _is_numpy(value: object) -> bool:
    return type(value).__module__.split(".")[0] == "numpy"


def _numpy_safe(value: Any, depth: int) -> Any:
    if hasattr(value, "ndim") and value.ndim == 0 and hasattr(value, "item"):
        return _json_safe(value.item(), depth + 1)  # numpy scalar
    if (
        hasattr(value, "tolist")
        and getattr(value, "size", _MAX_ARRAY_ITEMS + 1) <= _MAX_ARRAY_ITEMS
    ):
        return _json_safe(value.tolist(), depth + 1)
    return repr(value)


def _feature_names(obj: object) -> list[str] | None:
    # Pipelines raise AttributeError here until fitted; getattr's default covers that.
    names = getattr(obj, "feature_names_in_", None)
    return None if names is None else [str(name) for name in names]


def _distribution(package: str) -> str | None:
    if package in _DISTRIBUTIONS:
        return _DISTRIBUTIONS[package]
    candidates = _packages_to_distributions().get(package, [])
    return candidates[0] if candidates else None


def _version(package: str) -> str | None:
    distribution = _distribution(package)
    if distribution is not None:
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            pass
    module_version = getattr(sys.modules.get(package), "__version__", None)
    return module_version if isinstance(module_version, str) else None


@functools.lru_cache(maxsize=1)
def _packages_to_distributions() -> dict[str, list[str]]:
    # Scans every installed distribution, so it runs once, and only for non-sklearn models.
    return dict(importlib.metadata.packages_distributions())
