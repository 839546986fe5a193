"""How the reliability profile judges one run's output: its decision against the expected one,
and the agent's own confidence; and the facts of a run the write path stores for it.

keel.reports.profile judges runs read from the store; keel.ingest judges each run as it is
written (`run_facts`), so that a profile of many runs reads columns
(keel.store.profile_facts) instead of parsing every output again.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from keel.core.records import RunRecord
from keel.evaluate.contract import OutputContract, contract_for
from keel.store.engine import json_dumps
from keel.store.profile_facts import ProfileFacts, read_by_key

CONFIDENCE_FIELD = "confidence"


def judge(
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


def confidence(contract: OutputContract, output: Mapping[str, Any] | None) -> float | None:
    """Return the agent's own confidence: a declared `confidence` in [0, 1], else the review
    flag read as abstention (asking for a person = confidence 0)."""
    if output is None:
        return None
    declared = output.get(CONFIDENCE_FIELD)
    if isinstance(declared, numbers.Real) and not isinstance(declared, bool):
        return float(declared) if 0.0 <= float(declared) <= 1.0 else None
    flag = output.get(contract.review_flag) if contract.review_flag else None
    return (0.0 if flag else 1.0) if isinstance(flag, bool) else None


def read_by(contract: OutputContract) -> str:
    """Return the key of the contract fields a run's facts depend on."""
    return read_by_key(contract.decision, contract.review_flag, contract.item_key)


def _as_stored(value: Any) -> Any:
    # What the value reads back as from a JSON column (a tuple as a list, NaN as null, a
    # datetime as its text): the store's own serialiser, then JSON.
    return json.loads(json_dumps(value))


def run_facts(
    contract: OutputContract,
    inputs: Mapping[str, Any],
    output: Mapping[str, Any] | None,
    metrics: Mapping[str, Any],
) -> ProfileFacts | None:
    """Return the facts of a run as the profile reads them by `contract`.

    None when an item is not text (the columnar read holds items as text; such runs are read
    from their JSON as before).
    """
    item = inputs.get(contract.item_key) if contract.item_key else None
    if item is not None and not isinstance(item, str):
        return None
    expected = metrics.get("expected")
    own = _as_stored(expected) if isinstance(expected, Mapping) and expected else None
    names = [contract.decision, contract.review_flag, CONFIDENCE_FIELD, *(own or {})]
    read = None
    if output is not None:
        read = _as_stored({k: output[k] for k in dict.fromkeys(names) if k and k in output})
    right, whole = judge(contract, read, own)
    return ProfileFacts(
        read_by=read_by(contract),
        item=item,
        has_output=output is not None,
        decision=_field_text(read, contract.decision),
        review=_field_text(read, contract.review_flag),
        confidence=confidence(contract, read),
        correct=None if right is None else int(right),
        exact=None if whole is None else int(whole),
    )


def _field_text(read: Mapping[str, Any] | None, name: str | None) -> str | None:
    if read is None:
        return None
    return json_dumps(read.get(name) if name else None)


def record_facts(runs: Sequence[RunRecord]) -> dict[str, ProfileFacts]:
    """Return the facts of each run that has them, by run id, each by its own contract."""
    found = {}
    for run in runs:
        contract = contract_for(run.workflow_type, run.inputs)
        facts = run_facts(contract, run.inputs, run.output, run.metrics or {})
        if facts is not None:
            found[run.run_id] = facts
    return found
