"""What a replay budget costs: wall time per ticket, embedding throughput, keel's own share.

    python bench/replay.py [--tickets 10] [--samples 2] [--seed 0] [--embedding-texts 256]

For a fixed set of world tickets (clear and ambiguous in turn, one of each category before a
second), run the support agent once with the offline default (`offline:grounded-sampler`) and
store it (the base), then replay it with one budget as `keel replay RUN_ID` does: seed-only plus
P1, P2, P3, `--samples` each (R = 1 + 4 x samples generations with the base), scored and stored,
with `--seed` for every ticket as `keel replay` (default 0) would.
One warm-up first (a run of another ticket, which loads the sampler's embedder and starts the
tool server, and one answer scored), so loading is reported apart (`cold_start_s`).

The model's share is measured in the same run, not assumed: every `generate` call of the
sampler is timed (wall, and CPU of the thread it ran on), as are the perturbations, the MCP
tool server round trips, the storing of each replay run and the scoring (`stability`, of which
its answer embeddings). What is left of a budget's wall time is the agent's own steps (prompts,
critic, trace) and the engine's bookkeeping (reading runs back, recording replays, the score).
P3 may inject latency into a tool (a real `asyncio.sleep`, as the perturbation prescribes); that
wait is timed where the agent waits and reported apart. Parallel calls (the agent reads a
ticket's articles at once) count their overlapping wall time once.

Embedding throughput is keel's one all-MiniLM-L6-v2 embedder (`keel.models.embeddings`, one torch
thread, shared by the offline model and the scoring) on `--embedding-texts` sentences it has not
seen, in the process that just ran the replays. CPU time is given next to wall time, and the load
average, because this machine is shared.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from measure import children_cpu_s, nearest_rank  # a sibling script: bench/ is on sys.path

from keel.core.settings import Settings
from keel.models.embeddings import DEFAULT_EMBEDDER, SentenceEmbedder, embedder
from keel.reference.agents.support import SupportInputs
from keel.reference.agents.support import replay_target as support_replay
from keel.reference.agents.support.agent import SupportAgent
from keel.reference.agents.support.replay_target import SupportTarget
from keel.reference.agents.tool_client import ToolClient
from keel.reference.agents.trace import store_run
from keel.reference.offline_model.grounded_sampler import GroundedSampler
from keel.reference.world import ensure_world
from keel.reference.world.tickets import Ticket
from keel.replay import engine
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.migrate import upgrade

KINDS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
TARGET_BUDGET_S = 3.0
TOPICS = ["withdrawal limits", "wire cut-off times", "1099-INT forms", "lost cards", "fees"]


class Stopwatch:
    """Wall and thread-CPU seconds per label over the calls made since `reset`.

    Wall time is the union of the calls' intervals, not their sum: the agent reads articles in
    parallel, and overlapping calls must not count their shared time twice.
    """

    def __init__(self) -> None:
        self.intervals: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def reset(self) -> None:
        self.intervals.clear()
        self.cpu.clear()
        self.calls.clear()

    def add(self, label: str, wall: float, cpu: float) -> None:
        self.intervals[label].append((wall, time.perf_counter()))
        self.cpu[label] += time.thread_time() - cpu
        self.calls[label] += 1

    def wall(self) -> dict[str, float]:
        """Return each label's wall seconds: the length of the union of its intervals."""
        return {label: covered(spans) for label, spans in self.intervals.items()}

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Return `fn` (a function or a coroutine function) timed under `label`."""
        if inspect.iscoroutinefunction(fn):

            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                wall, cpu = time.perf_counter(), time.thread_time()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self.add(label, wall, cpu)

            return timed_async

        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(label, wall, cpu)

        return timed


def covered(spans: list[tuple[float, float]]) -> float:
    """Return the total length covered by `spans` (start, end), overlaps counted once."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


