"""Full-text search of runs' ticket text and answers, on SQLite (FTS5) and PostgreSQL (tsvector):
kept in step with every write, redacted, and migrated onto runs stored before it existed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import delete, insert, update

from keel.core.errors import InvalidInput
from keel.core.records import RunRecord
from keel.core.sanitize import Sanitizer, seal_runs
from keel.store import search
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.models import Run, RunText
from keel.store.redact import redact_stored
from keel.store.runs import RunFilters, runs_page
from keel.store.search import search_words
from keel.store.writes import write_runs
from tests.conftest import PG_ADMIN_URL

T0 = datetime(2026, 11, 1, tzinfo=UTC)
CARD = "4532 7777 7777 7774"


def ticket_run(run_id: str, ticket: str, answer: str, minutes: int = 0) -> RunRecord:
    return RunRecord(
        run_id,
        "support",
        T0 + timedelta(minutes=minutes),
        inputs={"ticket": ticket},
        output={"category": "TAX", "answer": answer},
    )


def store(database: Database, *runs: RunRecord) -> None:
    with database.write() as session:
        write_runs(session, seal_runs(list(runs)))


def found(database: Database, query: str) -> list[str]:
    with database.read() as session:
        page = runs_page(session, RunFilters(search=search_words(query)))
    return [run.run_id for run in page.runs]


def seed(database: Database) -> None:
    store(
        database,
        ticket_run("tax", "Which form shows my early withdrawal fee?", "See Form 1099-R, box 4."),
        ticket_run("wire", "When does my wire arrive?", "Wires sent before 4 pm arrive today.", 1),
        ticket_run("card", f"My card {CARD} was charged twice", "We refunded the charges.", 2),
    )


def test_a_word_of_the_ticket_or_of_the_answer_finds_the_run(database: Database) -> None:
    seed(database)
    assert found(database, "withdrawal") == ["tax"]
    assert found(database, "1099") == ["tax"]
    assert found(database, "refunded") == ["card"]
    assert found(database, "arrive") == ["wire"]


def test_words_are_stemmed_and_all_must_match(database: Database) -> None:
    seed(database)
    assert found(database, "withdrawals") == ["tax"]
    assert found(database, "charges") == ["card"]
    assert found(database, "wire refunded") == []
    assert found(database, "Wire, ARRIVES!") == ["wire"]


def test_query_syntax_of_either_database_is_only_words(database: Database) -> None:
    seed(database)
    for query in ('"wire', "wire*", "(wire)", "-wire", "wire:", "^wire", "'wire' &|!"):
        assert found(database, query) == ["wire"], query
    for query in ("wire NEAR(x", "body:wire", "wire OR refunded"):
        assert found(database, query) == [], query  # every word must match
    with pytest.raises(InvalidInput) as refused:
        search_words("&& !! ::")
    assert refused.value.field == "search"


def test_a_card_number_masked_on_write_cannot_be_searched(database: Database) -> None:
    seed(database)
    # The mask keeps the last four digits, as the stored run does: nothing more is searchable.
    assert found(database, "4532") == [] and found(database, "4532777777777774") == []
    assert found(database, "7777") == []
    assert found(database, "charged") == ["card"]


def test_deleting_or_rewriting_a_run_drops_its_old_words(database: Database) -> None:
    seed(database)
    with database.write() as session:
        session.execute(delete(Run).where(Run.run_id == "wire"))
    assert found(database, "arrive") == []
    store(database, ticket_run("wire", "Is my transfer late?", "It lands tomorrow."))
    assert found(database, "arrive") == [] and found(database, "transfer") == ["wire"]
    with database.write() as session:
        session.execute(
            update(RunText).where(RunText.run_id == "tax").values(body="a rewritten text")
        )
    assert found(database, "withdrawal") == [] and found(database, "rewritten") == ["tax"]


def test_keel_redact_masks_the_searchable_text_stored_in_clear(database: Database) -> None:
    key = "sk-proj-Qx7vLm2NpR8sT4wY6zA1bC3dE5fG9hJ0"
    with database.write() as session:
        session.execute(insert(Run).values(run_id="old", workflow_type="support", created_at=T0))
        session.execute(insert(RunText).values(run_id="old", body=f"my key is {key} please"))
    assert found(database, "Qx7vLm2NpR8sT4wY6zA1bC3dE5fG9hJ0") == ["old"]
    redact_stored(database, Sanitizer())
    assert found(database, "Qx7vLm2NpR8sT4wY6zA1bC3dE5fG9hJ0") == []
    assert found(database, "please") == ["old"]


@pytest.mark.dialects("sqlite", "postgresql")
def test_migrating_fills_config_and_search_for_runs_stored_before(
    dialect: str, tmp_path: Path
) -> None:
    if dialect == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'old.db'}", None
    else:
        name = f"keel_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url, drop = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name
    try:
        upgrade(url, "0009")
        database = Database(url)
        with database.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO runs (run_id, workflow_type, created_at, status, source, "
                "input_tokens, output_tokens, total_tokens, cost_usd, tool_count, error_count, "
                "loop_depth, inputs, output, metrics) VALUES ('old', 'support', "
                "'2026-11-01 00:00:00', 'COMPLETED', 'sdk', 0, 0, 0, 0, 0, 0, 0, "
                """'{"ticket": "my withdrawal fee"}', '{"answer": "box 4"}', """
                """'{"config": "baseline-v1"}')"""
            )
        database.dispose()
        upgrade(url)
        database = Database(url)
        assert found(database, "withdrawal") == ["old"]
        with database.read() as session:
            page = runs_page(session, RunFilters(config="baseline-v1"))
        assert [run.run_id for run in page.runs] == ["old"]
        database.dispose()
    finally:
        if drop:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')


@pytest.mark.parametrize("rare_matches", [2_000, 3], ids=["as-shipped", "fee-common-on-pg"])
def test_rare_and_common_words_find_the_same_runs_page_by_page(
    database: Database, rare_matches: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 runs: "fee" in every one (matched run by run on SQLite), "chargeback" in two (matched
    # from FTS5's list); paging must see each match once, newest first, either way. On
    # PostgreSQL, a low RARE_MATCHES sends "fee" down the common-word plan, as at scale.
    monkeypatch.setattr(search, "RARE_MATCHES", rare_matches)
    runs = [
        ticket_run(f"r{i:02d}", f"ticket {i} about a fee", "an answer", minutes=i)
        for i in range(40)
    ]
    runs[5] = ticket_run("r05", "a chargeback for the fee", "refund", minutes=5)
    runs[31] = ticket_run("r31", "chargeback please, fee", "refund", minutes=31)
    store(database, *runs)
    for query, expected in (
        ("chargeback", ["r31", "r05"]),
        ("fee", [f"r{i:02d}" for i in reversed(range(40))]),
        ("fee chargeback", ["r31", "r05"]),
    ):
        seen, cursor = [], None
        with database.read() as session:
            while True:
                filters = RunFilters(search=search_words(query))
                page = runs_page(session, filters, cursor=cursor, limit=7)
                seen += [run.run_id for run in page.runs]
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        assert seen == expected, query
