"""Post new alerts as JSON to a webhook, once each; a failed post is logged and retried later."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx

from keel.store.drift import mark_delivered, undelivered_alerts
from keel.store.engine import Database
from keel.store.models import Alert

log = logging.getLogger(__name__)


def alert_payload(alert: Alert) -> dict[str, Any]:
    """Return the JSON body posted for `alert`."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "baseline": alert.baseline_name,
        "indicator": alert.indicator,
        "verdict": alert.verdict,
        "workflow_type": alert.workflow_type,
        "window_start": alert.window_start.isoformat() if alert.window_start else None,
        "window_end": alert.window_end.isoformat() if alert.window_end else None,
        "created_at": alert.created_at.isoformat() if alert.created_at else None,
        "details": alert.details,
    }


def post_alerts(alerts: list[Alert], url: str, timeout_s: float = 5.0) -> list[int]:
    """POST each alert to `url`; return the ids the receiver accepted (2xx)."""
    delivered: list[int] = []
    with httpx.Client(timeout=timeout_s) as client:
        for alert in alerts:
            try:
                response = client.post(url, json=alert_payload(alert))
            except httpx.HTTPError as exc:
                log.warning("alert %s not delivered to webhook: %s", alert.id, exc)
                continue
            if response.is_success:
                delivered.append(alert.id)
            else:
                log.warning("webhook answered %s for alert %s", response.status_code, alert.id)
    return delivered


def deliver_pending(database: Database, url: str) -> int:
    """Post every alert the webhook has not accepted yet; return how many it accepted now."""
    with database.write() as session:
        delivered = post_alerts(undelivered_alerts(session), url)
        now = datetime.now(UTC)
        for alert_id in delivered:
            mark_delivered(session, alert_id, now)
    return len(delivered)
