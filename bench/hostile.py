"""Hostile-user bench of issue 17's promises, on SQLite and PostgreSQL. Prints JSON.

    python bench/hostile.py [--database sqlite|postgresql|both] [--quick]

Per database, against keel served on 127.0.0.1:
1. secrets: the redaction corpus (tests/data/redaction_corpus.json) goes in through every
   ingest path — the SDK (over HTTP and in-process), `runs:batch`, OTLP (protobuf and JSON) and
   the MCP proxy — in errors, metrics, inputs, outputs, payloads, tool arguments and results;
   then the raw database is scanned for every secret: the SQLite file and its WAL byte by
   byte, PostgreSQL as `pg_dump` writes it. `found_in_clear` must be 0.
2. JSON arguments: every stored tool-call preview that is not cut (`…`) must parse as JSON.
3. hostile inputs: bench/hostile_cases.py (>= 100 cases); no answer may be a 5xx and no good
   run or span sent alongside a bad one may be lost.
4. the CPU a 4 MB answer costs inside the write transaction (this thread's CPU time).
5. the SQL guard: how long 2,500 nested parentheses and a runaway join take to be refused.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from google.protobuf import json_format
from hostile_cases import Case, all_cases  # a sibling script: bench/ is on sys.path
from mcp import ClientSession, StdioServerParameters, stdio_client
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from sqlalchemy import select

import keel
from keel.core.records import RunRecord
from keel.core.settings import Settings
from keel.ingest.storing import seal_runs, store_runs
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.models import Event, ToolCall
from keel.web.app import create_app

REPO = Path(__file__).resolve().parents[1]
CORPUS = json.loads((REPO / "tests" / "data" / "redaction_corpus.json").read_text())
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
#: A 4 MB support answer is made of these, dates, amounts and form numbers included.
ANSWER_WORDS = "the account balance is 1099 on 2024-01-15 wire fee 12.50 card form".split()  # noqa: SIM905
ECHO_SERVER = """
from mcp.server.mcpserver import MCPServer
server = MCPServer("echo")

@server.tool()
def echo(text: str, card: int = 0) -> str:
    return f"you said {text}"

@server.tool()
def fail(text: str) -> str:
    raise ValueError(f"could not use {text}")

if __name__ == "__main__":
    server.run()
"""


def secret_texts() -> list[str]:
    return [case["text"] for case in CORPUS["secrets"]]


def needles() -> list[str]:
    found = [needle for case in CORPUS["secrets"] for needle in case["needles"]]
    return found + [needle for case in CORPUS["keyed"] for needle in case["needles"]]


@contextmanager
def database_for(kind: str, home: Path) -> Iterator[tuple[str, Path | None, str | None]]:
    """Yield (url, SQLite file or None, PostgreSQL database name or None), migrated."""
    if kind == "sqlite":
        path = home / "keel.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url, path, None
        return
    name = f"keel_hostile_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    try:
        yield url, None, name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def served(settings: Settings, database: Database) -> Iterator[str]:
    """Serve keel in a thread on a free 127.0.0.1 port; yield its URL."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings, database), port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def via_sdk(texts: list[str], label: str) -> None:
    """Record one run per secret with the SDK: inputs, LLM prompt, tool call, output, error."""
    for index, text in enumerate(texts):
        try:
            with keel.trace_run("hostile-sdk", inputs={"ticket": text}) as run:
                run.llm_call(prompt=text, completion=text, input_tokens=3, output_tokens=2)
                run.tool_call(
                    "pay", args={"note": text, "card": 4532777777777774}, result={"r": text}
                )
                run.tool_call("fail", args={"n": index}, error=RuntimeError(text))
                run.event("note", payload={"text": text, **CORPUS["keyed"][index % 6]["value"]})
                run.set_output({"answer": text})
                raise ValueError(f"{label} failed: {text}")
        except ValueError:
            pass


def via_batch(url: str, texts: list[str]) -> int:
    runs = []
    for index, text in enumerate(texts):
        keyed = CORPUS["keyed"][index % len(CORPUS["keyed"])]["value"]
        runs.append(
            {
                "run_id": f"batch-secret-{index}",
                "workflow_type": "hostile-batch",
                "error": text,
                "inputs": {"text": text, **keyed},
                "output": {"answer": text},
                "metrics": {"note": text, "keyed": keyed},
                "events": [{"seq": 0, "event_type": "llm", "payload": {"prompt": text}}],
                "tool_calls": [
                    {"seq": 0, "tool_name": "pay", "args": {"note": text, **keyed}, "error": text},
                    {
                        "seq": 1,
                        "tool_name": "echo",
                        "args_preview": json.dumps({"n": text}),
                        "result_meta": {"preview": text},
                    },
                ],
            }
        )
    return httpx.post(f"{url}/api/v1/runs:batch", json={"runs": runs}, timeout=60).status_code


