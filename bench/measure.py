"""What several bench scripts measure alike: nearest-rank percentiles and child-process CPU."""

from __future__ import annotations

import os
from pathlib import Path


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
