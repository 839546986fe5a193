"""Every page of a seeded dashboard, in light and dark, through axe-core (tests/web/vendor).

A serious or critical finding fails: among them colour contrast (so both schemes must pass it),
`nested-interactive` (links inside an element whose children are presentational, such as a
chart or graph marked role=img) and `scrollable-region-focusable` (a scrolling box a keyboard
cannot reach). Every <details> is opened first, so folded content is checked too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from keel.core.settings import Settings
from keel.store.engine import Database
from keel.store.migrate import upgrade
from tests.conftest import LiveServer
from tests.web import axe
from tests.web.conftest import BrowserPage
from tests.web.whole_dashboard import seed_pages

pytestmark = pytest.mark.browser
# Plotly.js is 4.5 MB to parse; on a loaded two-core machine that outlasts the 5 s default.
PLOTLY_TIMEOUT_MS = 30_000
PAGES = [
    "runs",
    "run-detail",
    "run-detail-otlp",
    "replay-comparison",
    "overview",
    "reliability",
    "review",
    "audit",
    "alert",
    "baseline",
    "item",
]


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """keel on 127.0.0.1 with something on every page, and each page's path."""
    home = tmp_path_factory.mktemp("whole")
    url = f"sqlite:///{home / 'keel.db'}"
    upgrade(url)
    database = Database(url)
    with LiveServer(Settings(home=home, database_url=url), database) as server:
        yield server, seed_pages(server.url, database)
    database.dispose()


def open_page(page: Page, url: str, scheme: str) -> None:
    """Open `url` in the colour scheme and wait until its charts are drawn."""
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    for chart in page.locator(".chart[data-figure]").all():
        expect(chart.locator("svg.main-svg").first).to_be_visible(timeout=PLOTLY_TIMEOUT_MS)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_or_critical_axe_finding(
    whole: tuple[LiveServer, dict[str, str]], browser_page: BrowserPage, name: str, scheme: str
) -> None:
    server, pages = whole
    page = browser_page.page
    open_page(page, server.url + pages[name], scheme)
    assert axe.blocking(axe.violations(page)) == {}


def luminance(css_rgb: str) -> float:
    """Return the WCAG relative luminance of an `rgb(r, g, b)` colour."""
    channels = [int(c) / 255 for c in css_rgb[css_rgb.index("(") + 1 : -1].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_scheme_sets_background_text_and_chart_colours(
    whole: tuple[LiveServer, dict[str, str]], browser_page: BrowserPage, scheme: str
) -> None:
    server, pages = whole
    page = browser_page.page
    open_page(page, server.url + pages["overview"], scheme)
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.documentElement);"
        " const card = getComputedStyle(document.querySelector('.card'));"
        " return [s.backgroundColor, s.color, card.backgroundColor]; }"
    )
    background, text, card = style
    assert (luminance(background) < 0.05) == (scheme == "dark")
    assert contrast(text, background) >= 7 and contrast(text, card) >= 7
    # Plotly draws on the card's colour with the page's ink: readable in either scheme.
    paper, font = page.evaluate(
        "() => { const chart = document.querySelector('#stability-histogram');"
        " return [getComputedStyle(chart.querySelector('svg.main-svg')).backgroundColor,"
        " getComputedStyle(chart.querySelector('.xtick text')).fill]; }"
    )
    assert paper == card and font == text


@pytest.mark.parametrize("name", PAGES)
def test_at_1440_no_table_is_clipped_and_the_page_does_not_scroll_sideways(
    whole: tuple[LiveServer, dict[str, str]], browser_page: BrowserPage, name: str
) -> None:
    server, pages = whole
    page = browser_page.page
    open_page(page, server.url + pages[name], "light")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('[role=region]')]"
        ".filter(el => el.checkVisibility() && el.scrollWidth > el.clientWidth + 1)"
        ".map(el => el.getAttribute('aria-label'))"
    )
    assert clipped == []
