"""What the SDK costs the host: time on the host's thread per traced run, and delivery rate.

Usage: python bench/sdk_overhead.py [--runs 5000] [--database-url URL]
Starts `keel serve` on a free 127.0.0.1 port (SQLite in a temp dir unless --database-url), then
times the same small agent step (2 LLM calls, 2 tool calls) without the SDK and inside
`keel.trace_run` with `@keel.tool`, and prints JSON: host-thread wall and CPU microseconds per
run (median of 5 rounds), the SDK's CPU overhead, how long the final flush took and the SDK's
counters. A second pass points the SDK at a closed port: the host's cost while runs are dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import httpx

import keel
import keel.sdk


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _search(query: str, k: int = 3) -> list[str]:
    return [f"{query}-{index}" for index in range(k)]


def _lookup(customer_id: str) -> dict[str, str]:
    return {"customer_id": customer_id, "tier": "gold"}


traced_search = keel.tool(name="knowledge.search")(_search)
traced_lookup = keel.tool(name="account.lookup")(_lookup)


def plain_step(index: int) -> None:
    _search(f"ticket {index}")
    _lookup(f"c-{index}")


def traced_step(index: int) -> None:
    with keel.trace_run(workflow_type="bench", model="gpt-4o-mini") as run:
        run.llm_call(name="plan", input_tokens=180, output_tokens=25, cost_usd=0.0001)
        traced_search(f"ticket {index}")
        traced_lookup(f"c-{index}")
        run.llm_call(name="answer", input_tokens=420, output_tokens=60, cost_usd=0.0002)
        run.set_output({"answer": "ok"})


def host_us_per_run(step: Callable[[int], None], runs: int, rounds: int = 5) -> dict[str, float]:
    """Return the median over `rounds` of the host thread's wall and CPU microseconds per run.

    CPU time of the host thread excludes waiting for the GIL or for other processes on a busy
    machine, so it is the steadier measure of what the SDK's code itself costs the host.
    """
    wall, cpu = [], []
    for _ in range(rounds):
        wall_0, cpu_0 = time.perf_counter(), time.thread_time()
        for index in range(runs):
            step(index)
        wall.append((time.perf_counter() - wall_0) / runs * 1e6)
        cpu.append((time.thread_time() - cpu_0) / runs * 1e6)
    return {"wall": round(statistics.median(wall), 2), "cpu": round(statistics.median(cpu), 2)}


def start_server(home: str, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "KEEL_HOME": home}
    if database_url:
        env["KEEL_DATABASE_URL"] = database_url
    server = subprocess.Popen(
        [sys.executable, "-m", "keel", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("keel serve did not start")


def measure(runs: int, database_url: str | None) -> dict[str, object]:
    plain_us = host_us_per_run(plain_step, runs)
    with tempfile.TemporaryDirectory() as home:
        server, url = start_server(home, database_url)
        try:
            keel.configure(endpoint=url, queue_size=10 * runs)
            traced_us = host_us_per_run(traced_step, runs)
            started = time.perf_counter()
            flushed = keel.flush(timeout_s=300)
            flush_s = time.perf_counter() - started
            sent = keel.sdk.stats()
            keel.sdk.shutdown()
        finally:
            server.terminate()
            server.wait(timeout=30)
    keel.configure(endpoint=f"http://127.0.0.1:{_free_port()}", max_retries=0, queue_size=100)
    dropping_us = host_us_per_run(traced_step, runs)
    dropped = keel.sdk.stats()
    keel.sdk.shutdown(timeout_s=5)
    return {
        "runs_per_round": runs,
        "host_us_per_run_without_sdk": plain_us,
        "host_us_per_run_traced": traced_us,
        "sdk_overhead_cpu_us_per_run": round(traced_us["cpu"] - plain_us["cpu"], 2),
        "final_flush_s": round(flush_s, 3),
        "flushed_all": flushed,
        "stats": sent.as_dict(),
        "host_us_per_run_traced_while_server_down": dropping_us,
        "stats_while_server_down": dropped.as_dict(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print(json.dumps(measure(args.runs, args.database_url), indent=2))


if __name__ == "__main__":
    main()
