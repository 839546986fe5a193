"""Ticket scenarios, clear and ambiguous (the labelling policy is in scenarios.model)."""

from __future__ import annotations

from keel.reference.world.scenarios.ambiguous import AMBIGUOUS
from keel.reference.world.scenarios.clear import CLEAR
from keel.reference.world.scenarios.model import DIFFICULTIES, Scenario

__all__ = ["AMBIGUOUS", "CLEAR", "DIFFICULTIES", "Scenario", "all_scenarios"]


def all_scenarios() -> list[Scenario]:
    """Return every scenario, clear ones first."""
    return [*CLEAR, *AMBIGUOUS]
