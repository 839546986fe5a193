"""Ingestion throughput: spans/s through OTLP/HTTP and runs/s through the native batch API.

    python bench/ingest.py [--database sqlite|postgresql|both] [--seconds N] [--clients 4]
    python bench/ingest.py --realistic ../shared/bench --spans 20000 100000 [--database both]

`--realistic DIR` drives a fresh `keel serve` with DIR/otlp_load.py (6-span GenAI agent
traces with support text full of ordinary digits) for each span count, and measures the
machine's ceiling (DIR/ingest_limit.py: decode + bulk insert in one process, no server) in the
same run, before and after; it reports keel's persisted spans/s as a share of that ceiling.
`--profile DIR` instead stores DIR/otlp_load.py's payload in this process (`store_export`, SQLite)
and prints the CPU per span, unprofiled, and cProfile's top functions by own time.
`--growth DIR` stores DIR/otlp_load.py's payload in this process into one database per
`--spans` count, each filled to about that count, then measured export by export in turn
(`--window` spans each): the CPU per span as the database grows, in one run, with cProfile's
top functions at the smallest and largest count.

Serves keel in its own process (`python -m keel serve`) on 127.0.0.1, then drives it from
client threads in this process for N seconds per phase, after a short warm-up. Every request
carries fresh trace / run ids, so each one really inserts. Prints JSON: throughput, p50/p99
request latency, and a check that the database holds exactly what the server acknowledged.
PostgreSQL gets a fresh database on 127.0.0.1:5432 (user postgres), dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status
from sqlalchemy import func, select

from keel.store.engine import Database
from keel.store.models import Event, Run

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
#: Stands in for the first 8 bytes of every trace id; replaced per request (same length).
TRACE_MARKER = b"\xfe\x01KEEL\x02\xfe"
RUN_MARKER = "RUNPREFIX0"
WARMUP_S = 2.0
WORDS = (  # noqa: SIM905
    "account balance transfer withdrawal fee tax form interest statement card limit "
    "payment pending review customer support policy refund routing number deadline "
    "compliance transaction overdraft deposit savings checking wire international"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _kv(key: str, value: Any) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def _chat_attrs(rng: random.Random, turn: int) -> dict[str, Any]:
    messages = [{"role": "system", "parts": [{"type": "text", "content": _text(rng, 25)}]}]
    messages += [
        {"role": "user", "parts": [{"type": "text", "content": _text(rng, 30)}]}
        for _ in range(turn)
    ]
    answer = [{"role": "assistant", "parts": [{"type": "text", "content": _text(rng, 40)}]}]
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.response.id": f"chatcmpl-{rng.getrandbits(48):x}",
        "gen_ai.usage.input_tokens": rng.randint(200, 1500),
        "gen_ai.usage.output_tokens": rng.randint(20, 300),
        "gen_ai.input.messages": json.dumps(messages),
        "gen_ai.output.messages": json.dumps(answer),
    }


def _tool_attrs(rng: random.Random, index: int) -> dict[str, Any]:
    # The tools keel's built-in support policy allows, so most runs pass its check, as in
    # production; a run that draws one tool past its call limit is flagged, as it should be.
    name = rng.choice(["knowledge.search", "account.lookup", "transactions.list"])
    return {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": name,
        "gen_ai.tool.call.id": f"call_{index}",
        "gen_ai.tool.call.arguments": json.dumps({"query": _text(rng, 6), "limit": 5}),
        "gen_ai.tool.call.result": json.dumps({"items": [_text(rng, 12) for _ in range(3)]}),
    }


def _span(
    trace_no: int, span_no: int, name: str, times_ms: tuple[int, int], attrs: dict[str, Any]
) -> Span:
    base = 1_790_000_000_000_000_000 + trace_no * 10_000_000_000
    return Span(
        trace_id=TRACE_MARKER + trace_no.to_bytes(8, "big"),
        span_id=(trace_no * 64 + span_no + 1).to_bytes(8, "big"),
        parent_span_id=b"" if span_no == 0 else (trace_no * 64 + 1).to_bytes(8, "big"),
        name=name,
        kind=Span.SPAN_KIND_INTERNAL if span_no == 0 else Span.SPAN_KIND_CLIENT,
        start_time_unix_nano=base + times_ms[0] * 1_000_000,
        end_time_unix_nano=base + times_ms[1] * 1_000_000,
        attributes=[_kv(key, value) for key, value in attrs.items()],
        status=Status(code=Status.STATUS_CODE_UNSET),
    )


def agent_trace(rng: random.Random, trace_no: int, size: int) -> list[Span]:
    """One agent run of `size` spans: invoke_agent, then alternating chat and tool spans."""
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support"}
    spans = [_span(trace_no, 0, "invoke_agent support", (0, size * 500), agent)]
    for span_no in range(1, size):
        if span_no % 2:
            attrs, name = _chat_attrs(rng, span_no // 2 + 1), "chat gpt-4o-mini"
        else:
            attrs = _tool_attrs(rng, span_no)
            name = f"execute_tool {attrs['gen_ai.tool.name']}"
        times = (span_no * 500, span_no * 500 + 400)
        spans.append(_span(trace_no, span_no, name, times, attrs))
    return spans


def otlp_template(spans_per_request: int, seed: int = 7) -> bytes:
    """A serialized export of agent traces (6-10 spans each) whose trace ids carry the marker."""
    rng = random.Random(seed)
    request = ExportTraceServiceRequest()
    resource = request.resource_spans.add()
    resource.resource.attributes.append(_kv("service.name", "bench-agent"))
    scope = resource.scope_spans.add()
    scope.scope.name = "bench"
    trace_no = 0
    while len(scope.spans) < spans_per_request:
        size = min(rng.randint(6, 10), spans_per_request - len(scope.spans))
        scope.spans.extend(agent_trace(rng, trace_no, size))
        trace_no += 1
    body = request.SerializeToString()
    assert body.count(TRACE_MARKER) == spans_per_request
    return body


def native_template(runs_per_request: int) -> str:
    """A native batch of runs (6 events, 2 tool calls each) with a replaceable run id prefix."""
    events = [
        {
            "seq": i,
            "event_type": "llm" if i % 2 else "tool",
            "name": f"step {i}",
            "model": "gpt-4o-mini",
            "input_tokens": 500,
            "output_tokens": 80,
            "payload": {"messages": [{"role": "user", "content": _text(random.Random(i), 30)}]},
        }
        for i in range(6)
    ]
    calls = [
        {
            "seq": i,
            "tool_name": "knowledge.search",
            "args": {"query": "fees", "k": 3},
            "latency_ms": 12.5,
            "result_meta": {"size": 300},
        }
        for i in range(2)
    ]
    runs = [
        {
            "run_id": f"{RUN_MARKER}-{i}",
            "workflow_type": "support",
            "model": "gpt-4o-mini",
            "created_at": "2026-11-01T10:00:00Z",
            "events": events,
            "tool_calls": calls,
        }
        for i in range(runs_per_request)
    ]
    return json.dumps({"runs": runs})


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) process `pid` and its live children have used so
    far (Linux /proc): the server with its mapping workers."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


@contextmanager
def keel_server(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """Run `python -m keel serve` in its own process; yield its base URL and pid."""
    port = free_port()
    command = [sys.executable, "-m", "keel", "serve", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("keel serve did not come up")
            time.sleep(0.2)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Tally:
    """What the client threads saw: measured latencies, acknowledgements, failures."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    acknowledged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: httpx.Response, elapsed_s: float, measured: bool) -> None:
        """Count one response; only those sent after the warm-up give latencies."""
        with self.lock:
            if response.status_code != 200 or b"rejected" in response.content:
                self.failures.append(f"{response.status_code} {response.text[:200]}")
                return
            self.acknowledged += 1
            if measured:
                self.latencies.append(elapsed_s)

    def summary(self, wall_s: float, server_cpu_s: float) -> dict[str, Any]:
        """Return the phase's figures as JSON-ready values."""
        ordered = sorted(self.latencies)

        def quantile_ms(q: float) -> float | None:
            return round(1000 * ordered[int(len(ordered) * q)], 1) if ordered else None

        return {
            "requests": len(ordered),
            "acknowledged_with_warmup": self.acknowledged,
            "failures": len(self.failures),
            "first_failure": self.failures[0] if self.failures else None,
            "seconds": round(wall_s, 2),
            "server_cpu_s": round(server_cpu_s, 2),
            "p50_ms": quantile_ms(0.5),
            "p99_ms": quantile_ms(0.99),
        }