def _kv(key: str, text: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=text))


def otlp_export(texts: list[str], prefix: int) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    resource = request.resource_spans.add()
    resource.resource.attributes.append(_kv("service.name", "hostile-otlp"))
    scope = resource.scope_spans.add()
    for index, text in enumerate(texts):
        trace_id = bytes([prefix, 1]) + index.to_bytes(14, "big")
        llm = scope.spans.add(
            trace_id=trace_id, span_id=bytes([prefix, 2]) + index.to_bytes(6, "big")
        )
        llm.name, llm.start_time_unix_nano, llm.end_time_unix_nano = "chat", 1, 2
        messages = json.dumps([{"role": "user", "content": text}])
        llm.attributes.extend([_kv("gen_ai.operation.name", "chat"), _kv("note", text)])
        llm.attributes.append(_kv("gen_ai.input.messages", messages))
        llm.status.code, llm.status.message = 2, text
        llm.events.add(name="exception").attributes.append(_kv("exception.message", text))
        tool = scope.spans.add(
            trace_id=trace_id, span_id=bytes([prefix, 3]) + index.to_bytes(6, "big")
        )
        tool.name, tool.start_time_unix_nano, tool.end_time_unix_nano = "execute_tool pay", 2, 3
        tool.parent_span_id = llm.span_id
        tool.attributes.extend([_kv("gen_ai.operation.name", "execute_tool")])
        tool.attributes.append(_kv("gen_ai.tool.call.arguments", json.dumps({"note": text})))
        tool.attributes.append(_kv("gen_ai.tool.call.result", text))
    return request


def via_otlp(url: str, texts: list[str]) -> list[int]:
    binary = otlp_export(texts, 0xA1).SerializeToString()
    as_json = json_format.MessageToDict(otlp_export(texts, 0xB2))
    for resource in as_json["resourceSpans"]:  # OTLP/JSON ids are hex
        for scope in resource["scopeSpans"]:
            for span in scope["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    return [
        httpx.post(
            f"{url}/v1/traces", content=binary, headers={"content-type": "application/x-protobuf"}
        ).status_code,
        httpx.post(f"{url}/v1/traces", json=as_json).status_code,
    ]


def via_proxy(database_url: str, home: Path, texts: list[str]) -> None:
    script = home / "echo_server.py"
    script.write_text(ECHO_SERVER)
    env = {**os.environ, "KEEL_DATABASE_URL": database_url, "KEEL_HOME": str(home)}
    env["PYTHONPATH"] = str(REPO / "src")
    argv = [sys.executable, "-m", "keel.cli.mcp", "proxy", "--run-id", "hostile-mcp", "--"]
    argv += [sys.executable, str(script)]

    async def session_calls() -> None:
        params = StdioServerParameters(command=argv[0], args=argv[1:], env=env)
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            for text in texts:
                await session.call_tool("echo", {"text": text, "card": 4532777777777774})
                await session.call_tool("fail", {"text": text})

    asyncio.run(session_calls())


def scan(sqlite_file: Path | None, pg_name: str | None) -> dict[str, Any]:
    """Return which secrets the raw database holds in clear, and how much was scanned."""
    if sqlite_file is not None:
        raw = b"".join(p.read_bytes() for p in sqlite_file.parent.glob(sqlite_file.name + "*"))
    else:
        dump = subprocess.run(
            ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", pg_name or ""],
            capture_output=True,
            check=True,
        )
        raw = dump.stdout
    found = sorted({needle for needle in needles() if needle.encode() in raw})
    return {"secrets": len(needles()), "bytes_scanned": len(raw), "found_in_clear": found}


def stored_runs(database: Database) -> dict[str, int]:
    """Return how many runs each path stored (proof the corpus arrived before the scan)."""
    from sqlalchemy import func

    from keel.store.models import Run

    with database.read() as session:
        rows = session.execute(select(Run.workflow_type, func.count()).group_by(Run.workflow_type))
        return dict(sorted((name, count) for name, count in rows))


def json_arguments(database: Database) -> dict[str, int]:
    with database.read() as session:
        previews = session.scalars(select(ToolCall.args_preview)).all()
    whole = [p for p in previews if p and not p.endswith("…")]
    bad = 0
    for preview in whole:
        try:
            json.loads(preview)
        except ValueError:
            bad += 1
    return {"checked": len(whole), "unparseable": bad}


def send(url: str, case: Case) -> httpx.Response:
    return httpx.request(
        case.method, f"{url}{case.path}", headers=case.headers, content=case.body, timeout=120
    )


def stored(database: Database, companion: str) -> bool:
    from keel.store.runs import run_detail

    with database.read() as session:
        if run_detail(session, companion) is not None:
            return True
        return session.scalar(select(Event.id).where(Event.span_id == companion)) is not None


