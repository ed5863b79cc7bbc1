"""Run one command as a child and report its wall time and peak resident memory as JSON.

    python bench/_ooc_measure.py OUT.json [--cap-mib N] -- COMMAND...

This process is a small, fresh interpreter with the command as its only child, so
`getrusage(RUSAGE_CHILDREN).ru_maxrss` is that child's peak resident set (Linux carries
ru_maxrss across exec, which is why the parent must be small and do nothing else). The child's
VmHWM is also polled from /proc/<pid>/status every 20 ms as a cross-check. With --cap-mib the
child's address space is limited with RLIMIT_AS before it starts.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    rest = argv[1:]
    cap = None
    if rest[0] == "--cap-mib":
        cap, rest = int(rest[1]) << 20, rest[2:]
    command = rest[1:] if rest[0] == "--" else rest

    def limit() -> None:
        if cap is not None:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    # Output goes to files, not pipes: a pipe that fills while this loop polls would stall it.
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        # This process runs no threads, so preexec_fn is safe here.
        child = subprocess.Popen(
            command,
            stdout=out_file,
            stderr=err_file,
            preexec_fn=limit,  # noqa: PLW1509
        )
        polled = 0
        while child.poll() is None:
            polled = max(polled, _hwm_kib(child.pid))
            time.sleep(0.02)
        wall = time.perf_counter() - started
        out_file.seek(0)
        err_file.seek(0)
        stdout, stderr = out_file.read(), err_file.read()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {
        "code": child.returncode,
        "wall_s": wall,
        "peak_kib": usage.ru_maxrss,
        "polled_hwm_kib": polled,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "stdout": stdout.decode("utf-8", "replace"),
        "stderr": stderr.decode("utf-8", "replace")[-2000:],
    }
    out.write_text(json.dumps(figures), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
