"""Handing freed memory back to the operating system between the steps of a long computation.

Arrow's memory pool and the C library's allocator both keep memory that the program has freed,
to reuse it. Over a check run on a large table that retention adds up: each check's temporary
arrays land on top of what the previous checks left behind, and the process's peak grows by
more than any one check needs. Releasing between checks keeps the peak close to the table plus
the largest single check.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


def release_memory() -> None:
    """Return unused memory held by Arrow's pool and by the C allocator (glibc only)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None on a C library without it (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    trim: Callable[[int], int] = function
    return trim
