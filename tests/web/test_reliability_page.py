"""The Reliability page in Debian's Chromium: reached from the navigation, chart and table drawn,
the regression marked, a metric drillable to its runs, and the JSON twin one click away.

Browser tests run on SQLite only; the page and its twin run on both databases in
tests/web/test_reliability.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.migrate import upgrade
from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage
from tests.web.reliability_runs import seed_configs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def profiled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """keel on 127.0.0.1 over two configurations of the triage agent, one clearly worse."""
    home = tmp_path_factory.mktemp("reliability")
    url = f"sqlite:///{home / 'keel.db'}"
    upgrade(url)
    database = Database(url)
    seed_configs(database)
    with LiveServer(Settings(home=home, database_url=url), database) as server:
        yield server
    database.dispose()


def test_the_page_shows_both_profiles_with_the_regression_marked(
    profiled: LiveServer, browser_page: BrowserPage, screenshot_dir: Path
) -> None:
    page = browser_page.page
    page.goto(f"{profiled.url}/")
    page.get_by_role("link", name="Reliability").click()
    expect(page).to_have_url(f"{profiled.url}/reliability")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reliability of triage")
    table = page.locator("#reliability-table")
    expect(table.locator("thead")).to_contain_text("good")
    expect(table.locator("thead")).to_contain_text("bad")
    expect(page.locator("#metric-accuracy")).to_contain_text("▼ worse")
    expect(page.locator("#metric-outcome_agreement")).to_contain_text("▼ worse")
    expect(page.locator("#metric-compliance")).to_contain_text("within the interval")
    expect(page.locator("#reliability-chart .main-svg").first).to_be_visible()
    bars = page.locator("#reliability-chart g.trace.bars")
    expect(bars).to_have_count(2)  # one bar trace per configuration
    page.screenshot(path=screenshot_dir / "reliability.png", full_page=True)

    accuracy = page.locator("#metric-accuracy")
    accuracy.locator("summary").first.click()
    accuracy.get_by_role("link", name="good-00").click()
    expect(page).to_have_url(f"{profiled.url}/runs/good-00")


def test_the_form_narrows_the_configurations_and_the_twin_agrees(
    profiled: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{profiled.url}/reliability")
    page.get_by_label("bad").uncheck()
    page.get_by_role("button", name="Profile").click()
    expect(page.locator("#reliability-table thead")).not_to_contain_text("bad")
    page.get_by_role("link", name="/api/v1/reliability").click()
    text = page.content().replace(" ", "")
    assert '"selected":["good"]' in text
