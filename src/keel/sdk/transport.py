"""What a transport reports after one delivery attempt, and the choice of transport.

Two transports carry the same JSON batch (`POST /api/v1/runs:batch` format): `HttpTransport` to a
keel server, `StoreTransport` straight into the database. Both answer with an `Outcome`, so the
batcher's retry and drop rules do not depend on which one is in use.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import Protocol

from keel.sdk.config import Destination

_RUN_INDEX = re.compile(r"^runs\[(\d+)\]")


class Verdict(enum.Enum):
    DELIVERED = "delivered"  # stored (inserted or already there)
    RETRY = "retry"  # server or network trouble: worth another attempt
    INVALID_RUN = "invalid_run"  # one run of the batch is bad; the others may be fine
    TOO_LARGE = "too_large"  # the batch is over the server's size limit
    REFUSED = "refused"  # the server will not take this batch (auth, bad request)


@dataclass(frozen=True)
class Outcome:
    """The verdict on one attempt, a reason for people, and the bad run's index if known."""

    verdict: Verdict
    reason: str = ""
    run_index: int | None = None


DELIVERED = Outcome(Verdict.DELIVERED)


class Transport(Protocol):
    """Sends one JSON batch body; never raises for delivery trouble, answers an Outcome."""

    target: str  # where batches go, for messages (never a password or key)

    def send(self, body: bytes) -> Outcome: ...

    def close(self) -> None: ...

    def forget(self) -> None:
        """Drop inherited connections without closing them (in a forked child)."""


def invalid_field_outcome(field: str | None, message: str) -> Outcome:
    """Return the outcome of a validation error on `field` (e.g. `runs[3].events[0].seq`)."""
    match = _RUN_INDEX.match(field or "")
    if match is None:
        return Outcome(Verdict.REFUSED, message)
    return Outcome(Verdict.INVALID_RUN, message, run_index=int(match.group(1)))


def outcome_of_response(status_code: int, content: bytes) -> Outcome:
    """Return the outcome of an HTTP answer from `POST /api/v1/runs:batch`."""
    if 200 <= status_code < 300:
        return DELIVERED
    error = _error_body(content)
    reason = f"HTTP {status_code}: {error.get('message') or content[:200].decode(errors='replace')}"
    # 429 is the standard "come back later": retried like a 5xx, unlike other 4xx.
    if status_code >= 500 or status_code == 429:
        return Outcome(Verdict.RETRY, reason)
    if status_code == 413:
        return Outcome(Verdict.TOO_LARGE, reason)
    if status_code == 422:
        return invalid_field_outcome(error.get("field"), reason)
    return Outcome(Verdict.REFUSED, reason)


def _error_body(content: bytes) -> dict[str, str]:
    try:
        error = json.loads(content)["error"]
    except (ValueError, KeyError, TypeError):
        return {}
    return error if isinstance(error, dict) else {}


def make_transport(destination: Destination, request_timeout_s: float) -> Transport:
    """Return the transport for `destination` (imports httpx or the store only when needed)."""
    if destination.endpoint:
        from keel.sdk.http_transport import HttpTransport

        return HttpTransport(destination.endpoint, destination.api_key, request_timeout_s)
    from keel.sdk.store_transport import StoreTransport

    return StoreTransport(destination.database_url)
