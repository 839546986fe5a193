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

from sqlalchemy.orm import Session

from keel.core.records import RunStatus
from keel.core.settings import Settings
from keel.drift.facts import workflow_contract
from keel.evaluate.contract import OutputContract
from keel.evaluate.profile import Flag, Profile, ProfileRun, profile
from keel.evaluate.profile_comparison import (
    Difference,
    compare_profiles,
    paired_differences,
    worst_case_change,
)
from keel.plugins.manager import collected, plugin_manager
from keel.store.drift import PopulationFilter
from keel.store.profile import ProfileRow, configs_of, profile_rows, profiled_workflows

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
    """Return (the decision matches, every expected field matches); None without expectation.

    An expectation that names no decision judges the decision by every field it holds.
    """
    if not expected:
        return None, None
    got = output or {}
    exact = output is not None and all(got.get(k) == v for k, v in expected.items())
    decision = contract.decision
    if not decision or decision not in expected:
        return exact, exact
    return output is not None and got.get(decision) == expected[decision], exact


def _profile_run(
    row: ProfileRow, item: str, expected: Mapping[str, Any] | None, contract: OutputContract
) -> ProfileRun:
    correct, exact = _judge(contract, row.output, expected)
    return ProfileRun(
        run_id=row.run_id,
        item=item,
        kind=row.kind,
        decision=_decision(contract, row.output),
        finished=row.output is not None and row.status != RunStatus.FAILED,
        correct=correct,
        exact=exact,
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


@dataclass(frozen=True)
class SideBySide:
    """Profiles of several populations; each later one compared with the first."""

    profiles: list[Profile]
    comparisons: list[list[Difference]]
    paired_items: int

    def as_dict(self) -> dict[str, Any]:
        """Return the profiles and their comparisons as JSON-ready data."""
        first = self.profiles[0].label if self.profiles else None
        return {
            "profiles": [p.as_dict() for p in self.profiles],
            "paired_items": self.paired_items,
            "comparisons": [
                {
                    "first": first,
                    "second": other.label,
                    "differences": [d.as_dict() for d in differences],
                    "worst_case": worst_case_change(self.profiles[0], other),
                }
                for other, differences in zip(self.profiles[1:], self.comparisons, strict=True)
            ],
        }


def side_by_side(
    session: Session, selections: list[Selection], expected: ExpectedLookup, samples: int = 500
) -> SideBySide:
    """Return the selections' profiles, compared with the first.

    When the populations ran common items (tickets), all are profiled on those alone and
    compared paired, item by item; otherwise each on all its runs, by interval overlap.
    """
    runs = [profile_runs(session, s.filters, expected) for s in selections]
    common: set[str] = set()
    if len(runs) > 1:
        common = set.intersection(*({r.item for r in found} for found in runs))
        if common:
            runs = [[r for r in found if r.item in common] for found in runs]
    profiles = [profile(found, s.label, samples) for found, s in zip(runs, selections, strict=True)]
    comparisons = [
        paired_differences(runs[0], other, samples)
        if common
        else compare_profiles(profiles[0], other_profile)
        for other, other_profile in zip(runs[1:], profiles[1:], strict=True)
    ]
    return SideBySide(profiles, comparisons, len(common))


#: The most configurations the Reliability page shows side by side.
MAX_SIDE_BY_SIDE = 4


def reliability_data(
    session: Session,
    expected: ExpectedLookup,
    workflow: str | None = None,
    configs: list[str] | None = None,
    samples: int = 500,
) -> dict[str, Any]:
    """Return the Reliability page: a workflow's configurations profiled side by side.

    Default: the `support` workflow if there is one, else the first; all its configurations
    (up to four); the first is the one the others are compared with.
    """
    workflows = profiled_workflows(session)
    chosen = workflow or ("support" if "support" in workflows else next(iter(workflows), None))
    if chosen is None:
        empty = SideBySide([], [], 0).as_dict()
        return {"workflow": None, "workflows": [], "configs": [], "selected": [], **empty}
    available = configs_of(session, chosen)
    selected = list(dict.fromkeys(configs or available[:MAX_SIDE_BY_SIDE]))[:MAX_SIDE_BY_SIDE]
    selections = [Selection(c, PopulationFilter(chosen, config=c)) for c in selected] or [
        Selection(chosen, PopulationFilter(chosen))
    ]
    return {
        "workflow": chosen,
        "workflows": workflows,
        "configs": available,
        "selected": [s.label for s in selections],
        **side_by_side(session, selections, expected, samples).as_dict(),
    }
