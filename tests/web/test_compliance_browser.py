"""The compliance reviewer's job in Debian's Chromium: the queue by risk, excerpt and flags,
a decision that keeps the view, then the Audit page's JSONL export, which `keel audit verify
--file` accepts. SQLite only; the queries run on both databases in test_review_queue_views.py
and test_audit_page.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.migrate import upgrade
from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage

pytestmark = pytest.mark.browser

TICKETS = [
    ("t-low", 1, "GENERAL", "You can update your address in Settings, then Profile.", False),
    (
        "t-tax",
        2,
        "WITHDRAWAL",
        "Interest on your savings is paid out monthly and you can withdraw it at any time; "
        "returns are guaranteed and you will never lose money.",
        True,
    ),
    ("t-pin", 3, "SECURITY", "Never share your PIN. Call us to reset it.", True),
]


@pytest.fixture
def open_server(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    """An open keel (no keys) with three support answers awaiting review, all ingested."""
    url = f"sqlite:///{tmp_path / 'keel.db'}"
    upgrade(url)
    database = Database(url)
    with LiveServer(Settings(home=tmp_path, database_url=url), database) as server:
        runs = [
            {
                "run_id": run_id,
                "workflow_type": "support",
                "created_at": f"2026-11-{day:02d}T09:00:00Z",
                "status": "UNSTABLE" if run_id == "t-low" else "COMPLETED",
                "output": {
                    "category": category,
                    "answer": answer,
                    "next_steps": [],
                    "disclaimer": "",
                    "needs_human_review": review,
                    "citations": [],
                },
            }
            for run_id, day, category, answer, review in TICKETS
        ]
        server.client.post("/api/v1/runs:batch", json={"runs": runs}).raise_for_status()
        yield server, url
    database.dispose()


def by_risk(server: LiveServer) -> list[str]:
    items = server.client.get("/api/v1/review", params={"sort": "risk"}).json()["items"]
    return [item["run"]["run_id"] for item in items]


def test_the_compliance_reviewer_decides_by_risk_and_exports_a_verifiable_log(
    open_server: tuple[LiveServer, str],
    browser_page: BrowserPage,
    screenshot_dir: Path,
    tmp_path: Path,
) -> None:
    server, url = open_server
    expected = by_risk(server)
    # The guaranteed-returns answer is what the risk score must put first.
    assert expected[0] == "t-tax", expected
    page = browser_page.page
    page.goto(f"{server.url}/review")
    expect(page.get_by_role("note")).to_contain_text('recorded in the audit log as "anonymous"')
    page.get_by_label("Why").select_option("needs_human_review")
    page.get_by_label("Order").select_option("risk")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(
        f"{server.url}/review?workflow_type=&reason=needs_human_review&state=open&sort=risk"
    )
    rows = page.locator("#review-queue tbody tr")
    wanted = [r for r in expected if r in ("t-tax", "t-pin")]
    expect(rows).to_have_count(2)
    expect(page.locator("#queue-count")).to_have_text("2 runs in this view.")
    for index, run_id in enumerate(wanted):
        expect(rows.nth(index)).to_have_id(f"run-{run_id}")
    tax = page.locator("#run-t-tax")
    expect(tax.locator("td.excerpt")).to_contain_text("returns are guaranteed")
    flags = server.client.get("/api/v1/runs/t-tax").json()
    flag_names = [f["rule_id"] for f in flags["policy_flags"]]
    assert flag_names, "ingestion flagged nothing on the guaranteed-returns answer"
    for name in flag_names:
        expect(tax.locator("td.flags")).to_contain_text(name)
    page.screenshot(path=screenshot_dir / "review-by-risk.png", full_page=True)
    tax.get_by_text("Decide").click()
    form = tax.get_by_role("form", name="Decision on t-tax")
    form.get_by_label("Decision").select_option("override")
    form.get_by_label("Category (override)").select_option("TAX")
    form.get_by_label("Reason").fill("a question about tax on interest; the guarantee is false")
    form.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_have_text("Decision on t-tax recorded.")
    # Back on the same filter and order: only the other flagged answer is left.
    expect(page.get_by_label("Why")).to_have_value("needs_human_review")
    expect(page.get_by_label("Order")).to_have_value("risk")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_id("run-t-pin")
    page.get_by_label("State").select_option("decided")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#run-t-tax p.decided")).to_contain_text("override: TAX")
    page.get_by_role("navigation", name="Dashboard pages").get_by_role("link", name="Audit").click()
    expect(page).to_have_url(f"{server.url}/audit")
    expect(page.locator("#chain-status")).to_contain_text("Chain intact")
    expect(page.locator("#audit-log tbody tr").first).to_contain_text("review.recorded")
    expect(page.locator("#audit-log tbody tr").first).to_contain_text("anonymous")
    page.screenshot(path=screenshot_dir / "audit.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="JSONL").click()
    exported = tmp_path / "downloaded.jsonl"
    download_info.value.save_as(exported)
    records = [json.loads(line) for line in exported.read_text().splitlines()]
    assert records[0]["record"] == "extract" and records[0]["chain"]["ok"] is True
    assert any(r.get("action") == "review.recorded" for r in records[1:])
    env = {**os.environ, "KEEL_DATABASE_URL": url, "KEEL_HOME": str(tmp_path)}
    verified = subprocess.run(
        [sys.executable, "-m", "keel", "audit", "verify", "--file", str(exported)],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert verified.returncode == 0, verified.stderr
    assert f"{len(records) - 1} entries" in verified.stdout
