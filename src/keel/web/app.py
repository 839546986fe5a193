"""`create_app(settings)`: the FastAPI application and its lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from keel.core import sanitize
from keel.core.settings import Settings
from keel.core.timespan import parse_span
from keel.core.version import VERSION
from keel.drift.monitor import MonitorPlan, monitor
from keel.ingest.mapping_pool import MappingPool, default_workers
from keel.jobs.backend import open_jobs
from keel.store.engine import Database
from keel.web.assets import STATIC_DIR, StaticAssets, mount_assets
from keel.web.errors import install_error_handlers
from keel.web.headers import RefuseNul, SecurityHeaders
from keel.web.openapi import install_openapi
from keel.web.routes import (
    alerts,
    audit,
    baselines,
    health,
    items,
    jobs,
    keys,
    login,
    otlp,
    overview,
    policies,
    reliability,
    replays,
    reviews,
    runs,
)
from keel.web.templating import make_templates
from keel.web.views import alert as alert_view
from keel.web.views import audit as audit_view
from keel.web.views import heal as heal_view
from keel.web.views import items as items_view
from keel.web.views import overview as overview_view
from keel.web.views import reliability as reliability_view
from keel.web.views import replay_comparison as replay_comparison_view
from keel.web.views import review as review_view
from keel.web.views import run_baseline as run_baseline_view
from keel.web.views import run_detail as run_detail_view
from keel.web.views import runs as runs_view


def start_drift_monitor(settings: Settings, database: Database) -> asyncio.Task[None] | None:
    """Start the periodic drift check when configured (KEEL_DRIFT_MONITOR_*); else None."""
    names = tuple(n.strip() for n in settings.drift_monitor_baselines.split(",") if n.strip())
    if settings.drift_monitor_interval_s <= 0 or not names:
        return None
    window = parse_span(settings.drift_monitor_window, "KEEL_DRIFT_MONITOR_WINDOW")
    assert window is not None
    plan = MonitorPlan(
        names,
        settings.drift_monitor_interval_s,
        window,
        settings.embedder,
        settings.alert_webhook_url,
    )
    return asyncio.create_task(monitor(database, plan))


def open_mapping_pool(settings: Settings) -> MappingPool | None:
    """Return the OTLP mapping pool `settings` ask for (its workers start on the first export)."""
    workers = default_workers() if settings.ingest_workers is None else settings.ingest_workers
    if workers == 0:
        return None
    return MappingPool(workers, settings.all_redact_patterns(), settings.max_field_chars)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Return keel's ASGI app; it opens (and later disposes) its own database unless given one."""
    settings = settings or Settings()
    sanitize.configure(settings)  # the user's redaction patterns and field limit

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.database = database or Database(settings.resolved_database_url())
        monitoring = start_drift_monitor(settings, app.state.database)
        app.state.jobs = open_jobs(app.state.database, settings)
        app.state.mapping_pool = open_mapping_pool(settings)
        try:
            yield
        finally:
            if monitoring is not None:
                monitoring.cancel()
            if app.state.mapping_pool is not None:
                app.state.mapping_pool.close()
            app.state.jobs.shutdown()
            if owned:
                app.state.database.dispose()

    app = FastAPI(title="keel", version=VERSION, lifespan=lifespan)
    app.state.settings = settings
    assets = StaticAssets(STATIC_DIR)
    app.state.templates = make_templates(assets.url)
    install_error_handlers(app)
    app.add_middleware(RefuseNul)
    app.add_middleware(SecurityHeaders)
    app.include_router(health.router)
    app.include_router(runs.router)
    app.include_router(items.router)
    app.include_router(otlp.router)
    app.include_router(replays.router)
    app.include_router(jobs.router)
    app.include_router(overview.router)
    app.include_router(alerts.router)
    app.include_router(baselines.router)
    app.include_router(reliability.router)
    app.include_router(runs_view.router)
    app.include_router(run_detail_view.router)
    app.include_router(items_view.router)
    app.include_router(run_baseline_view.router)
    app.include_router(replay_comparison_view.router)
    app.include_router(heal_view.router)
    app.include_router(overview_view.router)
    app.include_router(alert_view.router)
    app.include_router(reliability_view.router)
    mount_assets(app, assets)
    app.include_router(keys.router)
    app.include_router(audit.router)
    app.include_router(login.router)
    app.include_router(reviews.router)
    app.include_router(policies.router)
    app.include_router(review_view.router)
    app.include_router(audit_view.router)
    install_openapi(app)
    return app
