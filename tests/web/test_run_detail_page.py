"""Page B, Run Detail, in Debian's Chromium against a real keel server.

Browser tests run on SQLite only; the store queries behind the page (run_detail with flags and
links) run on SQLite and PostgreSQL in tests/web/test_pages.py and tests/store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from keel.core.records import EventRecord, RunRecord
from keel.core.sanitize import seal_runs
from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.writes import write_runs
from keel.web.execution_graph import NODE_W
from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage
from tests.web.dashboard_runs import HEALED_RUN_ID, OTLP_RUN_ID, TAX_RUN_ID

pytestmark = pytest.mark.browser


def node_positions(page: Page) -> dict[str, tuple[float, float]]:
    """Return each graph node's (x, y) by its step key."""
    nodes = page.locator("#execution-graph a.step-node")
    positions = {}
    for index in range(nodes.count()):
        node = nodes.nth(index)
        rect = node.locator("rect")
        key = node.get_attribute("data-step") or ""
        positions[key] = (float(rect.get_attribute("x") or 0), float(rect.get_attribute("y") or 0))
    return positions


def test_the_run_id_opens_the_run_and_its_graph_has_a_node_per_step(
    dashboard: LiveServer, browser_page: BrowserPage, screenshot_dir: Path
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/?q={TAX_RUN_ID}")
    page.locator("#runs-table").get_by_role("link", name=TAX_RUN_ID, exact=True).click()
    expect(page).to_have_url(f"{dashboard.url}/runs/{TAX_RUN_ID}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Run {TAX_RUN_ID}")
    # planner, draft, critic, draft, critic, final (events) + two tool calls recorded apart.
    labels = page.locator("#execution-graph a.step-node text:not(.sub)").all_text_contents()
    assert labels == [
        "planner",
        "knowledge.search",
        "account.lookup",
        "draft",
        "critic",
        "draft",
        "critic",
        "final",
    ]
    expect(page.locator("#run-steps tbody tr")).to_have_count(6)
    expect(page.locator("#tool-trace tbody tr")).to_have_count(2)
    page.screenshot(path=screenshot_dir / "run-detail.png", full_page=True)


def test_parallel_tool_calls_stand_side_by_side_and_the_critic_loop_goes_back(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/runs/{TAX_RUN_ID}")
    positions = node_positions(page)
    search, lookup = positions["call-0"], positions["call-1"]
    assert search[0] == lookup[0] and search[1] != lookup[1]
    loops = page.locator("#execution-graph path.edge.loop")
    expect(loops).to_have_count(1)
    expect(page.locator("#execution-graph .loop-label")).to_have_text(["loop 1"])
    # The back-edge runs from the first critic (step 2) to the first draft (step 1).
    path = loops.first.get_attribute("d") or ""
    critic_x = positions["step-2"][0]
    draft_x = positions["step-1"][0]
    start_x = float(path.split(",")[0].removeprefix("M"))
    end_x = float(path.split(" ")[-1].split(",")[0])
    assert start_x > end_x and start_x == critic_x + NODE_W / 2 and end_x == draft_x + NODE_W / 2


def test_clicking_a_tool_node_shows_its_trace_row(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/runs/{TAX_RUN_ID}")
    page.locator('#execution-graph a[data-step="call-1"]').click()
    expect(page).to_have_url(f"{dashboard.url}/runs/{TAX_RUN_ID}#call-1")
    row = page.locator("#call-1")
    expect(row).to_contain_text("account.lookup")
    expect(row).to_contain_text("90 ms")
    expect(row).to_contain_text("customer_id")


def test_otlp_run_draws_its_own_spans(dashboard: LiveServer, browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/runs/{OTLP_RUN_ID}")
    nodes = page.locator("#execution-graph a.step-node")
    expect(nodes).to_have_count(5)
    assert nodes.evaluate_all("els => els.map(e => e.dataset.kind)") == [
        "agent",
        "llm",
        "tool",
        "tool",
        "llm",
    ]
    positions = node_positions(page)
    assert positions["step-2"][0] == positions["step-3"][0]
    expect(page.locator("#execution-graph path.edge.child")).to_have_count(1)
    # The agent went back to the model with the tools' results: its loop depth of 1, drawn.
    expect(page.locator("#execution-graph path.edge.loop")).to_have_count(1)
    expect(page.locator(".summary")).to_contain_text("Loop depth1")
    failed = page.locator('#execution-graph a[data-step="step-3"]')
    expect(failed).to_have_class("step-node kind-tool error")
    expect(failed).to_have_attribute("href", "#call-1")
    expect(page.locator("#call-1")).to_contain_text("timeout after 850 ms")


def test_flags_highlight_the_text_they_matched(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/runs/{TAX_RUN_ID}")
    expect(page.locator("#policy-flags tbody tr")).to_have_count(3)
    expect(page.locator("#mark-0")).to_have_text("You owe no tax on the fee itself")
    expect(page.locator("#mark-0")).to_have_class("flag sev-high")
    expect(page.locator("#mark-1")).to_have_text("Form 1099-R")
    page.locator("#flag-0").get_by_role("link").click()
    expect(page).to_have_url(f"{dashboard.url}/runs/{TAX_RUN_ID}#mark-0")
    page.locator("#flag-2").get_by_role("link", name="tool call #0").click()
    expect(page).to_have_url(f"{dashboard.url}/runs/{TAX_RUN_ID}#call-0")


def test_links_lead_to_the_healed_run_and_back(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{dashboard.url}/runs/{TAX_RUN_ID}")
    expect(page.locator("table.replays tbody tr")).to_have_count(3)
    page.get_by_role("link", name=HEALED_RUN_ID).click()
    expect(page).to_have_url(f"{dashboard.url}/runs/{HEALED_RUN_ID}")
    expect(page.locator(".links")).to_contain_text(f"Healed from {TAX_RUN_ID}")
    page.get_by_role("link", name=TAX_RUN_ID, exact=True).last.click()
    expect(page).to_have_url(f"{dashboard.url}/runs/{TAX_RUN_ID}")


LONG_RUN_ID = "long-run-of-30-steps"


@pytest.fixture(scope="module")
def long_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """keel over one run of 30 model calls one after another: a graph wider than any screen."""
    home = tmp_path_factory.mktemp("long-run")
    url = f"sqlite:///{home / 'keel.db'}"
    upgrade(url)
    database = Database(url)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    events = [
        EventRecord(
            event_type="llm",
            seq=seq,
            name=f"step {seq}",
            started_at=start + timedelta(seconds=seq),
            ended_at=start + timedelta(seconds=seq + 0.5),
        )
        for seq in range(30)
    ]
    run = RunRecord(run_id=LONG_RUN_ID, workflow_type="support", created_at=start, events=events)
    with database.write() as session:
        write_runs(session, seal_runs([run]))
    with LiveServer(Settings(home=home, database_url=url), database) as server:
        yield server
    database.dispose()


def test_a_graph_wider_than_the_page_scrolls_in_its_own_focusable_box(
    long_run: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    page.goto(f"{long_run.url}/runs/{LONG_RUN_ID}")
    expect(page.locator("#execution-graph a.step-node")).to_have_count(30)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    box = page.get_by_role("region", name="Execution graph", exact=True)
    assert box.evaluate("el => el.scrollWidth > 2 * el.clientWidth")
    # The cues that it scrolls: a shadow on the edge with more beyond it, and a sentence.
    assert "radial-gradient" in box.evaluate("el => getComputedStyle(el).backgroundImage")
    expect(page.locator("#graph-scroll-hint")).to_contain_text("scroll it sideways")
    box.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=box.element_handle())
    last = page.locator('#execution-graph a[data-step="step-29"]')
    last.focus()  # tabbing to a step off screen brings it into view
    expect(last).to_be_in_viewport()