def drive(
    server: tuple[str, int],
    path: str,
    make_body: Callable[[], bytes],
    headers: dict[str, str],
    args: Any,
) -> dict[str, Any]:
    """POST fresh bodies from `args.clients` threads for warm-up + `args.seconds` seconds."""
    url, pid = server
    tally = Tally()
    start = time.monotonic()
    measure_from, stop_at = start + WARMUP_S, start + WARMUP_S + args.seconds

    def client() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while (now := time.monotonic()) < stop_at:
                body = make_body()
                began = time.perf_counter()
                response = http.post(path, content=body, headers=headers)
                tally.record(response, time.perf_counter() - began, now >= measure_from)

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.monotonic()))
    cpu_from = cpu_seconds(pid)
    for thread in threads:
        thread.join()
    server_cpu = cpu_seconds(pid) - cpu_from
    # Requests still in flight at stop_at finished a little later; count the real span.
    return tally.summary(time.monotonic() - measure_from, server_cpu)


def bench_database(url: str | None, home: Path, args: Any) -> dict[str, Any]:
    """Both phases against one database; verifies stored counts against acknowledged ones."""
    env = {"KEEL_HOME": str(home), "KEEL_MAX_REQUEST_BYTES": str(64 * 1024 * 1024)}
    if url:
        env["KEEL_DATABASE_URL"] = url
    template = otlp_template(args.batch)
    native = native_template(args.runs_per_request)
    with keel_server(env) as server:
        otlp = drive(
            server,
            "/v1/traces",
            lambda: template.replace(TRACE_MARKER, os.urandom(8)),
            {"content-type": "application/x-protobuf"},
            args,
        )
        otlp["spans_per_request"] = args.batch
        spans = otlp["requests"] * args.batch
        otlp["spans_per_s"] = round(spans / otlp["seconds"])
        # Load-independent view: what one fully available core would sustain.
        otlp["spans_per_server_cpu_s"] = round(spans / max(otlp["server_cpu_s"], 1e-9))
        runs = drive(
            server,
            "/api/v1/runs:batch",
            lambda: native.replace(RUN_MARKER, uuid.uuid4().hex).encode(),
            {"content-type": "application/json"},
            args,
        )
        runs["runs_per_request"] = args.runs_per_request
        stored_runs = runs["requests"] * args.runs_per_request
        runs["runs_per_s"] = round(stored_runs / runs["seconds"])
        runs["runs_per_server_cpu_s"] = round(stored_runs / max(runs["server_cpu_s"], 1e-9))
    check = verify_stored(url or f"sqlite:///{home / 'keel.db'}", otlp, runs, template, args)
    return {"otlp": otlp, "native": runs, "check": check}


