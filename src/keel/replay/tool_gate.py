"""The tool gate of one replay set: which calls its replays (and a heal rerun) may execute.

See keel.core.side_effects for the rule; this builds the policy from the store: the base run's
recorded calls (and those of runs recorded under it, e.g. by `keel mcp proxy --parent-run-id`)
and the tools the person replaying opted in with `--live-tools`, an opt-in that is audited.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from keel.core.side_effects import ReplayToolPolicy, recorded_calls
from keel.govern import audit
from keel.store.engine import Database
from keel.store.tool_calls import calls_of_run_and_children

#: The variable a replay sets for processes its target starts (an MCP proxy reads it).
POLICY_FILE_VARIABLE = "KEEL_REPLAY_TOOLS_FILE"


def tool_policy(
    database: Database, base_run_id: str, live_tools: Iterable[str]
) -> ReplayToolPolicy:
    """Return the gate for replays of `base_run_id`, with `live_tools` allowed to run."""
    with database.read() as session:
        calls = calls_of_run_and_children(session, base_run_id)
        recorded = recorded_calls(calls)
    return ReplayToolPolicy(base_run_id, recorded, frozenset(live_tools))


def audit_live_tools(
    session: Session, base_run_id: str, live_tools: Iterable[str], actor: str, what: str
) -> None:
    """Record, in the caller's transaction, that `what` may execute `live_tools` for real."""
    tools = sorted(set(live_tools))
    if tools:
        details = {"tools": tools, "for": what}
        audit.append(session, "replay.live_tools", audit.run_subject(base_run_id), actor, details)


@contextmanager
def policy_for_children(policy: ReplayToolPolicy | None) -> Iterator[None]:
    """Hand `policy` to processes started in the block (KEEL_REPLAY_TOOLS_FILE, a 0600 file).

    The environment is the process's, so replays of entrypoints that start processes run one at
    a time per process; the file is removed afterwards.
    """
    if policy is None:
        yield
        return
    handle, name = tempfile.mkstemp(prefix="keel-replay-tools-", suffix=".json")
    previous = os.environ.get(POLICY_FILE_VARIABLE)
    try:
        with os.fdopen(handle, "w") as out:
            out.write(policy.as_json())
        os.environ[POLICY_FILE_VARIABLE] = name
        yield
    finally:
        if previous is None:
            os.environ.pop(POLICY_FILE_VARIABLE, None)
        else:
            os.environ[POLICY_FILE_VARIABLE] = previous
        Path(name).unlink(missing_ok=True)
