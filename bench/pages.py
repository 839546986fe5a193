"""Page speed at scale: p50/p95 server time of each dashboard page and its JSON twin.

The runs carry ticket text and answers drawn from a vocabulary (so search words range from
rare to common), a configuration label, and policy flags on about one run in eight, so the Runs
page's search, config, flag, severity and risk filters are timed on realistic selectivity.

    python bench/pages.py [--runs 100000] [--events-per-run 10] [--database sqlite|postgresql|both]
                          [--requests 40] [--visits 5] [--before-rev REV] [--first-visit-only]

Bulk-loads the runs (with their events and tool calls) straight into a fresh database, serves
keel on it in its own process (`python -m keel serve`) on 127.0.0.1, then requests every page
and its JSON twin `--requests` times after a warm-up. The time is the server's own, read from
the `Server-Timing` header when keel sends one, else the client-side latency on loopback.
Pages that do not exist yet (404) are reported as missing, not timed.

Then the Overview's first visit in real Chromium (first_visit.py): bytes transferred and time
to load the page with all its assets, cold (empty cache) and warm (the same browser again),
`--visits` times each. `--before-rev REV` also serves keel's `src/keel` as it was at git
revision REV on the same database and measures it the same way ("before"; a revision before
the compressed assets needs the `plotly` Python package, which served its bundle).
`--first-visit-only` skips the per-page timings. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from first_visit import chromium, measure_visits, old_keel  # a sibling script, as ingest is
from sqlalchemy import insert

from ingest import fresh_postgres, keel_server  # a sibling script: bench/ is on sys.path
from keel.evaluate.generation import Generation, ToolStep
from keel.evaluate.stability import stability
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.models import Event, PolicyFlag, Replay, ReplaySet, Run, RunText, ToolCall
from keel.store.search import search_body

CHUNK = 5_000
START = datetime(2026, 10, 1, tzinfo=UTC)
TOOLS = ("knowledge.search", "account.lookup", "transactions.list", "db.query")
STEPS = ("planner", "draft", "critic", "final")
CONFIGS = ("baseline-v1", "candidate-v2", "candidate-v3")
# Ticket subjects by weight: "chargeback" is in about 1% of tickets, "account" in most.
SUBJECTS = (
    (40, "my account shows a wire transfer that was delayed"),
    (25, "which tax form reports the early withdrawal fee on my account"),
    (20, "my card was declined at the store and my account is locked"),
    (14, "how do I close my savings account and move the balance"),
    (1, "I want to open a chargeback for a duplicate payment"),
)
ANSWERS = (
    "Wires sent before 4 pm Eastern arrive the same business day.",
    "The fee is reported on Form 1099-R; this is not tax advice.",
    "We unlocked your card; try the purchase again.",
    "You can close the account online once the balance is moved.",
)
FLAG_RULES = (
    ("disclaimer.tax", "medium"),
    ("prohibited.no_tax_owed", "high"),
    ("security.asks_pin", "critical"),
    ("topic.tax", "low"),
)


def _run_row(rng: random.Random, index: int) -> dict[str, Any]:
    workflow = rng.choices(("support", "sql", "otel"), weights=(6, 2, 2))[0]
    stability = None if rng.random() < 0.3 else round(100 * rng.betavariate(6, 2), 1)
    status = "UNSTABLE" if stability is not None and stability < 70 else "COMPLETED"
    tokens = rng.randint(200, 4_000)
    return {
        "run_id": f"bench-{index:07d}",
        "workflow_type": workflow,
        "created_at": START + timedelta(seconds=index * 24),
        "model": rng.choice(("offline:grounded-sampler", "openai:gpt-4o-mini", "openai:gpt-4o")),
        "status": rng.choice(("FAILED", status)) if rng.random() < 0.03 else status,
        "source": "bench",
        "input_tokens": tokens,
        "output_tokens": tokens // 4,
        "total_tokens": tokens + tokens // 4,
        "cost_usd": tokens * 2e-7,
        "tool_count": 3,
        "error_count": 0,
        "loop_depth": rng.choice((0, 0, 0, 1, 2)),
        "latency_ms": rng.lognormvariate(7, 0.4),
        "stability": stability,
        "risk": None if stability is None else round(rng.random() * 100, 1),
        "inputs": {"ticket": _ticket(rng, index)},
        "metrics": {"config": CONFIGS[index % len(CONFIGS)]},
        "config": CONFIGS[index % len(CONFIGS)],
        "output": {
            "category": rng.choice(("TAX", "WITHDRAWAL", "TRANSFER")),
            "answer": rng.choice(ANSWERS),
        },
    }


def _ticket(rng: random.Random, index: int) -> str:
    weights = [weight for weight, _ in SUBJECTS]
    subject = rng.choices([text for _, text in SUBJECTS], weights=weights)[0]
    return f"Ticket {index}: {subject}, please help."


def _flags(rng: random.Random, run_id: str) -> list[dict[str, Any]]:
    """Return the policy flags of one run: none for most, one or two for one in eight."""
    if rng.random() >= 0.125:
        return []
    chosen = rng.sample(FLAG_RULES, rng.choice((1, 1, 2)))
    return [
        {
            "run_id": run_id,
            "source": "content",
            "rule_id": rule,
            "rule_version": "1",
            "category": "TAX",
            "severity": severity,
            "message": "",
            "evidence": {},
            "created_at": START,
        }
        for rule, severity in chosen
    ]


def _texts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the searchable text of each run, as `write_runs` stores it."""
    return [{"run_id": r["run_id"], "body": search_body(r["inputs"], r["output"])} for r in rows]


