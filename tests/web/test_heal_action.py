"""The Heal action over HTTP on both databases: a run that cannot be healed says why in place
of the button, nothing is queued, and the page offers Heal only to UNSTABLE runs.

The heal itself, run by the button on the demo's data, is tested in Chromium
(tests/web/test_demo_pages.py).
"""

from __future__ import annotations

from keel.core.records import RunRecord, RunStatus
from keel.core.sanitize import seal_runs
from keel.store.engine import Database
from keel.store.models import Run, utcnow
from keel.store.writes import write_runs
from tests.conftest import ApiClient

HTML = {"accept": "text/html", "hx-request": "true"}


def _store(database: Database, run_id: str, status: RunStatus) -> None:
    with database.write() as session:
        record = RunRecord(run_id=run_id, workflow_type="otel", created_at=utcnow(), source="otlp")
        record.status = status
        write_runs(session, seal_runs([record]))


def test_a_run_that_cannot_be_healed_says_why_and_nothing_is_queued(
    api: ApiClient, database: Database
) -> None:
    _store(database, "calm", RunStatus.COMPLETED)
    _store(database, "wobbly", RunStatus.UNSTABLE)
    calm = api.post("/runs/calm/heal", headers=HTML)
    assert calm.status_code == 200 and "Cannot heal" in calm.text
    assert "not UNSTABLE" in calm.text
    wobbly = api.post("/runs/wobbly/heal", headers=HTML)
    assert "Cannot heal" in wobbly.text and "cannot be replayed" in wobbly.text
    with database.read() as session:
        assert all("heal_job" not in run.metrics for run in session.query(Run))
    assert api.post("/runs/nope/heal", headers=HTML).status_code == 404


def test_the_heal_button_shows_on_an_unstable_run_only(api: ApiClient, database: Database) -> None:
    _store(database, "calm", RunStatus.COMPLETED)
    _store(database, "wobbly", RunStatus.UNSTABLE)
    assert 'aria-label="Heal run wobbly"' in api.get("/runs/wobbly", headers=HTML).text
    assert "Heal run calm" not in api.get("/runs/calm", headers=HTML).text
    assert api.get("/runs/wobbly/heal/progress", headers=HTML).status_code == 200