def verify_stored(
    url: str, otlp: dict[str, Any], runs: dict[str, Any], template: bytes, args: Any
) -> dict[str, Any]:
    """Every acknowledged request, warm-up included, must be in the database, nothing else."""
    database = Database(url)
    with database.read() as session:
        stored = {
            "runs": session.scalar(select(func.count()).select_from(Run)),
            "events": session.scalar(select(func.count()).select_from(Event)),
        }
    database.dispose()
    otlp_requests = otlp["acknowledged_with_warmup"]
    native_requests = runs["acknowledged_with_warmup"]
    expected = {
        "runs": otlp_requests * traces_in(template) + native_requests * args.runs_per_request,
        "events": otlp_requests * args.batch + native_requests * args.runs_per_request * 6,
    }
    return {"stored": stored, "expected": expected, "ok": stored == expected}


def traces_in(body: bytes) -> int:
    """Return how many traces an OTLP request body holds."""
    request = ExportTraceServiceRequest.FromString(body)
    return len(
        {
            span.trace_id
            for rs in request.resource_spans
            for ss in rs.scope_spans
            for span in ss.spans
        }
    )


def pipeline_cpu(args: Any, home: Path) -> dict[str, float]:
    """CPU per span of each stage, in this process on SQLite: the server's work minus HTTP."""
    from keel.core.pricing import load_prices
    from keel.core.sanitize import seal_runs
    from keel.ingest.otlp import PROTOBUF, decode_request, spans_of
    from keel.ingest.traces import runs_from_spans
    from keel.store.migrate import upgrade
    from keel.store.writes import write_runs

    url = f"sqlite:///{home / 'stages.db'}"
    upgrade(url)
    database, prices, template = Database(url), load_prices(), otlp_template(args.batch)
    totals = {"decode": 0.0, "map": 0.0, "write": 0.0}
    rounds = 10
    for round_no in range(rounds + 1):
        body = template.replace(TRACE_MARKER, os.urandom(8))
        started = time.process_time()
        spans = spans_of(decode_request(body, PROTOBUF)).spans
        decoded = time.process_time()
        records = seal_runs(runs_from_spans(spans, prices))  # mapping includes redaction
        mapped = time.process_time()
        with database.write() as session:
            write_runs(session, records)
        written = time.process_time()
        if round_no > 0:  # the first round warms caches up
            totals["decode"] += decoded - started
            totals["map"] += mapped - decoded
            totals["write"] += written - mapped
    database.dispose()
    per_span = {f"{stage}_us": 1e6 * cpu / (rounds * args.batch) for stage, cpu in totals.items()}
    per_span["total_us"] = sum(per_span.values())
    return {key: round(value, 1) for key, value in per_span.items()}


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped on exit."""
    name = f"keel_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_json(command: list[str]) -> dict[str, Any]:
    """Run `command` and return the JSON object its last line of output prints."""
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def database_bytes(url: str | None, home: Path) -> int:
    """Return the size of keel's database: SQLite's pages once the WAL is checkpointed into
    the file, or PostgreSQL's database with its indexes."""
    if url is None:
        with sqlite3.connect(home / "keel.db") as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            return int(pages * connection.execute("PRAGMA page_size").fetchone()[0])
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def stored_events(database: Database) -> int:
    """Return how many events (spans) the database holds."""
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Event)) or 0)


