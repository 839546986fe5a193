"""Reliability profile speed: a profile of 100 tickets from scratch, and one read at 100k runs.

(Not `bench/profile.py`: bench/ is on sys.path when a script runs, and a `profile` module there
shadows the standard library's, which cProfile, and so torch, import.)

    python bench/reliability.py [--tickets 100] [--sample 100] [--samples 1]
                                [--runs 100000] [--database sqlite|postgresql|both]
                                [--skip-agent | --skip-scale] [--no-analyze]

1. *From scratch*: on a fresh KEEL_HOME, the support agent answers `--tickets` world tickets
   with the offline default (`keel run support`'s path: one MCP tool server), then the profile
   tops up replays of `--sample` of them (seed-only plus P1, P2, P3, `--samples` each) and
   reads itself, as `keel profile` does. Wall time of each phase.
2. *At scale*: `--runs` support runs bulk-loaded into a fresh database (3 tool calls each, a
   policy flag on one run in five, an expected outcome on every run, 1% of them replayed with
   two seed reruns and one replay of each perturbation; each row with what keel's write path
   derives: the config label and the profile's facts, keel.store.profile_facts), then the
   profile of all of them read from stored data as `keel profile` reads it, three times: the
   query, the profile's arithmetic with a 500-resample bootstrap, and the whole (target < 1 s),
   in wall time and in this process's CPU time (on PostgreSQL the server's own CPU is not
   counted). Baseline, in the same run: every run read whole and measured one item at a time,
   once; the two profiles must be equal (`same_profile_as_baseline`). PostgreSQL is read after
   ANALYZE, as autovacuum leaves it (`--no-analyze`: before any statistics).

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from ingest import fresh_postgres  # a sibling script: bench/ is on sys.path
from keel.core.settings import Settings
from keel.evaluate.contract import contract_for
from keel.evaluate.profile import profile
from keel.evaluate.profile_judging import run_facts
from keel.reports.profile import Selection, profile_runs, read_population
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.models import PolicyFlag, Replay, Run, ToolCall
from keel.store.profile_facts import no_facts
from keel.store.writes import config_label

CHUNK = 5_000
START = datetime(2026, 10, 1, tzinfo=UTC)
TOOLS = ("knowledge.search", "account.lookup", "knowledge.get")
CATEGORIES = ("TAX", "WITHDRAWAL", "TRANSFER", "SECURITY", "GENERAL")
REPLAY_KINDS = ("seed", "seed", "P1", "P2", "P3")


def _no_plugin(_workflow: str, _items: list[str]) -> dict[str, dict[str, Any]]:
    return {}  # every bench run carries its own expected outcome


def from_scratch(tickets: int, sample: int, samples: int) -> dict[str, Any]:
    """Answer `tickets` world tickets, replay `sample` of them, profile; return the timings."""
    from keel.models.embeddings import embedder
    from keel.reference.agents.support import SupportInputs, run_support
    from keel.reference.world import ensure_world
    from keel.replay.registry import replay_targets
    from keel.replay.topup import plan_top_up, run_top_up
    from keel.reports.profile import plugin_expected, read_profile

    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        url = f"sqlite:///{home / 'keel.db'}"
        upgrade(url)
        settings = Settings(home=home, database_url=url)
        database = Database(url)
        world = ensure_world(home)
        chosen = world.tickets()[:tickets]
        started = time.perf_counter()
        batch = [
            SupportInputs(ticket_text=t.text, ticket_id=t.ticket_id, customer_id=t.customer_id)
            for t in chosen
        ]
        run_support(batch, settings, database, config="bench")
        answered = time.perf_counter()
        filters = PopulationFilter("support", config="bench")
        plan = plan_top_up(database, filters, "ticket_id", sample, 10**6, samples)
        with replay_targets(database, settings) as targets:
            run_top_up(database, plan, samples, targets, embedder(settings.embedder))
        replayed = time.perf_counter()
        with database.read() as session:
            found = read_profile(session, Selection("bench", filters), plugin_expected(settings))
        done = time.perf_counter()
        database.dispose()
    return {
        "tickets": tickets,
        "replayed_tickets": len(plan.run_ids),
        "replays": plan.replays,
        "answer_s": round(answered - started, 1),
        "replay_s": round(replayed - answered, 1),
        "read_s": round(done - replayed, 2),
        "total_s": round(done - started, 1),
        "runs_profiled": found.runs,
        "metrics_measured": sum(m.value is not None for m in found.metrics),
    }


def _as_written(row: dict[str, Any]) -> dict[str, Any]:
    """Return the row with what keel's write path derives: the config label, profile facts."""
    facts = run_facts(
        contract_for(row["workflow_type"], row["inputs"]),
        row["inputs"],
        row["output"],
        row["metrics"],
    )
    return {
        **row,
        "config": config_label(row["metrics"]),
        **(facts.columns() if facts else no_facts()),
    }


