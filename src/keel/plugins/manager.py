"""The registry of plugins: pluggy's manager, loaded once per process from entry points."""

from __future__ import annotations

from functools import cache
from typing import Any

import pluggy

from keel.plugins import hookspecs


@cache
def plugin_manager() -> pluggy.PluginManager:
    """Return the process's plugin manager, with every installed `keel` entry point loaded.

    Entry points are package metadata, the same in every process of one installation, so the
    manager is process-wide state that every keel server and worker agrees on.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.load_setuptools_entrypoints(hookspecs.PROJECT)
    return manager


def collected(answers: list[list[Any]]) -> list[Any]:
    """Return the answers of every plugin to a list-returning hook, as one list, in order."""
    return [item for answer in answers for item in answer or ()]
