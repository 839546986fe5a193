"""`keel serve`: migrate the database, then serve the API and dashboard with uvicorn.

Bound to anything but a loopback address, keel refuses to start while no key exists (neither
KEEL_API_KEY nor a key made with `keel keys create`): everyone who can reach the port could
read and write every run. `--insecure` starts it anyway.
"""

from __future__ import annotations

import gc
import ipaddress

import typer

from keel.cli.context import cli_settings
from keel.cli.database import migrated_url, open_database
from keel.cli.output import keel_errors
from keel.cli.policy import load_policy_dir
from keel.core.errors import Forbidden


def is_loopback(host: str) -> bool:
    """Return whether `host` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_exposure(host: str, insecure: bool) -> None:
    from keel.auth.keys import keys_configured

    settings = cli_settings()
    if insecure or is_loopback(host):
        return
    with open_database(settings) as database, database.read() as session:
        if keys_configured(session, settings.bootstrap_key()):
            return
    raise Forbidden(
        f"refusing to serve on {host} without a key: anyone who reaches it could read and "
        "write every run. Set KEEL_API_KEY (or `keel keys create admin`), bind to 127.0.0.1, "
        "or pass --insecure",
        field="--host",
    )


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    insecure: bool = typer.Option(
        False, "--insecure", help="Serve beyond loopback even though no key exists."
    ),
) -> None:
    """Serve the JSON API, the OTLP receiver and the dashboard."""
    import uvicorn

    from keel.web.app import create_app

    settings = cli_settings()
    with keel_errors():
        migrated_url(settings)
        _check_exposure(host, insecure)
    if settings.policy_dir is not None:
        load_policy_dir(settings, settings.policy_dir)
    app = create_app(settings)
    # What is loaded by now lives as long as the server. Frozen, the cycle collector's full
    # passes stop re-scanning it every few requests: they took a quarter of the server's CPU
    # while ingesting (bench/ingest.py), a tenth after.
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level=log_level)
