"""FastAPI dependencies, so route signatures read like prose (`db: DatabaseDep`)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from keel.config import Settings
from keel.errors import Unauthorized
from keel.store.engine import Database


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.database


def require_writer(request: Request) -> None:
    """Refuse the request with 401 unless it carries the configured bearer key."""
    settings: Settings = request.app.state.settings
    if settings.api_key is None:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = settings.api_key.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise Unauthorized("missing or wrong bearer token", field="Authorization")


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
WriterDep = Depends(require_writer)


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
