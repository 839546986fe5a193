"""Query parameters a page shares with its JSON twin, so both parse them the same way.

The runs list has its own module (keel.web.runs_query): it has many more.
"""

from __future__ import annotations

from fastapi import Query

DaysQuery = Query(28, ge=1, le=365, description="Days of history, up to the newest run.")
WindowQuery = Query(7, ge=1, le=90, description="The recent window of the tool anomalies.")
BaselineQuery = Query(None, description="Baseline name (default: the workflow's newest).")
WorkflowQuery = Query(None, max_length=64, description="Workflow (default: support, else first).")
ConfigsQuery = Query(None, description="Configuration labels, repeatable (default: all, up to 4).")
