"""One item across runs (`/items/{workflow}/{item}`, `GET /api/v1/items/{workflow}/{item}`): the
same ticket's original runs under each configuration, each with its heals beside it, so the
support lead compares answers, flags and risk side by side."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from keel.core.errors import InvalidInput, NotFound
from keel.drift.facts import workflow_contract
from keel.evaluate.risk import RiskLevel, risk_level
from keel.reports.runs import FlagBrief, flag_briefs
from keel.store.items import item_runs
from keel.store.models import Run
from keel.store.run_links import derived_runs
from keel.store.runs import runs_by_id


class ItemRunOut(BaseModel):
    """One run of the item: an original, or a heal of the original before it (`heal_of`)."""

    run_id: str
    kind: str
    heal_of: str | None
    config: str | None
    model: str | None
    created_at: datetime
    status: str
    stability: float | None
    risk: float | None
    risk_level: RiskLevel | None
    flags: list[FlagBrief] = Field(default_factory=list)
    output: dict[str, Any] | None


class ItemRunsOut(BaseModel):
    workflow_type: str
    item_key: str
    item_id: str
    runs: list[ItemRunOut]
    #: The output fields of any run, by name (PostgreSQL's JSONB keeps no key order): the rows
    #: of the side-by-side table.
    fields: list[str]


def item_key_of(session: Session, workflow_type: str) -> str:
    """Return the input that names a workflow's items; InvalidInput when it has none."""
    key = workflow_contract(session, workflow_type).item_key
    if key is None:
        raise InvalidInput(
            f"workflow {workflow_type!r} names no item in its inputs (its contract has no "
            "item_key)",
            field="workflow_type",
        )
    return key


def item_of_run(session: Session, run: Run) -> tuple[str, str] | None:
    """Return (item_key, item id) of a run whose workflow names items, else None."""
    key = workflow_contract(session, run.workflow_type).item_key
    value = (run.inputs or {}).get(key) if key else None
    return (key, value) if key and isinstance(value, str) and value else None


def _out(run: Run, kind: str, heal_of: str | None, flags: list[FlagBrief]) -> ItemRunOut:
    return ItemRunOut(
        run_id=run.run_id,
        kind=kind,
        heal_of=heal_of,
        config=run.config,
        model=run.model,
        created_at=run.created_at,
        status=run.status,
        stability=run.stability,
        risk=run.risk,
        risk_level=risk_level(run.risk),
        flags=flags,
        output=run.output,
    )


def item_runs_data(session: Session, workflow_type: str, item_id: str) -> ItemRunsOut:
    """Return the item's original runs, each followed by its heals; NotFound when none."""
    key = item_key_of(session, workflow_type)
    originals = item_runs(session, workflow_type, key, item_id)
    if not originals:
        raise NotFound(f"no {workflow_type} run has {key} {item_id!r}", field="item_id")
    derived = derived_runs(session, [run.run_id for run in originals])
    heal_of = {
        child.run_id: parent
        for parent, children in derived.items()
        for child in children
        if child.kind == "heal"
    }
    heals = {run.run_id: run for run in runs_by_id(session, list(heal_of))}
    flags = flag_briefs(session, [run.run_id for run in originals] + list(heals))
    shown: list[ItemRunOut] = []
    for run in originals:
        shown.append(_out(run, "original", None, flags.get(run.run_id, [])))
        for child in derived.get(run.run_id, []):
            if child.run_id in heals:
                healed = heals[child.run_id]
                shown.append(_out(healed, "heal", run.run_id, flags.get(healed.run_id, [])))
    fields = sorted({name for row in shown for name in row.output or {}})
    return ItemRunsOut(
        workflow_type=workflow_type, item_key=key, item_id=item_id, runs=shown, fields=fields
    )
