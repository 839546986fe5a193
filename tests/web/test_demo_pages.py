"""The demo's own data on the pages, in Debian's Chromium: self-heal, and the regression's
reliability profile.

`keel demo` tells its story once for the module (a month of tickets, replays, heals): on it, the
unstable tax ticket's heal raised risk, so it must read as rejected, the run still UNSTABLE;
an accepted heal must show its plan with the before and after; the Heal button of an
UNSTABLE run must run a real heal, with progress, to its verdict; and `keel profile … --vs
v2-k1` and the Reliability page must mark the same regression.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from keel.core.settings import Settings
from keel.store.engine import Database
from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Demo:
    story: dict[str, Any]
    server: LiveServer
    env: dict[str, str]

    def heals(self, *, healed: bool) -> list[tuple[str, dict[str, Any]]]:
        """Return the demo's heal attempts that were (or were not) accepted."""
        return [(r, h) for r, h in self.story["healed"].items() if h["healed"] is healed]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("heal-demo") / ".keel"
    env = {**os.environ, "KEEL_HOME": str(home)}
    command = [sys.executable, "-m", "keel", "demo", "--no-serve", "--json"]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=1200, cwd=home.parent
    )
    assert result.returncode == 0, result.stderr[-3000:]
    url = f"sqlite:///{home / 'keel.db'}"
    database = Database(url)
    with LiveServer(Settings(home=home, database_url=url), database) as server:
        yield Demo(json.loads(result.stdout), server, env)
    database.dispose()


def test_a_heal_that_raised_risk_reads_rejected_and_the_run_stays_unstable(
    demo: Demo, browser_page: BrowserPage
) -> None:
    rejected = [(r, h) for r, h in demo.heals(healed=False) if "risk rose" in str(h["rejected"])]
    assert rejected, f"the demo's heals: {demo.story['healed']}"
    run_id, heal = rejected[0]
    page = browser_page.page
    page.goto(f"{demo.server.url}/runs/{run_id}")
    expect(page.locator(".page-head .status")).to_have_text("UNSTABLE")
    attempts = page.locator("table.heal-attempts tbody tr")
    expect(attempts.first).to_contain_text("REJECTED")
    expect(attempts.first).to_contain_text("risk rose")
    page.get_by_role("link", name=heal["rerun"]).first.click()
    expect(page.locator("#heal-verdict")).to_contain_text("HEAL REJECTED")
    expect(page.locator("#heal-verdict")).to_contain_text(f"{run_id} stays UNSTABLE")
    reasons = page.locator(".heal-plan .heal-reasons li")
    expect(reasons.first).to_contain_text("risk rose from")
    expect(page.locator(".page-head .status")).not_to_have_text("SELF_HEALED")
    risk = page.locator("table.heal-changes tr", has_text="Risk")
    before, after = (float(risk.locator("td").nth(i).inner_text()) for i in (0, 1))
    assert after > before


def test_an_accepted_heal_shows_its_plan_and_links_both_ways(
    demo: Demo, browser_page: BrowserPage
) -> None:
    accepted = demo.heals(healed=True)
    assert accepted, f"the demo's heals: {demo.story['healed']}"
    run_id, heal = accepted[0]
    page = browser_page.page
    page.goto(f"{demo.server.url}/runs/{heal['rerun']}")
    expect(page.locator(".page-head .status")).to_have_text("SELF_HEALED")
    plan = page.locator(".heal-plan")
    expect(plan.locator("#heal-verdict")).to_contain_text("SELF_HEALED")
    expect(plan.get_by_text("Temperature", exact=True)).to_be_visible()
    expect(plan.locator("li", has_text="temperature lowered")).to_be_visible()
    changes = plan.locator("table.heal-changes")
    for row in ("Stability", "Risk", "Flags", "Disclaimers", "category", "answer"):
        expect(changes.locator("tbody th", has_text=row).first).to_be_visible()
    stability = changes.locator("tr", has_text="Stability").locator("td")
    assert float(stability.nth(1).inner_text()) >= 70 > float(stability.nth(0).inner_text())
    plan.get_by_role("link", name=run_id).first.click()
    expect(page.locator(".page-head .status")).to_have_text("UNSTABLE")
    row = page.locator("table.heal-attempts tbody tr", has_text=heal["rerun"])
    expect(row).to_contain_text("SELF_HEALED")


def test_the_heal_button_runs_a_heal_with_progress_to_its_verdict(
    demo: Demo, browser_page: BrowserPage
) -> None:
    run_id = demo.heals(healed=False)[0][0]
    page = browser_page.page
    page.goto(f"{demo.server.url}/runs/{run_id}")
    page.get_by_role("button", name=f"Heal run {run_id}").click()
    action = page.locator("#heal-action")
    expect(action).to_contain_text("HEALING")
    # A second attempt reruns under the same plan, with its own draws: either verdict may come.
    verdict = re.compile(r"HEAL REJECTED|SELF_HEALED")
    expect(action).to_contain_text(verdict, timeout=240_000)
    expect(action).to_contain_text(re.compile(r"stability \d+\.\d → \d+\.\d, risk "))
    expect(action.get_by_role("link", name=f"{run_id}-heal2")).to_be_visible()
    page.reload()
    attempts = page.locator("table.heal-attempts tbody tr")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(1)).to_contain_text(f"{run_id}-heal2")
    expect(page.locator(".page-head .status")).to_have_text("UNSTABLE")


def test_the_replay_comparison_offers_heal_for_an_unstable_run_only(
    demo: Demo, browser_page: BrowserPage
) -> None:
    run_id = demo.heals(healed=False)[0][0]
    page = browser_page.page
    page.goto(f"{demo.server.url}/runs/{run_id}")
    page.locator("#replay-sets a").last.click()
    expect(page.locator("h1")).to_contain_text("Replay comparison")
    expect(page.get_by_role("button", name=f"Heal run {run_id}")).to_be_visible()
    rerun = demo.heals(healed=True)[0][1]["rerun"]  # stable: nothing to heal
    page.goto(f"{demo.server.url}/runs/{rerun}")
    page.locator("#replay-sets a").last.click()
    expect(page.locator("h1")).to_contain_text("Replay comparison")
    expect(page.get_by_role("button", name=f"Heal run {rerun}")).to_have_count(0)


def test_the_profile_and_the_reliability_page_mark_the_same_regression(
    demo: Demo, browser_page: BrowserPage
) -> None:
    command = [sys.executable, "-m", "keel", "profile", "--workflow", "support"]
    command += ["--config", "v1", "--vs", "v2-k1", "--budget", "0", "--json"]
    result = subprocess.run(command, env=demo.env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    differences = json.loads(result.stdout)["comparisons"][0]["differences"]
    worse = {d["key"]: d["dimension"] for d in differences if d["verdict"] == "worse"}
    # k = 1 at temperature 1.2 flips decisions between reruns: consistency drops, named
    assert worse.get("outcome_consistency") == "consistency", differences
    page = browser_page.page
    page.goto(demo.server.url + "/reliability?workflow=support&config=v1&config=v2-k1")
    marked = page.locator("#reliability-table tbody tr", has=page.locator(".change-worse .badge"))
    expect(marked.first).to_be_visible()
    keys = {row.locator("th .mono").inner_text() for row in marked.all()}
    assert keys == set(worse)
