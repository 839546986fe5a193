"""Run Detail (`/runs/{id}`, `GET /api/v1/runs/{id}`, `keel runs show`): one run in full."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from keel.core.errors import NotFound
from keel.reports.rows import RunOut, RunSummary, replay_set_summary
from keel.store.models import ReplaySet, Review
from keel.store.replays import replay_sets_of_run
from keel.store.reviews import reviews_of_run
from keel.store.runs import RunDetail, run_detail


@dataclass
class RunReport:
    """A run with its events, tool calls, flags and links, its decisions and its replay sets."""

    detail: RunDetail
    reviews: list[Review]
    replay_sets: list[ReplaySet]


def run_detail_data(session: Session, run_id: str) -> RunReport:
    """Return everything run `run_id`'s page shows; NotFound for an unknown run."""
    detail = run_detail(session, run_id, related=True)
    if detail is None:
        raise NotFound(f"no run with id {run_id!r}", field="run_id")
    return RunReport(detail, reviews_of_run(session, run_id), replay_sets_of_run(session, run_id))


def run_out(report: RunReport) -> RunOut:
    """Return the run report as the API shows it (events in start order, sets newest first)."""
    detail = report.detail
    return RunOut.model_validate(
        {
            **RunSummary.model_validate(detail.run).model_dump(),
            "ended_at": detail.run.ended_at,
            "trace_id": detail.run.trace_id,
            "error": detail.run.error,
            "inputs": detail.run.inputs,
            "output": detail.run.output,
            "metrics": detail.run.metrics,
            "events": detail.events,
            "tool_calls": detail.tool_calls,
            "policy_flags": detail.flags,
            "links": detail.links,
            "reviews": report.reviews,
            "replay_sets": [replay_set_summary(s) for s in report.replay_sets],
        }
    )
