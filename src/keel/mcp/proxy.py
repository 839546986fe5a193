"""`keel mcp proxy -- CMD ARGS...`: a stdio proxy between any MCP client and any MCP server.

The proxy starts CMD, then copies bytes client -> server and server -> client exactly as they
arrive (chunks are forwarded before anything looks at them, and never re-serialised). A copy
of each chunk goes to a `TrafficWatcher`, which records the `tools/call` requests and their
responses. When the server exits, the calls it never answered are recorded as errors and the
client gets a JSON-RPC error for each (so no client waits forever), and the proxy exits with the
server's exit code. When the client hangs up, the server's stdin is closed and it gets
`grace_s` to exit before it is terminated.

In a replay (a `ReplayToolPolicy` handed over by the replaying process), the proxy forwards
whole lines instead of raw chunks, and a tools/call of a tool the server did not declare
read-only never reaches the server: the proxy answers it itself (keel.mcp.replay_gate).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import stat
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from keel.core.errors import InvalidInput
from keel.core.records import RunStatus
from keel.core.redaction import redact_text
from keel.core.side_effects import ReplayToolPolicy
from keel.mcp.recorder import CallOutcome
from keel.mcp.store_recorder import StoreRecorder
from keel.mcp.watcher import LineBuffer, TrafficWatcher, closed_error_line

if TYPE_CHECKING:
    from keel.store.engine import Database

logger = logging.getLogger(__name__)
CHUNK_BYTES = 64 * 1024
TERMINATE_WAIT_S = 2.0
#: Calls finishing within this window share one store transaction (docs/benchmarks.md).
RECORD_BATCH_WINDOW_S = 0.2
#: The forwarding loop takes the GIL back from the recorder's thread within this (default 5 ms).
GIL_SWITCH_INTERVAL_S = 0.0005
ReadChunk = Callable[[], Awaitable[bytes]]
WriteChunk = Callable[[bytes], Awaitable[None]]


def _pollable(fd: int) -> bool:
    """Whether the event loop can watch `fd`: a pipe or socket, not a file or /dev/null."""
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


async def _client_reader() -> ReadChunk:
    """Return a reader of this process's stdin: an event-loop pipe, or a thread for files."""
    loop = asyncio.get_running_loop()
    if not _pollable(sys.stdin.fileno()):  # `< requests.jsonl`, `< /dev/null`
        return lambda: loop.run_in_executor(None, os.read, sys.stdin.fileno(), CHUNK_BYTES)
    reader = asyncio.StreamReader(limit=CHUNK_BYTES)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    return lambda: reader.read(CHUNK_BYTES)


