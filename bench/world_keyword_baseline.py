"""How far keyword rules get on the world's tickets: a floor any support agent must beat.

Prints JSON: accuracy of a first-match keyword classifier against the gold categories, overall, on
clear tickets and on ambiguous ones. The gold labels come from how each ticket was built
(keel.reference.world.scenarios), so a low figure on ambiguous tickets shows that their wording does
not give the answer away.

    python bench/world_keyword_baseline.py
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from keel.reference.world import Category, ensure_world

# First match wins; the order is the one a hurried rule-writer would pick.
RULES = (
    (Category.SECURITY, r"fraud|scam|stolen|lost|phish|password|code|unauthori|didn't make|hack"),
    (Category.TAX, r"tax|1099|w-9|w-8|irs|withh"),
    (Category.TRANSFER, r"wire|transfer|quicksend|send money|ach|routing"),
    (Category.WITHDRAWAL, r"withdraw|atm|cash|cd\b|certificate"),
)


def keyword_category(text: str) -> Category:
    """Return the first category whose keywords appear in `text`, else GENERAL."""
    lowered = text.lower()
    return next((cat for cat, pattern in RULES if re.search(pattern, lowered)), Category.GENERAL)


def main() -> None:
    """Print the keyword baseline's accuracy on all, clear and ambiguous tickets."""
    with tempfile.TemporaryDirectory() as home:
        tickets = ensure_world(Path(home)).tickets()
    groups = {
        "all": tickets,
        "clear": [t for t in tickets if not t.ambiguous_between],
        "ambiguous": [t for t in tickets if t.ambiguous_between],
    }
    result = {
        name: {
            "tickets": len(group),
            "accuracy": round(
                sum(keyword_category(t.text) == t.gold_category for t in group) / len(group), 3
            ),
        }
        for name, group in groups.items()
    }
    print(json.dumps({"keyword_baseline": result}, indent=2))


if __name__ == "__main__":
    main()