def realistic_run(
    tools: Path, url: str | None, home: Path, spans: int, args: Any
) -> dict[str, Any]:
    """One fresh server driven by otlp_load.py with `spans` spans; what it stored and spent."""
    env = {"KEEL_HOME": str(home), "KEEL_MAX_REQUEST_BYTES": str(64 * 1024 * 1024)}
    if url:
        env["KEEL_DATABASE_URL"] = url
    database = Database(url or f"sqlite:///{home / 'keel.db'}")
    with keel_server(env) as (base_url, pid):
        command = [sys.executable, str(tools / "otlp_load.py"), f"{base_url}/v1/traces"]
        command += ["--batch", str(args.batch), "--clients", str(args.clients)]
        # Warm-up, not measured: the mapping workers spawn (and import keel) on the first
        # export, and a long-running server has paid that once.
        for seed in (0, -1):
            run_json([*command, "--spans", str(4 * args.batch), "--seed", str(seed)])
            time.sleep(WARMUP_S)
        warm_spans, empty_bytes = stored_events(database), database_bytes(url, home)
        cpu_from = cpu_seconds(pid)
        load = run_json([*command, "--spans", str(spans), "--seed", str(spans)])
        server_cpu_s = cpu_seconds(pid) - cpu_from
        stored_bytes = database_bytes(url, home) - empty_bytes
    persisted = stored_events(database) - warm_spans
    database.dispose()
    return {
        "spans_sent": load["spans"],
        "spans_persisted": persisted,
        "lost": load["spans"] - load["rejected_spans"] - persisted,
        "http_codes": load["http_codes"],
        "rejected_spans": load["rejected_spans"],
        "seconds": load["send_s"],
        "persisted_spans_per_s": round(persisted / load["send_s"]),
        "server_cpu_s": round(server_cpu_s, 2),
        "spans_per_server_cpu_s": round(persisted / max(server_cpu_s, 1e-9)),
        "server_cpu_us_per_span": round(1e6 * server_cpu_s / max(persisted, 1), 1),
        "p50_ms": load["p50_ms"],
        "p99_ms": load["p99_ms"],
        "bytes_per_span": round(stored_bytes / max(persisted, 1)),
    }


