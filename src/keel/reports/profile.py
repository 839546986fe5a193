"""The reliability profile of stored runs: read a population, resolve expected outcomes, profile.

Used by `keel profile`, the Reliability page (`/reliability`) and its JSON twin alike. A run's
expected outcome is its own `metrics.expected` (a user's ticket file with an `expected` object),
else what a plugin knows of its item (`keel_expected_outcomes`: keel's world tickets' gold
category and review label); without either, correctness-based metrics are absent.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from keel.core.records import RunStatus
from keel.core.settings import Settings
from keel.drift.facts import workflow_contract
from keel.evaluate.contract import OutputContract
from keel.evaluate.profile import Flag, Profile, ProfileRun, profile
from keel.evaluate.profile_comparison import Difference, compare_profiles
from keel.plugins.manager import collected, plugin_manager
from keel.store.drift import PopulationFilter
from keel.store.models import Run
from keel.store.profile import ProfileRow, profile_rows

#: item -> expected output fields, for the items asked about.
ExpectedLookup = Callable[[str, list[str]], dict[str, dict[str, Any]]]


def plugin_expected(settings: Settings) -> ExpectedLookup:
    """Return a lookup of expected outcomes that asks the plugins (`keel_expected_outcomes`)."""

    def lookup(workflow_type: str, items: list[str]) -> dict[str, dict[str, Any]]:
        hook = plugin_manager().hook.keel_expected_outcomes
        answers = hook(workflow_type=workflow_type, items=items, settings=settings)
        found: dict[str, dict[str, Any]] = {}
        for item, expected in collected(answers):
            found.setdefault(str(item), dict(expected))
        return found

    return lookup


def _decision(contract: OutputContract, output: Mapping[str, Any] | None) -> str | None:
    if output is None:
        return None
    if contract.decision:
        value = output.get(contract.decision)
        return value if isinstance(value, str) or value is None else json.dumps(value)
    return json.dumps({k: output.get(k) for k in contract.categorical}, sort_keys=True)


def _confidence(contract: OutputContract, output: Mapping[str, Any] | None) -> float | None:
    """Return the agent's own confidence: a declared `confidence` in [0, 1], else the review
    flag read as abstention (asking for a person = confidence 0)."""
    if output is None:
        return None
    declared = output.get("confidence")
    if isinstance(declared, numbers.Real) and not isinstance(declared, bool):
        return float(declared) if 0.0 <= float(declared) <= 1.0 else None
    flag = output.get(contract.review_flag) if contract.review_flag else None
    return (0.0 if flag else 1.0) if isinstance(flag, bool) else None


def _judge(
    contract: OutputContract, output: Mapping[str, Any] | None, expected: Mapping[str, Any] | None
) -> tuple[bool | None, bool | None]:
    """Return (every expected field matches, the decision matches) — None without expectation."""
    if not expected:
        return None, None
    got = output or {}
    correct = output is not None and all(got.get(k) == v for k, v in expected.items())
    decision = contract.decision
    if not decision or decision not in expected:
        return correct, None
    return correct, output is not None and got.get(decision) == expected[decision]


def _profile_run(
    row: ProfileRow, item: str, expected: Mapping[str, Any] | None, contract: OutputContract
) -> ProfileRun:
    correct, decision_correct = _judge(contract, row.output, expected)
    return ProfileRun(
        run_id=row.run_id,
        item=item,
        kind=row.kind,
        decision=_decision(contract, row.output),
        finished=row.output is not None and row.status != RunStatus.FAILED,
        correct=correct,
        decision_correct=decision_correct,
        confidence=_confidence(contract, row.output),
        tools=tuple(row.tools),
        tool_errors=row.tool_errors,
        tokens=float(row.total_tokens),
        cost_usd=row.cost_usd,
        latency_ms=row.latency_ms,
        stability=row.stability if row.kind == "base" else None,
        flags=tuple(Flag(*flag) for flag in row.flags),
    )


def profile_runs(
    session: Session, filters: PopulationFilter, expected: ExpectedLookup
) -> list[ProfileRun]:
    """Return the population's runs and replays as the profile reads them."""
    contract = workflow_contract(session, filters.workflow_type)
    rows = profile_rows(session, filters, contract.item_key)
    bases = {row.run_id: row for row in rows if row.kind == "base"}
    items = {run_id: row.item or run_id for run_id, row in bases.items()}
    known = expected(filters.workflow_type, sorted({r.item for r in bases.values() if r.item}))
    runs = []
    for row in rows:
        base = bases[row.base_run_id]
        own = base.expected if isinstance(base.expected, Mapping) else None
        wanted = own or known.get(items[row.base_run_id])
        runs.append(_profile_run(row, items[row.base_run_id], wanted, contract))
    return runs


@dataclass(frozen=True)
class Selection:
    """A named population to profile."""

    label: str
    filters: PopulationFilter


def read_profile(
    session: Session, selection: Selection, expected: ExpectedLookup, samples: int = 500
) -> Profile:
    """Return the reliability profile of the selection's stored runs."""
    return profile(profile_runs(session, selection.filters, expected), selection.label, samples)


def configs_of(session: Session, workflow_type: str) -> list[str]:
    """Return the config labels of the workflow's base runs, in order of first use."""
    label = Run.metrics["config"].as_string()
    query = (
        select(label, Run.created_at)
        .where(Run.workflow_type == workflow_type, Run.parent_run_id.is_(None), label.is_not(None))
        .order_by(Run.created_at)
    )
    return list(dict.fromkeys(value for value, _ in session.execute(query)))


def profiles_json(profiles: list[Profile]) -> dict[str, Any]:
    """Return profiles side by side, each later one compared with the first, as JSON."""
    comparisons: list[dict[str, Any]] = []
    for other in profiles[1:]:
        differences: list[Difference] = compare_profiles(profiles[0], other)
        comparisons.append(
            {
                "first": profiles[0].label,
                "second": other.label,
                "differences": [d.as_dict() for d in differences],
            }
        )
    return {"profiles": [p.as_dict() for p in profiles], "comparisons": comparisons}
