"""Browser fixtures: Debian's Chromium driven by Playwright, and a seeded keel server.

Chromium comes from /usr/bin/chromium (`make browser` installs it with apt); Playwright never
downloads a browser here. Every page a test opens records each request URL and each console
error; the fixture fails the test if a request went anywhere but 127.0.0.1 or the console
reported an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Route, sync_playwright

from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.migrate import upgrade
from tests.conftest import LiveServer
from tests.web.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.web.dashboard_runs import seed

LAPTOP_VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """One headless Chromium per browser test module, on a new empty profile.

    Per module, not per session: while Playwright's sync API is started it keeps an event loop
    running in the main thread, where `asyncio.run` (keel's agents) fails; stopped at the end of
    each browser module, it leaves the rest of a worker's tests (xdist) their own loop."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=tmp_path_factory.mktemp("chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=LAPTOP_VIEWPORT,
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class BrowserPage:
    """A page with what it requested and what its console reported."""

    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def off_host(self) -> list[str]:
        """Return every requested URL that was not for 127.0.0.1."""
        return [url for url in self.requests if urlsplit(url).hostname != "127.0.0.1"]


@pytest.fixture
def browser_page(chromium: BrowserContext) -> Iterator[BrowserPage]:
    """A fresh tab that refuses (and records) any request leaving 127.0.0.1."""
    page = chromium.new_page()
    recorded = BrowserPage(page)

    def intercept(route: Route) -> None:
        url = route.request.url
        recorded.requests.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    page.route("**/*", intercept)
    page.on("console", lambda msg: msg.type == "error" and recorded.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: recorded.console_errors.append(str(exc)))
    try:
        yield recorded
    finally:
        page.close()
    assert recorded.off_host() == [], "requests left 127.0.0.1"
    assert recorded.console_errors == [], "the browser console reported errors"


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """keel on 127.0.0.1 over a SQLite file seeded with realistic runs (read-only in tests)."""
    home = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{home / 'keel.db'}"
    upgrade(url)
    database = Database(url)
    with LiveServer(Settings(home=home, database_url=url), database) as server:
        seed(server.url, database)
        yield server
    database.dispose()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where page screenshots go: KEEL_SCREENSHOT_DIR (e.g. docs/img) or a temporary folder."""
    configured = os.environ.get("KEEL_SCREENSHOT_DIR")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")
