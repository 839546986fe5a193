"""How long keel's commands take to start; prints one JSON object.

    python bench/cli_startup.py [--starts N] [--src DIR ...]

- `help`: wall and CPU time of `python -m keel --help` (median and best of N).
- `mcp_serve`: from starting `python -m keel mcp serve` to its tool list over stdio (SDK
  `ClientSession`), which every `keel run support|sql` pays for its tool server.

With several `--src` (e.g. this checkout and a worktree of an older commit), the versions are
measured in alternating batches in the same run, so each sees the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client

import keel

HERE = str(Path(keel.__file__).resolve().parents[1])


def _help_once(src: str) -> tuple[float, float]:
    """Return (wall s, CPU s) of one `python -m keel --help` with keel from `src`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "keel", "--help"],
        env={**os.environ, "PYTHONPATH": src},
        capture_output=True,
        check=True,
        timeout=120,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


async def _serve_once(src: str, home: str) -> float:
    """Return seconds from starting `keel mcp serve` to its tool list."""
    env = {**os.environ, "PYTHONPATH": src, "KEEL_HOME": home}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "keel", "mcp", "serve"], env=env
    )
    start = time.perf_counter()
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        await session.list_tools()
        return time.perf_counter() - start


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "best": round(min(values), 3)}


def measure(sources: list[str], starts: int) -> dict[str, Any]:
    """Return start-up figures per source directory, measured in alternating batches."""
    from keel.reference.world import ensure_world

    samples: dict[str, dict[str, list[float]]] = {
        src: {"help_wall_s": [], "help_cpu_s": [], "mcp_serve_s": []} for src in sources
    }
    with tempfile.TemporaryDirectory() as home:
        ensure_world(Path(home))  # built once, so the servers time starting, not building
        for _ in range(starts):
            for src in sources:
                wall, cpu = _help_once(src)
                samples[src]["help_wall_s"].append(wall)
                samples[src]["help_cpu_s"].append(cpu)
                samples[src]["mcp_serve_s"].append(asyncio.run(_serve_once(src, home)))
    return {
        "starts": starts,
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "sources": {
            src: {name: _summary(values) for name, values in figures.items()}
            for src, figures in samples.items()
        },
    }


def main() -> None:
    """Parse the options, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--src", action="append", help="A keel source directory (default: this).")
    args = parser.parse_args()
    print(json.dumps(measure(args.src or [HERE], args.starts), indent=2))


if __name__ == "__main__":
    main()
