"""axe-core in the test browser: the vendored engine (tests/web/vendor) and what it finds.

The engine goes in through `page.evaluate`, which keel's Content-Security-Policy (scripts from
keel only) does not govern, so the pages are checked exactly as keel serves them.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")


@cache
def _engine() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """Return axe's violations on the page as it is, with every <details> opened first, so the
    content they fold away is checked too."""
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.evaluate(_engine())
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )


def blocking(found: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Return each serious or critical rule broken, with the elements (CSS targets) breaking it."""
    return {
        v["id"]: [", ".join(map(str, node["target"])) for node in v["nodes"]]
        for v in found
        if v["impact"] in BLOCKING
    }


def counts(found: list[dict[str, Any]]) -> Counter[str]:
    """Return how many elements break each rule, as `rule (impact)`."""
    return Counter({f"{v['id']} ({v['impact']})": len(v["nodes"]) for v in found})
