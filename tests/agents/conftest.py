"""Fixtures for the agents: a fake OpenAI-compatible server over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.agents.fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A scripted OpenAI-compatible endpoint on a free 127.0.0.1 port."""
    with FakeOpenAI() as server:
        yield server
