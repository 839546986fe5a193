"""Real `keel serve` and `keel worker` processes for the jobs tests: started with an
environment, logged to a file, stopped politely or killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

SRC = Path(__file__).resolve().parents[2] / "src"


def keel_env(**values: str) -> dict[str, str]:
    """Return this environment without KEEL_* settings, plus `values` as KEEL_<NAME>."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")])
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.update({f"KEEL_{name.upper()}": value for name, value in values.items()})
    return env


class KeelProcess:
    """One `python -m keel ARGS...` child process."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> KeelProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "keel", *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgements, leases left to run out."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


class KeelServer(KeelProcess):
    """`keel serve` on a free port of 127.0.0.1."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(["serve", "--port", str(self.port), "--log-level", "warning"], env, log)

    def start(self) -> KeelServer:
        """Start the server and wait until it answers."""
        return self.launch().wait_ready()

    def launch(self) -> KeelServer:
        """Start the server without waiting for it."""
        super().start()
        return self

    def wait_ready(self) -> KeelServer:
        """Wait until the server answers /healthz."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"keel serve did not start: {self.log.read_text()[-2000:]}")


def keel_worker(env: dict[str, str], log: Path, concurrency: int) -> KeelProcess:
    """Return a started `keel worker --concurrency N`."""
    return KeelProcess(["worker", "--concurrency", str(concurrency)], env, log).start()
