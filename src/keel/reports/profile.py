"""The reliability profile of stored runs: read a population, resolve expected outcomes, profile.

Used by `keel profile`, the Reliability page (`/reliability`) and its JSON twin alike. A run's
expected outcome is its own `metrics.expected` (a user's ticket file with an `expected` object),
else what a plugin knows of its item (`keel_expected_outcomes`: keel's world tickets' gold
category and review label); without either, correctness-based metrics are absent.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from keel.core.collector import paused_collection
from keel.core.records import RunStatus
from keel.core.settings import Settings
from keel.drift.facts import workflow_contract
from keel.evaluate import profile_judging as judging
from keel.evaluate.contract import OutputContract
from keel.evaluate.profile import Flag, Profile, ProfileRun, SingleRuns, as_runs, profile
from keel.evaluate.profile_comparison import (
    Difference,
    compare_profiles,
    paired_differences,
    worst_case_change,
)
from keel.evaluate.profile_singles import UNKNOWN
from keel.plugins.manager import collected, plugin_manager
from keel.store.drift import PopulationFilter
from keel.store.profile import (
    ProfileRow,
    configs_of,
    profile_rows,
    profile_rows_of,
    profiled_workflows,
)
from keel.store.profile_columns import BaseColumns, BaseFacts, base_columns, base_facts

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


def _profile_run(
    row: ProfileRow, item: str, expected: Mapping[str, Any] | None, contract: OutputContract
) -> ProfileRun:
    correct, exact = judging.judge(contract, row.output, expected)
    return ProfileRun(
        run_id=row.run_id,
        item=item,
        kind=row.kind,
        decision=_decision(contract, row.output),
        finished=row.output is not None and row.status != RunStatus.FAILED,
        correct=correct,
        exact=exact,
        confidence=judging.confidence(contract, row.output),
        tools=tuple(row.tools),
        tool_errors=row.tool_errors,
        tokens=float(row.total_tokens),
        cost_usd=row.cost_usd,
        latency_ms=row.latency_ms,
        stability=row.stability if row.kind == "base" else None,
        flags=tuple(Flag(*flag) for flag in row.flags),
    )


def _read_runs(
    contract: OutputContract, rows: list[ProfileRow], known: Mapping[str, dict[str, Any]]
) -> list[ProfileRun]:
    bases = {row.run_id: row for row in rows if row.kind == "base"}
    items = {run_id: row.item or run_id for run_id, row in bases.items()}
    runs = []
    for row in rows:
        base = bases[row.base_run_id]
        mine = base.expected if isinstance(base.expected, Mapping) else None
        wanted = mine or known.get(items[row.base_run_id])
        runs.append(_profile_run(row, items[row.base_run_id], wanted, contract))
    return runs


def profile_runs(
    session: Session, filters: PopulationFilter, expected: ExpectedLookup
) -> list[ProfileRun]:
    """Return the population's runs and replays as the profile reads them, each read whole."""
    contract = workflow_contract(session, filters.workflow_type)
    rows = profile_rows(session, filters, contract.item_key)
    bases = [row for row in rows if row.kind == "base"]
    known = expected(filters.workflow_type, sorted({r.item for r in bases if r.item}))
    return _read_runs(contract, rows, known)


#: `Population.lone_runs_from` when the write path's judged facts served.
FROM_FACTS = "facts"


@dataclass
class Population:
    """A population as the profile reads it: items read whole (replayed, or several base runs
    on one item), and the items that are one base run alone, as columns."""

    runs: list[ProfileRun]
    singles: SingleRuns
    #: Where the lone runs were read from: their stored facts, or their JSON.
    lone_runs_from: str = "json"

    def items(self) -> set[str]:
        """Return the population's items."""
        return {r.item for r in self.runs} | set(self.singles.item)

    def all_runs(self) -> list[ProfileRun]:
        """Return every run as a `ProfileRun` (what `profile_runs` reads, for the profile)."""
        return self.runs + as_runs(self.singles)


def _field_keys(contract: OutputContract, expected: list[Mapping[str, Any]]) -> list[str]:
    """Return the output fields judging and confidence read: decision, review flag,
    `confidence`, and every field an expected outcome names."""
    named = [contract.decision, contract.review_flag, "confidence", *contract.categorical]
    named += [key for outcome in expected for key in outcome]
    return list(dict.fromkeys(str(key) for key in named if key))


def _decoded(texts: list[str | None]) -> dict[str, Any]:
    return {text: json.loads(text) for text in set(texts) if text is not None}


