"""`create_app(settings)`: the FastAPI application and its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import keel
from keel.config import Settings
from keel.store.engine import Database
from keel.web.errors import install_error_handlers
from keel.web.routes import health, otlp, runs


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Return keel's ASGI app; it opens (and later disposes) its own database unless given one."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.database = database or Database(settings.resolved_database_url())
        try:
            yield
        finally:
            if owned:
                app.state.database.dispose()

    app = FastAPI(title="keel", version=keel.__version__, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(runs.router)
    app.include_router(otlp.router)
    return app
