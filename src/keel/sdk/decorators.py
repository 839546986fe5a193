"""`@keel.tool`: record calls of the host's tool functions (sync or async) on the current run.

`read_only=True` declares that a tool only reads (MCP's readOnlyHint; `destructive`,
`idempotent` and `open_world` are the other hints). In a replay or a heal rerun only read-only
tools run for real: any other one answers with the base run's recorded result for the same
arguments, or raises NotExecutedInReplay (keel.core.side_effects). A tool that says nothing
counts as not read-only.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar, overload

from keel.core.side_effects import RECORDED, ToolDecision, ToolEffects
from keel.sdk.replay_context import active_replay, replay_for_tools
from keel.sdk.tool_constraints import constrain_arguments, constrain_result
from keel.sdk.tracer import PendingToolCall, current_run, guarded

F = TypeVar("F", bound=Callable[..., Any])


class NotExecutedInReplay(RuntimeError):
    """Raised in place of a tool with side effects that a replay did not run."""


class RecordedToolError(RuntimeError):
    """Raised in a replay in place of a tool whose recorded call failed with this error."""


@overload
def tool(
    fn: F,
    *,
    name: str | None = None,
    server: str | None = None,
    read_only: bool | None = None,
    destructive: bool | None = None,
    idempotent: bool | None = None,
    open_world: bool | None = None,
) -> F: ...


@overload
def tool(
    fn: str | None = None,
    *,
    name: str | None = None,
    server: str | None = None,
    read_only: bool | None = None,
    destructive: bool | None = None,
    idempotent: bool | None = None,
    open_world: bool | None = None,
) -> Callable[[F], F]: ...


def tool(
    fn: Any = None,
    *,
    name: str | None = None,
    server: str | None = None,
    read_only: bool | None = None,
    destructive: bool | None = None,
    idempotent: bool | None = None,
    open_world: bool | None = None,
) -> Any:
    """Decorate a tool function so each call inside `trace_run` is recorded as a tool call.

    Use as `@keel.tool`, `@keel.tool()`, `@keel.tool("search", read_only=True)` or
    `@keel.tool(name="transfer", read_only=False, destructive=True)`.
    Arguments are bound to parameter names (defaults applied, `self`/`cls` left out) and kept
    only as a digest and a redacted preview. Outside a traced run the function is just called.
    """
    effects = ToolEffects(read_only, destructive, idempotent, open_world)
    if isinstance(fn, str):
        fn, name = None, fn
    if fn is None:
        return lambda target: _wrap(target, name, server, effects)
    return _wrap(fn, name, server, effects)


def _constraint() -> dict[str, Any] | None:
    """Return the P3 constraint of the replay this call runs in (None outside replays)."""
    replay = active_replay()
    return replay.constraint if replay is not None else None


def _decision(tool_name: str, pending: PendingToolCall | None, effects: ToolEffects) -> Any:
    """Return the replay's decision on this call when it must not run for real, else None."""
    replay = replay_for_tools()
    if replay is None or replay.tools is None:
        return None
    digest = pending.digest if pending is not None else ""
    decision = replay.tools.decide(tool_name, digest, effects.read_only)
    return None if decision.execute else decision


def _answer_unrun(pending: PendingToolCall | None, decision: ToolDecision) -> Any:
    """Return (or raise) what a tool that did not run answers in a replay, and record it."""
    recorded = decision.recorded
    if recorded is not None and recorded.error is None:
        if pending is not None:
            pending.end(result=recorded.result, replay=RECORDED)
        return recorded.result
    exc: Exception = (
        RecordedToolError(recorded.error)
        if recorded is not None
        else NotExecutedInReplay(decision.message)
    )
    if pending is not None:
        pending.end(error=exc, replay=decision.how)
    raise exc


def _wrap(fn: F, name: str | None, server: str | None, effects: ToolEffects) -> F:
    tool_name = name or getattr(fn, "__name__", None) or type(fn).__name__
    arguments = _binder(fn)

    def start(args: tuple[Any, ...], kwargs: dict[str, Any]) -> PendingToolCall | None:
        run = current_run()
        if run is None:
            return None
        return _start(run, tool_name, lambda: arguments(args, kwargs), server, effects)

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def call_async(*args: Any, **kwargs: Any) -> Any:
            pending = start(args, kwargs)
            decision = _decision(tool_name, pending, effects)
            if decision is not None:
                return _answer_unrun(pending, decision)
            if pending is None:
                return await fn(*args, **kwargs)
            constraint = _constraint()
            try:
                args, kwargs, delay_s = constrain_arguments(constraint, tool_name, fn, args, kwargs)
                if delay_s:
                    await asyncio.sleep(delay_s)
                result = constrain_result(constraint, tool_name, await fn(*args, **kwargs))
            except BaseException as exc:
                pending.end(error=exc)
                raise
            pending.end(result=result)
            return result

        call_async.__keel_tool__ = effects  # type: ignore[attr-defined]
        return call_async  # type: ignore[return-value]

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        pending = start(args, kwargs)
        decision = _decision(tool_name, pending, effects)
        if decision is not None:
            return _answer_unrun(pending, decision)
        if pending is None:
            return fn(*args, **kwargs)
        constraint = _constraint()
        try:
            args, kwargs, delay_s = constrain_arguments(constraint, tool_name, fn, args, kwargs)
            if delay_s:
                time.sleep(delay_s)
            result = constrain_result(constraint, tool_name, fn(*args, **kwargs))
        except BaseException as exc:
            pending.end(error=exc)
            raise
        pending.end(result=result)
        return result

    call.__keel_tool__ = effects  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


@guarded
def _start(
    run: Any, tool_name: str, arguments: Callable[[], Any], server: str | None, effects: ToolEffects
) -> PendingToolCall:
    return run.start_tool_call(tool_name, arguments(), server, effects)


def _binder(fn: Callable[..., Any]) -> Callable[[tuple[Any, ...], dict[str, Any]], Any]:
    """Return a function mapping a call's positional and keyword arguments to named ones."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        signature = None
    params = list(signature.parameters) if signature is not None else []
    # `self`/`cls` would put an object's repr (with its memory address) into the digest.
    skip = params[0] if params and params[0] in ("self", "cls") else None

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if signature is None:
            return {"args": list(args), "kwargs": kwargs}
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:  # the call itself will fail the same way; record what was passed
            return {"args": list(args), "kwargs": kwargs}
        bound.apply_defaults()
        return {key: value for key, value in bound.arguments.items() if key != skip}

    return bind
