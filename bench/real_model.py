"""Speed and behaviour of the real model (SmolLM2-135M-Instruct Q4_1 on llama.cpp's server).

Prints JSON: generation speed with and without a JSON schema enforced (tokens/s, the same
prompts, the same server, this run), and the support agent in model-planned mode on world
tickets: seconds per run, the share of drafts that parse as the answer schema, how often the
tool path (the sequence of tool names and arguments) differs between reruns of one ticket
(seeds 0..R-1), and seconds per replay budget. The server is started on a free 127.0.0.1 port
and stopped at the end.

    python bench/real_model.py [--tickets 10] [--reruns 3] [--samples 1,2] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path
from typing import Any

from keel.core.records import RunRecord
from keel.core.settings import Settings
from keel.models import CompletionRequest, Message, load_model
from keel.models.embeddings import DEFAULT_EMBEDDER, embedder
from keel.models.llama_server import LlamaServer, packaged_gguf
from keel.reference.agents.support import SupportInputs, run_support, support_answer_schema
from keel.reference.agents.support.replay_target import SupportTarget
from keel.reference.world import ensure_world
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.store.engine import Database
from keel.store.migrate import upgrade

PROMPT = (
    Message("system", "You are a bank's support assistant. Answer the ticket in JSON."),
    Message("user", "Ticket: where do I find my 1099-INT form for the interest I earned?"),
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def speed(spec: str, samples: int) -> dict[str, float]:
    """Return tokens/s without and with the support answer's schema enforced."""
    model = load_model(spec, Settings())
    model.generate(CompletionRequest(messages=PROMPT, max_tokens=4))  # load, warm the cache
    result = {}
    for name, schema in (("unconstrained", None), ("constrained", support_answer_schema())):
        tokens, seconds = 0, 0.0
        for seed in range(samples):
            request = CompletionRequest(
                messages=PROMPT, response_schema=schema, seed=seed, max_tokens=200
            )
            started = time.perf_counter()
            tokens += model.generate(request).output_tokens
            seconds += time.perf_counter() - started
        result[f"{name}_tokens_per_s"] = round(tokens / seconds, 1)
    model.close()
    return result


def tool_path(run: RunRecord) -> tuple[str, ...]:
    """Return a run's tool calls in order, each its name and argument digest."""
    return tuple(f"{c.tool_name}:{c.args_digest[:12]}" for c in run.tool_calls)


def drafts(run: RunRecord) -> list[bool]:
    """Return, per draft of the run, whether the model's reply parsed."""
    return [
        e.payload.get("output") is not None
        for e in run.events
        if e.name == "draft" or e.name.startswith("revision")
    ]


def agent(spec: str, settings: Settings, database: Database, args: Any) -> dict[str, Any]:
    """Return the support agent's figures on `args.tickets` tickets x `args.reruns` seeds."""
    every = ensure_world(settings.home).tickets()
    tickets = every[:: max(1, len(every) // args.tickets)][: args.tickets]
    batch = [
        SupportInputs(
            ticket_text=t.text,
            ticket_id=t.ticket_id,
            customer_id=t.customer_id,
            model=spec,
            seed=seed,
            retrieval_k=3,
        )
        for t in tickets
        for seed in range(args.reruns)
    ]
    started = time.perf_counter()
    runs = run_support(batch, settings, database)
    seconds = time.perf_counter() - started
    by_ticket: dict[str, list[RunRecord]] = {}
    for run in runs:
        by_ticket.setdefault(str(run.inputs["ticket_id"]), []).append(run)
    pairs = [(a, b) for group in by_ticket.values() for a, b in combinations(group, 2)]
    parsed = [ok for run in runs for ok in drafts(run)]
    return {
        "runs": len(runs),
        "seconds_per_run": round(seconds / len(runs), 1),
        "completed": sum(run.status == "COMPLETED" for run in runs),
        "drafts": len(parsed),
        "drafts_parsed_share": round(sum(parsed) / len(parsed), 3) if parsed else None,
        "rerun_pairs": len(pairs),
        "tool_path_differs_share": round(
            sum(tool_path(a) != tool_path(b) for a, b in pairs) / len(pairs), 3
        ),
        "tickets_with_more_than_one_path": sum(
            len({tool_path(r) for r in group}) > 1 for group in by_ticket.values()
        ),
        "mean_tool_calls": round(statistics.mean(len(r.tool_calls) for r in runs), 2),
    }, runs


def budgets(
    settings: Settings, database: Database, base: RunRecord, sizes: list[int]
) -> dict[str, float]:
    """Return seconds per replay budget: `samples` each of seed-only, P1, P2 and P3 (samples
    2 is the study's R = 9 with the base run)."""
    kinds = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
    result = {}
    for samples in sizes:
        target = SupportTarget(database, settings)
        started = time.perf_counter()
        try:
            set_id = start_replay_set(
                database, base.run_id, kinds, samples, seed=samples, targets=[target]
            )
            outcome = run_replay_set(database, set_id, [target], embedder(DEFAULT_EMBEDDER))
        finally:
            target.close()
        replays = samples * (len(kinds) + 1)
        result[f"budget_{replays}_seconds"] = round(time.perf_counter() - started, 1)
        result[f"budget_{replays}_score"] = round(outcome.result.score, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10)
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--samples", default="1,2", help="Replay budgets: samples per kind.")
    parser.add_argument("--speed-samples", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    report: dict[str, Any] = {"model": None, "threads": args.threads}
    with (
        tempfile.TemporaryDirectory() as home,
        LlamaServer(packaged_gguf(), _free_port(), threads=args.threads) as server,
    ):
        report["model"] = server.spec.partition("@")[0]
        report.update(speed(server.spec, args.speed_samples))
        print(json.dumps(report), file=sys.stderr, flush=True)  # each phase, as it ends
        settings = Settings(home=Path(home))
        url = settings.resolved_database_url()
        upgrade(url)
        database = Database(url)
        report["agent"], runs = agent(server.spec, settings, database, args)
        print(json.dumps(report), file=sys.stderr, flush=True)
        base = next(run for run in runs if run.status == "COMPLETED")
        sizes = [int(size) for size in args.samples.split(",")]
        report["replays"] = budgets(settings, database, base, sizes)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
