"""How keel drives Chromium: Debian's build, and the flags that keep it headless and quiet.

Shared by the browser fixtures (conftest.py) and the benchmarks that measure pages in it."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
