"""The demo's story, step by step: a month of support tickets under two configurations and SQL
questions under two more, replays of a sample (tax tickets included, widened toward ambiguous tax
tickets until one proves unstable), self-heal of the unstable ones, a baseline, then a
configuration change that regresses and the drift check that catches it.

Every run is a real run of keel's agents against keel's MCP tool server, one server for the
whole story; only its `created_at` is placed in the past, so the month the story covers can be
shown in a minute. Which runs are unstable is whatever the replays measure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from keel.core.records import RunRecord
from keel.core.settings import Settings
from keel.drift.baseline import create_baseline
from keel.drift.check import DriftCheck, Window, check_drift
from keel.drift.embedding import answer_embedder
from keel.heal.controller import heal_run
from keel.models import ModelProvider, load_model, parse_model_spec
from keel.models.embeddings import embedder
from keel.reference.agents.sql_analysis import SqlInputs
from keel.reference.agents.sql_analysis.agent import SqlAgent
from keel.reference.agents.support import SupportInputs
from keel.reference.agents.support.replay_target import SupportRunner, SupportTarget
from keel.reference.agents.trace import store_batch
from keel.reference.demo.profiles import profile_configs
from keel.reference.demo.questions import QUESTIONS, SQL_CONFIGS, SqlConfig
from keel.reference.world import Ticket, ensure_world
from keel.replay.engine import ReplayOutcome, run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.store.drift import PopulationFilter, get_baseline
from keel.store.engine import Database
from keel.store.runs import run_detail

#: (progress label, done, total) — how a step reports progress.
Report = Callable[[str, int, int], None]
PERTURBATIONS = [Perturbation.P1, Perturbation.P2, Perturbation.P3]
#: The risk from which the dashboard shows amber (docs/dashboard.md, score colours).
AMBER_RISK = 30.0


@dataclass(frozen=True)
class Config:
    """One configuration of the support agent."""

    name: str
    retrieval_k: int = 5
    temperature: float = 0.7
    instruction: str | None = None


BASELINE = Config("v1")
SECOND = Config("v1-warm", temperature=1.0)
REGRESSED = Config("v2-k1", retrieval_k=1, temperature=1.2)


@dataclass
class StoryPlan:
    """How big the story is."""

    tickets: int = 200
    second_config_tickets: int = 60
    replayed: int = 10
    samples: int = 2
    regression_tickets: int = 100
    #: tickets replayed under each of `v1` and `v2-k1` for their profiles
    profiled: int = 30
    questions: int = len(QUESTIONS)
    #: ambiguous tax tickets replayed beyond the sample while none has proved unstable
    more_tax_replays: int = 12


@dataclass
class Story:
    """What the demo did, and where to look."""

    runs: dict[str, list[str]] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)  # base run id -> its world ticket
    replays: dict[str, ReplayOutcome] = field(default_factory=dict)
    healed: dict[str, dict[str, Any]] = field(default_factory=dict)
    risks: dict[str, float | None] = field(default_factory=dict)  # replayed run id -> risk
    drift: DriftCheck | None = None
    profiles: dict[str, Any] = field(default_factory=dict)  # v1 and v2-k1, side by side
    timings_s: dict[str, float] = field(default_factory=dict)


#: Runs stored per transaction: one commit, one audit append and one risk pass for the batch.
STORE_BATCH = 25


@contextmanager
def _timed(story: Story, step: str) -> Iterator[None]:
    started = datetime.now(UTC)
    yield
    story.timings_s[step] = round((datetime.now(UTC) - started).total_seconds(), 1)


def is_tax(ticket: Ticket) -> bool:
    """Return whether the world labels `ticket` a tax question (gold, or one of two readings)."""
    return ticket.gold_category == "TAX" or "TAX" in (ticket.ambiguous_between or ())


def _inputs(ticket: Ticket, config: Config, seed: int) -> SupportInputs:
    fields: dict[str, Any] = {
        "ticket_text": ticket.text,
        "ticket_id": ticket.ticket_id,
        "customer_id": ticket.customer_id,
        "retrieval_k": config.retrieval_k,
        "temperature": config.temperature,
        "seed": seed,
    }
    if config.instruction:
        fields["instruction"] = config.instruction
    return SupportInputs.model_validate(fields)


def _shift(run: RunRecord, by: timedelta) -> None:
    """Move the run and every time it holds by `by`: its events and tool calls ran with it
    (tool health's history reads the calls' own times)."""
    run.created_at += by
    run.ended_at = run.ended_at and run.ended_at + by
    for item in [*run.events, *run.tool_calls]:
        item.started_at = item.started_at and item.started_at + by
        item.ended_at = item.ended_at and item.ended_at + by


class _Placed:
    """Places runs evenly over `days` from `start`, tags their config, stores them in batches."""

    def __init__(
        self, database: Database, config: str, start: datetime, days: float, total: int
    ) -> None:
        self.database, self.config, self.start, self.days = database, config, start, days
        self.total = max(1, total)
        self.pending: list[RunRecord] = []
        self.run_ids: list[str] = []

    def add(self, run: RunRecord) -> None:
        placed = self.start + timedelta(days=self.days * len(self.run_ids) / self.total)
        _shift(run, placed - run.created_at)
        run.metrics = {**run.metrics, "config": self.config}
        self.run_ids.append(run.run_id)
        self.pending.append(run)
        if len(self.pending) >= STORE_BATCH or len(self.run_ids) == self.total:
            store_batch(self.database, self.pending)
            self.pending = []


def run_tickets(
    target: SupportTarget,
    tickets: list[Ticket],
    config: Config,
    start: datetime,
    days: float,
    report: Report,
) -> list[str]:
    """Run each ticket once under `config`, placed evenly over `days` from `start`."""
    placed = _Placed(target.database, config.name, start, days, len(tickets))
    for index, ticket in enumerate(tickets):
        placed.add(target.runner.run(_inputs(ticket, config, seed=index)))
        report(f"support runs ({config.name})", index + 1, len(tickets))
    return placed.run_ids


def _ask(runner: SupportRunner, model: ModelProvider, inputs: SqlInputs) -> RunRecord:
    spec = str(parse_model_spec(inputs.model))
    return runner.on_tools(lambda tools: SqlAgent(model, spec, tools).run(inputs))


def run_questions(
    target: SupportTarget,
    questions: list[str],
    config: SqlConfig,
    start: datetime,
    days: float,
    report: Report,
) -> list[str]:
    """Ask each question once of the SQL agent under `config`, placed evenly over `days`."""
    placed = _Placed(target.database, config.name, start, days, len(questions))
    with closing(load_model(target.runner.settings.model, target.runner.settings)) as model:
        for index, question in enumerate(questions):
            inputs = SqlInputs(
                question=question,
                model=target.runner.settings.model,
                seed=index,
                temperature=config.temperature,
                row_limit=config.row_limit,
            )
            placed.add(_ask(target.runner, model, inputs))
            report(f"SQL questions ({config.name})", index + 1, len(questions))
    return placed.run_ids


def _replay_order(tickets: dict[str, Ticket]) -> list[str]:
    """Return run ids: ambiguous tax tickets, clear tax ones, then clear ones of other kinds."""

    def rank(run_id: str) -> tuple[bool, bool]:
        ticket = tickets[run_id]
        return (not is_tax(ticket), ticket.ambiguous_between is None)

    eligible = [r for r in tickets if is_tax(tickets[r]) or tickets[r].ambiguous_between is None]
    return sorted(eligible, key=rank)


def _sample_for_replay(tickets: dict[str, Ticket], count: int) -> list[str]:
    """Half tax tickets (ambiguous ones first), half clear tickets of other kinds."""
    ordered = _replay_order(tickets)
    tax = [r for r in ordered if is_tax(tickets[r])][: count // 2]
    clear = [r for r in ordered if not is_tax(tickets[r])][: count - len(tax)]
    return tax + clear


def replay_sample(
    database: Database, target: SupportTarget, story: Story, plan: StoryPlan, report: Report
) -> None:
    """Replay the sample; while no tax ticket proved unstable, replay more ambiguous tax ones."""

    def replay(run_id: str) -> None:
        set_id = start_replay_set(database, run_id, PERTURBATIONS, plan.samples, 0, [target])
        embed = embedder(target.runner.settings.embedder)
        story.replays[run_id] = run_replay_set(database, set_id, [target], embed)

    sample = _sample_for_replay(story.tickets, plan.replayed)
    for index, run_id in enumerate(sample):
        replay(run_id)
        report("replays", index + 1, len(sample))
    more = [
        r
        for r in _replay_order(story.tickets)
        if is_tax(story.tickets[r]) and r not in story.replays
    ][: plan.more_tax_replays]
    for index, run_id in enumerate(more):
        if unstable_tax(story):
            break
        replay(run_id)
        report("more tax replays", index + 1, len(more))
    with database.read() as session:
        for run_id in story.replays:
            detail = run_detail(session, run_id)
            story.risks[run_id] = detail.run.risk if detail else None


def unstable_tax(story: Story) -> list[str]:
    """Return the replayed tax tickets that the replays measured unstable."""
    return [r for r, o in story.replays.items() if o.result.unstable and is_tax(story.tickets[r])]


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
            story.tickets = dict(zip(story.runs[BASELINE.name], tickets, strict=True))
            story.runs[SECOND.name] = run_tickets(
                target,
                tickets[: plan.second_config_tickets],
                SECOND,
                now - timedelta(days=21),
                13,
                report,
            )
        with _timed(story, "sql questions"):
            questions = list(QUESTIONS[: plan.questions])
            for offset, config in enumerate(SQL_CONFIGS):
                story.runs[config.name] = run_questions(
                    target, questions, config, now - timedelta(days=28 - offset), 27, report
                )
        with _timed(story, "replays"):
            replay_sample(database, target, story, plan, report)
        with _timed(story, "heal"):
            unstable = [r for r, outcome in story.replays.items() if outcome.result.unstable]
            for index, run_id in enumerate(unstable):
                outcome = heal_run(
                    database,
                    run_id,
                    [target],
                    embedder(settings.embedder),
                    samples=plan.samples,
                )
                story.healed[run_id] = outcome.as_dict()
                report("self-heal", index + 1, len(unstable))
        with _timed(story, "baseline"), database.write() as session:
            until = now - timedelta(days=7)
            if get_baseline(session, "support-v1") is None:
                # with answer embeddings, as `keel baseline create` freezes them
                create_baseline(
                    session,
                    "support-v1",
                    PopulationFilter("support", config=BASELINE.name, until=until),
                    answer_embedder(settings.embedder),
                )
        with _timed(story, "regression"):
            story.runs[REGRESSED.name] = run_tickets(
                target,
                tickets[: plan.regression_tickets],
                REGRESSED,
                now - timedelta(days=6),
                5.5,
                report,
            )
            with database.write() as session:
                story.drift = check_drift(
                    session,
                    "support-v1",
                    Window(since=now - timedelta(days=7), config=REGRESSED.name),
                    embed=answer_embedder(settings.embedder),
                )
        with _timed(story, "profiles"):
            story.profiles = profile_configs(
                database,
                settings,
                target,
                BASELINE.name,
                REGRESSED.name,
                plan.samples,
                plan.profiled,
                report,
            )
    finally:
        target.close()
    return story


def _stable_low_risk(story: Story) -> str | None:
    """Return the stable replayed run of least risk (clear tickets before ambiguous ones)."""
    stable = [r for r, o in story.replays.items() if not o.result.unstable]
    return min(
        stable,
        key=lambda r: (story.tickets[r].ambiguous_between is not None, story.risks.get(r) or 0.0),
        default=None,
    )


def story_urls(base_url: str, story: Story) -> list[tuple[str, str]]:
    """Return the story's pages in order, each with what it shows."""
    urls = [("Stability overview: distribution, trends, drift alerts", f"{base_url}/overview")]
    stable = _stable_low_risk(story)
    if stable:
        risk = story.risks.get(stable) or 0.0
        # Say what the page will show: the dashboard colours risk 30 and above amber.
        what = (
            f"A stable, low-risk ticket (risk {risk:.0f})"
            if risk < AMBER_RISK
            else f"The stable ticket of least risk (risk {risk:.0f}: none of the replayed is low)"
        )
        urls.append((what, f"{base_url}/runs/{stable}"))
    unstable = unstable_tax(story) or [r for r, o in story.replays.items() if o.result.unstable]
    if unstable:
        run_id = unstable[0]
        kind = (
            "tax" if is_tax(story.tickets[run_id]) else story.tickets[run_id].gold_category.lower()
        )
        urls.append((f"An unstable {kind} ticket", f"{base_url}/runs/{run_id}"))
        urls.append(("Its replay comparison", f"{base_url}/replays/{story.replays[run_id].set_id}"))
        if run_id in story.healed:
            heal = story.healed[run_id]
            what = "The healed run" if heal["healed"] else "Its heal attempt, rejected"
            urls.append((what, f"{base_url}/runs/{heal['healed_run_id']}"))
    alerts = story.drift is not None and bool(story.drift.new_alerts)
    urls.append(
        (
            "The regression: drift alerts of the changed configuration against baseline support-v1",
            f"{base_url}/overview#{'drift-alerts' if alerts else 'alerts-title'}",
        )
    )
    urls.append(
        (
            f"Reliability: {BASELINE.name} and {REGRESSED.name} side by side",
            f"{base_url}/reliability?workflow=support&config={BASELINE.name}"
            f"&config={REGRESSED.name}",
        )
    )
    return urls


