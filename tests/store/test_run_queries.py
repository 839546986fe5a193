"""The store queries behind the dashboard's filter menus and run links, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from keel.core.records import RunRecord
from keel.core.sanitize import seal_runs
from keel.store.engine import Database
from keel.store.models import Replay, Run
from keel.store.run_links import run_links
from keel.store.runs import RunFilters, run_facets, runs_page
from keel.store.writes import write_runs

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def store(database: Database, *runs: RunRecord) -> None:
    with database.write() as session:
        write_runs(session, seal_runs(list(runs)))


def record(
    run_id: str, workflow: str = "support", model: str | None = "m1", **fields: object
) -> RunRecord:
    fields.setdefault("created_at", T0)
    return RunRecord(run_id=run_id, workflow_type=workflow, model=model, **fields)  # type: ignore[arg-type]


def test_facets_list_each_workflow_and_model_once_in_order(database: Database) -> None:
    store(
        database,
        record("a", "support", "gpt-4o-mini"),
        record("b", "sql_analysis", "offline-sampler"),
        record("c", "support", "offline-sampler"),
        record("d", "support", None),
    )
    with database.read() as session:
        facets = run_facets(session)
    assert facets.workflow_types == ["sql_analysis", "support"]
    assert facets.models == ["gpt-4o-mini", "offline-sampler"]


def test_facets_of_an_empty_store_are_empty(database: Database) -> None:
    with database.read() as session:
        facets = run_facets(session)
    assert facets.workflow_types == [] and facets.models == []


def test_links_name_the_original_the_healed_runs_and_the_replays(database: Database) -> None:
    store(
        database,
        record("orig"),
        record("healed", parent_run_id="orig", status="SELF_HEALED"),
        record("replay-1", created_at=T0 + timedelta(minutes=1)),
    )
    with database.write() as session:
        session.add(
            Replay(
                replay_id="rp1",
                base_run_id="orig",
                perturbation_type="P2",
                replay_run_id="replay-1",
            )
        )
    with database.read() as session:
        original = run_links(session, session.get(Run, "orig"))
        healed = run_links(session, session.get(Run, "healed"))
        replay = run_links(session, session.get(Run, "replay-1"))
    assert original.parent is None
    assert [(run.run_id, run.status) for run in original.children] == [("healed", "SELF_HEALED")]
    assert [(r.replay_id, r.perturbation_type, r.replay_run_id) for r in original.replays] == [
        ("rp1", "P2", "replay-1")
    ]
    assert healed.parent is not None and healed.parent.run_id == "orig"
    assert healed.children == [] and healed.replays == []
    assert replay.replay_of is not None and replay.replay_of.base_run_id == "orig"


def test_a_parent_id_that_was_never_stored_links_nowhere(database: Database) -> None:
    store(database, record("child", parent_run_id="gone"))
    with database.read() as session:
        links = run_links(session, session.get(Run, "child"))
    assert links.parent is None


def walk(database: Database, sort: str, descending: bool, limit: int) -> list[Run]:
    """Return every run by following next_cursor from the first page."""
    seen: list[Run] = []
    cursor = None
    with database.read() as session:
        while True:
            page = runs_page(
                session, RunFilters(), sort=sort, descending=descending, cursor=cursor, limit=limit
            )
            seen += page.runs
            cursor = page.next_cursor
            if cursor is None:
                return seen


def test_paging_gives_values_in_order_then_nulls_each_run_once(database: Database) -> None:
    stabilities = [50.0, 50.0, 50.0, 70.0, None, None, 90.0, None, 70.0]
    store(database, *[record(f"r{i}") for i in range(len(stabilities))])
    with database.write() as session:
        for i, value in enumerate(stabilities):
            session.execute(update(Run).where(Run.run_id == f"r{i}").values(stability=value))
    valued = sorted((v, f"r{i}") for i, v in enumerate(stabilities) if v is not None)
    nulls = sorted(f"r{i}" for i, v in enumerate(stabilities) if v is None)
    for descending in (False, True):
        expected = (valued[::-1] if descending else valued) + [
            (None, run_id) for run_id in (nulls[::-1] if descending else nulls)
        ]
        for limit in (1, 2, 4, 50):
            runs = walk(database, "stability", descending, limit)
            assert [(run.stability, run.run_id) for run in runs] == expected, (descending, limit)


def test_paging_through_ties_of_a_low_cardinality_column(database: Database) -> None:
    store(database, *[record(f"r{i:02d}", "sql" if i % 3 else "support") for i in range(10)])
    got = [(run.workflow_type, run.run_id) for run in walk(database, "workflow_type", True, 3)]
    assert got == sorted(got, reverse=True) and len(got) == 10
