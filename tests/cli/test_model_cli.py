"""`keel model serve --real`: its spec printed; Ctrl-C stops it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow


def _default_sigint() -> None:
    # as in a terminal: under xdist the worker ignores SIGINT, and an ignored SIGINT is
    # inherited (Python then installs no KeyboardInterrupt handler)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stopped(process: subprocess.Popen[bytes], how: signal.Signals) -> int:
    """Send `how` and return the exit code; kill the process if it did not stop in time."""
    process.send_signal(how)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    finally:
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_serve_real_prints_a_spec_that_reaches_the_model_and_stops_on_a_signal(
    how: signal.Signals,
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "keel", "model", "serve", "--real", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--json"],
        stdout=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        preexec_fn=_default_sigint,
    )
    try:
        assert process.stdout is not None
        printed = json.loads(process.stdout.readline())  # once the server answers
        assert printed["model"] == (f"openai:SmolLM2-135M-Instruct.Q4_1@http://127.0.0.1:{port}/v1")
        assert printed["threads"] == 2 and printed["gguf"].endswith(".Q4_1.gguf")
        models = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=10).json()
        assert [m["id"] for m in models["data"]] == ["SmolLM2-135M-Instruct.Q4_1"]
    finally:
        code = _stopped(process, how)
    assert code == 0
    # the model server went with it: nothing answers on its port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)
