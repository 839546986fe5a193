"""The /review page in Debian's Chromium: sign in with a key, decide, see the decision stick.

Browser tests run on SQLite only; the queries behind the page run on both databases in
tests/web/test_review_api.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from keel.auth import keys as key_domain
from keel.auth.scopes import Scope
from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.migrate import upgrade
from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage

pytestmark = pytest.mark.browser


@pytest.fixture
def review_server(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    """A locked keel (KEEL_REQUIRE_AUTH) with two runs awaiting review, and a reviewer's key."""
    url = f"sqlite:///{tmp_path / 'keel.db'}"
    upgrade(url)
    database = Database(url)
    with database.write() as session:
        _row, ingest = key_domain.create_key(session, Scope.INGEST, "exporter", "test")
        _row, reviewer = key_domain.create_key(session, Scope.REVIEW, "ann", "test")
    settings = Settings(home=tmp_path, database_url=url, require_auth=True)
    with LiveServer(settings, database) as server:
        runs = [
            {
                "run_id": "tax-1",
                "workflow_type": "support",
                "created_at": "2026-11-01T09:00:00Z",
                "output": {"category": "WITHDRAWAL", "needs_human_review": True},
            },
            {
                "run_id": "wobbly-2",
                "workflow_type": "support",
                "status": "UNSTABLE",
                "created_at": "2026-11-02T09:00:00Z",
            },
        ]
        httpx.post(
            f"{server.url}/api/v1/runs:batch",
            json={"runs": runs},
            headers={"Authorization": f"Bearer {ingest}"},
        ).raise_for_status()
        yield server, reviewer
    database.dispose()


def test_a_reviewer_signs_in_and_overrides_a_category(
    review_server: tuple[LiveServer, str], browser_page: BrowserPage, screenshot_dir: Path
) -> None:
    server, key = review_server
    page = browser_page.page
    page.goto(f"{server.url}/review")
    expect(page).to_have_url(f"{server.url}/login?next=%2Freview")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/review")
    rows = page.locator("#review-queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("tax-1")
    row = page.locator("#run-tax-1")
    row.get_by_text("Decide").click()
    form = row.get_by_role("form", name="Decision on tax-1")
    form.get_by_label("Decision").select_option("override")
    form.get_by_label("Category (override)").select_option("TAX")
    form.get_by_label("Reason").fill("the fee question is about withholding tax")
    page.screenshot(path=screenshot_dir / "review.png", full_page=False)
    form.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_have_text("Decision on tax-1 recorded.")
    expect(rows).to_have_count(1)
    page.goto(f"{server.url}/runs/tax-1")
    decisions = page.locator("table.reviews tbody tr")
    expect(decisions).to_have_count(1)
    expect(decisions.first).to_contain_text("override")
    expect(decisions.first).to_contain_text("the fee question is about withholding tax")
    decided = httpx.get(
        f"{server.url}/api/v1/runs/tax-1", headers={"Authorization": f"Bearer {key}"}
    ).json()["reviews"]
    assert [(r["decision"], r["category"], r["reviewer"]) for r in decided] == [
        ("override", "TAX", "ann")
    ]
