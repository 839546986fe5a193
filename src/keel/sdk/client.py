"""The process-wide SDK client: options, the batcher, exit flushing and fork handling.

The batcher (and its thread) is created on first use, never at import; `configure()` replaces
it. At interpreter exit the queued runs get one last attempt within `exit_timeout_s`. A forked
child starts with an empty queue and starts its own thread when it first sends.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from keel.sdk.batcher import Batcher, SdkStats
from keel.sdk.config import Destination, SdkConfig, resolve_destination
from keel.sdk.transport import Transport

logger = logging.getLogger("keel.sdk")
_DEFAULTS = SdkConfig()
_lock = threading.Lock()
_config = _DEFAULTS
_batcher: Batcher | None = None
_hooks_installed = False
_exiting = False


def configure(
    endpoint: str | None = None,
    api_key: str | None = None,
    database_url: str | None = None,
    queue_size: int = _DEFAULTS.queue_size,
    flush_interval_s: float = _DEFAULTS.flush_interval_s,
    max_batch_runs: int = _DEFAULTS.max_batch_runs,
    max_batch_bytes: int = _DEFAULTS.max_batch_bytes,
    max_retries: int = _DEFAULTS.max_retries,
    retry_backoff_s: float = _DEFAULTS.retry_backoff_s,
    request_timeout_s: float = _DEFAULTS.request_timeout_s,
    exit_timeout_s: float = _DEFAULTS.exit_timeout_s,
) -> None:
    """Set where and how runs are sent; unset `endpoint`/`api_key` come from `KEEL_*`.

    `endpoint=""` forces in-process delivery into the store even when KEEL_ENDPOINT is set.
    Runs queued under the previous options get one last attempt first.
    """
    global _config, _batcher
    config = SdkConfig(
        endpoint,
        api_key,
        database_url,
        queue_size,
        flush_interval_s,
        max_batch_runs,
        max_batch_bytes,
        max_retries,
        retry_backoff_s,
        request_timeout_s,
        exit_timeout_s,
    )
    with _lock:
        previous, _batcher, _config = _batcher, None, config
    if previous is not None:
        previous.close(previous.config.exit_timeout_s)


def _open_transport(config: SdkConfig) -> Transport:
    return _make_transport(resolve_destination(config), config.request_timeout_s)


def _active() -> Batcher:
    """Return the live batcher, creating it (and the exit and fork hooks) on first use."""
    global _batcher, _hooks_installed
    with _lock:
        if _batcher is None or (_batcher.closed and not _exiting):
            config = _config
            _batcher = Batcher(config, lambda: _open_transport(config))
        if not _hooks_installed:
            atexit.register(_flush_at_exit)
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _hooks_installed = True
        return _batcher


def submit(run: bytes) -> None:
    """Queue one serialised run; never raises and never waits on the network."""
    try:
        _active().submit(run)
    except Exception:
        logger.debug("keel: could not queue a run", exc_info=True)


def drop_unsendable(problem: str) -> None:
    """Count a run that could not be serialised as dropped, and warn (once)."""
    try:
        _active().count_dropped(problem)
    except Exception:
        logger.debug("keel: %s", problem, exc_info=True)


def report_problem(problem: str) -> None:
    """Warn (once) about a recording problem in the host's process."""
    try:
        _active().warn_once(problem)
    except Exception:
        logger.debug("keel: %s", problem, exc_info=True)


def flush(timeout_s: float = 5.0) -> bool:
    """Send every run finished so far; wait at most `timeout_s`; True when all were settled."""
    with _lock:
        batcher = _batcher
    return True if batcher is None else batcher.flush(timeout_s)


def shutdown(timeout_s: float | None = None) -> bool:
    """Flush within `timeout_s` (default `exit_timeout_s`) and stop the SDK's thread."""
    with _lock:
        batcher = _batcher
    if batcher is None:
        return True
    return batcher.close(batcher.config.exit_timeout_s if timeout_s is None else timeout_s)


def stats() -> SdkStats:
    """Return the counters of the current (or last shut down) batcher."""
    with _lock:
        batcher = _batcher
    return SdkStats() if batcher is None else batcher.stats()


def current_config() -> SdkConfig:
    """Return the options in force."""
    return _config


def _flush_at_exit() -> None:
    global _exiting
    _exiting = True
    shutdown()


def _after_fork_in_child() -> None:
    global _lock
    # Another thread of the parent may have held the lock at fork time; it never will here.
    _lock = threading.Lock()
    if _batcher is not None:
        _batcher.after_fork_in_child()


def _make_transport(destination: Destination, request_timeout_s: float) -> Transport:
    """Return the transport for `destination` (imports httpx or the store only when needed)."""
    if destination.endpoint:
        from keel.sdk.http_transport import HttpTransport

        return HttpTransport(destination.endpoint, destination.api_key, request_timeout_s)
    from keel.sdk.store_transport import StoreTransport

    return StoreTransport(destination.database_url)