def _run_row(rng: random.Random, index: int, parent: str | None = None) -> dict[str, Any]:
    category = rng.choice(CATEGORIES)
    tokens = rng.randint(800, 3_000)
    return {
        "run_id": f"{parent}-r{index}" if parent else f"bench-{index:07d}",
        "workflow_type": "support",
        "created_at": START + timedelta(seconds=index * 20),
        "model": "offline:grounded-sampler",
        "status": "COMPLETED",
        "source": "agent",
        "input_tokens": tokens,
        "output_tokens": tokens // 4,
        "total_tokens": tokens + tokens // 4,
        "cost_usd": tokens * 2e-7,
        "tool_count": len(TOOLS),
        "error_count": 0,
        "loop_depth": 0,
        "latency_ms": rng.lognormvariate(7, 0.4),
        "stability": None if parent else round(100 * rng.betavariate(6, 2), 1),
        "parent_run_id": parent,
        "inputs": {"ticket_id": f"T-{index:07d}"},
        "metrics": {} if parent else {"config": "bench", "expected": {"category": "TAX"}},
        "output": {"category": category, "needs_human_review": rng.random() < 0.3, "answer": "ok"},
    }


def _calls(run_id: str, created: datetime, rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "seq": seq,
            "tool_name": tool,
            "args_digest": "0" * 64,
            "args_preview": "{}",
            "started_at": created + timedelta(milliseconds=seq),
            "ended_at": created + timedelta(milliseconds=seq),
            "latency_ms": 12.0,
            "result_meta": {},
            "error": "timeout" if rng.random() < 0.02 else None,
        }
        for seq, tool in enumerate(TOOLS)
    ]


def load(database: Database, runs: int) -> dict[str, Any]:
    """Insert `runs` base runs (1% replayed 5 times) with tool calls and flags; time it."""
    rng = random.Random(1)
    started = time.perf_counter()
    replays_total = 0
    for first in range(0, runs, CHUNK):
        rows = [_run_row(rng, i) for i in range(first, min(first + CHUNK, runs))]
        replays: list[dict[str, Any]] = []
        for row in rows[::100]:
            for n, kind in enumerate(REPLAY_KINDS):
                child = _run_row(rng, n, parent=row["run_id"])
                child["inputs"] = row["inputs"]
                child["created_at"] = row["created_at"]
                rows_kind = {"replay_id": child["run_id"], "base_run_id": row["run_id"]}
                replays.append(
                    {
                        **rows_kind,
                        "perturbation_type": kind,
                        "replay_run_id": child["run_id"],
                        "sample": n,
                    }
                )
                rows.append(child)
        rows = [_as_written(row) for row in rows]
        calls = [c for row in rows for c in _calls(row["run_id"], row["created_at"], rng)]
        flags = [
            {
                "run_id": row["run_id"],
                "source": "content",
                "rule_id": rng.choice(("disclaimer.tax", "topic.tax", "prohibited.no_tax_claim")),
                "rule_version": "1",
                "category": "TAX",
                "severity": rng.choice(("info", "medium", "high")),
                "message": "",
                "evidence": {},
                "created_at": row["created_at"],
            }
            for row in rows[::5]
        ]
        with database.write() as session:
            session.execute(insert(Run), rows)
            session.execute(insert(ToolCall), calls)
            session.execute(insert(PolicyFlag), flags)
            session.execute(insert(Replay), replays)
        replays_total += len(replays)
    return {
        "runs": runs,
        "replay_runs": replays_total,
        "load_s": round(time.perf_counter() - started, 1),
    }


