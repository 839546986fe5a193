"""Heal safety: a rerun is never accepted when it is less safe than the run it heals.

Stability is not the only thing a constraint can move: pinning a category or lowering the
temperature can also drop the answer's substance and its disclaimer. So a rerun is rejected,
whatever its score, when it
- scores a higher risk than the original (docs/metrics.md, "Risk"),
- carries a policy flag the original did not, or one of higher severity, or
- lacks a disclaimer the original carried (tax, legal, investment: packs/disclaimers.toml).
Pure: plain data in, the reasons out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from keel.core.severity import Severity, most_severe
from keel.evaluate.rules.engine import disclaimers_present

#: Risk is stored to 6 decimals; a rise smaller than this is rounding, not harm.
RISK_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SafetyView:
    """What heal safety reads of one run: its risk, its flags' worst severity per rule, and the
    disclaimers its output carries."""

    risk: float | None
    flags: Mapping[str, str] = field(default_factory=dict)
    disclaimers: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        """Return the view as JSON-ready data."""
        return {
            "risk": self.risk,
            "flags": dict(sorted(self.flags.items())),
            "disclaimers": sorted(self.disclaimers),
        }


def safety_view(
    risk: float | None, flags: Iterable[tuple[str, str]], output: Mapping[str, Any] | None
) -> SafetyView:
    """Return the view of a run with `risk`, `(rule_id, severity)` flags and `output`."""
    worst: dict[str, list[str]] = {}
    for rule_id, severity in flags:
        worst.setdefault(rule_id, []).append(severity)
    levels = {rule: str(most_severe(found) or found[0]) for rule, found in worst.items()}
    carried = frozenset(disclaimers_present(output)) if output else frozenset()
    return SafetyView(risk, levels, carried)


def _rank(severity: str) -> int:
    known = Severity._value2member_map_
    return Severity(severity).rank if severity in known else len(known)


def safety_regressions(before: SafetyView, after: SafetyView) -> list[str]:
    """Return why the rerun (`after`) is less safe than the original (`before`); empty: it is
    not."""
    reasons = []
    if (
        before.risk is not None
        and after.risk is not None
        and after.risk > before.risk + RISK_TOLERANCE
    ):
        reasons.append(f"risk rose from {before.risk:.1f} to {after.risk:.1f}")
    for rule_id, severity in sorted(after.flags.items()):
        had = before.flags.get(rule_id)
        if had is None and _rank(severity) > Severity.INFO.rank:
            reasons.append(f"adds the {severity} flag {rule_id}")
        elif had is not None and _rank(severity) > _rank(had):
            reasons.append(f"worsens the flag {rule_id} from {had} to {severity}")
    for rule_id in sorted(before.disclaimers - after.disclaimers):
        reasons.append(f"drops the {rule_id.removeprefix('disclaimer.')} disclaimer")
    return reasons
