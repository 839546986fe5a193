"""What the reliability profile reads of a run, kept in plain columns of `runs` as it is written.

A profile of a large population is mostly base runs alone in their item, and of each such run
it reads a few facts: its item, whether it has an output, the decision and review-flag values,
its confidence, and its correctness against its own expected outcome. Those facts depend on the
workflow's output contract (which field is the decision, the review flag, the item key), which
the store does not know: the write path (keel.ingest) judges each run by its contract and hands
the facts here; `read_by` names the contract fields they were read by, so a read under another
contract knows they are stale and reads the JSON instead. Runs without facts (written by
another path, or rewritten by `keel redact`) hold NULL in every column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

#: The `runs` columns that hold the facts, in ProfileFacts' field order.
FACT_COLUMNS = (
    "profile_read_by",
    "profile_item",
    "profile_has_output",
    "profile_decision",
    "profile_review",
    "profile_confidence",
    "profile_correct",
    "profile_exact",
)


def read_by_key(decision: str | None, review_flag: str | None, item_key: str | None) -> str:
    """Return the text naming the contract fields a run's facts were read by."""
    return json.dumps([decision, review_flag, item_key])


@dataclass(frozen=True)
class ProfileFacts:
    """One run's facts as the profile reads them.

    `decision` and `review` are the output's values of those fields as JSON text (None: no
    output); `confidence` the agent's own, in [0, 1]; `correct` and `exact` 1 or 0 against
    the run's own expected outcome (`metrics.expected`), None without one.
    """

    read_by: str
    item: str | None
    has_output: bool
    decision: str | None
    review: str | None
    confidence: float | None
    correct: int | None
    exact: int | None

    def columns(self) -> dict[str, Any]:
        """Return the facts by column name."""
        values = (
            self.read_by,
            self.item,
            self.has_output,
            self.decision,
            self.review,
            self.confidence,
            self.correct,
            self.exact,
        )
        return dict(zip(FACT_COLUMNS, values, strict=True))


def no_facts() -> dict[str, Any]:
    """Return every fact column as NULL: what a run without (or with stale) facts holds."""
    return dict.fromkeys(FACT_COLUMNS)
