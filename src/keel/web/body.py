"""Read a request body with a size cap, before and after gzip / deflate decompression."""

from __future__ import annotations

import zlib

from fastapi import Request

from keel.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

# zlib window bits per Content-Encoding: gzip framing, and zlib framing for "deflate" (RFC 9110),
# which is what OTLP exporters send for their deflate option.
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"request body exceeds the {max_bytes}-byte limit (KEEL_MAX_REQUEST_BYTES)"
    )


async def read_body(request: Request, max_bytes: int) -> bytes:
    """Return the (decompressed) body, raising 413 past `max_bytes` without reading it all."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding in _WBITS:
        return _inflate(body, _WBITS[encoding], max_bytes)
    if encoding not in ("identity", ""):
        raise InvalidInput(f"unsupported Content-Encoding {encoding!r}", field="Content-Encoding")
    return body


def _inflate(body: bytes, wbits: int, max_bytes: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    try:
        data = decompressor.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise InvalidInput(
            f"body does not match its Content-Encoding: {exc}", field="Content-Encoding"
        ) from exc
    if len(data) > max_bytes or decompressor.unconsumed_tail:
        raise _too_large(max_bytes)
    return data


def require_json(request: Request) -> None:
    """Raise 415 unless the body is declared `application/json`.

    A cross-site page can post `text/plain` without a CORS preflight; it cannot send JSON.
    """
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise UnsupportedMediaType(
            f"Content-Type must be application/json, not {kind or 'missing'!r}",
            field="Content-Type",
        )
