"""The settings of one `keel` invocation: built once, from the environment, at the edge.

The root command starts each invocation afresh (`begin_invocation`); the first command code
that needs configuration builds it, and every later part of the same command reads that one
object, which it then passes down. A sub-app run on its own (`python -m keel.cli.mcp`) simply
builds its settings on first use.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keel.core.settings import Settings

_current: ContextVar[Settings | None] = ContextVar("keel_cli_settings", default=None)


def begin_invocation() -> None:
    """Forget the previous invocation's settings (one process may run several, as in tests)."""
    _current.set(None)


def cli_settings() -> Settings:
    """Return this invocation's Settings, built from `KEEL_*` on first use."""
    settings = _current.get()
    if settings is None:
        from keel.core import sanitize
        from keel.core.settings import Settings

        settings = Settings()
        sanitize.configure(settings)  # the user's redaction patterns and field limit
        _current.set(settings)
    return settings
