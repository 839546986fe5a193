"""The replay engine: plan a budget, re-execute the run under each perturbation, score agreement.

A replay set lives in the database from the start (queued → running → completed / failed) with
its progress, so any keel process can show it, and a worker elsewhere can run it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from keel.core.errors import Cancelled, Conflict, NotFound
from keel.core.records import RunStatus
from keel.core.redaction import args_digest
from keel.evaluate.contract import contract_for
from keel.evaluate.generation import BASE
from keel.evaluate.stability import StabilityConfig, StabilityResult, stability
from keel.govern import audit
from keel.govern.assessment import refresh_risk
from keel.models.embeddings import Embedder
from keel.replay.generations import generation_of
from keel.replay.plan import Perturbation, ReplaySpec, plan_replays
from keel.replay.target import ReplayTarget
from keel.replay.tool_gate import audit_live_tools, tool_policy
from keel.store.engine import Database
from keel.store.replays import (
    add_replay,
    create_replay_set,
    finish_replay_set,
    replay_set_detail,
    score_run,
    stored_replay,
)
from keel.store.runs import RunDetail, run_detail

Progress = Callable[[int, int], None]


@dataclass
class ReplayOutcome:
    """A finished replay set: its id, the base run and the stability it measured."""

    set_id: str
    base_run_id: str
    result: StabilityResult


def load_run(database: Database, run_id: str) -> RunDetail:
    """Return run `run_id` with its events and tool calls, or raise NotFound."""
    with database.read() as session:
        detail = run_detail(session, run_id)
    if detail is None:
        raise NotFound(f"no run with id {run_id!r}", field="run_id")
    return detail


def resolve_target(base: RunDetail, targets: Sequence[ReplayTarget]) -> ReplayTarget:
    """Return the target that can re-execute `base`, or raise Conflict saying why none can."""
    for target in targets:
        if target.accepts(base):
            reason = target.unreplayable_reason(base)
            if reason:
                raise Conflict(f"run {base.run.run_id} cannot be replayed: {reason}", "run_id")
            return target
    raise Conflict(
        f"run {base.run.run_id} ({base.run.source}, workflow {base.run.workflow_type}) cannot be "
        "replayed: keel did not run it and it carries no replayable entrypoint or captured LLM "
        "messages. Decorate the agent with @keel.replayable, or turn on message capture in "
        "your OpenTelemetry instrumentation.",
        field="run_id",
    )


def replays_of(
    base: RunDetail, perturbations: Sequence[Perturbation], samples: int, seed: int
) -> list[ReplaySpec]:
    """Return the replays a budget of `base` holds (perturbations drawn for its inputs)."""
    return plan_replays(perturbations, samples, seed, args_digest(base.run.inputs))


def start_replay_set(
    database: Database,
    run_id: str,
    perturbations: Sequence[Perturbation],
    samples: int,
    seed: int,
    targets: Sequence[ReplayTarget],
    live_tools: Iterable[str] = (),
    actor: str = "keel",
) -> str:
    """Check that run `run_id` can be replayed, store a queued set for it, return its id.

    `live_tools` may run for real in its replays (every other tool with side effects is
    answered from the record, keel.core.side_effects); that opt-in is audited as `actor`'s.
    """
    base = load_run(database, run_id)
    resolve_target(base, targets)
    specs = replays_of(base, perturbations, samples, seed)
    set_id = f"rs-{uuid.uuid4().hex[:16]}"
    kinds = list(dict.fromkeys(str(spec.perturbation) for spec in specs))
    live = sorted(set(live_tools))
    with database.write() as session:
        replay_set = create_replay_set(session, set_id, run_id, seed, kinds, samples, len(specs))
        if live:
            replay_set.perturbations = {**replay_set.perturbations, "live_tools": live}
            audit_live_tools(session, run_id, live, actor, f"replay set {set_id}")
    return set_id


def _run_one(
    database: Database,
    base: RunDetail,
    target: ReplayTarget,
    spec: ReplaySpec,
    set_id: str,
    live_tools: Sequence[str],
) -> RunDetail:
    """Run one replay and store it, unless an earlier attempt at the set already did."""
    replay_id = f"{set_id}:{spec.perturbation}:{spec.sample}"
    replay_run_id = f"{set_id}-{spec.perturbation}-{spec.sample}"
    with database.read() as session:
        stored = stored_replay(session, replay_id)
        # A worker that died between storing the run and recording the replay left the run.
        ran = stored is not None or run_detail(session, replay_run_id) is not None
    perturbed = target.perturb(base, spec)
    if not ran:
        perturbed.tools = tool_policy(database, base.run.run_id, live_tools)
        target.execute(base, perturbed, spec, replay_run_id)
    with database.write() as session:
        if stored is None:
            add_replay(
                session,
                replay_id,
                set_id,
                base.run.run_id,
                str(spec.perturbation),
                spec.sample,
                replay_run_id,
                {"perturbation": perturbed.record, "generation_seed": spec.generation_seed},
            )
        detail = run_detail(session, replay_run_id)
    if detail is None:
        raise Conflict(f"replay target {target.name} stored no run {replay_run_id}", "run_id")
    return detail


def _run_all(
    run: Callable[[ReplaySpec], RunDetail],
    specs: Sequence[ReplaySpec],
    concurrency: int,
    stop: Callable[[], bool],
    progress: Progress | None,
) -> list[RunDetail]:
    """Return `run(spec)` of every spec in plan order, at most `concurrency` at once.

    `stop` is asked before each replay starts; once it says so, no further replay starts.
    """

    def guarded(spec: ReplaySpec) -> RunDetail:
        if stop():
            raise Cancelled("the replay set was cancelled", field="set_id")
        return run(spec)

    with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="keel-replay") as pool:
        futures = [pool.submit(guarded, spec) for spec in specs]
        try:
            for done, finished in enumerate(as_completed(futures), start=1):
                finished.result()
                if progress:
                    progress(done, len(specs))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [future.result() for future in futures]


def _new_status(current: str, result: StabilityResult) -> str | None:
    if current not in (RunStatus.COMPLETED, RunStatus.UNSTABLE):
        return None
    return RunStatus.UNSTABLE if result.unstable else RunStatus.COMPLETED


def run_replay_set(
    database: Database,
    set_id: str,
    targets: Sequence[ReplayTarget],
    embed: Embedder,
    progress: Progress | None = None,
    *,
    concurrency: int = 1,
    stop: Callable[[], bool] | None = None,
) -> ReplayOutcome:
    """Execute every replay of set `set_id`, score the run, and store both.

    The generations are compared on the fields of the base run's output contract. Up to
    `concurrency` replays run at once. Replays an earlier attempt stored are not run again, and
    a set is scored once: when another attempt finished it first (or it was cancelled), this
    one changes nothing. `stop` (asked before each replay) ends the attempt with Cancelled.
    """
    with database.read() as session:
        found = replay_set_detail(session, set_id)
    if found is None:
        raise NotFound(f"no replay set {set_id!r}", field="set_id")
    replay_set = found.replay_set
    base = load_run(database, replay_set.base_run_id)
    kinds = [Perturbation(kind) for kind in replay_set.perturbations["kinds"]]
    live_tools = list(replay_set.perturbations.get("live_tools", []))
    specs = replays_of(base, kinds, replay_set.samples, replay_set.seed)
    try:
        target = resolve_target(base, targets)
        generations = [generation_of(base, BASE, target.observed_output(base))]
        details = _run_all(
            lambda spec: _run_one(database, base, target, spec, set_id, live_tools),
            specs,
            concurrency,
            stop or (lambda: False),
            progress,
        )
        generations += [
            generation_of(d, str(s.perturbation)) for d, s in zip(details, specs, strict=True)
        ]
        outputs = [g.output for g in generations]
        contract = contract_for(base.run.workflow_type, base.run.inputs, outputs)
        result = stability(generations, embed, StabilityConfig(contract=contract))
    except Exception as exc:
        with database.write() as session:
            finish_replay_set(session, set_id, None, error=f"{type(exc).__name__}: {exc}")
        raise
    with database.write() as session:
        if not finish_replay_set(session, set_id, {"stability": result.as_dict()}):
            return ReplayOutcome(set_id, base.run.run_id, result)
        status = _new_status(base.run.status, result)
        score_run(session, base.run.run_id, result.score, status)
        session.flush()
        refresh_risk(session, base.run.run_id)
        details = {"replay_set": set_id, "stability": result.score, "status": status}
        audit.append(session, "run.replayed", audit.run_subject(base.run.run_id), "keel", details)
    return ReplayOutcome(set_id, base.run.run_id, result)
