"""Tool-usage policies at work: load versions (audited), pick the one that applies to a run,
and check runs after ingestion, storing violations as policy flags that count toward risk.

Which policy applies to a workflow type: the most recently loaded version (`keel policy load`,
`POST /api/v1/policies`, or a file of KEEL_POLICY_DIR synced at `keel serve` start), else the
built-in one a plugin registers (`keel_tool_policies`; keel's reference agents ship theirs),
else none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from keel.core.errors import Conflict
from keel.govern import audit
from keel.govern.assessment import refresh_risks
from keel.govern.tool_policy_file import ToolPolicy, document_digest, parse_policy
from keel.govern.tool_policy_rules import CallFacts, RunFacts, Violation, as_flags, evaluate
from keel.plugins.manager import collected, plugin_manager
from keel.store import tool_policies as policy_store
from keel.store.flags import replace_flags_of_runs
from keel.store.models import ToolPolicyVersion, utcnow

FLAG_SOURCE = "tool_policy"


@dataclass(frozen=True)
class LoadedPolicy:
    """A policy with where it came from (a file path, `api`, or `built-in`)."""

    policy: ToolPolicy
    origin: str
    digest: str


@lru_cache(maxsize=256)
def _parsed(text: str, origin: str) -> ToolPolicy:
    # Policies are re-read on every ingestion; parsing is pure, so cache by content.
    return parse_policy(text, origin)


@lru_cache(maxsize=1)
def builtin_policies() -> dict[str, LoadedPolicy]:
    """Return the built-in policies the plugins register, by workflow type (first one wins)."""
    loaded: dict[str, LoadedPolicy] = {}
    for origin, text in collected(plugin_manager().hook.keel_tool_policies()):
        policy = parse_policy(text, origin)
        loaded.setdefault(
            policy.workflow_type, LoadedPolicy(policy, "built-in", document_digest(text))
        )
    return loaded


def policy_subject(policy: ToolPolicy) -> str:
    """Return the audit subject naming one policy version."""
    return f"policy:{policy.workflow_type}@{policy.version}"


def load_policy(session: Session, text: str, origin: str, actor: str) -> tuple[ToolPolicy, bool]:
    """Validate and store a policy version; return it and whether it was new.

    Re-loading identical content is a no-op; different content under a loaded version is a
    Conflict (bump `version`), so a version always means one document.
    """
    policy = parse_policy(text, origin)
    digest = document_digest(text)
    existing = policy_store.policy_version(session, policy.workflow_type, policy.version)
    if existing is not None:
        if existing.digest == digest:
            return policy, False
        raise Conflict(
            f"{origin}: version {policy.version} of the {policy.workflow_type} policy was loaded "
            f"before with different content (from {existing.origin}); bump version",
            field="version",
        )
    policy_store.add_policy_version(
        session,
        ToolPolicyVersion(
            workflow_type=policy.workflow_type,
            version=policy.version,
            digest=digest,
            document=text,
            origin=origin[:512],
            loaded_at=utcnow(),
            loaded_by=actor,
        ),
    )
    details = {"origin": origin, "digest": digest}
    audit.append(session, "policy.loaded", policy_subject(policy), actor, details)
    return policy, True


def load_directory(session: Session, directory: Path, actor: str) -> list[tuple[ToolPolicy, bool]]:
    """Load every `*.toml` of `directory` (in name order) in the caller's transaction."""
    return [
        load_policy(session, path.read_text(encoding="utf-8"), str(path), actor)
        for path in sorted(directory.glob("*.toml"))
    ]


def effective_policies(
    session: Session, workflow_types: Sequence[str] | None = None
) -> dict[str, LoadedPolicy]:
    """Return the policy that applies to each workflow type (all known ones when None)."""
    builtin = builtin_policies()
    found = {
        name: loaded
        for name, loaded in builtin.items()
        if workflow_types is None or name in workflow_types
    }
    for row in policy_store.newest_policies(session, workflow_types):
        found[row.workflow_type] = LoadedPolicy(
            _parsed(row.document, row.origin), row.origin, row.digest
        )
    return found


def check_runs(session: Session, run_ids: Sequence[str], actor: str) -> dict[str, list[Violation]]:
    """Check `run_ids` against their policies; store flags, refresh risk, audit new findings."""
    runs = policy_store.run_facts_of_runs(session, run_ids)
    if not runs:
        return {}
    policies = effective_policies(session, sorted({run.workflow_type for run in runs}))
    calls: dict[str, list[CallFacts]] = {run.run_id: [] for run in runs}
    for call in policy_store.tool_calls_of_runs(session, [run.run_id for run in runs]):
        calls[call.run_id].append(
            CallFacts(call.seq, call.tool_name, call.args_digest, call.args_preview)
        )
    before = policy_store.flag_keys_of_source(session, run_ids, FLAG_SOURCE)
    flagged_before = {key[0] for key in before}
    results, replaced = {}, {}
    findings: list[audit.AuditEvent] = []
    for run in runs:
        loaded = policies.get(run.workflow_type)
        if loaded is None:
            continue
        facts = RunFacts(
            run.run_id,
            run.workflow_type,
            run.loop_depth,
            run.latency_ms,
            run.cost_usd,
            calls[run.run_id],
        )
        violations = evaluate(loaded.policy, facts)
        results[run.run_id] = violations
        # Most runs are clean before and after: nothing to delete or insert for them.
        if violations or run.run_id in flagged_before:
            replaced[run.run_id] = as_flags(loaded.policy, violations)
        finding = _finding(run.run_id, loaded.policy, violations, before, actor)
        if finding is not None:
            findings.append(finding)
    replace_flags_of_runs(session, FLAG_SOURCE, replaced)
    session.flush()
    # Risk reads every flag of a run (keel.evaluate), so it changes with these.
    refresh_risks(session, list(replaced))
    audit.append_many(session, findings)
    return results


def _finding(
    run_id: str,
    policy: ToolPolicy,
    violations: list[Violation],
    before: set[tuple[str, str, str]],
    actor: str,
) -> audit.AuditEvent | None:
    """Return the `run.flagged` entry to append when the run's findings changed, else None."""
    now = {(run_id, v.rule_id, v.message) for v in violations}
    if now == {key for key in before if key[0] == run_id}:
        return None
    details = {
        "source": FLAG_SOURCE,
        "policy": f"{policy.workflow_type}@{policy.version}",
        "rules": sorted({v.rule_id for v in violations}),
        "flags": len(violations),
    }
    return audit.AuditEvent("run.flagged", audit.run_subject(run_id), actor, details)
