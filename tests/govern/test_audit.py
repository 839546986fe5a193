"""The stored audit log on both databases: appends chain, direct edits and deletions are named,
and concurrent writers never fork the chain."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from keel.govern import audit
from keel.store.engine import Database
from keel.store.models import AuditEntry, AuditHead


def fill(database: Database, n: int) -> None:
    with database.write() as session:
        for i in range(n):
            audit.append(session, "run.ingested", audit.run_subject(f"r{i}"), "test", {"i": i})


def test_appends_chain_and_verify(database: Database) -> None:
    fill(database, 3)
    with database.write() as session:
        entries = audit.append_many(
            session, [audit.AuditEvent("key.created", "key:k1", "test", {"scope": "read"})] * 2
        )
    assert [entry.seq for entry in entries] == [4, 5]
    with database.read() as session:
        result = audit.verify(session)
        stored = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    assert result.ok and result.checked == 5
    assert [e.prev_hash for e in stored[1:]] == [e.entry_hash for e in stored[:-1]]


def test_an_entry_and_the_change_it_records_roll_back_together(database: Database) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        audit.append(session, "key.created", "key:k1", "test")
        raise RuntimeError("the change failed")
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert audit.verify(session).ok


EDITS = {
    "created_at": lambda entry: {"created_at": entry.created_at + timedelta(seconds=1)},
    "action": lambda entry: {"action": "run.deleted"},
    "subject": lambda entry: {"subject": "run:other"},
    "actor": lambda entry: {"actor": "mallory"},
    "details": lambda entry: {"details": '{"i":99}'},
    "prev_hash": lambda entry: {"prev_hash": "e" * 64},
    "entry_hash": lambda entry: {"entry_hash": "f" * 64},
}


def test_editing_any_row_directly_names_that_row(database: Database) -> None:
    fill(database, 4)
    with database.read() as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    for row in rows:
        for column, edit in EDITS.items():
            with database.sessions() as session, session.begin():
                session.execute(
                    update(AuditEntry).where(AuditEntry.seq == row.seq).values(**edit(row))
                )
                result = audit.verify(session)
                session.rollback()
            assert not result.ok, column
            assert result.broken_seq == row.seq, (column, result)


def test_deleting_any_row_directly_names_that_row(database: Database) -> None:
    fill(database, 4)
    for seq in range(1, 5):
        with database.sessions() as session, session.begin():
            session.execute(delete(AuditEntry).where(AuditEntry.seq == seq))
            result = audit.verify(session)
            session.rollback()
        assert not result.ok
        assert result.broken_seq == seq
        assert "missing" in (result.reason or "")


def test_deleting_the_head_row_is_detected(database: Database) -> None:
    fill(database, 2)
    with database.write() as session:
        session.execute(delete(AuditHead))
    with database.read() as session:
        result = audit.verify(session)
    assert not result.ok and "head" in (result.reason or "")


def test_concurrent_appends_do_not_fork_the_chain(database_url: str, database: Database) -> None:
    writers, per_writer = 4, 15
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(index: int) -> None:
        # A Database each: no shared in-process lock, so only the database serialises them.
        own = Database(database_url)
        try:
            barrier.wait()
            for i in range(per_writer):
                with own.write() as session:
                    audit.append(session, "run.ingested", f"run:w{index}-{i}", f"writer{index}")
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.read() as session:
        result = audit.verify(session)
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
    assert result.ok, result
    assert seqs == list(range(1, writers * per_writer + 1))
