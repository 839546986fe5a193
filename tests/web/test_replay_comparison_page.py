"""Page C, Replay Comparison, in Debian's Chromium against a real keel server and replay set."""

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
from tests.web.replay_sets import replayed_set, seed_making_unavailable, user_run

pytestmark = pytest.mark.browser
# Plotly.js (its 1.5 MB cartesian bundle) is slow to parse on a loaded two-core machine.
PLOTLY_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str, str]]:
    """keel on a SQLite file holding one run of the user's agent and its finished replay set."""
    home = tmp_path_factory.mktemp("replayed")
    url = f"sqlite:///{home / 'keel.db'}"
    upgrade(url)
    database = Database(url)
    run_id = user_run(database)
    set_id = replayed_set(database, run_id, seed_making_unavailable(database, run_id, "search"))
    with LiveServer(Settings(home=home, database_url=url), database) as server:
        yield server, run_id, set_id
    database.dispose()


def test_run_detail_links_to_its_replay_comparison_whose_heatmap_renders(
    replayed: tuple[LiveServer, str, str], browser_page: BrowserPage, screenshot_dir: Path
) -> None:
    server, run_id, set_id = replayed
    page = browser_page.page
    page.goto(f"{server.url}/runs/{run_id}")
    page.locator("#replay-sets").get_by_role("link", name=set_id).click()
    expect(page).to_have_url(f"{server.url}/replays/{set_id}")
    heatmap = page.locator("#similarity-heatmap")
    expect(heatmap.locator("svg.main-svg").first).to_be_visible(timeout=PLOTLY_TIMEOUT_MS)
    # One cell label per pair of the five generations.
    expect(heatmap.locator(".hm text, g.heatmaplayer text")).not_to_have_count(0)
    expect(page.locator("#side-by-side thead th")).to_have_count(6)
    expect(page.locator("#sensitivity tbody tr")).to_have_count(4)
    expect(page.locator("#field-variance tbody tr")).not_to_have_count(0)
    page.screenshot(path=screenshot_dir / "replay-comparison.png", full_page=True)


def test_tool_diffs_open_where_the_replay_called_differently(
    replayed: tuple[LiveServer, str, str], browser_page: BrowserPage
) -> None:
    server, _, set_id = replayed
    page = browser_page.page
    page.goto(f"{server.url}/replays/{set_id}")
    diffs = page.locator("details.tool-diff")
    expect(diffs).to_have_count(4)
    for index in range(4):
        diff = diffs.nth(index)
        summary = diff.locator("summary").inner_text()
        # A diff that found changes is open and says how many of each kind.
        assert (diff.get_attribute("open") is not None) == ("same calls" not in summary)
    # P1 paraphrased the message the search was called with: its query differs by design, so
    # the diff says so and stays closed; P3 made search unavailable.
    p1, p3 = diffs.nth(1), diffs.nth(3)
    expect(p1.locator('tr[data-kind="reworded_args"]')).to_have_count(1)
    expect(p1.locator('tr[data-kind="changed_args"]')).to_have_count(0)
    expect(p1.locator("summary")).to_contain_text("not counted as instability")
    assert p1.get_attribute("open") is None
    expect(p3.locator('tr[data-kind="removed"] strong')).to_have_text("search")


def test_replay_from_the_runs_page_shows_progress_then_compare(
    replayed: tuple[LiveServer, str, str], browser_page: BrowserPage
) -> None:
    server, run_id, set_id = replayed
    page = browser_page.page
    page.goto(f"{server.url}/?q={run_id}")
    page.get_by_role("button", name=f"Replay run {run_id}", exact=True).click()
    compare = page.get_by_role("link", name=f"Compare the replays of run {run_id}")
    expect(compare).to_be_visible(timeout=120_000)
    href = compare.get_attribute("href") or ""
    assert href.startswith("/replays/rs-") and href != f"/replays/{set_id}"
    compare.click()
    expect(page.locator("#similarity-heatmap svg.main-svg").first).to_be_visible(
        timeout=PLOTLY_TIMEOUT_MS
    )