async def _client_writer() -> WriteChunk:
    """Return a writer to this process's stdout: an event-loop pipe, or plain writes for files."""
    loop = asyncio.get_running_loop()
    if not _pollable(sys.stdout.fileno()):
        out = sys.stdout.buffer

        async def write_file(data: bytes) -> None:
            out.write(data)
            out.flush()

        return write_file
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, sys.stdout.buffer
    )
    writer = asyncio.StreamWriter(transport, protocol, None, loop)

    async def write_pipe(data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    return write_pipe


def _watch(inspect: Callable[[bytes, float], None], chunk: bytes, received_perf: float) -> None:
    """Hand a forwarded chunk to the watcher; a fault there must never stop the traffic."""
    try:
        inspect(chunk, received_perf)
    except Exception:
        logger.exception("keel mcp proxy could not read a message; traffic continues unrecorded")


def _gated(chunk: bytes, lines: LineBuffer, watcher: TrafficWatcher) -> tuple[bytes, list[bytes]]:
    """Return the complete lines of `chunk` to forward, and the gate's own answers."""
    forward, answers = [], []
    for line in lines.feed(chunk):
        kept, answered = watcher.gate_line(line, time.perf_counter())
        if kept is not None:
            forward.append(kept + b"\n")
        answers += answered
    return b"".join(forward), answers


async def _to_server(
    read: ReadChunk, process: asyncio.subprocess.Process, watcher: TrafficWatcher, write: WriteChunk
) -> None:
    """Copy client bytes to the server until the client hangs up; then close the server's stdin."""
    assert process.stdin is not None
    lines = LineBuffer()
    try:
        while chunk := await read():
            received_perf = time.perf_counter()  # before forwarding: a call starts when sent
            if watcher.gate is not None:
                chunk, answers = _gated(chunk, lines, watcher)
                for answer in answers:
                    await write(answer)
            process.stdin.write(chunk)
            await process.stdin.drain()
            _watch(watcher.client_chunk, chunk, received_perf)
    except (BrokenPipeError, ConnectionResetError):
        return  # the server is gone; the other pump sees its output end
    with contextlib.suppress(OSError):
        process.stdin.close()


async def _to_client(
    process: asyncio.subprocess.Process, write: WriteChunk, watcher: TrafficWatcher
) -> None:
    """Copy server bytes to the client until the server's stdout ends."""
    assert process.stdout is not None
    lines = LineBuffer()
    while chunk := await process.stdout.read(CHUNK_BYTES):
        received_perf = time.perf_counter()
        if watcher.gate is not None:  # whole lines only: the gate's answers go in between
            chunk = b"".join(line + b"\n" for line in lines.feed(chunk))
        try:
            await write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client is gone
        _watch(watcher.server_chunk, chunk, received_perf)


async def _stop(process: asyncio.subprocess.Process, grace_s: float) -> tuple[int, bool]:
    """Wait up to `grace_s` for the server to exit, then terminate, then kill.

    Return its return code, and whether the proxy had to stop it.
    """
    for ask, wait_s in ((None, grace_s), (process.terminate, TERMINATE_WAIT_S)):
        if ask is not None:
            with contextlib.suppress(ProcessLookupError):
                ask()
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(process.wait(), wait_s), ask is not None
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    return await process.wait(), True


@dataclass(frozen=True)
class ProxyEnd:
    """How a proxied session ended: the server's return code, and whether the proxy stopped it
    (the client had left and the server lingered, or the proxy itself was told to stop)."""

    returncode: int
    stopped_by_proxy: bool

    @property
    def exit_status(self) -> int:
        """The shell-style exit status to leave with (signal N -> 128 + N)."""
        return 128 - self.returncode if self.returncode < 0 else self.returncode

    @property
    def server_failed(self) -> bool:
        """Whether the server ended in failure on its own."""
        return self.returncode != 0 and not self.stopped_by_proxy


async def run_proxy(
    command: list[str], watcher: TrafficWatcher, *, grace_s: float = 5.0
) -> ProxyEnd:
    """Proxy this process's stdio to `command` until either side ends; return how it ended."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
    except OSError as exc:
        raise InvalidInput(f"cannot start {command[0]!r}: {exc}", field="command") from exc
    write = await _client_writer()
    to_server = asyncio.create_task(_to_server(await _client_reader(), process, watcher, write))
    to_client = asyncio.create_task(_to_client(process, write, watcher))
    interrupted = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, interrupted.set)
    stop_wait = asyncio.create_task(interrupted.wait())
    await asyncio.wait({to_client, to_server, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
    if to_server.done() and not interrupted.is_set():
        # The client hung up: the server saw EOF on stdin and should finish its output.
        await asyncio.wait(
            {to_client, stop_wait}, timeout=grace_s, return_when=asyncio.FIRST_COMPLETED
        )
    returncode, stopped = await _stop(process, 0 if interrupted.is_set() else grace_s)
    await _finish(watcher, write, returncode, interrupted.is_set())
    for task in (to_server, to_client, stop_wait):
        task.cancel()
    await asyncio.gather(to_server, to_client, stop_wait, return_exceptions=True)
    return ProxyEnd(returncode, stopped)


async def _finish(
    watcher: TrafficWatcher, write: WriteChunk, returncode: int, interrupted: bool
) -> None:
    """Record the calls the server never answered, and answer them to the client with an error."""
    if interrupted:
        failure, outcome = "keel mcp proxy was interrupted before the answer", CallOutcome.CANCELLED
    else:
        failure = f"MCP server exited with code {returncode} before answering"
        outcome = CallOutcome.SERVER_EXITED
    for request_id in watcher.fail_pending(failure, outcome):
        with contextlib.suppress(OSError):
            await write(closed_error_line(request_id, failure))


def proxy_and_record(
    command: list[str],
    database: Database | Callable[[], Database],
    *,
    run_id: str,
    server_name: str | None = None,
    grace_s: float = 5.0,
    parent_run_id: str | None = None,
    gate: ReplayToolPolicy | None = None,
) -> int:
    """Proxy stdio to `command`, recording its tool calls into run `run_id`; return exit status.

    A run this creates is RUNNING while the proxy runs, then COMPLETED, or FAILED when the
    server exits non-zero on its own or leaves calls unanswered. An existing run keeps its status.
    """
    inputs = {"server_command": redact_text(shlex.join(command))[:512]}
    # The store is opened on the recorder's thread: the server starts and traffic flows while
    # SQLAlchemy loads and migrations run (session start), and calls made meanwhile queue.
    recorder = StoreRecorder(
        database,
        run_id,
        inputs=inputs,
        batch_window_s=RECORD_BATCH_WINDOW_S,
        parent_run_id=parent_run_id,
    ).open(in_background=True)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    watcher = TrafficWatcher(
        recorder,
        server_name or Path(command[0]).name,
        fixed_name=server_name is not None,
        gate=gate,
    )
    status, error = RunStatus.FAILED, "keel mcp proxy stopped unexpectedly"
    try:
        end = asyncio.run(run_proxy(command, watcher, grace_s=grace_s))
        if end.server_failed or watcher.unanswered:
            error = (
                f"MCP server exited with status {end.exit_status}; "
                f"{watcher.unanswered} call(s) unanswered"
            )
        else:
            status, error = RunStatus.COMPLETED, None
        return end.exit_status
    finally:
        recorder.close(status, error)
