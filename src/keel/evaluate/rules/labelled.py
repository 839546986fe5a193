"""Precision and recall of the rule packs on a labelled set of answers (bench/policy_eval.py).

Each labelled answer lists the rule ids that should fire on it. A rule firing where it is
expected is a true positive, firing where it is not a false positive, missing where it is
expected a false negative; counts are summed per rule and per family (topic, disclaimer,
prohibited), i.e. micro-averaged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from keel.core.errors import InvalidInput
from keel.evaluate.rules.engine import check_output, default_packs
from keel.evaluate.rules.pack import Pack


@dataclass(frozen=True)
class LabelledAnswer:
    """An output with the rule ids that should fire on it."""

    id: str
    output: dict[str, Any]
    expected: frozenset[str]
    split: str = "dev"
    tags: tuple[str, ...] = ()


@dataclass
class RuleCounts:
    """True positives, false positives and false negatives, with the ratios they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return counts, precision, recall and F1 (1.0 when nothing was there to get wrong)."""
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }


def labelled_path() -> Path:
    """Return the path of keel's labelled policy set."""
    return Path(str(resources.files("keel.evaluate") / "data" / "policy_labelled.jsonl"))


def load_labelled(path: Path | None = None) -> list[LabelledAnswer]:
    """Return the labelled answers of a JSON Lines file (default: keel's own set)."""
    path = path or labelled_path()
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(
                LabelledAnswer(
                    id=row["id"],
                    output=row["output"],
                    expected=frozenset(row["expected"]),
                    split=row.get("split", "dev"),
                    tags=tuple(row.get("tags", [])),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InvalidInput(
                f"{path.name} line {number}: {exc}", field=f"line {number}"
            ) from None
    return items


def _family(rule_id: str, kinds: Mapping[str, str]) -> str:
    return kinds.get(rule_id, rule_id.split(".")[0])


def evaluate_labelled(
    items: Sequence[LabelledAnswer], packs: Sequence[Pack] | None = None
) -> dict[str, Any]:
    """Return per-family and per-rule precision/recall, and the answers the packs got wrong."""
    packs = default_packs() if packs is None else packs
    # Confidential rules judge an answer against its run's declaration, which text alone lacks.
    kinds = {r.id: r.kind for p in packs for r in p.rules if r.kind != "confidential"}
    by_rule: dict[str, RuleCounts] = {rule_id: RuleCounts() for rule_id in kinds}
    for item in items:
        fired = {flag.rule_id for flag in check_output(item.output, packs)}
        for rule_id in fired | item.expected:
            counts = by_rule.setdefault(rule_id, RuleCounts())
            if rule_id in fired and rule_id in item.expected:
                counts.tp += 1
            elif rule_id in fired:
                counts.fp += 1
                counts.errors.append(f"FP {item.id}")
            else:
                counts.fn += 1
                counts.errors.append(f"FN {item.id}")
    by_family: dict[str, RuleCounts] = {}
    for rule_id, counts in by_rule.items():
        total = by_family.setdefault(_family(rule_id, kinds), RuleCounts())
        total.tp, total.fp, total.fn = (
            total.tp + counts.tp,
            total.fp + counts.fp,
            total.fn + counts.fn,
        )
    return {
        "answers": len(items),
        "near_misses": sum("near-miss" in item.tags for item in items),
        "families": {name: c.as_dict() for name, c in sorted(by_family.items())},
        "rules": {name: c.as_dict() for name, c in sorted(by_rule.items())},
        "errors": {name: c.errors for name, c in sorted(by_rule.items()) if c.errors},
    }
