"""Structured-field agreement: which output fields vary across generations, and how much.

Which fields are which comes from the workflow's output contract (`keel.evaluate.contract`).
Its categorical fields agree by their *modal share*: the share of generations holding the most
common value. Its set fields agree by mean pairwise set Jaccard |A and B| / |A or B| (Jaccard
1901), after normalising each item (case and whitespace for text, canonical JSON for objects).
A failed generation holds no value: it counts in every denominator and agrees with nothing.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from keel.evaluate.contract import OutputContract

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FieldVariance:
    """How one output field varies: its modal value and share, and its agreement in [0, 1]."""

    field: str
    kind: Literal["categorical", "set", "text"]
    modal_value: Any
    modal_share: float
    distinct_values: int
    agreement: float
    varies: bool


def canonical_value(value: Any) -> str:
    """Return a comparable key: case- and space-folded text, canonical JSON for the rest."""
    if isinstance(value, str):
        return _SPACE.sub(" ", value).strip().casefold()
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def item_set(value: Any) -> frozenset[str]:
    """Return a list field as a set of canonical items (missing or not a list: empty)."""
    if not isinstance(value, list | tuple):
        return frozenset()
    return frozenset(canonical_value(item) for item in value)


def set_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return |a and b| / |a or b|; two empty sets agree fully (1.0)."""
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


def category_codes(outputs: Sequence[Mapping[str, Any] | None], field: str) -> np.ndarray:
    """Return an integer code per generation for the field's value; -1 for a failed one."""
    codes: dict[str, int] = {}
    return np.array(
        [
            -1
            if output is None
            else codes.setdefault(canonical_value(output.get(field)), len(codes))
            for output in outputs
        ],
        dtype=np.int64,
    )


def modal_share(codes: np.ndarray) -> float:
    """Return the share of items holding the most common code (-1, a failure, never counts)."""
    if codes.size == 0:
        return 0.0
    held = codes[codes >= 0]
    return 0.0 if held.size == 0 else float(np.bincount(held).max()) / codes.size


def set_similarity_matrix(outputs: Sequence[Mapping[str, Any] | None], field: str) -> np.ndarray:
    """Return pairwise set Jaccard of a list field; rows of failed generations are 0."""
    sets = [None if output is None else item_set(output.get(field)) for output in outputs]
    matrix = np.zeros((len(sets), len(sets)))
    for i, j in itertools.product(range(len(sets)), repeat=2):
        a, b = sets[i], sets[j]
        if a is not None and b is not None:
            matrix[i, j] = set_jaccard(a, b)
    return matrix


def pair_mean(matrix: np.ndarray, index: np.ndarray) -> float:
    """Return the mean of `matrix` over the distinct pairs of positions in `index`."""
    sub = matrix[np.ix_(index, index)]
    upper = sub[np.triu_indices(len(index), k=1)]
    return float(np.mean(upper)) if upper.size else 1.0


def _set_key(value: Any) -> str:
    return canonical_value(sorted(item_set(value)))


def _modal(values: list[Any], total: int, key: Callable[[Any], str]) -> tuple[Any, float, int]:
    """Return the most common value (as first seen), its share of `total`, distinct count."""
    keys = Counter(key(v) for v in values)
    if not keys:
        return None, 0.0, 0
    top, count = keys.most_common(1)[0]
    example = next(v for v in values if key(v) == top)
    return example, count / total, len(keys)


def _kind(
    name: str, held: list[Any], is_set: bool, contract: OutputContract
) -> Literal["categorical", "set", "text"]:
    if is_set:
        return "set"
    if name in contract.categorical:
        return "categorical"
    texts = bool(held) and all(isinstance(v, str) for v in held)
    return "text" if texts or name in contract.text else "categorical"


def field_variance(
    outputs: Sequence[Mapping[str, Any] | None], contract: OutputContract
) -> list[FieldVariance]:
    """Return one row per field seen in any output (contract fields first), most varying first.

    Fields the contract does not name are listed too, typed by their values (lists are sets).
    """
    seen = [key for output in outputs if output is not None for key in output]
    names = list(dict.fromkeys([*contract.categorical, *contract.sets, *seen]))
    names = [name for name in names if any(o is not None and name in o for o in outputs)]
    rows = []
    everyone = np.arange(len(outputs))
    for name in names:
        held = [o.get(name) for o in outputs if o is not None]
        is_set = name in contract.sets or (
            name not in contract.categorical and all(isinstance(v, list) for v in held)
        )
        if is_set:
            modal, share, distinct = _modal(held, len(outputs), _set_key)
            agreement = pair_mean(set_similarity_matrix(outputs, name), everyone)
        else:
            modal, share, distinct = _modal(held, len(outputs), canonical_value)
            agreement = share
        rows.append(
            FieldVariance(
                field=name,
                kind=_kind(name, held, is_set, contract),
                modal_value=modal,
                modal_share=share,
                distinct_values=distinct,
                agreement=agreement,
                varies=distinct > 1 or len(held) < len(outputs),
            )
        )
    return sorted(rows, key=lambda row: row.agreement)