def read_population(
    session: Session, filters: PopulationFilter, expected: ExpectedLookup
) -> Population:
    """Return the population's runs: replayed or shared items whole, lone runs as columns.

    The profile of `Population.runs` plus `singles` is the one of `profile_runs`. Lone runs are
    read from the facts their write path judged (keel.store.profile_facts) when every base run
    has them by the workflow's contract as it is now, and every expected outcome a plugin gives
    names only the decision and review flag; otherwise from their JSON.
    """
    contract = workflow_contract(session, filters.workflow_type)
    with paused_collection():  # 100,000s of rows, no reference cycle among them
        found = _from_facts(session, filters, expected, contract)
        return found if found is not None else _from_json(session, filters, expected, contract)


def _split(items: list[str], replayed: list[bool]) -> list[bool]:
    """Return, per base run, whether it is alone in its item and was never replayed."""
    shared = {item for item, count in Counter(items).items() if count > 1}
    return [not again and item not in shared for again, item in zip(replayed, items, strict=True)]


def _whole_runs(
    session: Session,
    filters: PopulationFilter,
    contract: OutputContract,
    run_ids: list[str],
    alone: list[bool],
    known: Mapping[str, dict[str, Any]],
) -> list[ProfileRun]:
    whole = [r for r, lone in zip(run_ids, alone, strict=True) if not lone]
    rows = profile_rows_of(session, filters, contract.item_key, whole)
    return _read_runs(contract, rows, known)


def _from_facts(
    session: Session, filters: PopulationFilter, expected: ExpectedLookup, contract: OutputContract
) -> Population | None:
    """Return the population read from its stored facts, or None where they cannot serve."""
    judged = base_facts(session, filters, judging.read_by(contract))
    if not judged.judged.all():
        return None
    items = [item or run_id for item, run_id in zip(judged.item, judged.run_id, strict=True)]
    # A run judged against its own expected outcome has `correct`; the plugin is asked about
    # the others' items.
    unjudged = np.flatnonzero(np.isnan(judged.correct))
    asked = {item for i in unjudged if (item := judged.item[i])}
    known = expected(filters.workflow_type, sorted(asked)) if asked else {}
    readable = {contract.decision, contract.review_flag} - {None}
    if any(set(outcome) - readable for outcome in known.values()):
        return None
    alone = _split(items, judged.replayed.tolist())
    runs = _whole_runs(session, filters, contract, judged.run_id, alone, known)
    lone = [i for i, one in enumerate(alone) if one]
    return Population(runs, _judged_singles(contract, judged, lone, items, known), FROM_FACTS)


def _judged_singles(
    contract: OutputContract,
    judged: BaseFacts,
    lone: list[int],
    items: list[str],
    known: Mapping[str, dict[str, Any]],
) -> SingleRuns:
    at = np.asarray(lone, dtype=np.int64)
    correct, exact, has_output = judged.correct[at], judged.exact[at], judged.has_output[at]
    # Runs without their own expected outcome: judged against the plugin's, by the decision
    # and review-flag values, once per distinct (values, outcome).
    seen: dict[tuple[Any, ...], tuple[bool | None, bool | None]] = {}
    for n in np.flatnonzero(np.isnan(correct)):
        i = lone[n]
        outcome = known.get(items[i])
        if not outcome:
            continue
        values = (judged.decision[i], judged.review[i], bool(has_output[n]))
        if (*values, id(outcome)) not in seen:
            seen[(*values, id(outcome))] = judging.judge(contract, _read(contract, values), outcome)
        right, whole = seen[(*values, id(outcome))]
        correct[n] = math.nan if right is None else float(right)
        exact[n] = math.nan if whole is None else float(whole)
    return SingleRuns(
        run_id=[judged.run_id[i] for i in lone],
        item=[items[i] for i in lone],
        correct=_known_or_unknown(correct),
        exact=_known_or_unknown(exact),
        confidence=judged.confidence[at],
        finished=has_output & ~judged.failed[at],
        tool_errors=judged.tool_failed[at].astype(np.int64),
        flags=_flags([judged.flags[i] for i in lone]),
    )


def _read(
    contract: OutputContract, values: tuple[str | None, str | None, bool]
) -> dict[str, Any] | None:
    """Return the output as its stored facts hold it: the decision and review-flag fields."""
    decision, review, has_output = values
    if not has_output:
        return None
    fields = {contract.decision: decision, contract.review_flag: review}
    return {name: json.loads(text) for name, text in fields.items() if name and text is not None}


