"""P2: reorder retrieved documents, tool results and context blocks, seeded and recorded."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def shuffled_order(n_items: int, seed: int) -> list[int]:
    """Return a seeded permutation of range(n_items); never the identity when n_items > 1."""
    order = list(range(n_items))
    if n_items < 2:
        return order
    rng = random.Random(seed)
    while order == sorted(order):
        rng.shuffle(order)
    return order


def apply_order(items: Sequence[T], order: Sequence[int]) -> list[T]:
    """Return `items` rearranged by `order` (indices into `items`)."""
    if sorted(order) != list(range(len(items))):
        raise ValueError(f"order {list(order)} is not a permutation of {len(items)} items")
    return [items[index] for index in order]
