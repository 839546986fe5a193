"""What running each kind of job does, given the database and this process's settings.

A replay set resumes where an earlier attempt stopped (keel.replay.engine). A drift check and a
baseline freeze store their result and finish their job in one transaction, so a retried one
finds its job finished and does nothing twice. A heal retried after its worker died starts its
rerun again.
"""

from __future__ import annotations

from collections.abc import Callable

from keel.core.settings import Settings
from keel.drift.baseline import create_baseline
from keel.drift.check import Window, check_drift
from keel.drift.embedding import answer_embedder
from keel.drift.webhook import deliver_pending
from keel.heal.controller import heal_run, run_queued_heal
from keel.jobs.kinds import JobKind
from keel.jobs.params import BaselineFreezeParams, DriftCheckParams, HealParams
from keel.models.embeddings import embedder
from keel.models.registry import calls_in_flight
from keel.replay.engine import run_replay_set
from keel.replay.registry import replay_targets
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.heal import heal_job
from keel.store.jobs import finish_job, job_row
from keel.store.models import Job

Stop = Callable[[], bool]


def replay_set_work(database: Database, settings: Settings, set_id: str, stop: Stop) -> None:
    """Run replay set `set_id`, as many replays at once as the model allows."""
    concurrency = calls_in_flight(settings.model, settings.replay_concurrency)
    with replay_targets(database, settings) as targets:
        embed = embedder(settings.embedder)
        run_replay_set(database, set_id, targets, embed, concurrency=concurrency, stop=stop)


def _job(database: Database, job_id: str) -> Job:
    with database.read() as session:
        job = job_row(session, job_id)
    assert job is not None, job_id  # a job is claimed, so it exists
    return job


def _failed(database: Database, job_id: str, exc: Exception) -> None:
    with database.write() as session:
        finish_job(session, job_id, None, error=f"{type(exc).__name__}: {exc}")


def heal_work(database: Database, settings: Settings, job_id: str, stop: Stop) -> None:
    """Heal the job's run and store the outcome on the job."""
    job = _job(database, job_id)
    params = HealParams.model_validate(job.params)
    with database.read() as session:
        # Queued from a page (`submit_heal`): run it as queued, so the run's page follows it.
        queued = (heal_job(session, params.run_id) or {}).get("status") == "queued"
    try:
        with replay_targets(database, settings) as targets:
            embed = embedder(settings.embedder)
            outcome = (
                run_queued_heal(database, params.run_id, targets, embed)
                if queued
                else heal_run(
                    database,
                    params.run_id,
                    targets,
                    embed,
                    samples=params.samples,
                    seed=params.seed,
                    live_tools=params.live_tools,
                    actor=job.actor,
                )
            )
    except Exception as exc:
        _failed(database, job_id, exc)
        raise
    with database.write() as session:
        finish_job(session, job_id, outcome.as_dict())


def drift_check_work(database: Database, settings: Settings, job_id: str, stop: Stop) -> None:
    """Check the job's window against its baseline; deliver new alerts to the webhook."""
    params = DriftCheckParams.model_validate(_job(database, job_id).params)
    window = Window(params.since, params.until, params.model, params.config)
    try:
        with database.write() as session:
            check = check_drift(
                session,
                params.baseline,
                window,
                embed=answer_embedder(settings.embedder),
                ignore=params.ignore,
            )
            result = {"verdict": str(check.report.verdict), "alerts": len(check.alerts)}
            finish_job(session, job_id, result)
    except Exception as exc:
        _failed(database, job_id, exc)
        raise
    if settings.alert_webhook_url:
        deliver_pending(database, settings.alert_webhook_url)


def baseline_freeze_work(database: Database, settings: Settings, job_id: str, stop: Stop) -> None:
    """Freeze the job's runs as its baseline."""
    job = _job(database, job_id)
    params = BaselineFreezeParams.model_validate(job.params)
    filters = PopulationFilter(
        params.workflow, params.model, params.config, params.since, params.until
    )
    embed = answer_embedder(settings.embedder) if params.embed else None
    try:
        with database.write() as session:
            baseline = create_baseline(session, params.name, filters, embed, actor=job.actor)
            finish_job(session, job_id, {"baseline": baseline.name, "n_runs": baseline.n_runs})
    except Exception as exc:
        _failed(database, job_id, exc)
        raise


WORK: dict[JobKind, Callable[[Database, Settings, str, Stop], None]] = {
    JobKind.REPLAY_SET: replay_set_work,
    JobKind.HEAL: heal_work,
    JobKind.DRIFT_CHECK: drift_check_work,
    JobKind.BASELINE_FREEZE: baseline_freeze_work,
}
