"""Request and response models only HTTP has (they also document it in /openapi.json).

What pages, the API and the CLI all show (runs, events, reviews, ...) lives in keel.reports.
"""

from __future__ import annotations

from pydantic import BaseModel


class RunCounts(BaseModel):
    inserted: int
    duplicate: int


class BatchResult(BaseModel):
    runs: RunCounts
    events: RunCounts
    tool_calls: RunCounts