def _timed(read: Any, compute: Any) -> tuple[Any, dict[str, float]]:
    cpu = time.process_time()
    started = time.perf_counter()
    found = read()
    queried = time.perf_counter()
    result = compute(found)
    done = time.perf_counter()
    return result, {
        "query": queried - started,
        "compute": done - queried,
        "total": done - started,
        "cpu": time.process_time() - cpu,
    }


def _medians(timings: list[dict[str, float]]) -> dict[str, Any]:
    def median(key: str) -> float:
        return round(statistics.median(t[key] for t in timings), 3)

    return {
        "query_s_median": median("query"),
        "compute_s_median": median("compute"),
        "total_s_median": median("total"),
        "total_s_all": [round(t["total"], 3) for t in timings],
        # this process's CPU: what the profile costs when the machine's cores are shared
        "cpu_s_median": median("cpu"),
    }


def read_at_scale(url: str, runs: int, repeats: int = 3, analyze: bool = True) -> dict[str, Any]:
    """Load `runs` runs into the database at `url`; time reading their profile.

    The profile as `read_profile` reads it (lone runs as columns), `repeats` times, against
    the baseline in the same run: every run read whole and measured one item at a time
    (`profile_runs`, then `profile`), once; both must give the same profile.
    """
    upgrade(url)
    database = Database(url)
    filters = PopulationFilter("support", config="bench")
    try:
        loaded = load(database, runs)
        if analyze and database.dialect == "postgresql":
            # What autovacuum does a minute after a bulk load: without statistics the planner
            # does not hash the profile query's set lookups (docs/benchmarks.md).
            with database.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        fast: list[dict[str, float]] = []
        for _ in range(repeats):
            with database.read() as session:
                found, timing = _timed(
                    lambda session=session: read_population(session, filters, _no_plugin),
                    lambda p: profile(p.runs, "bench", samples=500, singles=p.singles),
                )
            fast.append(timing)
        with database.read() as session:
            lone_runs_from = read_population(session, filters, _no_plugin).lone_runs_from
            whole, baseline = _timed(
                lambda session=session: profile_runs(session, filters, _no_plugin),
                lambda r: profile(r, "bench", samples=500),
            )
    finally:
        database.dispose()
    summary = _medians(fast)
    return {
        **loaded,
        "runs_profiled": found.runs,
        "items": found.items,
        "lone_runs_from": lone_runs_from,
        **summary,
        "baseline_read_whole": _medians([baseline]),
        "same_profile_as_baseline": whole.as_dict() == found.as_dict(),
        "cpu_speedup": round(baseline["cpu"] / summary["cpu_s_median"], 1),
        "target_s": 1.0,
        "met": summary["total_s_median"] < 1.0,
    }


def main() -> None:
    """Parse arguments, measure, print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--sample", type=int, default=100, help="tickets replayed")
    parser.add_argument("--samples", type=int, default=1, help="replays per perturbation")
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--skip-agent", action="store_true", help="only the read at scale")
    parser.add_argument("--skip-scale", action="store_true", help="only the profile from scratch")
    parser.add_argument(
        "--no-analyze", action="store_true", help="PostgreSQL: read before ANALYZE has run"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {"load_at_start": round(os.getloadavg()[0], 2)}
    if not args.skip_agent:
        results["from_scratch"] = from_scratch(args.tickets, args.sample, args.samples)
    if not args.skip_scale and args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as scratch:
            results["sqlite"] = read_at_scale(f"sqlite:///{Path(scratch) / 'keel.db'}", args.runs)
    if not args.skip_scale and args.database in ("postgresql", "both"):
        with fresh_postgres() as url:
            results["postgresql"] = read_at_scale(url, args.runs, analyze=not args.no_analyze)
    results["load_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
