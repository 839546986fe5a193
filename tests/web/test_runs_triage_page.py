"""The support lead's job on the Runs page, in Debian's Chromium against a real keel server:
"today's unsafe answers, and why" (issue 12). SQLite only; the queries behind it run on both
databases in tests/web/test_runs_triage.py and tests/store/test_search.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage
from tests.web.dashboard_runs import HEALED_RUN_ID, TAX_RUN_ID
from tests.web.test_runs_page import column, wait_for_table

pytestmark = pytest.mark.browser


def test_support_lead_finds_the_high_risk_flagged_answer_and_why(
    dashboard: LiveServer, browser_page: BrowserPage, screenshot_dir: Path
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/")
    expect(page.locator(f'tr[data-run-id="{HEALED_RUN_ID}"]')).to_have_count(0)
    page.locator("select[name=risk]").select_option("high")
    wait_for_table(page, "risk=high")
    risks = column(page, "Risk")
    assert risks and all(cell.split()[0] in ("high", "critical") for cell in risks)
    page.locator("select[name=severity]").select_option("high")
    wait_for_table(page, "risk=high", "severity=high")
    page.locator("#filter-search").fill("withheld")
    wait_for_table(page, "risk=high", "severity=high", "search=withheld")
    rows = page.locator("#runs-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-run-id", TAX_RUN_ID)
    assert column(page, "Risk") == ["high 82"]
    flags = column(page, "Flags")[0]
    assert "prohibited.no_tax_owed high" in flags
    page.get_by_text("+1 derived").click()
    expect(rows.first.get_by_role("link", name=HEALED_RUN_ID)).to_be_visible()
    page.screenshot(path=screenshot_dir / "runs-triage.png", full_page=False)
    page.reload()
    expect(rows).to_have_count(1)
    expect(page.locator("#filter-search")).to_have_value("withheld")
    page.get_by_label("Show replays and heals as rows").check()
    wait_for_table(page, "show=all")
    expect(page.locator(f'tr[data-run-id="{HEALED_RUN_ID}"]')).to_have_count(1)
