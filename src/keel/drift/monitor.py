"""Periodic drift checks inside `keel serve` (off by default; cron + `keel drift check` also work).

Several keel servers may run this at once on one database: alerts are de-duplicated by key, and
the webhook only receives alerts not yet delivered, so nothing is raised or posted twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from keel.core.errors import KeelError
from keel.drift.check import DriftCheck, Window, check_drift
from keel.drift.embedding import answer_embedder
from keel.drift.webhook import deliver_pending
from keel.store.engine import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonitorPlan:
    """Which baselines to check, how often, over how long a trailing window."""

    baselines: tuple[str, ...]
    interval_s: float
    window: timedelta
    embedder: str
    webhook_url: str | None = None


def check_once(database: Database, plan: MonitorPlan) -> list[DriftCheck]:
    """Check each baseline's trailing window once; a baseline that fails is logged, not fatal."""
    done: list[DriftCheck] = []
    since = datetime.now(UTC) - plan.window
    for name in plan.baselines:
        try:
            with database.write() as session:
                done.append(
                    check_drift(
                        session, name, Window(since=since), embed=answer_embedder(plan.embedder)
                    )
                )
        except KeelError as exc:
            log.warning("drift monitor: baseline %s not checked: %s", name, exc.message)
    if plan.webhook_url:
        deliver_pending(database, plan.webhook_url)
    return done


async def monitor(database: Database, plan: MonitorPlan) -> None:
    """Run `check_once` every `plan.interval_s` seconds until cancelled."""
    while True:
        await asyncio.sleep(plan.interval_s)
        checks = await asyncio.to_thread(check_once, database, plan)
        for result in checks:
            log.info("drift monitor: %s -> %s", result.baseline.name, result.report.verdict)
