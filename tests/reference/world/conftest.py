"""The world tests read the session's built world (tests that change a world copy it)."""

from __future__ import annotations

import pytest

from keel.reference.world import World


@pytest.fixture(scope="session")
def world(built_world: World) -> World:
    """The synthetic world built from its seed (shared: tests must not modify it)."""
    return built_world
