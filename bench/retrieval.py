"""Retrieval quality and speed of the knowledge base's search, on your documents or the world's.

    python bench/retrieval.py --kb DIR --qrels FILE [--queries FILE] [--citations N]
    python bench/retrieval.py --world [--citations N]

`--kb DIR` is any folder `keel kb load` takes (Markdown, JSON, JSON Lines such as BEIR's
corpus.jsonl); `--qrels FILE` is BEIR's TSV (query-id, corpus-id, score; score > 0 relevant) and
`--queries FILE` BEIR's queries.jsonl ({"_id", "text"}; default: queries.jsonl beside the qrels
file or DIR). `--world` measures the simulator's world: each ticket is a query, its
`gold_article_ids` the relevant documents. Prints one JSON object; for each mode (bm25, dense,
hybrid):

- recall@5: mean over queries of |relevant ∩ top 5| / |relevant| (BEIR's recall@k);
- needs_found@5: of all (query, relevant document) pairs, the share found in the top 5;
- mrr@10: mean of 1 / the rank of the first relevant document in the top 10 (0 if none);
- latency_ms p50 / p95 of one search, after the dense index is built (its build time apart).

`--home DIR` keeps the scratch KEEL_HOME, and so the dense index, between runs.
`--citations N` also runs keel's support agent (offline model, `keel mcp serve` with bm25 and
with hybrid retrieval) on the first N queries, over the same documents, and reports citation
recall: of the (query, relevant document) pairs, the share whose document the answer cites.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from measure import nearest_rank  # a sibling script: bench/ is on sys.path

from keel.core.settings import Settings
from keel.models.embeddings import SentenceEmbedder
from keel.reference.world import ensure_world
from keel.reference.world.documents import read_documents
from keel.reference.world.knowledge import KnowledgeBase, SearchHit
from keel.reference.world.retrieval import CANDIDATES, HybridSearch

K = 5
MRR_DEPTH = 10


@dataclass(frozen=True)
class Query:
    """One labelled query: its id, text, and the ids of the documents that answer it."""

    query_id: str
    text: str
    relevant: frozenset[str]


def read_qrels(qrels: Path, queries: Path) -> list[Query]:
    """Return the labelled queries of BEIR's qrels TSV and queries.jsonl (qrels order)."""
    relevant: dict[str, set[str]] = {}
    with qrels.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) < 3 or row[0] == "query-id":
                continue
            if float(row[2]) > 0:
                relevant.setdefault(row[0], set()).add(row[1])
    texts = {}
    for line in queries.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            texts[str(item["_id"])] = str(item["text"])
    return [Query(q, texts[q], frozenset(ids)) for q, ids in relevant.items() if q in texts]


def world_queries(home: Path) -> list[Query]:
    """Return the world's tickets as queries labelled with their gold articles."""
    world = ensure_world(home)
    return [
        Query(t.ticket_id, t.text, frozenset(t.gold_article_ids))
        for t in world.tickets()
        if t.gold_article_ids
    ]


def scores(ranked: Sequence[str], relevant: frozenset[str]) -> tuple[float, int, float]:
    """Return (recall@K, relevant found in the top K, reciprocal rank within MRR_DEPTH)."""
    found = len(relevant & set(ranked[:K]))
    rank = next((i for i, doc in enumerate(ranked[:MRR_DEPTH], start=1) if doc in relevant), 0)
    return found / len(relevant), found, 1.0 / rank if rank else 0.0


def measure(search: Callable[[str], list[str]], queries: Sequence[Query]) -> dict[str, Any]:
    """Return recall@5, needs found@5, MRR@10 and search latency of `search` over `queries`."""
    recalls, found, reciprocal, latencies = [], 0, [], []
    for query in queries:
        started = time.perf_counter()
        ranked = search(query.text)
        latencies.append((time.perf_counter() - started) * 1000.0)
        recall, hits, rr = scores(ranked, query.relevant)
        recalls.append(recall)
        found += hits
        reciprocal.append(rr)
    needs = sum(len(q.relevant) for q in queries)
    return {
        f"recall@{K}": round(statistics.fmean(recalls), 4),
        f"needs_found@{K}": round(found / needs, 4),
        f"mrr@{MRR_DEPTH}": round(statistics.fmean(reciprocal), 4),
        "latency_ms_p50": round(nearest_rank(latencies, 0.5), 2),
        "latency_ms_p95": round(nearest_rank(latencies, 0.95), 2),
    }


