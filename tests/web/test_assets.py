"""Static assets over real HTTP: gzip when asked, strong ETags and 304s, immutable versioned URLs;
and in Chromium, Plotly fetched only by the pages that chart, compressed, then from cache."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from keel.web.assets import (
    IMMUTABLE,
    REVALIDATE,
    STATIC_DIR,
    StaticAssets,
    accepts_gzip,
    matches,
)
from tests.conftest import LiveServer
from tests.web.conftest import BrowserPage
from tests.web.dashboard_runs import TAX_RUN_ID

PLOTLY = "vendor/plotly-cartesian.min.js"  # the larger bundle, for the HTTP tests
OVERVIEW_PLOTLY = "vendor/plotly-basic.min.js"
HTML = {"Accept": "text/html"}
PLOTLY_TIMEOUT_MS = 30_000


def linked(page_html: str, name: str) -> str:
    """Return the URL a page links `name` at (the one carrying `?v=`)."""
    found = re.search(rf'(?:src|href)="(/static/{re.escape(name)}\?v=[^"]+)"', page_html)
    assert found, f"the page does not link {name}"
    return found.group(1)


@pytest.mark.dialects("sqlite")
def test_assets_are_gzipped_only_for_a_client_that_accepts_gzip(live_server: LiveServer) -> None:
    raw = (STATIC_DIR / PLOTLY).read_bytes()
    packed = live_server.client.get(f"/static/{PLOTLY}", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.headers["content-type"].startswith("text/javascript")
    assert int(packed.headers["content-length"]) < len(raw) / 2
    assert packed.content == raw  # httpx decoded it: the gzip stream is the file
    plain = live_server.client.get(f"/static/{PLOTLY}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(raw) and plain.content == raw
    refused = live_server.client.get(
        f"/static/{PLOTLY}", headers={"Accept-Encoding": "gzip;q=0, deflate"}
    )
    assert "content-encoding" not in refused.headers


@pytest.mark.dialects("sqlite")
def test_a_current_etag_gets_a_304_without_a_body(live_server: LiveServer) -> None:
    client = live_server.client
    first = client.get("/static/keel.css", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{20}-gz"', etag)  # strong: no W/
    again = client.get(
        "/static/keel.css", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and "content-encoding" not in again.headers
    # The identity bytes are another representation, with their own tag.
    plain = client.get(
        "/static/keel.css", headers={"Accept-Encoding": "identity", "If-None-Match": etag}
    )
    assert plain.status_code == 200 and plain.headers["etag"] == etag.removesuffix('-gz"') + '"'
    stale = client.get("/static/keel.css", headers={"If-None-Match": '"0123456789abcdef0123"'})
    assert stale.status_code == 200 and stale.content == (STATIC_DIR / "keel.css").read_bytes()


@pytest.mark.dialects("sqlite")
def test_versioned_urls_are_immutable_and_others_revalidate(live_server: LiveServer) -> None:
    client = live_server.client
    page = client.get("/", headers=HTML).text
    for name in ("keel.css", "vendor/htmx.min.js", "favicon.svg"):
        url = linked(page, name)
        assert (
            client.get(url).headers["cache-control"]
            == IMMUTABLE
            == ("public, max-age=31536000, immutable")
        )
        assert client.get(f"/static/{name}").headers["cache-control"] == REVALIDATE
        # A digest that is not the file's (an old page's link) must not pin the new bytes.
        assert client.get(f"/static/{name}?v=0.1.0").headers["cache-control"] == REVALIDATE


@pytest.mark.dialects("sqlite")
def test_assets_stay_public_and_unknown_ones_are_json_404s(live_server: LiveServer) -> None:
    head = live_server.client.head(f"/static/{PLOTLY}", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == (STATIC_DIR / PLOTLY).stat().st_size
    missing = live_server.client.get("/static/vendor/plotly.min.js")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    escape = live_server.client.get("/static/%2e%2e/app.py")
    assert escape.status_code == 404


def test_a_changed_file_gets_a_new_digest_and_its_new_bytes(tmp_path: Path) -> None:
    asset = tmp_path / "app.css"
    asset.write_text("body { color: red; }\n" * 100)
    assets = StaticAssets(tmp_path)
    first = assets.get("app.css")
    assert first is not None and first.gzipped is not None
    assert gzip.decompress(first.gzipped) == asset.read_bytes()
    assert assets.get("app.css") is first  # loaded and compressed once
    asset.write_text("body { color: blue; }\n" * 100)
    os.utime(asset, ns=(first.stamp[1] + 10**9, first.stamp[1] + 10**9))
    second = assets.get("app.css")
    assert second is not None and second.digest != first.digest
    assert second.body == asset.read_bytes() and assets.url("app.css").endswith(second.digest)
    assert assets.get("../outside.css") is None and assets.get("missing.css") is None


def test_a_file_too_small_to_gain_is_served_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "icon.svg").write_text("<svg/>")
    small = StaticAssets(tmp_path).get("icon.svg")
    assert small is not None and small.gzipped is None and small.media_type == "image/svg+xml"


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip, deflate", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("deflate, br", False),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *;q=1", False),
        ("*;q=0", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


@pytest.mark.parametrize(
    ("header", "hit"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("", False),
    ],
)
def test_if_none_match_compares_weakly(header: str, hit: bool) -> None:
    assert matches(header, '"abc"') is hit


@pytest.mark.browser
def test_pages_without_charts_never_fetch_plotly(
    dashboard: LiveServer, browser_page: BrowserPage
) -> None:
    page = browser_page.page
    for path in ("/", f"/runs/{TAX_RUN_ID}", "/review"):
        page.goto(f"{dashboard.url}{path}")
        page.wait_for_load_state("load")
        expect(page.locator("h1")).to_be_visible()
    fetched = [url for url in browser_page.requests if "/static/" in url]
    assert any("keel.css" in url for url in fetched)  # the pages did load their assets
    assert not [url for url in browser_page.requests if "plotly" in url]


@pytest.mark.browser
def test_overview_draws_from_the_gzipped_bundle_then_from_the_cache(
    dashboard: LiveServer, chromium: BrowserContext
) -> None:
    # Not `browser_page`: Playwright turns the HTTP cache off on a page whose requests it routes.
    page = chromium.new_page()
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    entry = "performance.getEntriesByType('resource').find(e => e.name.includes('plotly-basic'))"
    try:
        sizes = []
        for _visit in range(2):
            page.goto(f"{dashboard.url}/overview")
            expect(page.locator("#stability-histogram svg.main-svg").first).to_be_visible(
                timeout=PLOTLY_TIMEOUT_MS
            )
            expect(page.locator("#stability-histogram g.trace").first).to_be_attached()
            sizes.append(
                page.evaluate(f"[{entry}].map(e => [e.transferSize, e.decodedBodySize])[0]")
            )
    finally:
        page.close()
    raw = (STATIC_DIR / OVERVIEW_PLOTLY).stat().st_size
    (first_wire, first_raw), (second_wire, second_raw) = sizes
    assert first_raw == raw and 0 < first_wire < raw / 2  # Chromium received it gzipped
    # The second visit takes the immutable bundle from the cache: no bytes, not even a 304.
    assert second_raw == raw and second_wire == 0
    assert all(url.startswith(dashboard.url) for url in requested) and errors == []
