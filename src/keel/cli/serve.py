"""`keel serve`: migrate the database, then serve the API and dashboard with uvicorn."""

from __future__ import annotations

import gc

import typer

from keel.cli.context import cli_settings
from keel.cli.policy import load_policy_dir


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Serve the JSON API, the OTLP receiver and the dashboard."""
    import uvicorn

    from keel.store.migrate import upgrade
    from keel.web.app import create_app

    settings = cli_settings()
    upgrade(settings.resolved_database_url())
    if settings.policy_dir is not None:
        load_policy_dir(settings, settings.policy_dir)
    app = create_app(settings)
    # What is loaded by now lives as long as the server. Frozen, the cycle collector's full
    # passes stop re-scanning it every few requests: they took a quarter of the server's CPU
    # while ingesting (bench/ingest.py), a tenth after.
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level=log_level)
