"""Parse times given by people: ISO dates and relative spans like `7d`, `12h`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from keel.core.errors import InvalidInput

_SPAN = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(value: str | None, field: str) -> datetime | None:
    """Return `value` as an aware datetime, or None: ISO 8601 (naive = UTC), or a span like
    `7d` meaning that long before now (so a command in the docs stays true on any day)."""
    if value is None:
        return None
    if _SPAN.match(value.strip()):
        return datetime.now(UTC) - parse_span(value, field)  # type: ignore[operator]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{field}: {value!r} is not an ISO 8601 date or time, nor a span like 7d", field
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_span(value: str | None, field: str) -> timedelta | None:
    """Return a span like `7d`, `12h`, `30m`, `2w` as a timedelta, or None."""
    if value is None:
        return None
    match = _SPAN.match(value.strip())
    if match is None:
        raise InvalidInput(f"{field}: {value!r} is not a span like 7d, 12h, 30m or 2w", field)
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
