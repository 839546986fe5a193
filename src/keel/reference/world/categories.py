"""The closed set of support categories every ticket and support answer uses."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """What a support ticket is mainly about; the support answer schema uses the same values."""

    WITHDRAWAL = "WITHDRAWAL"
    TAX = "TAX"
    SECURITY = "SECURITY"
    TRANSFER = "TRANSFER"
    GENERAL = "GENERAL"