def _known_or_unknown(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), UNKNOWN, values).astype(np.int8)


def _from_json(
    session: Session, filters: PopulationFilter, expected: ExpectedLookup, contract: OutputContract
) -> Population:
    """Return the population read from its runs' JSON (runs whose facts cannot serve)."""
    keys = _field_keys(contract, [])
    columns = base_columns(session, filters, contract.item_key, keys)
    own = {t: v for t, v in _decoded(columns.expected).items() if isinstance(v, Mapping) and v}
    items = [item or run_id for item, run_id in zip(columns.item, columns.run_id, strict=True)]
    # The plugin is asked about the items it may judge: those without their own expectation.
    pairs = zip(columns.item, columns.expected, strict=True)
    asked = {raw for raw, text in pairs if raw and text not in own}
    known = expected(filters.workflow_type, sorted(asked)) if asked else {}
    wanted_keys = _field_keys(contract, [*own.values(), *known.values()])
    if set(wanted_keys) - set(keys):
        keys = wanted_keys
        columns = base_columns(session, filters, contract.item_key, keys)
    alone = _split(items, columns.replayed)
    runs = _whole_runs(session, filters, contract, columns.run_id, alone, known)
    lone = [i for i, one in enumerate(alone) if one]
    return Population(runs, _singles(contract, columns, lone, items, keys, own, known))


def _singles(
    contract: OutputContract,
    columns: BaseColumns,
    lone: list[int],
    items: list[str],
    keys: list[str],
    own: Mapping[str, Mapping[str, Any]],
    known: Mapping[str, dict[str, Any]],
) -> SingleRuns:
    judged: dict[tuple[str | None, Any], tuple[int, int, float]] = {}
    correct, exact, confidence = [], [], []
    for i in lone:
        fields, text = columns.fields[i], columns.expected[i]
        wanted = own.get(text) if text is not None else None
        outcome = wanted or known.get(items[i])
        key = (fields, text if wanted else id(outcome))
        if key not in judged:
            output = None if fields is None else dict(zip(keys, json.loads(fields), strict=True))
            right, whole = judging.judge(contract, output, outcome)
            level = judging.confidence(contract, output)
            judged[key] = (
                UNKNOWN if right is None else int(right),
                UNKNOWN if whole is None else int(whole),
                math.nan if level is None else level,
            )
        found = judged[key]
        correct.append(found[0])
        exact.append(found[1])
        confidence.append(found[2])
    run_ids = [columns.run_id[i] for i in lone]
    finished = [
        columns.fields[i] is not None and columns.status[i] != RunStatus.FAILED for i in lone
    ]
    return SingleRuns(
        run_id=run_ids,
        item=[items[i] for i in lone],
        correct=np.asarray(correct, dtype=np.int8),
        exact=np.asarray(exact, dtype=np.int8),
        confidence=np.asarray(confidence, dtype=float),
        finished=np.asarray(finished, dtype=bool),
        tool_errors=np.asarray([columns.tool_failed[i] for i in lone], dtype=np.int64),
        flags=_flags([columns.flags[i] for i in lone]),
    )


def _flags(texts: list[str | None]) -> dict[int, tuple[Flag, ...]]:
    """Return the runs' flags by index, each distinct list decoded once."""
    decoded = {t: tuple(Flag(*flag) for flag in v) for t, v in _decoded(texts).items()}
    return {n: decoded[text] for n, text in enumerate(texts) if text is not None}


@dataclass(frozen=True)
class Selection:
    """A named population to profile."""

    label: str
    filters: PopulationFilter


def read_profile(
    session: Session, selection: Selection, expected: ExpectedLookup, samples: int = 500
) -> Profile:
    """Return the reliability profile of the selection's stored runs."""
    found = read_population(session, selection.filters, expected)
    return profile(found.runs, selection.label, samples, singles=found.singles)


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
    populations = [read_population(session, s.filters, expected) for s in selections]
    common: set[str] = set()
    if len(populations) > 1:
        common = set.intersection(*(found.items() for found in populations))
    if common:  # compared item by item: each population's runs on the common items
        runs = [[r for r in found.all_runs() if r.item in common] for found in populations]
        profiles = [
            profile(found, s.label, samples) for found, s in zip(runs, selections, strict=True)
        ]
    else:
        runs = [found.runs for found in populations]
        profiles = [
            profile(found.runs, s.label, samples, singles=found.singles)
            for found, s in zip(populations, selections, strict=True)
        ]
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
