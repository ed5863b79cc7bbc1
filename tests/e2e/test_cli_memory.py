"""The `steward` command fixes glibc's mapping threshold, so that large buffers an ingest frees
go back to the system instead of staying in the heap as fragments (bench/out_of_core.py
measures what it saves), and leaves the threshold alone when the user has set one."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the threshold is glibc's"
)

# After freeing an 8 MiB mapped block glibc, left to itself, raises its threshold to 8 MiB, so
# the next 2 MiB block comes from the heap; with the threshold fixed at 1 MiB it is mapped.
# mallinfo2's hblks counts the mapped blocks.
_PROBE = """
import ctypes, sys
if sys.argv[1] == "cli":
    from steward.entrypoints.cli.app import main
    sys.argv = ["steward", "--help"]
    try:
        main()
    except SystemExit:
        pass

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.mallinfo2.restype = MallInfo2
libc.free(libc.malloc(8 << 20))
before = libc.mallinfo2().hblks
block = libc.malloc(2 << 20)
print("mapped" if libc.mallinfo2().hblks > before else "heap")
libc.free(block)
"""


def _where_a_block_goes(mode: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _environment(**extra: str) -> dict[str, str]:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    return base | extra


def test_without_the_cli_glibc_raises_its_threshold() -> None:
    """The control: the probe sees glibc's own behaviour, so the next test can fail."""
    assert _where_a_block_goes("plain", _environment()) == "heap"


def test_the_cli_fixes_the_threshold() -> None:
    assert _where_a_block_goes("cli", _environment()) == "mapped"


def test_a_threshold_the_user_set_is_kept() -> None:
    chosen = _environment(MALLOC_MMAP_THRESHOLD_=str(16 << 20))
    assert _where_a_block_goes("cli", chosen) == "heap"
