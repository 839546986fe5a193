"""`keel model serve`: an offline OpenAI-compatible endpoint over keel's grounded sampler."""

from __future__ import annotations

import typer

from keel.cli.context import cli_settings

app = typer.Typer(help="keel's offline model.", no_args_is_help=True)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8100, help="TCP port."),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
) -> None:
    """Serve POST /v1/chat/completions backed by the offline grounded sampler (no API key)."""
    import uvicorn

    from keel.reference.offline_model.chat_server import create_chat_app
    from keel.reference.offline_model.grounded_sampler import GroundedSampler

    app_ = create_chat_app(GroundedSampler(cli_settings().embedder))
    uvicorn.run(app_, host=host, port=port, log_level=log_level)
