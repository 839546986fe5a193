"""Scale-out: replay sets per minute on Celery workers when the model answers in 500 ms.

    python bench/workers.py [--latency-ms 500] [--sets 24] [--baseline-sets 6] [--samples 2]

One `keel serve` and `keel worker` processes on a fresh PostgreSQL database and a Redis
database of their own; the model is a local OpenAI-compatible server (tests/fake_openai.py)
that waits `--latency-ms` before each answer, the time a remote model API takes. The base run
is an ingested OpenLLMetry trace whose LLM call keel re-issues, so each replay is one model
call. A budget is seed-only plus P1, P2 and P3, `--samples` each (8 replays by default).

Four set-ups, each on its own queue: 1 worker x concurrency 1 with one replay at a time
(the behaviour before jobs: one set, one replay after another); 1 x 1 with the 8 replays of a
budget at once (KEEL_REPLAY_CONCURRENCY=8: what one budget costs alone); 1 worker x
concurrency 8 and 2 workers x concurrency 8 (8 sets per worker at once, 8 replays of each).
For each: sets per minute (sets / seconds from the first submission to the last set
finished), and a budget's wall time (from its first replay starting to the set scored)
p50 / p95, against the slowest single replay of the same set (p50 of the ratio).
Prints JSON; `speedup` is sets per minute over the first set-up's, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from measure import nearest_rank  # a sibling script: bench/ is on sys.path
from sqlalchemy import func, select

from ingest import fresh_postgres, keel_server  # a sibling script: bench/ is on sys.path
from keel.store.engine import Database
from keel.store.models import ReplaySet, Run

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' OpenAI-compatible server, shared rather than copied
from tests.fake_openai import FakeOpenAI  # noqa: E402

TRACE = ROOT / "tests" / "data" / "otlp" / "openllmetry-openai-agent.pb"
ANSWER = "Early withdrawal fees are reported on Form 1099-INT. This is not tax advice."
SETUPS = [
    {"workers": 1, "concurrency": 1, "replay_concurrency": 1},
    {"workers": 1, "concurrency": 1, "replay_concurrency": 8},
    {"workers": 1, "concurrency": 8, "replay_concurrency": 8},
    {"workers": 2, "concurrency": 8, "replay_concurrency": 8},
]


@contextmanager
def workers(env: dict[str, str], count: int, concurrency: int, logs: Path) -> Iterator[None]:
    """Run `count` `keel worker` processes until the block ends, once each is ready."""
    command = [sys.executable, "-m", "keel", "worker", "--concurrency", str(concurrency)]
    started = []
    for index in range(count):
        log = logs / f"worker-{uuid.uuid4().hex[:6]}-{index}.log"
        out = log.open("wb")
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        started.append((process, log, out))
    try:
        deadline = time.monotonic() + 300
        for process, log, _ in started:
            while b"ready." not in log.read_bytes():
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"keel worker did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield
    finally:
        for process, _, out in started:
            process.terminate()
            process.wait(timeout=60)
            out.close()


def submit(url: str, run_id: str, samples: int, count: int) -> list[str]:
    """Start `count` replay sets of `run_id` through the server; return their ids."""
    ids = []
    for _ in range(count):
        reply = httpx.post(
            f"{url}/api/v1/runs/{run_id}/replays", json={"samples": samples}, timeout=30
        )
        reply.raise_for_status()
        ids.append(reply.json()["replay_set_id"])
    return ids


def wait_finished(database: Database, set_ids: list[str], timeout_s: float) -> None:
    """Return once every set has finished; raise when one failed or time ran out."""
    deadline = time.monotonic() + timeout_s
    while True:
        with database.read() as session:
            rows = session.execute(
                select(ReplaySet.status, func.count())
                .where(ReplaySet.set_id.in_(set_ids))
                .group_by(ReplaySet.status)
            )
            counts = {status: n for status, n in rows}
        if counts.get("completed", 0) == len(set_ids):
            return
        if counts.get("failed") or time.monotonic() > deadline:
            raise RuntimeError(f"sets did not all complete: {counts}")
        time.sleep(0.1)


def budget_times(database: Database, set_id: str) -> tuple[float, float]:
    """Return a set's wall time (first replay started to scored) and its slowest replay's."""
    with database.read() as session:
        replay_set = session.get(ReplaySet, set_id)
        replays = session.execute(
            select(Run.created_at, Run.ended_at).where(Run.run_id.like(f"{set_id}-%"))
        ).all()
    assert replay_set is not None and replay_set.finished_at is not None
    first = min(started for started, _ in replays)
    slowest = max((ended - started).total_seconds() for started, ended in replays)
    return (replay_set.finished_at - first).total_seconds(), slowest


def run_setup(
    setup: dict[str, int], env: dict[str, str], url: str, run_id: str, args: Any, logs: Path
) -> dict[str, Any]:
    """Measure one set-up on a queue of its own."""
    queue = f"keel-bench-{uuid.uuid4().hex[:8]}"
    worker_env = {
        **env,
        "KEEL_JOB_QUEUE": queue,
        "KEEL_REPLAY_CONCURRENCY": str(setup["replay_concurrency"]),
    }
    sets = args.baseline_sets if setup["concurrency"] == 1 else args.sets
    database = Database(env["KEEL_DATABASE_URL"])
    with (
        workers(worker_env, setup["workers"], setup["concurrency"], logs),
        keel_server({**env, "KEEL_JOB_QUEUE": queue}) as (server_url, _),
    ):
        started = time.monotonic()
        set_ids = submit(server_url, run_id, args.samples, sets)
        wait_finished(database, set_ids, timeout_s=600)
        wall_s = time.monotonic() - started
    times = [budget_times(database, set_id) for set_id in set_ids]
    database.dispose()
    walls = [wall for wall, _ in times]
    ratios = [wall / slowest for wall, slowest in times]
    return {
        **setup,
        "sets": sets,
        "replays_per_set": 4 * args.samples,
        "seconds": round(wall_s, 2),
        "sets_per_min": round(sets / wall_s * 60, 2),
        "budget_wall_s": {
            "p50": round(nearest_rank(walls, 0.5), 3),
            "p95": round(nearest_rank(walls, 0.95), 3),
        },
        "slowest_replay_s_p50": round(nearest_rank([s for _, s in times], 0.5), 3),
        "budget_over_slowest_replay_p50": round(nearest_rank(ratios, 0.5), 2),
    }


def main() -> None:
    """Parse arguments, measure the three set-ups, print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=500.0)
    parser.add_argument("--sets", type=int, default=24, help="sets per concurrent set-up")
    parser.add_argument("--baseline-sets", type=int, default=6, help="sets at concurrency 1")
    parser.add_argument("--samples", type=int, default=2, help="replays per perturbation")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    args = parser.parse_args()
    load_at_start = round(os.getloadavg()[0], 2)
    broker = f"{args.redis}/{random.randint(1, 15)}"
    with (
        FakeOpenAI(answer=ANSWER, latency_s=args.latency_ms / 1000) as model,
        fresh_postgres() as database_url,
        tempfile.TemporaryDirectory() as scratch,
    ):
        env = {
            **os.environ,
            "KEEL_HOME": str(Path(scratch) / "home"),
            "KEEL_DATABASE_URL": database_url,
            "KEEL_BROKER_URL": broker,
            "KEEL_MODEL": f"openai:gpt-4o-mini@{model.base_url}",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        with keel_server({**env, "KEEL_BROKER_URL": ""}) as (url, _):
            body = TRACE.read_bytes()
            headers = {"content-type": "application/x-protobuf"}
            httpx.post(f"{url}/v1/traces", content=body, headers=headers).raise_for_status()
            run_id = httpx.get(f"{url}/api/v1/runs").json()["runs"][0]["run_id"]
        results = [run_setup(s, env, url, run_id, args, Path(scratch)) for s in SETUPS]
    baseline = results[0]["sets_per_min"]
    for result in results:
        result["speedup"] = round(result["sets_per_min"] / baseline, 2)
    report = {
        "latency_ms": args.latency_ms,
        "cpus": os.cpu_count(),
        "load_at_start": load_at_start,
        "setups": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