def _children(run_id: str, created: datetime, events: int) -> tuple[list[dict], list[dict]]:
    rows = []
    for seq in range(events):
        moment = created + timedelta(milliseconds=150 * seq)
        rows.append(
            {
                "run_id": run_id,
                "seq": seq,
                "event_type": "llm" if seq % 3 == 0 else "step",
                "name": STEPS[seq % len(STEPS)],
                "started_at": moment,
                "ended_at": moment + timedelta(milliseconds=120),
                "model": None,
                "input_tokens": 40,
                "output_tokens": 10,
                "cost_usd": 0.0,
                "status": "OK",
                "payload": {"step": seq},
            }
        )
    calls = [
        {
            "run_id": run_id,
            "seq": seq,
            "tool_name": TOOLS[seq],
            "args_digest": "0" * 64,
            "args_preview": '{"query":"bench"}',
            "started_at": created,
            "ended_at": created,
            "latency_ms": 12.0,
            "result_meta": {"size": 300},
            "error": None,
        }
        for seq in range(3)
    ]
    return rows, calls


def load(database: Database, runs: int, events_per_run: int) -> float:
    """Insert `runs` runs with their events and tool calls; return the seconds it took."""
    rng = random.Random(1)
    started = time.perf_counter()
    for first in range(0, runs, CHUNK):
        run_rows = [_run_row(rng, i) for i in range(first, min(first + CHUNK, runs))]
        events, calls, flags = [], [], []
        for row in run_rows:
            flags += _flags(rng, row["run_id"])
            more_events, more_calls = _children(row["run_id"], row["created_at"], events_per_run)
            events += more_events
            calls += more_calls
        with database.write() as session:
            session.execute(insert(Run), run_rows)
            session.execute(insert(RunText), _texts(run_rows))
            session.execute(insert(Event), events)
            session.execute(insert(ToolCall), calls)
            if flags:
                session.execute(insert(PolicyFlag), flags)
    return time.perf_counter() - started


