"""The garbage collector is paused inside `paused_collection`, and only as long as one is open."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from keel.core.collector import paused_collection


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_resumes_when_the_last_of_overlapping_pauses_ends(
    collector_on: None,
) -> None:
    first, second = paused_collection(), paused_collection()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)  # ends before the other: the collector stays paused
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_pauses_in_several_threads_leave_the_collector_on(collector_on: None) -> None:
    inside = threading.Barrier(4)

    def pause() -> None:
        with paused_collection():
            inside.wait(timeout=10)  # every thread inside at once

    threads = [threading.Thread(target=pause) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off() -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        with paused_collection():
            pass
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_an_error_inside_still_ends_the_pause(collector_on: None) -> None:
    with pytest.raises(ValueError), paused_collection():
        raise ValueError("boom")
    assert gc.isenabled()
