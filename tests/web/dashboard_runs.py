"""Realistic runs for the dashboard tests: keel-style agent runs, an OTLP-like trace, flags, links.

keel's support and SQL runs go in through the native batch API, as an SDK would send them. The
OTLP-like run (parent/child spans, two tool calls in parallel) goes through `write_runs` with
span ids, as the OTLP receiver stores a trace. Stability and risk are set afterwards, as the
evaluator would; flags and replays are stored through their tables.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from keel.core.records import EventRecord, RunRecord, ToolCallRecord
from keel.core.sanitize import seal_runs
from keel.store.engine import Database
from keel.store.flags import replace_flags
from keel.store.models import Replay, Run
from keel.store.writes import write_runs

START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
MODELS = ("offline-sampler", "gpt-4o-mini")
TAX_ANSWER = (
    "The fee on an early withdrawal from your savings plan is reported on Form 1099-R. "
    "You owe no tax on the fee itself, and the withheld amount appears in box 4."
)
PLAIN_ANSWER = "Outgoing wires sent before 4 pm Eastern on a business day arrive the same day."
OTLP_RUN_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TAX_RUN_ID = "support-0007"
HEALED_RUN_ID = "support-0007-healed"


def _at(offset_s: float, base: datetime) -> str:
    return (base + timedelta(seconds=offset_s)).isoformat()


def _llm(seq: int, name: str, start: float, end: float, base: datetime, model: str) -> dict:
    return {
        "seq": seq,
        "event_type": "llm",
        "name": name,
        "model": model,
        "started_at": _at(start, base),
        "ended_at": _at(end, base),
        "input_tokens": 180 + 40 * seq,
        "output_tokens": 60 + 15 * seq,
        "cost_usd": 0.00012 * (seq + 1),
    }


def support_run(index: int, loops: int = 1, answer: str = PLAIN_ANSWER) -> dict[str, Any]:
    """Return a support run: planner, two parallel tool calls, draft/critic `loops` times, final."""
    base = START + timedelta(hours=13 * index)
    model = MODELS[index % 2]
    events = [_llm(0, "planner", 0.0, 0.4, base, model)]
    calls = [
        {
            "seq": 0,
            "tool_name": "knowledge.search",
            "server": "fintech",
            "args": {"query": "early withdrawal fee tax form", "k": 4},
            "started_at": _at(0.45, base),
            "ended_at": _at(0.62, base),
            "result_meta": {"size": 2310, "content_types": ["text"], "isError": False},
        },
        {
            "seq": 1,
            "tool_name": "account.lookup",
            "server": "fintech",
            "args": {"customer_id": f"C-{1000 + index}"},
            "started_at": _at(0.46, base),
            "ended_at": _at(0.55, base),
            "result_meta": {"size": 412, "content_types": ["text"], "isError": False},
        },
    ]
    clock = 0.7
    for _ in range(loops):
        events.append(_llm(len(events), "draft", clock, clock + 0.8, base, model))
        events.append(_llm(len(events), "critic", clock + 0.85, clock + 1.1, base, model))
        clock += 1.2
    events.append(_llm(len(events), "final", clock, clock + 0.3, base, model))
    return {
        "run_id": f"support-{index:04d}",
        "workflow_type": "support",
        "model": model,
        "created_at": base.isoformat(),
        "ended_at": _at(clock + 0.3, base),
        "latency_ms": (clock + 0.3) * 1000,
        "loop_depth": loops - 1,
        "inputs": {
            "ticket": "I withdrew early from my savings plan; which tax form shows the fee?"
        },
        "output": {
            "category": "TAX" if answer == TAX_ANSWER else "TRANSFER",
            "answer": answer,
            "next_steps": ["Download Form 1099-R in January", "Ask a tax adviser about box 4"],
            "disclaimer": "This is not tax advice.",
            "needs_human_review": answer == TAX_ANSWER,
            "citations": [{"source": "kb", "id": "KB-TAX-014"}],
        },
        "events": events,
        "tool_calls": calls,
    }


def sql_run(index: int) -> dict[str, Any]:
    """Return a SQL-analysis run: planner, one db.query call, final."""
    base = START + timedelta(hours=13 * index + 5)
    model = MODELS[(index + 1) % 2]
    return {
        "run_id": f"sql-{index:04d}",
        "workflow_type": "sql_analysis",
        "model": model,
        "created_at": base.isoformat(),
        "events": [
            _llm(0, "planner", 0, 0.3, base, model),
            _llm(1, "final", 0.6, 0.9, base, model),
        ],
        "tool_calls": [
            {
                "seq": 0,
                "tool_name": "db.query",
                "server": "fintech",
                "args": {"sql": "SELECT category, COUNT(*) FROM transactions GROUP BY category"},
                "started_at": _at(0.32, base),
                "ended_at": _at(0.55, base),
                "result_meta": {"rows": 7, "isError": False},
            },
        ],
        "output": {"answer": "Card payments are the largest category (41% of transactions)."},
    }


def otlp_like_run() -> RunRecord:
    """Return a trace as the OTLP receiver stores it: an agent span over chat and tool spans."""
    base = START + timedelta(days=20)

    def span(
        seq: int,
        kind: str,
        name: str,
        span_id: str,
        parent: str | None,
        start: float,
        end: float,
        **fields: Any,
    ) -> EventRecord:
        return EventRecord(
            seq=seq,
            event_type=kind,
            name=name,
            span_id=span_id,
            parent_span_id=parent,
            started_at=base + timedelta(seconds=start),
            ended_at=base + timedelta(seconds=end),
            status="OK",
            **fields,
        )

    root = "a1a1a1a1a1a1a1a1"
    events = [
        span(
            0,
            "agent",
            "invoke_agent research-assistant",
            root,
            None,
            0.0,
            3.0,
            payload={"agent_name": "research-assistant"},
        ),
        span(
            1,
            "llm",
            "chat gpt-4o",
            "b2b2b2b2b2b2b2b2",
            root,
            0.1,
            0.9,
            model="gpt-4o",
            input_tokens=420,
            output_tokens=64,
            cost_usd=0.0021,
        ),
        span(2, "tool", "execute_tool web_search", "c3c3c3c3c3c3c3c3", root, 1.0, 1.6),
        span(3, "tool", "execute_tool fetch_page", "d4d4d4d4d4d4d4d4", root, 1.05, 1.9),
        span(
            4,
            "llm",
            "chat gpt-4o",
            "e5e5e5e5e5e5e5e5",
            root,
            2.0,
            2.9,
            model="gpt-4o",
            input_tokens=1310,
            output_tokens=210,
            cost_usd=0.0054,
        ),
    ]
    calls = [
        ToolCallRecord(
            seq=0,
            tool_name="web_search",
            span_id="c3c3c3c3c3c3c3c3",
            args_digest="1" * 64,
            args_preview='{"query": "ECB rate decision"}',
            latency_ms=600.0,
            started_at=base + timedelta(seconds=1.0),
            ended_at=base + timedelta(seconds=1.6),
            result_meta={"size": 5120},
        ),
        ToolCallRecord(
            seq=1,
            tool_name="fetch_page",
            span_id="d4d4d4d4d4d4d4d4",
            args_digest="2" * 64,
            args_preview='{"url": "<redacted>"}',
            latency_ms=850.0,
            started_at=base + timedelta(seconds=1.05),
            ended_at=base + timedelta(seconds=1.9),
            error="timeout after 850 ms",
        ),
    ]
    return RunRecord(
        run_id=OTLP_RUN_ID,
        workflow_type="unknown",
        created_at=base,
        source="otlp",
        from_trace=True,
        trace_id=OTLP_RUN_ID,
        events=events,
        tool_calls=calls,
    )


def seed(base_url: str, database: Database) -> None:
    """Store the dashboard's test runs through the batch API and the store."""
    runs = [
        support_run(i, loops=2 if i % 5 == 2 else 1, answer=TAX_ANSWER if i == 7 else PLAIN_ANSWER)
        for i in range(36)
    ]
    runs += [sql_run(i) for i in range(12)]
    healed = support_run(7, loops=1, answer=TAX_ANSWER)
    healed.update(run_id=HEALED_RUN_ID, parent_run_id=TAX_RUN_ID, status="SELF_HEALED")
    runs.append(healed)
    httpx.post(f"{base_url}/api/v1/runs:batch", json={"runs": runs}).raise_for_status()
    with database.write() as session:
        write_runs(session, seal_runs([otlp_like_run()]))
        for i, run in enumerate(runs):
            stability = 95.0 - (i * 7.3) % 50
            risk = (i * 11.0) % 90
            status = "UNSTABLE" if stability < 70 and run["run_id"] != HEALED_RUN_ID else None
            values: dict[str, Any] = {"stability": stability, "risk": risk}
            if status:
                values["status"] = status
            session.execute(update(Run).where(Run.run_id == run["run_id"]).values(**values))
        session.execute(
            update(Run)
            .where(Run.run_id == TAX_RUN_ID)
            .values(stability=48.5, risk=82.0, status="UNSTABLE")
        )
        _flag_tax_run(session)
        session.add_all(
            Replay(
                replay_id=f"rp-{kind}",
                base_run_id=TAX_RUN_ID,
                perturbation_type=kind,
                replay_run_id=f"support-{30 + n:04d}",
                created_at=START + timedelta(days=25),
            )
            for n, kind in enumerate(("P1", "P2", "P3"))
        )


def _flag_tax_run(session: Any) -> None:
    claim = "You owe no tax on the fee itself"
    start = TAX_ANSWER.index(claim)
    replace_flags(
        session,
        TAX_RUN_ID,
        "content",
        [
            {
                "rule_id": "prohibited.no_tax_owed",
                "category": "TAX",
                "severity": "high",
                "rule_version": "1",
                "message": "States that no tax is owed as a certainty.",
                "evidence": {
                    "field": "answer",
                    "start": start,
                    "end": start + len(claim),
                    "text": claim,
                },
            },
            {
                "rule_id": "topic.tax",
                "category": "TAX",
                "severity": "low",
                "rule_version": "1",
                "message": "Tax topic.",
                "evidence": {"field": "answer", "text": "Form 1099-R"},
            },
            {
                "rule_id": "tool.max_calls",
                "category": "TOOL",
                "severity": "medium",
                "message": "knowledge.search called more than allowed.",
                "evidence": {"tool_call_seq": 0, "args_digest": "0" * 64},
            },
        ],
    )
