"""Rewrite stored rows through the sanitiser: `keel redact` masks what was stored before keel
redacted every field, or before a pattern was added to KEEL_REDACT_PATTERNS.

Rows are read in primary-key order, a batch per transaction, and only rows whose masked value
differs are updated, so a second run changes nothing. The audit log is left alone: its entries
are hash-chained, so rewriting one would break the chain that proves nothing was rewritten;
its details pass the sanitiser as they are appended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from keel.core.sanitize import Sanitizer
from keel.store.engine import Database
from keel.store.models import (
    Alert,
    Event,
    PolicyFlag,
    Replay,
    ReplaySet,
    Run,
    RunText,
    ToolCall,
)
from keel.store.profile_facts import no_facts

Kind = str  # "json", "text" or "preview": how a column is masked


@dataclass(frozen=True)
class Target:
    """A table, its primary key and the columns that hold text or JSON."""

    model: Any
    key: str
    columns: dict[str, Kind]


TARGETS = (
    Target(
        Run,
        "run_id",
        {"inputs": "json", "output": "json", "metrics": "json", "error": "text", "model": "text"},
    ),
    # The searchable copy of a run's text: masked too, so search never finds what was masked.
    Target(RunText, "id", {"body": "text"}),
    Target(Event, "id", {"payload": "json", "name": "text", "model": "text"}),
    Target(
        ToolCall,
        "id",
        {"args_preview": "preview", "result_meta": "json", "error": "text", "server": "text"},
    ),
    Target(Replay, "replay_id", {"metrics": "json"}),
    Target(ReplaySet, "set_id", {"result": "json", "error": "text"}),
    Target(PolicyFlag, "id", {"message": "text", "evidence": "json"}),
    Target(Alert, "id", {"details": "json"}),
)


def _maskers(sanitizer: Sanitizer) -> dict[Kind, Callable[[Any], Any]]:
    return {"json": sanitizer.value, "text": sanitizer.text, "preview": sanitizer.preview}


def redact_stored(
    database: Database, sanitizer: Sanitizer, batch_rows: int = 500
) -> dict[str, int]:
    """Mask every stored row of TARGETS; return how many rows of each table changed."""
    maskers = _maskers(sanitizer)
    changed: dict[str, int] = {}
    for target in TARGETS:
        table = target.model.__tablename__
        changed[table] = 0
        key = getattr(target.model, target.key)
        columns = [getattr(target.model, name) for name in target.columns]
        last: Any = None
        while True:
            with database.write() as session:
                query = select(key, *columns).order_by(key).limit(batch_rows)
                if last is not None:
                    query = query.where(key > last)
                rows = session.execute(query).all()
                for row in rows:
                    values = dict(zip(target.columns, row[1:], strict=True))
                    masked = {
                        name: maskers[kind](values[name]) if values[name] is not None else None
                        for name, kind in target.columns.items()
                    }
                    if masked != values:
                        # A run's profile facts copy its inputs' and output's values: cleared,
                        # so the profile reads them from the masked JSON (and keeps no copy).
                        stale = no_facts() if target.model is Run else {}
                        session.execute(
                            update(target.model).where(key == row[0]).values(**masked, **stale)
                        )
                        changed[table] += 1
            if len(rows) < batch_rows:
                break
            last = rows[-1][0]
    return changed
