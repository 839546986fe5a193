"""Side effects are declared and never replayed live: which tool calls a replay may execute.

Tools declare what they do with MCP's standard tool annotations (`readOnlyHint`,
`destructiveHint`, `idempotentHint`, `openWorldHint`): keel's own MCP server declares them,
the proxy reads them from any server's `tools/list`, and `@keel.tool(read_only=...)` sets
them for a user's function. In a replay or a heal rerun, `ReplayToolPolicy.decide` says, per
call:
- a tool declared read-only runs for real;
- a tool the person replaying named (`--live-tools NAME`) runs for real (and that opt-in is
  audited);
- any other tool — not read-only, or not annotated at all — is NOT executed: it answers with
  the base run's recorded result when the arguments match (same digest), else with the tool
  error NOT_EXECUTED, which the comparison counts as a divergence (`comparison_digest`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

NOT_EXECUTED = "not executed in replay"
#: `result_meta["replay"]` of a call made in a replay: how it was answered.
LIVE, READ_ONLY, RECORDED, REFUSED = "live", "read_only", "recorded", "not_executed"
_HINTS = {
    "read_only": "readOnlyHint",
    "destructive": "destructiveHint",
    "idempotent": "idempotentHint",
    "open_world": "openWorldHint",
}


@dataclass(frozen=True)
class ToolEffects:
    """A tool's MCP annotations; None means the tool did not say (MCP's defaults apply)."""

    read_only: bool | None = None
    destructive: bool | None = None
    idempotent: bool | None = None
    open_world: bool | None = None

    @classmethod
    def from_hints(cls, hints: Mapping[str, Any] | None) -> ToolEffects:
        """Return the effects of a wire `annotations` object (camelCase hints)."""
        hints = hints or {}
        return cls(
            **{
                name: hints[hint] if isinstance(hints.get(hint), bool) else None
                for name, hint in _HINTS.items()
            }
        )

    def hints(self) -> dict[str, bool]:
        """Return the declared hints as MCP's wire names."""
        return {
            hint: value
            for name, hint in _HINTS.items()
            if (value := getattr(self, name)) is not None
        }


@dataclass(frozen=True)
class RecordedCall:
    """What the base run recorded of one call: enough to answer the same call again."""

    tool_name: str
    args_digest: str
    result: Any = None
    error: str | None = None


class StoredCall(Protocol):
    """A stored tool call as any layer reads it (the ORM row, a report row)."""

    tool_name: str
    args_digest: str
    result_meta: dict[str, Any]
    error: str | None


def recorded_result(result_meta: Mapping[str, Any]) -> Any:
    """Return a stored call's result from its preview: parsed JSON when it parses, else text."""
    preview = result_meta.get("preview")
    if not isinstance(preview, str):
        return None
    try:
        return json.loads(preview)
    except ValueError:
        return preview


def recorded_calls(calls: Iterable[StoredCall]) -> tuple[RecordedCall, ...]:
    """Return stored calls as the recorded answers a replay may give."""
    return tuple(
        RecordedCall(
            call.tool_name, call.args_digest, recorded_result(call.result_meta), call.error
        )
        for call in calls
        if call.result_meta.get("replay") != REFUSED  # a refusal is no recorded answer
    )


@dataclass(frozen=True)
class ToolDecision:
    """What a replay does with one call: execute it, answer from a record, or refuse it."""

    how: str
    recorded: RecordedCall | None = None
    message: str = ""

    @property
    def execute(self) -> bool:
        """Return whether the call runs for real."""
        return self.how in (LIVE, READ_ONLY)


@dataclass(frozen=True)
class ReplayToolPolicy:
    """The rule above, for the replays (or heal rerun) of one base run."""

    base_run_id: str
    recorded: tuple[RecordedCall, ...] = ()
    live_tools: frozenset[str] = field(default_factory=frozenset)

    def decide(self, tool_name: str, args_digest: str, read_only: bool | None) -> ToolDecision:
        """Return what to do with a call of `tool_name` whose arguments digest to `args_digest`."""
        if read_only is True:
            return ToolDecision(READ_ONLY)
        if tool_name in self.live_tools:
            return ToolDecision(LIVE)
        for call in self.recorded:
            if call.tool_name == tool_name and call.args_digest == args_digest:
                return ToolDecision(RECORDED, call)
        return ToolDecision(
            REFUSED,
            message=(
                f"{NOT_EXECUTED}: {tool_name} is not declared read-only and base run "
                f"{self.base_run_id} made no call to it with these arguments; replay with "
                f"--live-tools {tool_name} to run it for real"
            ),
        )

    def as_json(self) -> str:
        """Return the policy as JSON (how a replay hands it to a proxy in a child process)."""
        return json.dumps(
            {
                "base_run_id": self.base_run_id,
                "live_tools": sorted(self.live_tools),
                "recorded": [call.__dict__ for call in self.recorded],
            },
            default=str,
        )

    @classmethod
    def from_json(cls, text: str) -> ReplayToolPolicy:
        """Return the policy `as_json` wrote."""
        data = json.loads(text)
        return cls(
            str(data["base_run_id"]),
            tuple(RecordedCall(**call) for call in data.get("recorded", [])),
            frozenset(data.get("live_tools", [])),
        )


def comparison_digest(args_digest: str, result_meta: Mapping[str, Any]) -> str:
    """Return the digest comparisons use: a call refused in a replay never equals a real one."""
    if result_meta.get("replay") == REFUSED:
        return f"{args_digest}:{REFUSED}"
    return args_digest