@contextmanager
def instrumented(watch: Stopwatch) -> Iterator[None]:
    """Time the model, perturbation, scoring and storing calls of replays while inside."""
    points: list[tuple[Any, str, str]] = [
        (GroundedSampler, "generate", "model"),
        (ToolClient, "call", "tool_calls"),
        (SupportAgent, "_inject_latency", "injected_latency"),
        (SupportTarget, "perturb", "perturb"),
        (engine, "stability", "scoring"),
        (SentenceEmbedder, "encode", "scoring_embedding"),
        (support_replay, "store_run", "store_replay_run"),
    ]
    with ExitStack() as undo:
        for owner, name, label in points:
            original = getattr(owner, name)
            setattr(owner, name, watch.wrap(label, original))
            undo.callback(setattr, owner, name, original)
        yield


def chosen_tickets(tickets: list[Ticket], count: int) -> list[Ticket]:
    """Return `count` tickets: clear and ambiguous in turn, cycling through the categories."""
    groups: dict[tuple[bool, str], list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        groups[(ticket.ambiguous_between is not None, str(ticket.gold_category))].append(ticket)
    categories = sorted({category for _, category in groups})
    order = [(ambiguous, c) for c in categories for ambiguous in (False, True)]
    chosen: list[Ticket] = []
    depth = 0
    while len(chosen) < count and depth < max(map(len, groups.values())):
        for key in order:
            if len(chosen) < count and depth < len(groups.get(key, [])):
                chosen.append(groups[key][depth])
        depth += 1
    return chosen


def replay_budget(
    target: SupportTarget, database: Database, ticket: Ticket, args: Any, watch: Stopwatch
) -> dict[str, Any]:
    """Return one ticket's figures: base run, then one timed replay budget and its breakdown."""
    inputs = SupportInputs(
        ticket_text=ticket.text, ticket_id=ticket.ticket_id, customer_id=ticket.customer_id
    )
    started = time.perf_counter()
    base = target.runner.run(inputs)
    store_run(database, base)
    base_s = time.perf_counter() - started
    watch.reset()
    server_cpu = children_cpu_s(b"mcp\x00serve")
    wall, cpu = time.perf_counter(), time.process_time()
    set_id = engine.start_replay_set(
        database, base.run_id, KINDS, args.samples, args.seed, [target]
    )
    outcome = engine.run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER))
    budget_s = time.perf_counter() - wall
    row = {
        "ticket_id": ticket.ticket_id,
        "ambiguous": ticket.ambiguous_between is not None,
        "stability": outcome.result.score,
        "base_run_s": base_s,
        "budget_s": budget_s,
        "budget_cpu_s": time.process_time() - cpu,
        "injected_latency_s": 0.0,
        **{f"{label}_s": seconds for label, seconds in watch.wall().items()},
        **{f"{label}_cpu_s": seconds for label, seconds in watch.cpu.items()},
        "model_calls": watch.calls["model"],
        "tool_calls": watch.calls["tool_calls"],
    }
    after = children_cpu_s(b"mcp\x00serve")
    if server_cpu is not None and after is not None:
        row["tool_server_cpu_s"] = after - server_cpu
    return row


def warm_up(target: SupportTarget, ticket: Ticket) -> float:
    """Return the seconds to load what every budget reuses: models, the tool server."""
    from keel.models.embeddings import embedder

    started = time.perf_counter()
    run = target.runner.run(SupportInputs(ticket_text=ticket.text, customer_id=ticket.customer_id))
    embedder(target.runner.settings.embedder).encode([str((run.output or {}).get("answer", ""))])
    return time.perf_counter() - started


