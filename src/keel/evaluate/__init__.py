"""Pure evaluation of runs: stability, disagreement, policy flags and risk (no database inside).

Formulas, defaults and sources: docs/metrics.md. Policy flags live in `keel.evaluate.rules`.
"""

from keel.evaluate.disagreement import DisagreementResult, disagreement
from keel.evaluate.generation import Generation, ToolStep
from keel.evaluate.risk import RiskConfig, RiskResult, risk_score
from keel.evaluate.stability import StabilityConfig, StabilityResult, stability

__all__ = [
    "DisagreementResult",
    "Generation",
    "RiskConfig",
    "RiskResult",
    "StabilityConfig",
    "StabilityResult",
    "ToolStep",
    "disagreement",
    "risk_score",
    "stability",
]
