"""Benchmarks of keel's agents and MCP capture; prints one JSON object.

    python bench/agent.py            # every section
    python bench/agent.py proxy      # only the named sections

Sections (each a function returning a JSON-ready dict, registered in SECTIONS):
- `proxy`: the latency `keel mcp proxy` adds to one MCP tool call, against a direct call to the
  same server in the same run (calls alternate between the two, so both see the same machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client

import keel

ECHO_SERVER = """
from mcp.server.mcpserver import MCPServer

server = MCPServer("bench-echo")

@server.tool()
async def echo(text: str) -> str:
    return text

server.run()
"""
PROXY_CALLS = 400
WARMUP_CALLS = 30


def _percentile(values: list[float], q: float) -> float:
    """Return the q-quantile (0..1) of `values`, nearest-rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def _timed_calls(direct: ClientSession, proxied: ClientSession, calls: int) -> dict[str, Any]:
    arguments = {"text": "wire cut-off for account ****1234"}
    for _ in range(WARMUP_CALLS):
        await direct.call_tool("echo", arguments)
        await proxied.call_tool("echo", arguments)
    timings: dict[str, list[float]] = {"direct": [], "proxied": []}
    for index in range(calls):
        # Alternate which goes first, so neither side always runs on a warmer cache.
        order = [("direct", direct), ("proxied", proxied)][:: 1 if index % 2 else -1]
        for name, session in order:
            start = time.perf_counter()
            await session.call_tool("echo", arguments)
            timings[name].append((time.perf_counter() - start) * 1000.0)
    return timings


async def _proxy_run(calls: int, workdir: Path) -> dict[str, list[float]]:
    server = workdir / "echo_server.py"
    server.write_text(ECHO_SERVER)
    env = {
        "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1]),
        "KEEL_HOME": str(workdir / "home"),
    }
    direct = StdioServerParameters(command=sys.executable, args=[str(server)])
    proxy_args = ["-m", "keel", "mcp", "proxy", "--run-id", "bench-proxy", "--"]
    proxied = StdioServerParameters(
        command=sys.executable, args=[*proxy_args, sys.executable, str(server)], env=env
    )
    async with (
        stdio_client(direct) as (direct_read, direct_write),
        ClientSession(direct_read, direct_write) as direct_session,
        stdio_client(proxied) as (proxied_read, proxied_write),
        ClientSession(proxied_read, proxied_write) as proxied_session,
    ):
        await direct_session.initialize()
        await proxied_session.initialize()
        return await _timed_calls(direct_session, proxied_session, calls)


def proxy_added_latency(calls: int = PROXY_CALLS) -> dict[str, Any]:
    """Return p50/p99 latency of direct vs proxied tool calls and what the proxy adds."""
    with tempfile.TemporaryDirectory() as workdir:
        timings = asyncio.run(_proxy_run(calls, Path(workdir)))
    direct, proxied = timings["direct"], timings["proxied"]
    summary: dict[str, Any] = {"calls": calls, "cpu_count": os.cpu_count()}
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        summary[f"direct_ms_{name}"] = round(_percentile(direct, q), 3)
        summary[f"proxied_ms_{name}"] = round(_percentile(proxied, q), 3)
        summary[f"added_ms_{name}"] = round(_percentile(proxied, q) - _percentile(direct, q), 3)
    paired = [p - d for p, d in zip(proxied, direct, strict=True)]
    summary["added_ms_paired_median"] = round(statistics.median(paired), 3)
    summary["target_added_ms_p50"] = 1.0
    summary["meets_target"] = summary["added_ms_p50"] <= 1.0
    return summary


SECTIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "proxy": proxy_added_latency,
}


def main(names: list[str]) -> None:
    """Run the named sections (all when none) and print their results as one JSON object."""
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; known: {sorted(SECTIONS)}")
    results = {name: run() for name, run in SECTIONS.items() if not names or name in names}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
