"""What evaluation costs: embedding throughput, stability/disagreement time, policy throughput.

    python bench/evaluate.py

Prints JSON. Embedding throughput is measured cold (texts the cache has not seen) and warm
(the same texts again, as replays repeat answers). Stability time is for R = 8 generations of
support-agent outputs with tool paths, split into embedding and the rest (clustering, fields,
paths, 1000 bootstrap resamples), with CPU time next to wall time because this machine is shared.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from keel.evaluate import Generation, ToolStep, disagreement, stability
from keel.evaluate.rules.engine import check_output
from keel.evaluate.rules.labelled import load_labelled
from keel.models.embeddings import SentenceEmbedder

TOPICS = ["withdrawal limits", "wire cut-off times", "1099-INT forms", "lost cards", "fees"]


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float]:
    """Return the best wall and CPU seconds of `repeat` calls of `fn`."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def texts(count: int, salt: str) -> list[str]:
    """Return `count` distinct support-like sentences."""
    return [
        f"Answer {salt}-{i}: about {TOPICS[i % 5]}, see article {i} and call us on weekday {i % 7}."
        for i in range(count)
    ]


def generations(seed: int) -> list[Generation]:
    """Return 8 generations of one run: two answer variants, some tool-path variation."""
    rows = []
    for i in range(8):
        variant = i % 4 == 3
        answer = f"Ticket {seed}: your daily ATM limit is ${500 if not variant else 1000}."
        output = {
            "category": "WITHDRAWAL" if not variant else "GENERAL",
            "answer": answer,
            "next_steps": ["Check the app", "Call us"][: 1 + variant],
            "disclaimer": "",
            "needs_human_review": variant,
            "citations": [{"source": "kb", "id": f"kb-{seed}-{variant}"}],
        }
        path = [ToolStep("search_kb", f"d{seed}", 0.0, 0.2), ToolStep("get_limits", "x", 0.1, 0.3)]
        rows.append(Generation(["base", "seed", "P1", "P2"][i % 4], output, tool_calls=path))
    return rows


def main() -> None:
    """Print the measurements as JSON."""
    embed = SentenceEmbedder()
    embed.encode(["warm up the model"])
    batch = texts(256, "cold")
    cold_wall, cold_cpu = timed(lambda: embed.encode(texts(256, str(time.time()))), 2)
    embed.encode(batch)
    warm_wall, _ = timed(lambda: embed.encode(batch))
    runs = [generations(seed) for seed in range(20)]
    for run in runs:
        embed.encode([g.answer_text("answer") or "" for g in run])
    stab_wall, stab_cpu = timed(lambda: [stability(run, embed) for run in runs], 1)
    dis_wall, _ = timed(lambda: [disagreement(run, embed) for run in runs], 1)
    items = load_labelled()
    pol_wall, _ = timed(lambda: [check_output(item.output) for item in items])
    report = {
        "embedding": {
            "model": embed.name,
            "texts_per_s_cold": round(256 / cold_wall, 1),
            "texts_per_cpu_s_cold": round(256 / cold_cpu, 1),
            "texts_per_s_cached": round(256 / warm_wall, 1),
        },
        "stability_ms_per_run_r8_embeddings_cached": round(1000 * stab_wall / len(runs), 2),
        "stability_cpu_ms_per_run_r8": round(1000 * stab_cpu / len(runs), 2),
        "disagreement_ms_per_run_r8_embeddings_cached": round(1000 * dis_wall / len(runs), 2),
        "policy_answers_per_s": round(len(items) / pol_wall, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
