"""The one access dependency: every route declares the scope it needs, public ones included.

A request proves who it is with `Authorization: Bearer <key>` or a dashboard session cookie
(then unsafe methods must also carry the session's CSRF token, as the form field `csrf_token`
or the `X-CSRF-Token` header). Without a credential a request proceeds as anonymous only while
no key exists at all (the embedded default) and KEEL_REQUIRE_AUTH is off; admin never. Once a
key is configured (KEEL_API_KEY, or any key created), every route but the public ones needs
one, reads included: a `read` key is the dashboard's read-only role. Requests made with a
revoked key or a key of the wrong scope are refused and audited.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool

from keel.auth import keys, signin
from keel.auth.keys import ANONYMOUS, Principal
from keel.auth.scopes import Scope
from keel.core.errors import Forbidden, KeelError, Unauthorized
from keel.core.settings import Settings
from keel.store.engine import Database

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANON_CSRF_COOKIE = "keel_csrf"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bearer_token(request: Request) -> str | None:
    """Return the bearer token of `request`, or None when it has none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class ScopeGuard:
    """Route dependency: admit the request if its credential's scope allows `scope`.

    `scope` None marks a public route (health, sign-in): it admits everyone, and still has
    to be declared so that no route is public by omission.
    """

    def __init__(self, scope: Scope | None) -> None:
        self.scope = scope

    async def __call__(self, request: Request) -> Principal:
        if self.scope is None:
            return ANONYMOUS
        settings: Settings = request.app.state.settings
        database: Database = request.app.state.database
        token = bearer_token(request)
        cookie = None if token else request.cookies.get(signin.COOKIE_NAME)
        request_line = f"{request.method} {request.url.path}"
        principal, csrf_expected = await run_in_threadpool(
            _resolve, database, settings, self.scope, request_line, (token, cookie)
        )
        if request.method not in _SAFE_METHODS:
            if csrf_expected is not None:
                await _check_csrf(request, csrf_expected)
            elif token is None and _is_form(request):
                # An anonymous form post (open mode) proves it came from keel's own page with
                # the double-submit cookie, which another site can neither read nor send.
                await _check_csrf(request, request.cookies.get(ANON_CSRF_COOKIE, ""))
        request.state.principal = principal
        request.state.csrf_token = csrf_expected
        return principal


def _resolve(
    database: Database,
    settings: Settings,
    needed: Scope,
    request_line: str,
    credentials: tuple[str | None, str | None],
) -> tuple[Principal, str | None]:
    """Return the admitted principal and, for cookie sessions, the CSRF token to expect."""
    token, cookie = credentials
    bootstrap = settings.bootstrap_key()
    csrf = None
    with database.read() as session:
        principal: Principal | None = None
        if token:
            principal = keys.identify(session, token, bootstrap)
        elif cookie:
            live = signin.signed_in(session, cookie, bootstrap)
            if live is not None:
                principal, csrf = live.principal, live.csrf_token
        enforced = _enforced(settings, needed) or (
            principal is None and keys.keys_configured(session, bootstrap)
        )
    try:
        return keys.authorize(principal, needed, enforced), csrf
    except (Unauthorized, Forbidden) as exc:
        if principal is not None:
            with database.write() as session:
                keys.record_denial(session, principal, needed, request_line, exc.message)
        raise


def _enforced(settings: Settings, needed: Scope) -> bool:
    """Return whether an anonymous request for `needed` is refused whatever keys exist."""
    return settings.require_auth or needed is Scope.ADMIN


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith(_FORM_TYPES)


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(signin.CSRF_HEADER)
    if sent is None and _is_form(request):
        value = (await request.form()).get(signin.CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("missing or wrong CSRF token", field=signin.CSRF_FIELD)


def form_csrf_token(request: Request) -> tuple[str, bool]:
    """Return the CSRF token a page's forms must carry, and whether to set it as a cookie.

    Signed-in pages use their session's token; anonymous ones a double-submit cookie.
    """
    session_token = getattr(request.state, "csrf_token", None)
    if session_token:
        return session_token, False
    existing = request.cookies.get(ANON_CSRF_COOKIE)
    if existing:
        return existing, False
    return secrets.token_urlsafe(32), True


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """Set an HttpOnly, SameSite=Strict cookie for the whole site (Secure over HTTPS)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


@dataclass(frozen=True)
class Admission:
    """A guard's verdict handed to the route instead of raised: who, or why not."""

    principal: Principal | None
    error: KeelError | None

    def admitted(self) -> Principal:
        """Return the admitted principal, or raise the refusal."""
        if self.error is not None or self.principal is None:
            raise self.error or Unauthorized("not admitted")
        return self.principal


class DeferredScopeGuard(ScopeGuard):
    """A ScopeGuard for routes that must answer refusals in their own wire format (OTLP)."""

    async def __call__(self, request: Request) -> Admission:  # type: ignore[override]
        try:
            return Admission(await super().__call__(request), None)
        except (Unauthorized, Forbidden) as exc:
            return Admission(None, exc)


GUARDS = {scope: ScopeGuard(scope) for scope in Scope}
PUBLIC_GUARD = ScopeGuard(None)


def require(scope: Scope | None) -> Any:
    """Return the dependency a route lists in `dependencies=[...]` to declare its scope."""
    return Depends(PUBLIC_GUARD if scope is None else GUARDS[scope])


PublicAccess = Annotated[Principal, Depends(PUBLIC_GUARD)]
IngestAccess = Annotated[Principal, Depends(GUARDS[Scope.INGEST])]
ReadAccess = Annotated[Principal, Depends(GUARDS[Scope.READ])]
ReviewAccess = Annotated[Principal, Depends(GUARDS[Scope.REVIEW])]
AdminAccess = Annotated[Principal, Depends(GUARDS[Scope.ADMIN])]
IngestAdmission = Annotated[Admission, Depends(DeferredScopeGuard(Scope.INGEST))]
