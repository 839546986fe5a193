from __future__ import annotations

import keel.evaluate
import keel.evaluate.rules


def test_public_surface_is_pinned() -> None:
    assert keel.evaluate.__all__ == [
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
    assert keel.evaluate.rules.__all__ == [
        "Pack",
        "RuleFlag",
        "Span",
        "check_output",
        "check_text",
        "default_packs",
        "load_pack",
        "load_packs",
    ]
