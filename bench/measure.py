"""What several bench scripts measure alike: nearest-rank percentiles and child-process CPU."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: A busy loop that ends by itself after at most this many seconds, whatever happens to us.
BUSY_LOOP = "import time\nend = time.monotonic() + {limit_s}\nwhile time.monotonic() < end: pass"


def nearest_rank(values: list[float], q: float) -> float:
    """Return the q-quantile (0..1) of `values`, nearest-rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def children_cpu_s(marker: bytes) -> float | None:
    """Return the CPU seconds used so far by this process's children whose command line holds
    `marker` (arguments NUL-separated, e.g. b"mcp\\x00serve"), or None when there is none or
    /proc is not there (off Linux)."""
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and marker in cmdline:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            found = True
    return total if found else None


@contextmanager
def busy_processes(count: int, limit_s: float = 1800.0) -> Iterator[None]:
    """Run `count` CPU-bound processes meanwhile (a loaded machine), each ending by itself."""
    code = BUSY_LOOP.format(limit_s=limit_s)
    processes = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
            process.wait()
