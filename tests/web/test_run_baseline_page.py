"""Compare to Baseline, in Debian's Chromium: reached by clicking on the Runs page.

Browser tests run on SQLite only; the page and its JSON twin run on SQLite and PostgreSQL in
tests/web/test_run_baseline.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from keel.core.settings import Settings
from keel.drift.baseline import create_baseline
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.migrate import upgrade
from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage
from tests.web.dashboard_runs import TAX_RUN_ID, seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def with_baseline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The seeded dashboard, with its support runs frozen as baseline `support-seed`."""
    home = tmp_path_factory.mktemp("baseline")
    url = f"sqlite:///{home / 'keel.db'}"
    upgrade(url)
    database = Database(url)
    with LiveServer(Settings(home=home, database_url=url), database) as server:
        seed(server.url, database)
        with database.write() as session:
            create_baseline(session, "support-seed", PopulationFilter("support"))
        yield server
    database.dispose()


def test_compare_opens_the_run_against_its_baseline(
    with_baseline: LiveServer, browser_page: BrowserPage, screenshot_dir: Path
) -> None:
    page = browser_page.page
    page.goto(f"{with_baseline.url}/?q={TAX_RUN_ID}")
    page.get_by_role("link", name=f"Compare run {TAX_RUN_ID} to its baseline").click()
    expect(page).to_have_url(f"{with_baseline.url}/runs/{TAX_RUN_ID}/baseline")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Compare to baseline {TAX_RUN_ID}")
    expect(page.locator("#baseline-summary")).to_contain_text("support-seed")
    expect(page.locator("#baseline-metrics tbody tr")).to_have_count(3)
    stability = page.locator("#baseline-metrics tbody tr").first
    expect(stability).to_contain_text("48.5")  # the seeded unstable tax run
    expect(page.locator("#baseline-mix tr[aria-current='true']")).to_have_count(1)
    expect(page.locator("#baseline-tools tbody tr").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "run-baseline.png", full_page=True)
    page.get_by_role("link", name="/api/v1/runs/").click()
    assert f'"run_id":"{TAX_RUN_ID}"' in page.content().replace(" ", "")


def test_compare_without_a_baseline_says_how_to_freeze_one(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/?q={TAX_RUN_ID}")
    page.get_by_role("link", name=f"Compare run {TAX_RUN_ID} to its baseline").click()
    expect(page.locator("#baseline-empty")).to_contain_text("keel baseline create NAME")
