"""Dashboard sign-in and sign-out: a key is exchanged for an HttpOnly, SameSite=Strict cookie.

The sign-in form is itself CSRF-protected by a double-submit token: a random value sent both
as a SameSite=Strict cookie and as a hidden field, which a cross-site page cannot read or send.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from keel.auth import keys, signin
from keel.auth.scopes import Scope
from keel.core.errors import Forbidden, KeelError, Unauthorized
from keel.core.settings import Settings
from keel.govern import audit
from keel.store.engine import Database
from keel.web.deps import DatabaseDep, SettingsDep
from keel.web.security import ANON_CSRF_COOKIE, form_csrf_token, require, set_cookie

router = APIRouter(tags=["pages"], include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else `/` (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _form(request: Request, next_path: str, error: str | None, status: int) -> HTMLResponse:
    token, new = form_csrf_token(request)
    context = {"csrf_token": token, "next": next_path, "error": error}
    templates = request.app.state.templates
    response = templates.TemplateResponse(request, "login.html", context, status_code=status)
    if new:
        set_cookie(request, response, ANON_CSRF_COOKIE, token, 24 * 3600)
    return response


@router.get("/login", response_class=HTMLResponse, dependencies=[require(None)])
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """Return the sign-in form."""
    return _form(request, safe_next(next), None, 200)


def _sign_in(database: Database, settings: Settings, key: str) -> str:
    """Return a new session token for `key`, which must be live and allowed to read."""
    bootstrap = settings.bootstrap_key()
    with database.read() as session:
        principal = keys.identify(session, key, bootstrap)
    try:
        keys.authorize(principal, Scope.READ, enforced=True)
    except (Unauthorized, Forbidden) as exc:
        with database.write() as session:
            keys.record_denial(session, principal, Scope.READ, "POST /login", exc.message)
        raise
    with database.write() as session:
        token, _csrf = signin.sign_in(session, principal, bootstrap, settings.session_ttl_s)
        audit.append(
            session, "auth.signed_in", keys.key_subject(principal.key_id or "?"), principal.actor
        )
    return token


@router.post("/login", response_class=HTMLResponse, dependencies=[require(None)])
async def login(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    key: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the key and start a session; the form again with the reason when refused."""
    expected = request.cookies.get(ANON_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _form(request, safe_next(next), "The form expired; please sign in again.", 403)
    try:
        token = await run_in_threadpool(_sign_in, db, settings, key.strip())
    except KeelError as exc:
        return _form(request, safe_next(next), exc.message, exc.status_code)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(request, response, signin.COOKIE_NAME, token, settings.session_ttl_s)
    return response


@router.post("/logout", dependencies=[require(None)])
async def logout(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """End the dashboard session (the form must carry its CSRF token) and go to sign-in."""
    token = request.cookies.get(signin.COOKIE_NAME)
    if token:
        bootstrap = settings.bootstrap_key()

        def end() -> None:
            with db.write() as session:
                live = signin.signed_in(session, token, bootstrap)
                if live is not None and not hmac.compare_digest(
                    live.csrf_token.encode(), csrf_token.encode()
                ):
                    raise Forbidden("missing or wrong CSRF token", field=signin.CSRF_FIELD)
                signin.sign_out(session, token)

        await run_in_threadpool(end)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(signin.COOKIE_NAME, path="/")
    return response