def realistic(args: Any) -> dict[str, Any]:
    """`--realistic`: each database and span count against the ceiling measured around them."""
    tools = Path(args.realistic)
    ceiling_command = [sys.executable, str(tools / "ingest_limit.py")]
    ceilings = [run_json(ceiling_command)["spans_per_s"]]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("sqlite", "postgresql"):
            if args.database not in (name, "both"):
                continue
            for spans in args.spans:
                home = Path(scratch) / f"{name}-{spans}"
                if name == "sqlite":
                    results[f"{name}_{spans}"] = realistic_run(tools, None, home, spans, args)
                    continue
                with fresh_postgres() as url:
                    results[f"{name}_{spans}"] = realistic_run(tools, url, home, spans, args)
    ceilings.append(run_json(ceiling_command)["spans_per_s"])
    ceiling = sum(ceilings) / len(ceilings)
    for figures in results.values():
        figures["share_of_ceiling"] = round(figures["persisted_spans_per_s"] / ceiling, 3)
    return {"ceiling_spans_per_s": {"before": ceilings[0], "after": ceilings[1]}, **results}


def realistic_bodies(tools: Path, spans: int, batch: int) -> list[bytes]:
    """Return otlp_load.py's export bodies for `spans` spans (its traces, seed 1)."""
    sys.path.insert(0, str(tools))
    from otlp_load import kv, trace_spans  # type: ignore[import-not-found]

    rng, made = random.Random(1), []
    while len(made) < spans:
        made += trace_spans(rng, time.time_ns())
    resource = {"attributes": [kv("service.name", "load-agent")]}
    return [
        ExportTraceServiceRequest(
            resource_spans=[
                ResourceSpans(
                    resource=resource,
                    scope_spans=[ScopeSpans(scope={"name": "load"}, spans=made[i : i + batch])],
                )
            ]
        ).SerializeToString()
        for i in range(0, len(made), batch)
    ]


def profile_store_export(args: Any) -> dict[str, Any]:
    """`--profile`: CPU per span of store_export in this process, then its cProfile top lines."""
    import cProfile
    import io
    import pstats

    from keel.core.pricing import load_prices
    from keel.ingest.otlp import PROTOBUF
    from keel.ingest.traces import store_export
    from keel.store.migrate import upgrade

    bodies = realistic_bodies(Path(args.profile), args.spans[0], args.batch)
    spans = ExportTraceServiceRequest.FromString(bodies[0]).resource_spans[0].scope_spans[0].spans
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/profile.db"
        upgrade(url)
        database, prices = Database(url), load_prices()
        store_export(database, bodies[0], PROTOBUF, prices)  # warm-up: caches, first queries
        half = len(bodies) // 2
        started = time.process_time()
        for body in bodies[1 : half + 1]:
            store_export(database, body, PROTOBUF, prices)
        unprofiled_s = time.process_time() - started
        profiler = cProfile.Profile()
        profiler.enable()
        for body in bodies[half + 1 :]:
            store_export(database, body, PROTOBUF, prices)
        profiler.disable()
        database.dispose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return {
        "spans_per_request": len(spans),
        "cpu_us_per_span_unprofiled": round(1e6 * unprofiled_s / (half * args.batch), 1),
        "top_by_own_time": lines[first:],
    }


def _export_bodies(tools: Path, batch: int, seed: int = 1) -> Iterator[bytes]:
    """Yield otlp_load.py's export bodies of `batch` spans, endlessly (its traces, `seed`)."""
    sys.path.insert(0, str(tools))
    from otlp_load import kv, trace_spans  # type: ignore[import-not-found]

    rng, pending = random.Random(seed), []
    resource = {"attributes": [kv("service.name", "load-agent")]}
    while True:
        while len(pending) < batch:
            pending += trace_spans(rng, time.time_ns())
        spans, pending = pending[:batch], pending[batch:]
        scope = ScopeSpans(scope={"name": "load"}, spans=spans)
        yield ExportTraceServiceRequest(
            resource_spans=[ResourceSpans(resource=resource, scope_spans=[scope])]
        ).SerializeToString()


@contextmanager
def growth_database(database: str, scratch: str) -> Iterator[str]:
    """A fresh, migrated database for `--growth`: a SQLite file, or a new PostgreSQL one."""
    from keel.store.migrate import upgrade

    if database == "postgresql":
        with fresh_postgres() as url:
            upgrade(url)
            yield url
        return
    Path(scratch).mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{scratch}/growth.db"
    upgrade(url)
    yield url


def top_lines(profiler: Any, top: int) -> list[str]:
    """Return cProfile's `top` functions by own time, from its header line on."""
    import io
    import pstats

    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return lines[first:]