def resend_without_bad_run(url: str, case: Case, answer: httpx.Response) -> httpx.Response | None:
    """Re-send a refused batch without its bad run (runs[0]) when the error names it, as
    keel's SDK does; None when the error does not say which run was bad."""
    field = (answer.json().get("error") or {}).get("field") or ""
    if not field.startswith("runs[0]") or case.resend is None:
        return None
    return httpx.post(f"{url}{case.path}", content=case.resend, headers=case.headers, timeout=60)


def hostile_table(url: str, database: Database, quick: bool) -> dict[str, Any]:
    cases = all_cases()[:: 4 if quick else 1]
    statuses: dict[str, int] = {}
    server_errors, lost = [], []
    for case in cases:
        answer = send(url, case)
        statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
        if answer.status_code >= 500:
            server_errors.append(case.name)
            continue
        if case.companion is None:
            continue
        if answer.status_code == 422 and case.path.endswith("runs:batch"):
            again = resend_without_bad_run(url, case, answer)
            if again is None or again.status_code >= 300:
                lost.append(case.name)
                continue
        if not stored(database, case.companion):
            lost.append(case.name)
    return {
        "cases": len(cases),
        "server_errors": server_errors,
        "statuses": dict(sorted(statuses.items())),
        "companions_sent": sum(1 for c in cases if c.companion),
        "companions_lost": lost,
    }


def answer_cpu_s(database: Database) -> dict[str, float]:
    """CPU seconds a 4 MB answer costs inside the write transaction (and sanitising before)."""
    words = ANSWER_WORDS
    text = " ".join(words[i % len(words)] for i in range(700_000))[:4_000_000]
    record = RunRecord("cpu-4mb", "hostile", created_at=datetime.now(UTC))
    record.output = {"answer": text}
    started = time.thread_time()
    sealed = seal_runs([record])
    sanitised = time.thread_time()
    with database.write() as session:
        store_runs(session, sealed, "bench", "bench")
    return {
        "sanitise_before_tx_s": round(sanitised - started, 3),
        "inside_write_tx_s": round(time.thread_time() - sanitised, 3),
    }


def sql_guard_s(home: Path) -> dict[str, float | str]:
    """Seconds until 2,500 nested parentheses, and a runaway join, are refused (2 s limit)."""
    from keel.core.errors import KeelError
    from keel.reference.fintech_mcp.tools import ToolLimits, query_bank

    bank = home / "bank.db"
    with closing(sqlite3.connect(bank)) as connection, connection:
        connection.execute("CREATE TABLE transactions (txn_id TEXT, amount_usd REAL)")
        connection.executemany(
            "INSERT INTO transactions VALUES (?, ?)", [(str(n), n) for n in range(300)]
        )
        connection.execute("CREATE TABLE customers (customer_id TEXT)")
        connection.execute("CREATE TABLE accounts (account_id TEXT)")
    out: dict[str, float | str] = {}
    queries = {
        "nested_2500": "SELECT " + "(" * 2500 + "1" + ")" * 2500 + " FROM customers",
        "runaway_join": "SELECT count(*) FROM transactions a, transactions b, transactions c, "
        "transactions d WHERE a.amount_usd + b.amount_usd + c.amount_usd + d.amount_usd < 0",
    }
    for name, sql in queries.items():
        started = time.perf_counter()
        try:
            query_bank(bank, sql, ToolLimits(query_timeout_s=2.0))
            out[name] = "answered"
        except KeelError as exc:
            out[f"{name}_refused_s"] = round(time.perf_counter() - started, 3)
            out[f"{name}_reason"] = exc.message[:80]
    return out


def bench(kind: str, quick: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database_for(kind, Path(tmp)) as (url, file, pg):
        home = Path(tmp)
        settings = Settings(home=home, database_url=url)
        database = Database(url)
        texts = secret_texts()
        try:
            with served(settings, database) as server:
                keel.configure(endpoint=server, flush_interval_s=0.05)
                via_sdk(texts, "sdk-http")
                keel.flush(30)
                keel.configure(endpoint="", database_url=url, flush_interval_s=0.05)
                via_sdk(texts, "sdk-store")
                keel.flush(30)
                keel.configure()
                paths = {"runs:batch": via_batch(server, texts), "otlp": via_otlp(server, texts)}
                via_proxy(url, home, texts)
                secrets = {"stored_runs": stored_runs(database), **scan(file, pg)}
                arguments = json_arguments(database)
                hostile = hostile_table(server, database, quick)
            cpu = answer_cpu_s(database)
        finally:
            database.dispose()
        return {
            "database": kind,
            "ingest_paths": paths,
            "redaction": secrets,
            "json_arguments": arguments,
            "hostile_inputs": hostile,
            "cpu_4mb_answer": cpu,
            "sql_guard": sql_guard_s(home),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="Every fourth hostile case only.")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(json.dumps([bench(kind, args.quick) for kind in kinds], indent=2))


if __name__ == "__main__":
    main()