def summary(story: Story) -> dict[str, Any]:
    """Return the story as JSON-ready data."""
    return {
        "runs": {name: len(ids) for name, ids in story.runs.items()},
        "replayed": {r: round(o.result.score, 1) for r, o in story.replays.items()},
        "tax_replayed": [r for r in story.replays if is_tax(story.tickets[r])],
        "unstable": [r for r, o in story.replays.items() if o.result.unstable],
        "unstable_tax": unstable_tax(story),
        "healed": {
            r: {
                "after": round(h["after"], 1),
                "healed": h["healed"],
                "rerun": h["healed_run_id"],
                "rejected": h["rejected"] + h["unresolved"],
            }
            for r, h in story.healed.items()
        },
        "drift": story.drift
        and {
            "verdict": str(story.drift.report.verdict),
            "alerts": [a.indicator for a in story.drift.new_alerts],
            "checked": [ind.name for ind in story.drift.report.indicators],
        },
        "profiles": _profile_summary(story.profiles),
        "timings_s": story.timings_s,
    }


def _profile_summary(profiles: dict[str, Any]) -> dict[str, Any]:
    """Return each profile's metric values, and what the comparison marks worse or better."""
    if not profiles:
        return {}
    found: dict[str, Any] = {
        p["label"]: {m["key"]: m["value"] for m in p["metrics"]} for p in profiles["profiles"]
    }
    found["replayed_items"] = profiles["replayed_items"]
    found["paired_items"] = profiles["paired_items"]
    for comparison in profiles["comparisons"]:
        marked = [d for d in comparison["differences"] if d["beyond_intervals"]]
        found["worse"] = [d["key"] for d in marked if d["verdict"] == "worse"]
        found["better"] = [d["key"] for d in marked if d["verdict"] == "better"]
        found["worst_case"] = comparison["worst_case"]
    return found
