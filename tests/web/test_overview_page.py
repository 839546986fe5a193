"""Page D, Stability Overview, in Debian's Chromium against a real keel server."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage

pytestmark = pytest.mark.browser
# Plotly.js (its 1.5 MB cartesian bundle) is slow to parse on a loaded two-core machine.
PLOTLY_TIMEOUT_MS = 30_000


def test_overview_is_in_the_nav_and_draws_its_charts(
    dashboard: LiveServer, browser_page: BrowserPage, screenshot_dir: Path
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/")
    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page).to_have_url(f"{dashboard.url}/overview")
    expect(page.get_by_role("heading", level=1)).to_have_text("Stability overview")
    for chart in ("#stability-histogram", "#loop-depth-histogram", "#stability-over-time"):
        expect(page.locator(f"{chart} svg.main-svg").first).to_be_visible(timeout=PLOTLY_TIMEOUT_MS)
        # Plotly drew bars or a line, not an empty frame.
        expect(page.locator(f"{chart} g.trace").first).to_be_attached()
    expect(page.locator("#tool-health tbody tr")).not_to_have_count(0)
    page.screenshot(path=screenshot_dir / "overview.png", full_page=True)
