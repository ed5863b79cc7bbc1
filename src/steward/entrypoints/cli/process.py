"""Process-wide memory settings the `steward` command makes before any work, each measured on
`steward monitor ingest` (bench/out_of_core.py) and each left alone when the user has chosen."""

from __future__ import annotations

import os
import sys

# Arrow's default allocator (mimalloc) keeps freed blocks for reuse, per thread, so a long
# ingest holds about 70 MiB more than it uses; the C library's allocator returns them, at the
# same speed. Set before Arrow loads.
ARROW_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"
# glibc serves blocks above a threshold from their own mappings, returned when freed, but it
# raises that threshold to the largest such block freed so far (up to 32 MiB), after which the
# Parquet reader's page buffers come from the heap and stay there as fragments: about 10-25 MiB
# of an ingest's peak. Fixing the threshold turns the raising off. At 1 MiB the per-column
# arrays of a batch stay on the heap (mapping each one costs a system call and zeroed pages:
# 0.7 s more on 2 million rows at 128 KiB) while page-sized buffers go back when freed.
MMAP_THRESHOLD_VARIABLE = "MALLOC_MMAP_THRESHOLD_"
MMAP_THRESHOLD_BYTES = 1 << 20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


def tune_memory() -> None:
    """Choose Arrow's allocator and fix glibc's mapping threshold, unless the user has chosen."""
    os.environ.setdefault(ARROW_POOL_VARIABLE, "system")
    if MMAP_THRESHOLD_VARIABLE not in os.environ:
        _fix_mmap_threshold(MMAP_THRESHOLD_BYTES)


def _fix_mmap_threshold(size: int) -> bool:
    """mallopt(M_MMAP_THRESHOLD, size) on glibc; False where the C library is another."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - present on glibc only (musl has mallopt too)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, size))
