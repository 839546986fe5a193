"""A world built once per test session, shared read-only by the world tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from keel.world import World, ensure_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The synthetic world built from its seed in a fresh KEEL_HOME (tests must not modify it)."""
    home: Path = tmp_path_factory.mktemp("world-home")
    return ensure_world(home)
