"""Record the Python environment a model was trained in."""

from __future__ import annotations

import functools
import importlib.metadata
import platform
from typing import Any


def capture_environment() -> dict[str, Any]:
    """Return the interpreter, platform and every installed distribution with its version."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        # A fresh dict each call: callers may edit it without corrupting the cached scan.
        "packages": dict(_installed_packages()),
    }


@functools.lru_cache(maxsize=1)
def _installed_packages() -> tuple[tuple[str, str], ...]:
    # Scanning site-packages reads hundreds of metadata files; once per process is enough.
    found: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        try:
            name = distribution.metadata["Name"]
        except KeyError:  # newer Pythons raise for a broken install without a Name
            continue
        version = distribution.version
        # The first hit wins, matching the copy that `import` would load from sys.path.
        if name and version and name.lower() not in found:
            found[name.lower()] = version
    return tuple(sorted(found.items()))
