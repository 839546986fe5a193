"""What a transport reports after one delivery attempt, and what every transport offers.

Two transports carry the same JSON batch (`POST /api/v1/runs:batch` format): `HttpTransport` to a
keel server, `StoreTransport` straight into the database. Both answer with a `DeliveryOutcome`, so
the batcher's retry and drop rules do not depend on which one is in use.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import Protocol

_RUN_INDEX = re.compile(r"^runs\[(\d+)\]")


class DeliveryVerdict(enum.Enum):
    DELIVERED = "delivered"  # stored (inserted or already there)
    RETRY = "retry"  # server or network trouble: worth another attempt
    INVALID_RUN = "invalid_run"  # one run of the batch is bad; the others may be fine
    TOO_LARGE = "too_large"  # the batch is over the server's size limit
    REFUSED = "refused"  # the server will not take this batch (auth, bad request)


@dataclass(frozen=True)
class DeliveryOutcome:
    """The verdict on one attempt, a reason for people, and the bad run's index if known."""

    verdict: DeliveryVerdict
    reason: str = ""
    run_index: int | None = None


DELIVERED = DeliveryOutcome(DeliveryVerdict.DELIVERED)


class Transport(Protocol):
    """Sends one JSON batch body; never raises for delivery trouble, answers an DeliveryOutcome."""

    target: str  # where batches go, for messages (never a password or key)

    def send(self, body: bytes) -> DeliveryOutcome: ...

    def close(self) -> None: ...

    def forget(self) -> None:
        """Drop inherited connections without closing them (in a forked child)."""


def invalid_field_outcome(field: str | None, message: str) -> DeliveryOutcome:
    """Return the outcome of a validation error on `field` (e.g. `runs[3].events[0].seq`)."""
    match = _RUN_INDEX.match(field or "")
    if match is None:
        return DeliveryOutcome(DeliveryVerdict.REFUSED, message)
    return DeliveryOutcome(DeliveryVerdict.INVALID_RUN, message, run_index=int(match.group(1)))


def outcome_of_response(status_code: int, content: bytes) -> DeliveryOutcome:
    """Return the outcome of an HTTP answer from `POST /api/v1/runs:batch`."""
    if 200 <= status_code < 300:
        return DELIVERED
    error = _error_body(content)
    reason = f"HTTP {status_code}: {error.get('message') or content[:200].decode(errors='replace')}"
    # 429 is the standard "come back later": retried like a 5xx, unlike other 4xx.
    if status_code >= 500 or status_code == 429:
        return DeliveryOutcome(DeliveryVerdict.RETRY, reason)
    if status_code == 413:
        return DeliveryOutcome(DeliveryVerdict.TOO_LARGE, reason)
    if status_code == 422:
        return invalid_field_outcome(error.get("field"), reason)
    return DeliveryOutcome(DeliveryVerdict.REFUSED, reason)


def _error_body(content: bytes) -> dict[str, str]:
    try:
        error = json.loads(content)["error"]
    except (ValueError, KeyError, TypeError):
        return {}
    return error if isinstance(error, dict) else {}