def growth(args: Any) -> dict[str, Any]:
    """`--growth`: CPU and wall time per span of exports into databases of different sizes.

    One database per `--spans` count, filled to `--window / 2` spans short of it; then the
    databases take one export each in turn until each has grown by `--window`, so every
    count is measured around itself and over the same minutes: the machine's load, which
    drifts, weighs on each alike. The smallest and largest are then profiled (4 exports)."""
    import cProfile

    from keel.core.pricing import load_prices
    from keel.ingest.otlp import PROTOBUF
    from keel.ingest.traces import store_export

    marks, prices = sorted(args.spans), load_prices()
    name = "postgresql" if args.database == "postgresql" else "sqlite"
    bodies = _export_bodies(Path(args.growth), args.batch)
    cpu, wall = dict.fromkeys(marks, 0.0), dict.fromkeys(marks, 0.0)
    figures: dict[str, Any] = {"database": name, "load_average": [os.getloadavg()[0]]}
    with ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory())
        databases = {}
        for mark in marks:
            url = stack.enter_context(growth_database(name, f"{scratch}/{mark}"))
            databases[mark] = database = Database(url)
            stack.callback(database.dispose)
            for _ in range(max(0, mark - args.window // 2) // args.batch):  # fill, unmeasured
                store_export(database, next(bodies), PROTOBUF, prices)
        if name == "postgresql" and not args.no_analyze:
            # As autovacuum does a minute into a real database: without statistics the
            # planner reads the policy check's `run_id IN (...)` lookups as table scans.
            for url in [database.url for database in databases.values()]:
                with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
                    connection.execute("ANALYZE")
        figures["load_average"].append(os.getloadavg()[0])
        rounds = max(1, args.window // args.batch)
        for _ in range(rounds):
            for mark, database in databases.items():
                body = next(bodies)
                began_cpu, began = time.process_time(), time.perf_counter()
                store_export(database, body, PROTOBUF, prices)
                cpu[mark] += time.process_time() - began_cpu
                wall[mark] += time.perf_counter() - began
        figures["load_average"].append(os.getloadavg()[0])
        for mark, database in databases.items():
            spans = rounds * args.batch
            figures[str(mark)] = {
                "spans_stored_after": stored_events(database),
                "spans_measured": spans,
                "cpu_us_per_span": round(1e6 * cpu[mark] / spans, 1),
                "wall_us_per_span": round(1e6 * wall[mark] / spans, 1),
            }
            if mark in (marks[0], marks[-1]) and args.top:
                profiler = cProfile.Profile()
                for body in [next(bodies) for _ in range(4)]:
                    profiler.runcall(store_export, database, body, PROTOBUF, prices)
                figures[str(mark)]["profile_top_by_own_time"] = top_lines(profiler, args.top)
    figures["load_average"] = [round(load, 2) for load in figures["load_average"]]
    first, last = figures[str(marks[0])], figures[str(marks[-1])]
    for unit in ("cpu", "wall"):
        ratio = last[f"{unit}_us_per_span"] / first[f"{unit}_us_per_span"]
        figures[f"{unit}_ratio_last_to_first"] = round(ratio, 3)
    return figures


def pg_write(args: Any) -> dict[str, Any]:
    """`--pg-write`: PostgreSQL's bulk insert forms (keel.store.bulk.POSTGRES_INSERTS) against
    each other in one run and one database: the same exports, prepared beforehand, stored with
    each form in turn (ABAB, so the machine's load drifts over both alike). Reports the wall time
    of the inserts themselves and of the whole `store_prepared` per span."""
    from keel.core.pricing import load_prices
    from keel.ingest.otlp import PROTOBUF
    from keel.ingest.traces import prepare_export, store_prepared
    from keel.store import bulk

    forms = list(bulk.POSTGRES_INSERTS)
    inner = dict(bulk.POSTGRES_INSERTS)
    spent = {form: 0.0 for form in forms}
    cpu = {form: 0.0 for form in forms}

    def timed(form: str) -> Callable[..., list[Any]]:
        def insert(*call: Any) -> list[Any]:
            began, began_cpu = time.perf_counter(), time.process_time()
            try:
                return inner[form](*call)
            finally:
                spent[form] += time.perf_counter() - began
                cpu[form] += time.process_time() - began_cpu

        return insert

    prices, bodies = load_prices(), _export_bodies(Path(args.pg_write), args.batch)
    rounds = max(1, args.spans[0] // (args.batch * len(forms)))
    total = {form: 0.0 for form in forms}
    with tempfile.TemporaryDirectory() as scratch, growth_database("postgresql", scratch) as url:
        database = Database(url)
        store_prepared(database, prepare_export(next(bodies), PROTOBUF, prices))  # warm-up
        bulk.POSTGRES_INSERTS = {form: timed(form) for form in forms}
        try:
            for round_no in range(rounds):
                for form in forms if round_no % 2 == 0 else forms[::-1]:
                    prepared = prepare_export(next(bodies), PROTOBUF, prices)
                    bulk.POSTGRES_INSERT = form
                    began = time.perf_counter()
                    store_prepared(database, prepared)
                    total[form] += time.perf_counter() - began
        finally:
            bulk.POSTGRES_INSERTS, bulk.POSTGRES_INSERT = inner, "unnest"
        stored = stored_events(database)
        database.dispose()
    spans = rounds * args.batch
    figures: dict[str, Any] = {"spans_per_form": spans, "events_stored": stored}
    for form in forms:
        figures[form] = {
            "insert_wall_us_per_span": round(1e6 * spent[form] / spans, 1),
            # This process's share of it: the rest is PostgreSQL's, and waiting for a core.
            "insert_client_cpu_us_per_span": round(1e6 * cpu[form] / spans, 1),
            "store_wall_us_per_span": round(1e6 * total[form] / spans, 1),
        }
    first, *others = forms
    for form in others:
        figures[f"insert_ratio_{form}_to_{first}"] = round(spent[form] / spent[first], 3)
        figures[f"store_ratio_{form}_to_{first}"] = round(total[form] / total[first], 3)
    return figures


def main() -> None:
    """Parse arguments, run the chosen databases, print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--batch", type=int, default=512, help="spans per OTLP request")
    parser.add_argument("--runs-per-request", type=int, default=50, help="runs per native batch")
    parser.add_argument("--realistic", metavar="DIR", help="dir of otlp_load.py, ingest_limit.py")
    parser.add_argument("--spans", type=int, nargs="+", default=[20000], help="with --realistic")
    parser.add_argument("--profile", metavar="DIR", help="dir of otlp_load.py: profile in-process")
    parser.add_argument("--top", type=int, default=20, help="functions shown by --profile")
    parser.add_argument("--growth", metavar="DIR", help="dir of otlp_load.py: slowdown in-process")
    parser.add_argument("--pg-write", metavar="DIR", help="dir of otlp_load.py: bulk forms")
    parser.add_argument("--no-analyze", action="store_true", help="--growth on PostgreSQL")
    parser.add_argument("--window", type=int, default=10240, help="spans per --growth mark")
    args = parser.parse_args()
    load_at_start = round(os.getloadavg()[0], 2)
    if args.pg_write:
        results = pg_write(args)
    elif args.growth:
        results = growth(args)
    elif args.profile:
        results = profile_store_export(args)
    elif args.realistic:
        results = realistic(args)
    else:
        results = stage_and_phase_results(args)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # Other work on the machine slows every figure but the per-CPU-second ones.
            "load_average_at_start": load_at_start,
            "load_average_at_end": round(os.getloadavg()[0], 2),
        },
        "settings": {
            "seconds": args.seconds,
            "clients": args.clients,
            "spans_per_otlp_request": args.batch,
            "runs_per_native_request": args.runs_per_request,
            "realistic_spans": args.spans if args.realistic else None,
        },
        "results": results,
    }
    print(json.dumps(report, indent=2))


def stage_and_phase_results(args: Any) -> dict[str, Any]:
    """The stage bench and the timed OTLP and native phases on the chosen databases."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        results["pipeline_cpu_per_span_sqlite"] = pipeline_cpu(args, Path(scratch))
        if args.database in ("sqlite", "both"):
            results["sqlite"] = bench_database(None, Path(scratch) / "sqlite", args)
        if args.database in ("postgresql", "both"):
            with fresh_postgres() as url:
                results["postgresql"] = bench_database(url, Path(scratch) / "pg", args)
    return results


if __name__ == "__main__":
    main()
