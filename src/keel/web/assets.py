"""Static assets (/static): compressed once, cached by the browser, revalidated by ETag.

Each file is read, hashed and gzip-compressed the first time it is asked for, and again only
when it changes on disk (its size or mtime), never per request. Pages link assets through
`url(path)`, which appends the content's digest (`?v=<digest>`): such a URL names one exact
content, so it is cached for a year as immutable; a URL without it (or with a stale digest)
must be revalidated, which costs a 304. A digest rather than keel's version, because an
editable install keeps one version while its files change. No brotli: it would be a new
dependency, and Chromium only offers it over HTTPS, not to a keel on http://127.0.0.1.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response

from keel.web.security import require

STATIC_DIR = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
# Below this a gzip member's own overhead (about 20 bytes) and the CPU outweigh what it saves.
MIN_GZIP_BYTES = 512
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class Asset:
    """One file's bytes, its gzip form (None when that would not be smaller) and its digest."""

    body: bytes
    gzipped: bytes | None
    digest: str
    media_type: str
    stamp: tuple[int, int]  # (size, mtime_ns) it was read at

    def etag(self, gzipped: bool) -> str:
        """Return the strong ETag of one representation (the two encodings differ in bytes)."""
        return f'"{self.digest}-gz"' if gzipped else f'"{self.digest}"'


class StaticAssets:
    """The files under one folder, each loaded and compressed once per content."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._loaded: dict[Path, Asset] = {}
        self._lock = threading.Lock()

    def get(self, relative: str) -> Asset | None:
        """Return the asset at `relative` under the root, or None when there is no such file."""
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        status = path.stat()
        stamp = (status.st_size, status.st_mtime_ns)
        with self._lock:  # one thread loads a file; the others wait and reuse it
            asset = self._loaded.get(path)
            if asset is None or asset.stamp != stamp:
                asset = self._loaded[path] = _load(path, stamp)
        return asset

    def url(self, relative: str) -> str:
        """Return the versioned URL of the asset at `relative` (`/static/...?v=<digest>`)."""
        asset = self.get(relative)
        if asset is None:
            raise FileNotFoundError(self.root / relative)
        return f"/static/{relative}?v={asset.digest}"


def _load(path: Path, stamp: tuple[int, int]) -> Asset:
    body = path.read_bytes()
    packed = gzip.compress(body, compresslevel=9, mtime=0) if len(body) >= MIN_GZIP_BYTES else None
    media_type = _MEDIA_TYPES.get(path.suffix) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    return Asset(
        body=body,
        gzipped=packed if packed is not None and len(packed) < len(body) else None,
        digest=hashlib.sha256(body).hexdigest()[:20],
        media_type=media_type,
        stamp=stamp,
    )


def accepts_gzip(accept_encoding: str) -> bool:
    """Return whether an Accept-Encoding header admits gzip (by name or `*`, with q > 0)."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        weights[coding.strip()] = quality
    return weights.get("gzip", weights.get("x-gzip", weights.get("*", 0.0))) > 0


def matches(if_none_match: str, etag: str) -> bool:
    """Return whether If-None-Match names `etag` (weak comparison, as RFC 9110 13.1.2 says)."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def asset_response(request: Request, asset: Asset) -> Response:
    """Return the asset in the encoding the request accepts, or 304 when its copy is current."""
    gzipped = asset.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding", ""))
    etag = asset.etag(gzipped)
    versioned = request.query_params.get("v") == asset.digest
    headers = {
        "ETag": etag,
        "Cache-Control": IMMUTABLE if versioned else REVALIDATE,
        "Vary": "Accept-Encoding",
    }
    if matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    body = asset.gzipped if gzipped and asset.gzipped is not None else asset.body
    return Response(body, media_type=asset.media_type, headers=headers)


def mount_assets(app: FastAPI, assets: StaticAssets) -> None:
    """Serve `assets` at /static/{path}, public like the pages' own shell."""

    def static_file(path: str, request: Request) -> Response:
        asset = assets.get(path)
        if asset is None:
            raise HTTPException(status_code=404, detail="Not Found")
        return asset_response(request, asset)

    app.add_api_route(
        "/static/{path:path}",
        static_file,
        methods=["GET", "HEAD"],
        include_in_schema=False,
        dependencies=[require(None)],
    )
