"""A page's first and returning visit in real Chromium: bytes over the wire and time to load.

Used by pages.py (the Overview) against a running `keel serve`. Each cold visit is a new
browser context, so an empty HTTP cache; the warm visit that follows opens the same page again
in that context, as a user coming back does (immutable assets from the cache, the others
revalidated). No request routing: Playwright turns the HTTP cache off on a page it routes.

Times come from the browser's Navigation Timing: `html_ms` when the page's HTML had arrived
(responseEnd), `load_ms` the load event's end: the HTML, every stylesheet and script fetched
and run, and the charts drawn (charts.js draws as soon as its deferred script runs, before
DOMContentLoaded); `paint_ms` the first contentful paint (the page's text on screen, charts
or not); `after_html_ms` load minus html, what the assets cost. Times are medians of
the visits. Bytes are Resource Timing's transferSize (headers and encoded body; 0 for a response
the cache served) summed over the page and everything it fetched until the network was idle.

`old_keel(rev)` extracts keel's `src/keel` at a git revision, for a "before" server started
from it with PYTHONPATH.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the browser tests' Chromium and flags, shared rather than copied
from tests.web.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# What one visit measured, read in the page once the network is idle.
_MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const plotly = resources.find(e => e.name.includes('plotly'));
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    paint_ms: paint ? paint.startTime : null,
    html_ms: nav.responseEnd,
    load_ms: nav.loadEventEnd,
    bytes: nav.transferSize + resources.reduce((sum, e) => sum + e.transferSize, 0),
    requests: 1 + resources.length,
    plotly_bytes: plotly ? plotly.transferSize : null,
    plotly_raw_bytes: plotly ? plotly.decodedBodySize : null,
  };
}"""


def _visit(page: Page, url: str, chart: str) -> dict[str, Any]:
    page.goto(url, wait_until="networkidle", timeout=120_000)
    page.wait_for_selector(f"{chart} svg.main-svg", timeout=120_000)
    return dict(page.evaluate(_MEASURE))


def _summary(visits: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the medians of the visits' times, and the bytes of the last one."""
    last = visits[-1]
    return {
        "html_ms": round(statistics.median(v["html_ms"] for v in visits), 1),
        "paint_ms": round(statistics.median(v["paint_ms"] for v in visits), 1),
        "load_ms": round(statistics.median(v["load_ms"] for v in visits), 1),
        "load_ms_each": [round(v["load_ms"], 1) for v in visits],
        # From the HTML's arrival to the load event: the assets' share of the visit.
        "after_html_ms": round(statistics.median(v["load_ms"] - v["html_ms"] for v in visits), 1),
        "bytes": last["bytes"],
        "requests": last["requests"],
        "plotly_bytes": last["plotly_bytes"],
        "plotly_raw_bytes": last["plotly_raw_bytes"],
    }


def measure_visits(browser: Browser, url: str, chart: str, visits: int) -> dict[str, Any]:
    """Return the cold and warm visits of `url` (`visits` of each), once `chart` has drawn."""
    cold, warm = [], []
    for _ in range(visits):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        try:
            page = context.new_page()
            cold.append(_visit(page, url, chart))
            warm.append(_visit(page, url, chart))
        finally:
            context.close()
    return {
        "visits": visits,
        "cold": _summary(cold),
        "warm": _summary(warm),
        "load_average_1m": round(os.getloadavg()[0], 1),  # this machine is shared: read with it
    }


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def old_keel(rev: str, into: Path) -> Path:
    """Extract `src/keel` of git revision `rev` under `into`; return the folder for PYTHONPATH."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "src/keel"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"
