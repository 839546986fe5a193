"""A workflow's output contract: which output fields mean what, for everything that reads outputs.

Scoring (S_struct compares the categorical and set fields; S_sem the answer text), drift (the
decision's mix, items compared by their key), the review queue (the agent's own request for a
person) and the comparison page (which fields lead) all read a run's output through its
workflow's contract. Contracts come, first found first:

1. from a plugin (`keel_output_contracts`): keel's reference agents declare theirs this way;
2. from the run itself: `@keel.replayable(categorical=..., sets=..., ...)` records one;
3. otherwise from the outputs: booleans, numbers and short single-token strings are
   categorical, lists are sets, the `answer` field (else the longest text) is the answer. An
   inferred contract names no decision, review flag or item key: those are meanings, which
   a value's shape does not tell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from keel.core.records import DECLARED_CONTRACT_KEY
from keel.plugins.manager import collected, plugin_manager

#: The longest string the inferred contract still reads as a category label, not as text.
LABEL_MAX_CHARS = 40


@dataclass(frozen=True)
class OutputContract:
    """What one workflow's output holds (every field optional; names are output keys)."""

    workflow_type: str | None = None
    categorical: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()
    text: tuple[str, ...] = ("answer",)
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    decision: str | None = None
    review_flag: str | None = None
    item_key: str | None = None

    @property
    def answer(self) -> str | None:
        """Return the field holding the answer text compared by meaning (the first text field)."""
        return self.text[0] if self.text else None

    @property
    def leading(self) -> tuple[str, ...]:
        """Return the fields a comparison shows first: decision, categorical, text, then sets."""
        ordered = [self.decision, *self.categorical, *self.text, *self.sets]
        return tuple(dict.fromkeys(name for name in ordered if name))

    def decision_of(self, output: Mapping[str, Any] | None) -> str | None:
        """Return the output's decision when it is a string, else None (or no decision field)."""
        value = (output or {}).get(self.decision) if self.decision else None
        return value if isinstance(value, str) else None

    def decision_values(self) -> tuple[str, ...]:
        """Return the values the decision may take (empty: not a closed set)."""
        return self.categories.get(self.decision, ()) if self.decision else ()

    def as_dict(self) -> dict[str, Any]:
        """Return the contract as JSON-ready data (what a run records when it declares one)."""
        data = asdict(self)
        data["categories"] = {k: list(v) for k, v in self.categories.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutputContract:
        """Return the contract `as_dict` gave (unknown keys ignored, lists become tuples)."""

        def names(key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
            value = data.get(key, default)
            return tuple(str(v) for v in value) if isinstance(value, list | tuple) else default

        categories = data.get("categories") or {}
        return cls(
            workflow_type=data.get("workflow_type"),
            categorical=names("categorical"),
            sets=names("sets"),
            text=names("text", ("answer",)),
            categories={str(k): tuple(map(str, v)) for k, v in dict(categories).items()},
            decision=data.get("decision"),
            review_flag=data.get("review_flag"),
            item_key=data.get("item_key"),
        )


@cache
def registered_contracts() -> dict[str, OutputContract]:
    """Return the contracts plugins declare, by workflow type (the first registration wins)."""
    found: list[OutputContract] = collected(plugin_manager().hook.keel_output_contracts())
    contracts: dict[str, OutputContract] = {}
    for contract in found:
        if contract.workflow_type:
            contracts.setdefault(contract.workflow_type, contract)
    return contracts


def _is_label(value: Any) -> bool:
    if isinstance(value, bool | int | float) or value is None:
        return True
    return isinstance(value, str) and len(value) <= LABEL_MAX_CHARS and " " not in value.strip()


def inferred_contract(
    outputs: Sequence[Mapping[str, Any] | None], workflow_type: str | None = None
) -> OutputContract:
    """Return the contract the outputs themselves suggest (see the module docstring)."""
    held: dict[str, list[Any]] = {}
    first: dict[str, int] = {}
    for output in outputs:
        for position, (key, value) in enumerate((output or {}).items()):
            held.setdefault(key, []).append(value)
            first[key] = min(first.get(key, position), position)
    # Fields in the agent's own key order (earliest position in any output, then name), so the
    # contract is the same whatever order the outputs come in.
    names = sorted(held, key=lambda k: (first[k], k))
    sets = tuple(k for k in names if all(isinstance(v, list) for v in held[k]))
    categorical = tuple(k for k in names if k not in sets and all(map(_is_label, held[k])))
    texts = [k for k in names if k not in sets + categorical and _all_text(held[k])]
    texts.sort(key=lambda k: (k != "answer", -max(map(len, held[k]))))
    return OutputContract(workflow_type, categorical, sets, tuple(texts[:1]))


def _all_text(values: list[Any]) -> bool:
    return all(isinstance(v, str) for v in values)


def contract_for(
    workflow_type: str,
    inputs: Mapping[str, Any] | None = None,
    outputs: Sequence[Mapping[str, Any] | None] = (),
) -> OutputContract:
    """Return the contract of a run of `workflow_type`: registered, declared, else inferred."""
    registered = registered_contracts().get(workflow_type)
    if registered is not None:
        return registered
    declared = (inputs or {}).get(DECLARED_CONTRACT_KEY)
    if isinstance(declared, Mapping):
        return OutputContract.from_dict({**declared, "workflow_type": workflow_type})
    return inferred_contract(outputs, workflow_type)
