"""Keep one MCP tool server open across many agent runs, for callers that are not async.

Replays run the support agent again and again; starting `keel mcp serve` for each run would
cost more than the run. The host owns an event loop on a thread, where one long-lived task
opens the tool client and then serves jobs from a queue, so the client is entered and closed in
the same task, as the MCP SDK requires.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from keel.reference.agents.tool_client import KEEL_SERVER_COMMAND, ToolClient, tool_client

T = TypeVar("T")
Job = tuple[Callable[[ToolClient], Awaitable[Any]], Future[Any]]


class ToolHost:
    """One tool server for the host's lifetime; `run` executes a coroutine against it."""

    def __init__(self, env: dict[str, str], command: tuple[str, ...] = KEEL_SERVER_COMMAND) -> None:
        self.env = env
        self.command = command
        self._loop = asyncio.new_event_loop()
        self._jobs: asyncio.Queue[Job | None] | None = None
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._main, name="keel-tool-host", daemon=True)
        self._thread.start()
        self._ready.result(timeout=120)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._jobs = asyncio.Queue()
        try:
            async with tool_client(self.command, self.env) as tools:
                self._ready.set_result(None)
                while (job := await self._jobs.get()) is not None:
                    work, result = job
                    try:
                        result.set_result(await work(tools))
                    except Exception as exc:
                        result.set_exception(exc)
        except Exception as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)

    def run(self, work: Callable[[ToolClient], Awaitable[T]]) -> T:
        """Run `work(tools)` on the host's loop and return its result."""
        result: Future[T] = Future()
        assert self._jobs is not None
        self._loop.call_soon_threadsafe(self._jobs.put_nowait, (work, result))
        return result.result()

    def close(self) -> None:
        """Stop the tool server and the loop's thread."""
        if self._thread.is_alive() and self._jobs is not None:
            self._loop.call_soon_threadsafe(self._jobs.put_nowait, None)
            self._thread.join(timeout=30)
