"""Page A, Runs, in Debian's Chromium against a real keel server.

Browser tests run on SQLite only: they check what the page renders and how it reacts. The
store queries behind it (runs_page, run_facets) run on both SQLite and PostgreSQL in
tests/web/test_pages.py and tests/store/test_run_queries.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from keel.web.assets import STATIC_DIR, StaticAssets
from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage

pytestmark = pytest.mark.browser

COLUMNS = [
    "Run ID",
    "Created",
    "Workflow Type",
    "Model",
    "Config",
    "Tool Count",
    "Tokens",
    "Cost",
    "Loop Depth",
    "Stability",
    "Risk",
    "Flags",
    "Status",
    "Actions",
]


def column(page: Page, label: str) -> list[str]:
    """Return the cells of the column headed `label`, top to bottom."""
    index = COLUMNS.index(label) + 1
    return page.locator(f"#runs-table tbody tr td:nth-child({index})").all_inner_texts()


def wait_for_table(page: Page, *fragments: str) -> None:
    """Wait until the table on show answers a request whose query has every fragment."""
    selector = "".join(f'[data-query*="{fragment}"]' for fragment in fragments)
    expect(page.locator(f"#runs-results .runs-results{selector}")).to_have_count(1)


def as_number(cell: str) -> float:
    return float(cell.replace("$", "").replace(",", ""))


def test_runs_page_lists_runs_under_every_column(
    dashboard: LiveServer, browser_page: BrowserPage, screenshot_dir: Path
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/")
    headers = page.locator("#runs-table thead th").all_inner_texts()
    assert [header.strip(" ▼▲\n") for header in headers] == COLUMNS
    # 50 runs are seeded; the healed one is folded under its original.
    expect(page.locator("#runs-table tbody tr")).to_have_count(49)
    assert column(page, "Run ID")[0] == "4bf92f3577b34da6a3ce929d0e0e4736"[:27] + "…"
    page.screenshot(path=screenshot_dir / "runs.png", full_page=False)
    assert all(url.startswith(dashboard.url) for url in browser_page.requests)
    # The stylesheet's URL carries its content digest, so a changed file is a new URL.
    assert f"{dashboard.url}{StaticAssets(STATIC_DIR).url('keel.css')}" in browser_page.requests


def test_clicking_a_header_sorts_by_it_and_again_reverses(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/")
    page.get_by_role("link", name="Tokens").click()
    wait_for_table(page, "sort=total_tokens", "order=desc")
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(f"{dashboard.url}/?sort=total_tokens&order=desc")
    tokens = [as_number(cell) for cell in column(page, "Tokens")]
    assert tokens == sorted(tokens, reverse=True) and tokens[0] > tokens[-1]
    page.get_by_role("link", name="Tokens").click()
    wait_for_table(page, "sort=total_tokens", "order=asc")
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    tokens = [as_number(cell) for cell in column(page, "Tokens")]
    assert tokens == sorted(tokens)


def test_headers_sort_from_the_keyboard(dashboard: LiveServer, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/")
    page.locator('a[data-sort="cost_usd"]').focus()
    page.keyboard.press("Enter")
    wait_for_table(page, "sort=cost_usd")
    expect(page.locator("th[aria-sort] a")).to_have_attribute("data-sort", "cost_usd")
    costs = [as_number(cell) for cell in column(page, "Cost")]
    assert costs == sorted(costs, reverse=True)


def test_filters_narrow_the_table(dashboard: LiveServer, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/")
    page.get_by_label("Workflow").select_option("sql_analysis")
    wait_for_table(page, "workflow_type=sql_analysis")
    expect(page.locator("#runs-table tbody tr")).to_have_count(12)
    assert set(column(page, "Workflow Type")) == {"sql_analysis"}
    page.get_by_label("Model").select_option("gpt-4o-mini")
    wait_for_table(page, "workflow_type=sql_analysis", "model=gpt-4o-mini")
    expect(page.locator("#runs-table tbody tr")).to_have_count(6)
    assert set(column(page, "Model")) == {"gpt-4o-mini"}
    assert "workflow_type=sql_analysis" in page.url and "model=gpt-4o-mini" in page.url


def test_stability_range_and_status_filters(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/")
    page.get_by_label("Status").select_option("UNSTABLE")
    wait_for_table(page, "status=UNSTABLE")
    assert set(column(page, "Status")) == {"UNSTABLE"}
    page.get_by_label("Status").select_option("")
    page.get_by_label("Stability at least").fill("80")
    page.get_by_label("Stability at most").fill("90")
    page.get_by_role("button", name="Apply").click()
    wait_for_table(page, "status=&", "stability_min=80", "stability_max=90")
    values = [as_number(cell) for cell in column(page, "Stability")]
    assert values and all(80 <= value <= 90 for value in values)


def test_date_filter_includes_the_last_day(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/?since=2026-10-05&until=2026-10-06")
    created = column(page, "Created")
    assert created and all(cell[:10] in ("2026-10-05", "2026-10-06") for cell in created)
    assert any(cell.startswith("2026-10-06") for cell in created)


def test_find_by_run_id_prefix(dashboard: LiveServer, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/")
    page.get_by_label("Run ID").fill("sql-000")
    wait_for_table(page, "q=sql-000")
    expect(page.locator("#runs-table tbody tr")).to_have_count(10)
    assert all(cell.startswith("sql-000") for cell in column(page, "Run ID"))


def test_next_and_previous_walk_the_pages(dashboard: LiveServer, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/?sort=run_id&order=asc&limit=20")
    first = column(page, "Run ID")
    page.get_by_role("link", name="Next →").click()
    expect(page.locator(".pager")).to_contain_text("Page 2")
    second = column(page, "Run ID")
    page.get_by_role("link", name="Next →").click()
    expect(page.locator(".pager")).to_contain_text("Page 3")
    third = column(page, "Run ID")
    assert len(first) == len(second) == 20 and len(third) == 9  # 49 originals
    assert first + second + third == sorted(first + second + third)
    expect(page.get_by_role("link", name="Next →")).to_have_count(0)
    page.get_by_role("link", name="← Previous").click()
    expect(page.locator(".pager")).to_contain_text("Page 2")
    assert column(page, "Run ID") == second
    page.get_by_role("link", name="← Previous").click()
    expect(page.locator(".pager")).to_contain_text("Page 1")
    assert column(page, "Run ID") == first


def test_no_match_says_how_to_widen_the_search(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/?q=does-not-exist")
    expect(page.locator("#runs-empty")).to_contain_text("No runs match these filters")
    page.get_by_role("link", name="clear all filters").click()
    expect(page.locator("#runs-table tbody tr")).to_have_count(49)
