"""The reviewer's extract: audit entries of a time window with the chain hashes, each with the
run it concerns (its flags and review decisions), and the verification of the whole chain.

JSON Lines: a first `extract` record (window, chain verification, head hash), then one
`audit_entry` record per entry. CSV: one row per entry, run context in flat columns.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from keel.govern import audit
from keel.govern.chain import Verification
from keel.govern.review import output_decision
from keel.store.audit import entries_between
from keel.store.flags import flags_of_runs
from keel.store.models import PolicyFlag, Review, Run, utcnow
from keel.store.reviews import reviews_of_runs
from keel.store.runs import runs_by_id

CSV_COLUMNS = (
    "seq",
    "created_at",
    "action",
    "subject",
    "actor",
    "details",
    "prev_hash",
    "entry_hash",
    "run_id",
    "workflow_type",
    "run_status",
    "risk",
    "stability",
    "output_category",
    "confirmed_category",
    "flags",
    "decisions",
)


@dataclass(frozen=True)
class Extract:
    """What an export holds: the window, the chain's verification, and one row per entry."""

    since: datetime | None
    until: datetime | None
    verification: Verification
    rows: list[dict[str, Any]]


def _run_json(run: Run, flags: list[PolicyFlag], reviews: list[Review]) -> dict[str, Any]:
    decided = output_decision(run)
    finals = [r for r in reviews if r.decision in ("approve", "override")]
    return {
        "run_id": run.run_id,
        "workflow_type": run.workflow_type,
        "status": run.status,
        "created_at": run.created_at.isoformat(),
        "risk": run.risk,
        "stability": run.stability,
        "output_category": decided,
        "confirmed_category": (finals[-1].category or decided) if finals else None,
        "flags": [
            {
                "source": f.source,
                "rule_id": f.rule_id,
                "severity": f.severity,
                "message": f.message,
                "evidence": f.evidence,
            }
            for f in flags
        ],
        "reviews": [
            {
                "decision": r.decision,
                "category": r.category,
                "answer_overridden": r.answer is not None,
                "reason": r.reason,
                "reviewer": r.reviewer,
                "created_at": r.created_at.isoformat(),
            }
            for r in reviews
        ],
    }


def build_extract(session: Session, since: datetime | None, until: datetime | None) -> Extract:
    """Return the extract of entries with since <= created_at < until, chain verified."""
    verification = audit.verify(session)
    entries = entries_between(session, since, until)
    run_ids = sorted({e.subject[4:] for e in entries if e.subject.startswith("run:")})
    flags: dict[str, list[PolicyFlag]] = defaultdict(list)
    reviews: dict[str, list[Review]] = defaultdict(list)
    runs: dict[str, dict[str, Any]] = {}
    for start in range(0, len(run_ids), 500):
        chunk = run_ids[start : start + 500]
        for flag in flags_of_runs(session, chunk):
            flags[flag.run_id].append(flag)
        for review in reviews_of_runs(session, chunk):
            reviews[review.run_id].append(review)
        for run in runs_by_id(session, chunk):
            runs[run.run_id] = _run_json(run, flags[run.run_id], reviews[run.run_id])
    rows = []
    for entry in entries:
        run_id = entry.subject[4:] if entry.subject.startswith("run:") else None
        rows.append({**audit.entry_record(entry), "run": runs.get(run_id) if run_id else None})
    return Extract(since, until, verification, rows)


def jsonl_lines(extract: Extract) -> Iterator[str]:
    """Yield the extract as JSON Lines (header record first)."""
    header = {
        "record": "extract",
        "since": extract.since.isoformat() if extract.since else None,
        "until": extract.until.isoformat() if extract.until else None,
        "generated_at": utcnow().isoformat(),
        "entries": len(extract.rows),
        "chain": asdict(extract.verification),
    }
    yield json.dumps(header, ensure_ascii=False)
    for row in extract.rows:
        yield json.dumps({"record": "audit_entry", **row}, ensure_ascii=False, default=str)


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    run = row["run"] or {}
    flat = {name: row[name] for name in CSV_COLUMNS[:8]}
    flat["details"] = json.dumps(row["details"], sort_keys=True, ensure_ascii=False)
    flat.update(
        run_id=run.get("run_id"),
        workflow_type=run.get("workflow_type"),
        run_status=run.get("status"),
        risk=run.get("risk"),
        stability=run.get("stability"),
        output_category=run.get("output_category"),
        confirmed_category=run.get("confirmed_category"),
        flags="; ".join(f"{f['rule_id']}:{f['severity']}" for f in run.get("flags", [])),
        decisions="; ".join(
            f"{r['decision']} by {r['reviewer']} at {r['created_at']}: {r['reason']}"
            for r in run.get("reviews", [])
        ),
    )
    return flat


def csv_text(extract: Extract) -> str:
    """Return the extract as CSV, one row per audit entry."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in extract.rows:
        writer.writerow(_csv_row(row))
    return out.getvalue()