def _ids(hits: list[SearchHit]) -> list[str]:
    return [hit.id for hit in hits]


def retrieval_figures(knowledge: KnowledgeBase, queries: Sequence[Query]) -> dict[str, Any]:
    """Return the figures of bm25, dense and hybrid search over `knowledge`."""
    # No vector cache: every mode pays for embedding its query, as a first search would.
    hybrid = HybridSearch(knowledge, SentenceEmbedder(Settings().embedder, cache_size=0))
    started = time.perf_counter()
    index = hybrid.index()
    build_s = time.perf_counter() - started
    depth = max(K, MRR_DEPTH)

    def dense(text: str) -> list[str]:
        return index.ranking(hybrid.embed.encode([text])[0], CANDIDATES)[:depth]

    return {
        "documents": len(index.doc_ids),
        "chunks": len(index.vectors),
        "dense_index_build_s": round(build_s, 1),
        "bm25": measure(lambda text: _ids(knowledge.search(text, depth)), queries),
        "dense": measure(dense, queries),
        "hybrid": measure(lambda text: _ids(hybrid.search(text, depth)), queries),
    }


def citation_recall(home: Path, queries: Sequence[Query], retrieval: str) -> dict[str, Any]:
    """Run the support agent on `queries` over the world in `home`; return citation recall."""
    from keel.reference.agents.support import SupportInputs, run_support
    from keel.store.engine import Database
    from keel.store.migrate import upgrade

    url = f"sqlite:///{home / f'bench-{retrieval}.db'}"
    upgrade(url)
    database = Database(url)
    settings = Settings(home=home, database_url=url)
    command = (sys.executable, "-m", "keel", "mcp", "serve", "--retrieval", retrieval)
    batch = [SupportInputs(ticket_text=q.text[:20_000]) for q in queries]
    started = time.perf_counter()
    runs = run_support(batch, settings, database, server_command=command)
    elapsed = time.perf_counter() - started
    database.dispose()
    cited = found = 0
    for run, query in zip(runs, queries, strict=True):
        ids = {str(c.get("id")) for c in (run.output or {}).get("citations") or []}
        cited += len(ids & query.relevant)
        found += len(query.relevant)
    return {
        "runs": len(runs),
        "completed": sum(1 for run in runs if run.status == "COMPLETED"),
        "citation_recall": round(cited / found, 4),
        "seconds_per_run": round(elapsed / max(1, len(runs)), 2),
    }


def main(argv: list[str]) -> None:
    """Print the retrieval figures (and citation recall, when asked) as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--kb", type=Path, help="a folder of documents (as keel kb load takes)")
    source.add_argument("--world", action="store_true", help="the simulator's world and tickets")
    parser.add_argument("--qrels", type=Path, help="BEIR qrels TSV (with --kb)")
    parser.add_argument("--queries", type=Path, help="BEIR queries.jsonl (default: beside)")
    parser.add_argument("--citations", type=int, default=0, help="support runs for citations")
    parser.add_argument(
        "--home", type=Path, help="KEEL_HOME to work in, kept (the dense index is cached there)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        world = ensure_world(home)
        if args.kb:
            if args.qrels is None:
                parser.error("--kb needs --qrels")
            queries_file = args.queries or next(
                (
                    p
                    for p in (args.qrels.with_name("queries.jsonl"), args.kb / "queries.jsonl")
                    if p.exists()
                ),
                None,
            )
            if queries_file is None:
                parser.error("no queries.jsonl beside the qrels file or in DIR: give --queries")
            queries = read_qrels(args.qrels, queries_file)
            world.knowledge.upsert(read_documents(args.kb), replace=True)
            source = {"kb": str(args.kb), "qrels": str(args.qrels), "queries": len(queries)}
        else:
            queries = world_queries(home)
            source = {"world": "keel's simulator (docs/world.md)", "queries": len(queries)}
        results: dict[str, Any] = {
            **source,
            "cpu_count": os.cpu_count(),
            **retrieval_figures(world.knowledge, queries),
        }
        if args.citations:
            sample = queries[: args.citations]
            results["citations"] = {
                mode: citation_recall(home, sample, mode) for mode in ("bm25", "hybrid")
            }
        results["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
