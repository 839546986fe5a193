"""Static assets: keel's stylesheet and vendored htmx, and Plotly.js from the installed package."""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from keel.web.security import require

STATIC_DIR = Path(__file__).parent / "static"
# The plotly Python package ships the matching plotly.js bundle; serving it from there keeps
# the dashboard offline and in step with the pinned dependency.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_PATH = "/static/vendor/plotly.min.js"


def plotly_js() -> FileResponse:
    """Return the plotly.js bundle of the installed plotly package."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def mount_assets(app: FastAPI) -> None:
    """Serve /static (CSS, htmx, favicon) and Plotly.js at PLOTLY_PATH."""
    # The route goes first so it wins over the /static mount for its path.
    app.add_api_route(
        PLOTLY_PATH,
        plotly_js,
        methods=["GET"],
        include_in_schema=False,
        dependencies=[require(None)],  # public, like the /static mount
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
