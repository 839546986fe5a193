"""Audit log cost: appends/s (one and four writers), verify entries/s, and what governance adds
to ingesting a batch of runs (audit + tool-policy check in the same transaction).

    python bench/audit.py [--database sqlite|postgresql|both] [--entries 5000] [--runs 2000]

Prints JSON per database. The governance overhead is a ratio measured in the same run: batches
stored with `store.writes.write_runs` alone, then followed by `govern.intake.after_ingest`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from keel.core.records import RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.govern import audit
from keel.govern.intake import after_ingest
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.models import utcnow
from keel.store.writes import write_runs

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH_RUNS = 100


@contextmanager
def database_at(kind: str) -> Iterator[Database]:
    """Yield a fresh, migrated database of `kind`, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as scratch:
            url = f"sqlite:///{Path(scratch) / 'bench.db'}"
            upgrade(url)
            database = Database(url)
            yield database
            database.dispose()
        return
    name = f"keel_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        database = Database(url)
        yield database
        database.dispose()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def appends_per_s(url: str, writers: int, per_writer: int) -> float:
    """Return audit entries appended per second by `writers` threads, one per transaction."""
    barrier = threading.Barrier(writers + 1)

    def write(index: int) -> None:
        own = Database(url)
        barrier.wait()
        for i in range(per_writer):
            with own.write() as session:
                audit.append(session, "bench.appended", f"bench:{index}-{i}", "bench", {"i": i})
        own.dispose()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return writers * per_writer / (time.perf_counter() - started)


def batches(prefix: str, n_runs: int) -> list[list[RunRecord]]:
    """Return support runs with three tool calls each (one not allowed), in batches."""
    runs = [
        RunRecord(
            f"{prefix}-{i}",
            "support",
            utcnow(),
            loop_depth=2,
            tool_calls=[
                ToolCallRecord(tool, "0" * 64, '{"q":"x"}', seq=s)
                for s, tool in enumerate(["knowledge.search", "account.lookup", "db.query"])
            ],
        )
        for i in range(n_runs)
    ]
    return [runs[i : i + BATCH_RUNS] for i in range(0, n_runs, BATCH_RUNS)]


def runs_per_s(database: Database, n_runs: int, governed: bool) -> float:
    """Return runs stored per second, with or without governance's part of ingestion."""
    started = time.perf_counter()
    for batch in batches(f"{'g' if governed else 'p'}{uuid.uuid4().hex[:6]}", n_runs):
        with database.write() as session:
            counts = write_runs(session, seal_runs(batch))
            if governed:
                after_ingest(session, counts, "bench", "bench")
    return n_runs / (time.perf_counter() - started)


def measure(kind: str, entries: int, n_runs: int) -> dict[str, Any]:
    """Return every figure for one database."""
    with database_at(kind) as database:
        one = appends_per_s(database.url, 1, entries)
        four = appends_per_s(database.url, 4, entries // 4)
        with database.read() as session:
            started = time.perf_counter()
            result = audit.verify(session)
            verify_s = time.perf_counter() - started
        plain = runs_per_s(database, n_runs, governed=False)
        governed = runs_per_s(database, n_runs, governed=True)
    return {
        "database": kind,
        "append_per_s_1_writer": round(one),
        "append_per_s_4_writers": round(four),
        "verify_entries": result.checked,
        "verify_ok": result.ok,
        "verify_entries_per_s": round(result.checked / verify_s),
        "ingest_runs_per_s_plain": round(plain),
        "ingest_runs_per_s_governed": round(governed),
        "governed_over_plain": round(governed / plain, 3),
        "batch_runs": BATCH_RUNS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--entries", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    print(json.dumps([measure(kind, args.entries, args.runs) for kind in kinds], indent=2))


if __name__ == "__main__":
    main()
