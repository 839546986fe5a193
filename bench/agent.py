"""Benchmarks of keel's agents and MCP capture; prints one JSON object.

    python bench/agent.py            # every section
    python bench/agent.py proxy      # only the named sections
    python bench/agent.py proxy --server "node .../server-everything/dist/index.js stdio" \
        --tool echo --arguments '{"message": "hi"}'   # against a server keel did not write

Sections (each a function returning a JSON-ready dict, registered in SECTIONS):
- `support`: support-agent runs/s with the offline default over `keel mcp serve` and the world.
- `proxy`: the latency `keel mcp proxy` adds to one MCP tool call, against a direct call to the
  same server in the same run (calls alternate between the two, so both see the same machine),
  the proxy process's CPU per call (forwarding, parsing, recording; Linux /proc), a check
  that every call was recorded, and the session start (spawn to `initialize` answered) direct
  and through the proxy. `--server CMD` measures any stdio server instead of the built-in echo.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client
from measure import (  # a sibling script: bench/ is on sys.path
    busy_processes,
    children_cpu_s,
    nearest_rank,
)

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
PROXY_ROUNDS = 5
WARMUP_CALLS = 30


@dataclass(frozen=True)
class ProxyTarget:
    """The server behind the proxy, and the tool call timed against it."""

    command: list[str] = field(default_factory=list)  # empty: the built-in echo server
    tool: str = "echo"
    arguments: dict[str, Any] = field(
        default_factory=lambda: {"text": "wire cut-off for account ****1234"}
    )


TARGET = ProxyTarget()


async def _timed_calls(
    direct: ClientSession, proxied: ClientSession, calls: int, target: ProxyTarget
) -> dict[str, Any]:
    tool, arguments = target.tool, target.arguments
    for _ in range(WARMUP_CALLS):
        await direct.call_tool(tool, arguments)
        await proxied.call_tool(tool, arguments)
    cpu_before = children_cpu_s(b"mcp\x00proxy")
    timings: dict[str, Any] = {"direct": [], "proxied": []}
    for index in range(calls):
        # Alternate which goes first, so neither side always runs on a warmer cache.
        order = [("direct", direct), ("proxied", proxied)][:: 1 if index % 2 else -1]
        for name, session in order:
            start = time.perf_counter()
            await session.call_tool(tool, arguments)
            timings[name].append((time.perf_counter() - start) * 1000.0)
    cpu_after = children_cpu_s(b"mcp\x00proxy")
    if cpu_before is not None and cpu_after is not None:
        timings["proxy_cpu_ms_per_call"] = round((cpu_after - cpu_before) * 1000.0 / calls, 3)
    return timings


async def _proxy_run(calls: int, workdir: Path, target: ProxyTarget) -> dict[str, Any]:
    command = target.command
    if not command:
        server = workdir / "echo_server.py"
        server.write_text(ECHO_SERVER)
        command = [sys.executable, str(server)]
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(keel.__file__).resolve().parents[1]),
        "KEEL_HOME": str(workdir / "home"),
    }
    direct = StdioServerParameters(command=command[0], args=command[1:], env=env)
    proxy_args = ["-m", "keel", "mcp", "proxy", "--run-id", "bench-proxy", "--"]
    proxied = StdioServerParameters(command=sys.executable, args=[*proxy_args, *command], env=env)
    async with AsyncExitStack() as stack:
        sessions, starts = [], []
        for params in (direct, proxied):  # one after the other: each start timed alone
            start = time.perf_counter()
            read, write = await stack.enter_async_context(stdio_client(params))
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            starts.append(round((time.perf_counter() - start) * 1000.0, 1))
            sessions.append(session)
        timings = await _timed_calls(sessions[0], sessions[1], calls, target)
        timings["session_start_ms_direct"], timings["session_start_ms_proxied"] = starts
        return timings


def _recorded_calls(keel_db: Path) -> int:
    """Return how many tool calls the proxy stored in its run."""
    with closing(sqlite3.connect(keel_db)) as connection:
        query = "SELECT count(*) FROM tool_calls WHERE run_id = 'bench-proxy'"
        return int(connection.execute(query).fetchone()[0])


def _proxy_round(calls: int, target: ProxyTarget) -> dict[str, Any]:
    """Return one round's figures: a fresh proxy and server, `calls` alternating pairs."""
    with tempfile.TemporaryDirectory() as workdir:
        timings = asyncio.run(_proxy_run(calls, Path(workdir), target))
        recorded = _recorded_calls(Path(workdir) / "home" / "keel.db")
    direct, proxied = timings["direct"], timings["proxied"]
    figures: dict[str, Any] = {
        "load_average_1m": round(os.getloadavg()[0], 2),
        "all_calls_recorded": recorded == calls + WARMUP_CALLS,
        "proxy_cpu_ms_per_call": timings.get("proxy_cpu_ms_per_call"),
        "session_start_ms_direct": timings["session_start_ms_direct"],
        "session_start_ms_proxied": timings["session_start_ms_proxied"],
    }
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        figures[f"direct_ms_{name}"] = round(nearest_rank(direct, q), 3)
        figures[f"proxied_ms_{name}"] = round(nearest_rank(proxied, q), 3)
        figures[f"added_ms_{name}"] = round(nearest_rank(proxied, q) - nearest_rank(direct, q), 3)
    paired = [p - d for p, d in zip(proxied, direct, strict=True)]
    figures["added_ms_paired_median"] = round(statistics.median(paired), 3)
    return figures