def add_replay_set(database: Database, runs: int, replays: int = 6) -> str:
    """Replay the middle run `replays` times (rows as the engine writes them); return the set id.

    The replays' answers differ in wording and category, so the page has a real heatmap, field
    variance and stability breakdown to draw; the result is keel's own stability of them.
    """
    rng = random.Random(2)
    base = _run_row(rng, runs // 2)
    set_id = "rs-bench"
    rows, generations = [], [Generation("base", base["output"])]
    for sample in range(replays):
        kind = ("P1", "P2", "P3")[sample % 3]
        row = {
            **_run_row(rng, runs + sample),
            "run_id": f"{set_id}-{kind}-{sample}",
            "parent_run_id": base["run_id"],
            "workflow_type": base["workflow_type"],
        }
        row["output"] = {
            "category": rng.choice(("TAX", "TRANSFER")),
            "answer": f"Answer {sample}: forms are filed {rng.choice(('yearly', 'at once'))}.",
        }
        rows.append(row)
        generations.append(
            Generation(
                kind,
                row["output"],
                tool_calls=tuple(ToolStep(tool, "0" * 64) for tool in TOOLS[: 2 + sample % 2]),
            )
        )
    result = stability(generations, embedder(DEFAULT_EMBEDDER)).as_dict()
    with database.write() as session:
        session.execute(insert(Run), rows)
        session.execute(insert(RunText), _texts(rows))
        for row in rows:
            events, calls = _children(row["run_id"], row["created_at"], 10)
            session.execute(insert(Event), events)
            session.execute(insert(ToolCall), calls)
        session.execute(
            insert(ReplaySet),
            [
                {
                    "set_id": set_id,
                    "base_run_id": base["run_id"],
                    "status": "completed",
                    "perturbations": {"kinds": ["P1", "P2", "P3"]},
                    "samples": 2,
                    "total": replays,
                    "done": replays,
                    "result": {"stability": result},
                }
            ],
        )
        session.execute(
            insert(Replay),
            [
                {
                    "replay_id": f"{set_id}:{row['run_id']}",
                    "set_id": set_id,
                    "base_run_id": base["run_id"],
                    "perturbation_type": row["run_id"].split("-")[2],
                    "sample": index,
                    "replay_run_id": row["run_id"],
                    "metrics": {},
                }
                for index, row in enumerate(rows)
            ],
        )
    return set_id


def pages(runs: int, set_id: str) -> dict[str, str]:
    """Return the pages to time (HTML and JSON twin), by name."""
    middle = f"bench-{runs // 2:07d}"
    return {
        "runs": "/",
        "runs.json": "/api/v1/runs",
        "runs_sorted_by_stability": "/?sort=stability&order=asc",
        "runs_sorted_by_stability.json": "/api/v1/runs?sort=stability&order=asc",
        "runs_filtered": "/?workflow_type=support&status=UNSTABLE&stability_max=60",
        "runs_filtered.json": "/api/v1/runs?workflow_type=support&status=UNSTABLE&stability_max=60",
        **_triage_pages(),
        "run_detail": f"/runs/{middle}",
        "run_detail.json": f"/api/v1/runs/{middle}",
        "overview": "/overview",
        "overview.json": "/api/v1/overview",
        "replay_comparison": f"/replays/{set_id}",
        "replay_comparison.json": f"/api/v1/replays/{set_id}",
    }


def _triage_pages() -> dict[str, str]:
    """Return the Runs page as the support lead filters and searches it, and the JSON twins."""
    queries = {
        "runs_all_rows": "show=all",
        "runs_search_rare_word": "search=chargeback",
        "runs_search_common_word": "search=account",
        "runs_search_two_words": "search=wire+delayed",
        "runs_search_sorted_by_risk": "search=tax&sort=risk&order=desc",
        "runs_flag_rule": "flag=disclaimer.tax",
        "runs_high_risk_high_severity": "risk=high&severity=high",
        "runs_config": "config=candidate-v2",
        "runs_support_lead": "risk=high&severity=high&search=tax",
    }
    timed = {}
    for name, query in queries.items():
        timed[name] = f"/?{query}"
        timed[f"{name}.json"] = f"/api/v1/runs?{query}"
    return timed


def _server_ms(response: httpx.Response, elapsed_ms: float) -> float:
    timing = response.headers.get("server-timing", "")
    for part in timing.split(","):
        if "dur=" in part:
            return float(part.split("dur=")[1].split(";")[0])
    return elapsed_ms


def time_page(client: httpx.Client, path: str, requests: int) -> dict[str, Any]:
    """Return p50/p95 of `path`, or that it is missing."""
    first = client.get(path)
    if first.status_code == 404:
        return {"missing": True}
    first.raise_for_status()
    for _ in range(2):
        client.get(path)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        samples.append(_server_ms(response, (time.perf_counter() - started) * 1000))
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "requests": requests,
    }


def first_visits(base: str, visits: int) -> dict[str, Any]:
    """Return the Overview's cold and warm visits in Chromium against the keel at `base`."""
    # The server's first Overview reads a cold database; a user's first visit is not the
    # server's first request. Only the HTML: the assets stay as a fresh server has them.
    httpx.get(f"{base}/overview", timeout=120).raise_for_status()
    with chromium() as browser:
        return measure_visits(browser, f"{base}/overview", "#stability-histogram", visits)


def bench(url: str, args: argparse.Namespace, home: Path, old_src: Path | None) -> dict[str, Any]:
    """Load, serve and time the pages on the database at `url`."""
    upgrade(url)
    database = Database(url)
    load_s = load(database, args.runs, args.events_per_run)
    set_id = add_replay_set(database, args.runs)
    with database.engine.begin() as connection:
        # Table statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` would have them on a
        # database that grew to this size: without them a planner takes 100,000 runs for 100.
        connection.exec_driver_sql("ANALYZE")
    database.dispose()
    env = {"KEEL_DATABASE_URL": url, "KEEL_HOME": str(home)}
    result: dict[str, Any] = {"load_seconds": round(load_s, 1)}
    with keel_server(env) as (base, _pid), httpx.Client(base_url=base, timeout=60) as client:
        if not args.first_visit_only:
            result["pages"] = {
                name: time_page(client, path, args.requests)
                for name, path in pages(args.runs, set_id).items()
            }
        visits = {"after": first_visits(base, args.visits)}
    if old_src is not None:
        with keel_server({**env, "PYTHONPATH": str(old_src)}) as (base, _pid):
            visits["before"] = {"rev": args.before_rev, **first_visits(base, args.visits)}
    result["overview_first_visit"] = visits
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--events-per-run", type=int, default=10)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--visits", type=int, default=5, help="Overview visits in Chromium")
    parser.add_argument("--before-rev", help="also measure keel as it was at this git revision")
    parser.add_argument("--first-visit-only", action="store_true", help="skip the page timings")
    args = parser.parse_args()
    result: dict[str, Any] = {"runs": args.runs, "events": args.runs * args.events_per_run}
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        old_src = old_keel(args.before_rev, home / "before") if args.before_rev else None
        if args.database in ("sqlite", "both"):
            result["sqlite"] = bench(f"sqlite:///{home / 'pages.db'}", args, home, old_src)
        if args.database in ("postgresql", "both"):
            with fresh_postgres() as url:
                result["postgresql"] = bench(url, args, home, old_src)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
