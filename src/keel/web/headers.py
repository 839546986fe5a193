"""Browser hardening headers on every response, pages, API and static files alike.

- Content-Security-Policy: scripts only from keel itself (no inline script, no eval; the pages
  carry chart data as `<script type="application/json">`, which is data, not code); styles
  from keel plus the inline styles Plotly and htmx set on elements; no framing
  (`frame-ancestors 'none'`), no plugins, forms and base URL to keel only.
- X-Frame-Options: DENY, for browsers that predate frame-ancestors.
- X-Content-Type-Options: nosniff, so JSON or text is never run as a script.
- Referrer-Policy: no-referrer, so run ids in keel's URLs never leave with a link.
- Cross-Origin-Opener-Policy and Cross-Origin-Resource-Policy: same-origin.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


class SecurityHeaders:
    """ASGI middleware adding SECURITY_HEADERS to each HTTP response (a plain ASGI wrapper:
    no buffering, so streamed and large responses pass through as they are)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RefuseNul:
    """ASGI middleware: a request whose path or query holds NUL is a 422 before any route.

    No keel identifier or filter can contain NUL, and PostgreSQL refuses it in any text
    parameter, so such a lookup would otherwise fail inside the database.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _holds_nul(scope):
            body = json.dumps(
                {"error": {"code": "invalid_input", "message": "NUL in the URL", "field": "url"}}
            ).encode()
            headers = [(b"content-type", b"application/json"), *SECURITY_HEADERS]
            await send({"type": "http.response.start", "status": 422, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _holds_nul(scope: Scope) -> bool:
    raw = bytes(scope.get("raw_path") or b"") + b"?" + bytes(scope.get("query_string") or b"")
    return b"%00" in raw or b"\x00" in raw or "\x00" in scope.get("path", "")