def proxy_added_latency(calls: int = PROXY_CALLS, rounds: int = PROXY_ROUNDS) -> dict[str, Any]:
    """Return direct vs proxied tool-call latency (p50/p99) and what the proxy adds.

    Each figure is the median over `rounds` rounds, each with a fresh proxy and server, so one
    noisy stretch of a shared machine does not make the result.
    """
    per_round = [_proxy_round(calls, TARGET) for _ in range(rounds)]
    summary: dict[str, Any] = {
        "server": shlex.join(TARGET.command) if TARGET.command else "built-in echo (MCPServer)",
        "tool": TARGET.tool,
        "calls_per_round": calls,
        "rounds": rounds,
        "cpu_count": os.cpu_count(),
        "all_calls_recorded": all(r["all_calls_recorded"] for r in per_round),
    }
    for key in per_round[0]:
        values = [r[key] for r in per_round if isinstance(r[key], int | float)]
        if key != "all_calls_recorded" and values:
            summary[key] = round(statistics.median(values), 3)
    summary["target_added_ms_p50"] = 1.0
    summary["meets_target"] = summary["added_ms_p50"] <= 1.0
    summary["added_ms_p50_by_round"] = [r["added_ms_p50"] for r in per_round]
    return summary


SUPPORT_RUNS = 40


async def _support_runs(home: Path, texts: list[str]) -> dict[str, list[float]]:
    from keel.core.settings import Settings
    from keel.models import load_model
    from keel.reference.agents.support import SupportInputs
    from keel.reference.agents.support.agent import SupportAgent
    from keel.reference.agents.tool_client import KEEL_SERVER_COMMAND, tool_client

    model = load_model("offline", Settings())
    seconds: dict[str, list[float]] = {"first_sight": [], "seen_before": []}
    async with tool_client(KEEL_SERVER_COMMAND, {"KEEL_HOME": str(home)}) as tools:
        agent = SupportAgent(model, "offline:grounded-sampler", tools)
        await agent.run(SupportInputs(ticket_text=texts[0]))  # warm-up: embedder, caches
        for index, text in enumerate(texts + texts):
            start = time.perf_counter()
            run = await agent.run(SupportInputs(ticket_text=text, seed=index))
            key = "first_sight" if index < len(texts) else "seen_before"
            seconds[key].append(time.perf_counter() - start)
            if str(run.status) != "COMPLETED":
                raise SystemExit(f"support run failed: {run.error}")
    return seconds


def _rate(seconds: list[float]) -> dict[str, Any]:
    return {
        "runs": len(seconds),
        "runs_per_s": round(len(seconds) / sum(seconds), 2),
        "run_ms_p50": round(nearest_rank(seconds, 0.5) * 1000.0, 1),
        "run_ms_p99": round(nearest_rank(seconds, 0.99) * 1000.0, 1),
    }


def support_runs_per_second(runs: int = SUPPORT_RUNS) -> dict[str, Any]:
    """Return support-agent runs/s with the offline default against `keel mcp serve`.

    One tool server and one model for all runs (as `keel run support --tickets` does), after
    one warm-up run; each run is the whole agent: plan, captured MCP calls, draft, critic.
    Storing the run is not included. `runs` tickets are run twice (other seeds): the first pass
    embeds whatever the process has not seen yet, the ticket texts above all (a fresh process,
    e.g. one `keel run support --tickets` batch); the second finds them in the embedding cache
    (a long process, e.g. replays or `keel serve`).
    """
    from keel.reference.world import ensure_world

    with tempfile.TemporaryDirectory() as home:
        world = ensure_world(Path(home))
        texts = [t.text for t in world.tickets()][:runs]
        seconds = asyncio.run(_support_runs(Path(home), texts))
    return {
        **_rate(seconds["first_sight"]),
        "seen_before": _rate(seconds["seen_before"]),
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


SECTIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "proxy": proxy_added_latency,
    "support": support_runs_per_second,
}


def main(argv: list[str]) -> None:
    """Run the named sections (all when none) and print their results as one JSON object."""
    global TARGET
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"of {sorted(SECTIONS)}")
    parser.add_argument("--server", help="a stdio MCP server command for `proxy`")
    parser.add_argument("--tool", default="echo", help="the tool `proxy` calls")
    parser.add_argument("--arguments", default=None, help="the tool's arguments (JSON)")
    parser.add_argument(
        "--load", type=int, default=0, help="busy processes competing for the CPUs meanwhile"
    )
    args = parser.parse_args(argv)
    if args.server:
        arguments = json.loads(args.arguments) if args.arguments else {}
        TARGET = ProxyTarget(shlex.split(args.server), args.tool, arguments)
    names = args.sections
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; known: {sorted(SECTIONS)}")
    with busy_processes(args.load):
        results = {name: run() for name, run in SECTIONS.items() if not names or name in names}
    results["competing_busy_processes"] = args.load
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
