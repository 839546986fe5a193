"""API keys over HTTP (scope `admin`): list, create (the key is in the response, once), revoke."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from keel.auth import keys as key_domain
from keel.auth.scopes import Scope
from keel.store.api_keys import all_keys
from keel.web.deps import DatabaseDep
from keel.web.security import AdminAccess, require

router = APIRouter(prefix="/api/v1", tags=["keys"])


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key_id: str
    name: str
    scope: Scope
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None


class KeyCreated(KeyOut):
    key: str = Field(description="The key itself: shown only in this response.")


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: Scope
    name: str = Field(min_length=1, max_length=128)


@router.get("/keys", response_model=list[KeyOut], dependencies=[require(Scope.ADMIN)])
def list_keys(db: DatabaseDep) -> list[KeyOut]:
    """Return every key (never the key itself), revoked ones included."""
    with db.read() as session:
        return [KeyOut.model_validate(key) for key in all_keys(session)]


@router.post("/keys", response_model=KeyCreated, status_code=201)
def create_key(body: KeyIn, db: DatabaseDep, principal: AdminAccess) -> KeyCreated:
    """Create a key; the response is the only place the key ever appears."""
    with db.write() as session:
        row, key = key_domain.create_key(session, body.scope, body.name, principal.actor)
        return KeyCreated.model_validate({**KeyOut.model_validate(row).model_dump(), "key": key})


@router.delete("/keys/{key_id}", response_model=KeyOut)
def revoke_key(key_id: str, db: DatabaseDep, principal: AdminAccess) -> KeyOut:
    """Revoke a key: from now on requests carrying it get 401 and are audited."""
    with db.write() as session:
        return KeyOut.model_validate(key_domain.revoke_key(session, key_id, principal.actor))