def embedding_throughput(count: int = 256) -> dict[str, Any]:
    """Return texts/s (wall and CPU) of keel's MiniLM embedder on unseen sentences."""
    from keel.models.embeddings import DEFAULT_EMBEDDER, embedder

    texts = [
        f"Answer {time.time_ns()}-{i}: about {TOPICS[i % 5]}, see article {i} "
        f"and call us on weekday {i % 7}."
        for i in range(count)
    ]
    wall, cpu = time.perf_counter(), time.process_time()
    embedder(DEFAULT_EMBEDDER).encode(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "texts": count,
        "embedder_texts_per_s": round(count / wall, 1),
        "embedder_texts_per_cpu_s": round(count / cpu, 1),
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Return p50/p95 of the per-ticket budget and the shares of its wall time, over `rows`."""
    budgets = [r["budget_s"] for r in rows]
    waitless = [r["budget_s"] - r["injected_latency_s"] for r in rows]
    total = sum(budgets)

    def share(key: str) -> float:
        return round(sum(r.get(key, 0.0) for r in rows) / total, 3)

    model_share = share("model_s")
    injected = share("injected_latency_s")
    parts = {
        "model": model_share,
        "injected_p3_latency": injected,
        "perturb": share("perturb_s"),
        "tool_calls": share("tool_calls_s"),
        "store_replay_runs": share("store_replay_run_s"),
        "scoring": share("scoring_s"),
    }
    return {
        "budget_s_p50": round(nearest_rank(budgets, 0.5), 3),
        "budget_s_p95": round(nearest_rank(budgets, 0.95), 3),
        "budget_s_mean": round(statistics.fmean(budgets), 3),
        "budget_s_without_injected_latency_p50": round(nearest_rank(waitless, 0.5), 3),
        "budget_s_without_injected_latency_p95": round(nearest_rank(waitless, 0.95), 3),
        "budget_cpu_s_mean": round(statistics.fmean(r["budget_cpu_s"] for r in rows), 3),
        "base_run_s_p50": round(nearest_rank([r["base_run_s"] for r in rows], 0.5), 3),
        "target_budget_s": TARGET_BUDGET_S,
        "meets_target_p50": nearest_rank(budgets, 0.5) < TARGET_BUDGET_S,
        "meets_target_p95": nearest_rank(budgets, 0.95) < TARGET_BUDGET_S,
        "share_model": model_share,
        "share_outside_model": round(1.0 - model_share, 3),
        "share_outside_model_excluding_injected_latency": round(
            (1.0 - model_share - injected) / (1.0 - injected), 3
        ),
        "share_breakdown": {
            **parts,
            "scoring_of_which_embedding": share("scoring_embedding_s"),
            "rest_agent_steps_engine": round(1.0 - sum(parts.values()), 3),
        },
        "model_cpu_s_per_call": round(
            sum(r.get("model_cpu_s", 0.0) for r in rows) / sum(r["model_calls"] for r in rows), 4
        ),
    }


def main() -> None:
    """Print the measurements as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedding-texts", type=int, default=256)
    args = parser.parse_args()
    watch = Stopwatch()
    with tempfile.TemporaryDirectory() as scratch, instrumented(watch):
        settings = Settings(home=Path(scratch), database_url=f"sqlite:///{scratch}/bench.db")
        upgrade(settings.resolved_database_url())
        database = Database(settings.resolved_database_url())
        world = ensure_world(settings.home)
        chosen = chosen_tickets(world.tickets(), args.tickets + 1)
        target = SupportTarget(database, settings)
        try:
            cold_start_s = warm_up(target, chosen[-1])
            rows = [replay_budget(target, database, t, args, watch) for t in chosen[:-1]]
            embedding = embedding_throughput(args.embedding_texts)
        finally:
            target.close()
    report = {
        "model": "offline:grounded-sampler",
        "tickets": len(rows),
        "ambiguous_tickets": sum(r["ambiguous"] for r in rows),
        "replays_per_budget": 4 * args.samples,
        "generations_per_budget": 1 + 4 * args.samples,
        **summary(rows),
        "cold_start_s": round(cold_start_s, 3),
        "embedding": embedding,
        "per_ticket": [
            {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()} for row in rows
        ],
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
