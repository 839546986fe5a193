"""The one severity scale of keel's findings: content-rule flags, tool-policy violations, alerts."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Severity(enum.StrEnum):
    """How much a finding matters, least to most."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Return the position on the scale: 0 for info up to 4 for critical."""
        return list(Severity).index(self)


def most_severe(levels: Iterable[str]) -> Severity | None:
    """Return the highest of `levels` (unknown names ignored), or None when there is none."""
    known = [Severity(level) for level in levels if level in Severity._value2member_map_]
    return max(known, key=lambda level: level.rank, default=None)
