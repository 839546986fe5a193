"""Risk score 0-100 of a run: how much a person should worry about it (docs/metrics.md).

Three signals, each turned into a probability-like value in [0, 1] and combined by noisy-OR,
so independent reasons to worry add up and any one strong reason is enough on its own:

    flags       F = 1 - prod(1 - w(severity_i))    over the run's policy flags
    review      H = share of generations asking for human review (or 0/1 for one output)
    instability U = 1 - stability / 100            (missing when the run was never replayed)

    risk = 100 * (1 - (1 - F) * (1 - 0.3 H) * (1 - 0.6 U))

Severity weights: info 0 (topics only inform), low 0.25, medium 0.5 (a missing disclaimer),
high 0.8 (a prohibited claim), critical 1.0 (asking for a PIN saturates the score). A run at the
UNSTABLE threshold (stability 70) alone scores 18; one needing review alone 30.

Risk levels name the score in words (RISK_LEVEL_FLOORS, the one place they are set): low below
30, medium from 30 (review alone, or one medium flag at 50), high from 60 (one high flag scores
80), critical from 90 (a critical flag, or a high flag on top of other reasons).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from keel.core.errors import InvalidInput
from keel.core.severity import Severity
from keel.evaluate.generation import Generation

SEVERITY_WEIGHTS: Mapping[str, float] = {
    Severity.INFO: 0.0,
    Severity.LOW: 0.25,
    Severity.MEDIUM: 0.5,
    Severity.HIGH: 0.8,
    Severity.CRITICAL: 1.0,
}


class RiskLevel(enum.StrEnum):
    """A risk score in words, least to most worrying."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


#: The lowest score of each level (docs/metrics.md, docs/dashboard.md).
RISK_LEVEL_FLOORS: Mapping[RiskLevel, float] = {
    RiskLevel.LOW: 0.0,
    RiskLevel.MEDIUM: 30.0,
    RiskLevel.HIGH: 60.0,
    RiskLevel.CRITICAL: 90.0,
}


def risk_level(score: float | None) -> RiskLevel | None:
    """Return the level of a 0-100 risk score, or None when the run has no score."""
    if score is None:
        return None
    reached = [level for level, floor in RISK_LEVEL_FLOORS.items() if score >= floor]
    return reached[-1] if reached else RiskLevel.LOW


@dataclass(frozen=True)
class RiskConfig:
    """The weights of the risk formula (documented in docs/metrics.md)."""

    severity_weights: Mapping[str, float] = field(default_factory=lambda: dict(SEVERITY_WEIGHTS))
    review_weight: float = 0.3
    instability_weight: float = 0.6


@dataclass(frozen=True)
class RiskResult:
    """A run's risk, its three signals in [0, 1] (instability None if never replayed)."""

    score: float
    flags: float
    review: float
    instability: float | None
    worst_severity: str | None


def _severity(flag: Any) -> str:
    value = flag.get("severity") if isinstance(flag, Mapping) else getattr(flag, "severity", None)
    return str(value)


def review_share(generations: Sequence[Generation], flag: str | None) -> float:
    """Return the share of generations whose output sets review `flag` (the contract's
    `review_flag`; None: no generation asks), failures counting as not asking."""
    if not generations or flag is None:
        return 0.0
    asking = sum(bool(g.output and g.output.get(flag)) for g in generations)
    return asking / len(generations)


def flag_signal(flags: Sequence[Any], config: RiskConfig = RiskConfig()) -> float:
    """Return F = 1 - prod(1 - w(severity)) over flags (RuleFlag objects or store dicts)."""
    remaining = 1.0
    for index, flag in enumerate(flags):
        severity = _severity(flag)
        if severity not in config.severity_weights:
            raise InvalidInput(f"unknown severity {severity!r}", field=f"flags[{index}].severity")
        remaining *= 1.0 - config.severity_weights[severity]
    return 1.0 - remaining


def risk_score(
    flags: Sequence[Any],
    needs_human_review: bool | float | None = None,
    stability: float | None = None,
    config: RiskConfig = RiskConfig(),
) -> RiskResult:
    """Return the risk of a run from its flags, review need (bool or share) and stability."""
    review = float(needs_human_review or 0.0)
    if not 0.0 <= review <= 1.0:
        raise InvalidInput("needs_human_review must be a bool or a share in [0, 1]", field="review")
    if stability is not None and not 0.0 <= stability <= 100.0:
        raise InvalidInput("stability must lie in [0, 100]", field="stability")
    flag_part = flag_signal(flags, config)
    instability = None if stability is None else 1.0 - stability / 100.0
    calm = (1.0 - flag_part) * (1.0 - config.review_weight * review)
    calm *= 1.0 - config.instability_weight * (instability or 0.0)
    order = list(config.severity_weights)
    severities = sorted({_severity(f) for f in flags}, key=order.index)
    return RiskResult(
        score=round(100.0 * (1.0 - calm), 6),
        flags=flag_part,
        review=review,
        instability=instability,
        worst_severity=severities[-1] if severities else None,
    )
