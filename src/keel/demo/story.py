"""The demo's story, step by step: a month of support tickets under two configurations, replays
of a sample (tax tickets included), self-heal of the unstable ones, a baseline, then a
configuration change that regresses and the drift check that catches it.

Every run is a real run of the support agent against keel's MCP tool server; only its
`created_at` is placed in the past, so the month the story covers can be shown in a minute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from keel.agents.support import SupportInputs
from keel.agents.support.replay_target import SupportTarget
from keel.agents.trace import store_run
from keel.config import Settings
from keel.drift.baseline import create_baseline
from keel.drift.check import DriftCheck, Window, check_drift
from keel.heal.controller import heal_run
from keel.replay.engine import ReplayOutcome, run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.store.drift import PopulationFilter, get_baseline
from keel.store.engine import Database
from keel.world import Ticket, ensure_world

#: (progress label, done, total) — how a step reports progress.
Report = Callable[[str, int, int], None]
PERTURBATIONS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]


@dataclass(frozen=True)
class Config:
    """One configuration of the support agent."""

    name: str
    retrieval_k: int = 5
    temperature: float = 0.7
    instruction: str | None = None


BASELINE = Config("v1")
SECOND = Config("v1-warm", temperature=1.0)
REGRESSED = Config("v2-k1", retrieval_k=1)


@dataclass
class StoryPlan:
    """How big the story is."""

    tickets: int = 200
    second_config_tickets: int = 60
    replayed: int = 10
    samples: int = 2
    regression_tickets: int = 100


@dataclass
class Story:
    """What the demo did, and where to look."""

    runs: dict[str, list[str]] = field(default_factory=dict)
    replays: dict[str, ReplayOutcome] = field(default_factory=dict)
    healed: dict[str, dict[str, Any]] = field(default_factory=dict)
    drift: DriftCheck | None = None
    timings_s: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(story: Story, step: str) -> Iterator[None]:
    started = datetime.now(UTC)
    yield
    story.timings_s[step] = round((datetime.now(UTC) - started).total_seconds(), 1)


def _inputs(ticket: Ticket, config: Config, seed: int) -> SupportInputs:
    fields: dict[str, Any] = {
        "ticket_text": ticket.text, "ticket_id": ticket.ticket_id,
        "customer_id": ticket.customer_id, "retrieval_k": config.retrieval_k,
        "temperature": config.temperature, "seed": seed,
    }  # fmt: skip
    if config.instruction:
        fields["instruction"] = config.instruction
    return SupportInputs.model_validate(fields)


def run_tickets(
    target: SupportTarget, tickets: list[Ticket], config: Config, start: datetime, days: float,
    report: Report,
) -> list[str]:  # fmt: skip
    """Run each ticket once under `config`, placed evenly over `days` from `start`."""
    run_ids = []
    for index, ticket in enumerate(tickets):
        run = target.runner.run(_inputs(ticket, config, seed=index))
        run.created_at = start + timedelta(days=days * index / max(1, len(tickets)))
        run.metrics = {**run.metrics, "config": config.name}
        store_run(target.database, run)
        run_ids.append(run.run_id)
        report(f"support runs ({config.name})", index + 1, len(tickets))
    return run_ids


def _sample_for_replay(tickets: list[Ticket], run_ids: list[str], count: int) -> list[str]:
    """Tax tickets first (ambiguous ones before clear ones), then clear tickets of other kinds."""
    ranked = sorted(
        range(len(tickets)),
        key=lambda i: (tickets[i].gold_category != "TAX", tickets[i].ambiguous_between is None, i),
    )
    tax = [run_ids[i] for i in ranked if tickets[i].gold_category == "TAX"][: count // 2]
    clear = [run_ids[i] for i in ranked if tickets[i].ambiguous_between is None
             and tickets[i].gold_category != "TAX"][: count - len(tax)]  # fmt: skip
    return tax + clear


def tell(settings: Settings, database: Database, plan: StoryPlan, report: Report) -> Story:
    """Run the whole story into `database`; return what happened."""
    story = Story()
    now = datetime.now(UTC).replace(microsecond=0)
    with _timed(story, "world"):
        world = ensure_world(settings.home)
        tickets = world.tickets()[: plan.tickets]
    target = SupportTarget(database, settings)
    try:
        with _timed(story, "support runs"):
            story.runs[BASELINE.name] = run_tickets(
                target, tickets, BASELINE, now - timedelta(days=28), 20, report
            )
            story.runs[SECOND.name] = run_tickets(
                target, tickets[: plan.second_config_tickets], SECOND,
                now - timedelta(days=21), 13, report)  # fmt: skip
        with _timed(story, "replays"):
            sample = _sample_for_replay(tickets, story.runs[BASELINE.name], plan.replayed)
            for index, run_id in enumerate(sample):
                set_id = start_replay_set(
                    database, run_id, PERTURBATIONS, plan.samples, 0, [target]
                )
                story.replays[run_id] = run_replay_set(database, set_id, [target])
                report("replays", index + 1, len(sample))
        with _timed(story, "heal"):
            unstable = [r for r, outcome in story.replays.items() if outcome.result.unstable]
            for index, run_id in enumerate(unstable):
                outcome = heal_run(database, run_id, [target], samples=plan.samples)
                story.healed[run_id] = outcome.as_dict()
                report("self-heal", index + 1, len(unstable))
        with _timed(story, "baseline"), database.write() as session:
            until = now - timedelta(days=7)
            if get_baseline(session, "support-v1") is None:
                create_baseline(session, "support-v1", PopulationFilter(
                    "support", config=BASELINE.name, until=until))  # fmt: skip
        with _timed(story, "regression"):
            story.runs[REGRESSED.name] = run_tickets(
                target, tickets[: plan.regression_tickets], REGRESSED,
                now - timedelta(days=6), 5.5, report)  # fmt: skip
            with database.write() as session:
                story.drift = check_drift(session, "support-v1", Window(
                    since=now - timedelta(days=7), config=REGRESSED.name))  # fmt: skip
    finally:
        target.close()
    return story


def story_urls(base_url: str, story: Story) -> list[tuple[str, str]]:
    """Return the story's pages in order, each with what it shows."""
    urls = [("Stability overview: distribution, trends, drift alerts", f"{base_url}/overview")]
    stable = [r for r, o in story.replays.items() if not o.result.unstable]
    unstable = [r for r, o in story.replays.items() if o.result.unstable]
    if stable:
        urls.append(("A stable, low-risk ticket", f"{base_url}/runs/{stable[-1]}"))
    if unstable:
        run_id = unstable[0]
        urls.append(("An unstable tax ticket", f"{base_url}/runs/{run_id}"))
        urls.append(("Its replay comparison", f"{base_url}/replays/{story.replays[run_id].set_id}"))
        if run_id in story.healed:
            urls.append(
                ("The healed run", f"{base_url}/runs/{story.healed[run_id]['healed_run_id']}")
            )
    urls.append(("The regression: runs of the changed configuration",
                 f"{base_url}/?model=&workflow_type=support#drift"))  # fmt: skip
    return urls


def summary(story: Story) -> dict[str, Any]:
    """Return the story as JSON-ready data."""
    return {
        "runs": {name: len(ids) for name, ids in story.runs.items()},
        "replayed": {r: round(o.result.score, 1) for r, o in story.replays.items()},
        "unstable": [r for r, o in story.replays.items() if o.result.unstable],
        "healed": {
            r: {"after": round(h["after"], 1), "healed": h["healed"], "rerun": h["healed_run_id"]}
            for r, h in story.healed.items()
        },
        "drift": story.drift
        and {
            "verdict": str(story.drift.report.verdict),
            "alerts": [a.indicator for a in story.drift.new_alerts],
        },
        "timings_s": story.timings_s,
    }
