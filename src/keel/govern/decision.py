"""What a reviewer can decide on a run (a closed set; `keel.govern.review` records it)."""

from __future__ import annotations

import enum


class Decision(enum.StrEnum):
    APPROVE = "approve"
    OVERRIDE = "override"
    ESCALATE = "escalate"
