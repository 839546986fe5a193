"""Jobs across real processes: two `keel serve` and two `keel worker` on one PostgreSQL and a
real Redis, one worker killed outright mid-job; and a worker-less server killed and restarted.
The model is a local OpenAI-compatible server (the edge keel cannot reach: a remote LLM API)."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import func, select

from keel.store.engine import Database
from keel.store.models import AuditEntry, Replay, ReplaySet, Run
from tests.conftest import OTLP_FIXTURES, _empty
from tests.fake_openai import FakeOpenAI
from tests.jobs.processes import KeelServer, keel_env, keel_worker

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ANSWER = "Early withdrawal fees are reported on Form 1099-INT. This is not tax advice."
REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def pg(postgresql_url: str) -> Iterator[Database]:
    database = Database(postgresql_url)
    _empty(database)
    yield database
    _empty(database)
    database.dispose()


@pytest.fixture
def broker_url() -> Iterator[str]:
    """A Redis database other than 0 (1-15, at random); with a queue of its own per test,
    parallel runs do not take each other's jobs."""
    url = f"{REDIS_URL}/{random.randint(1, 15)}"
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    yield url
    client.close()


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(answer=ANSWER, latency_s=0.25) as server:
        yield server


def ingest_base(url: str) -> str:
    body = (OTLP_FIXTURES / "openllmetry-openai-agent.pb").read_bytes()
    headers = {"content-type": "application/x-protobuf"}
    assert httpx.post(f"{url}/v1/traces", content=body, headers=headers).status_code == 200
    return str(httpx.get(f"{url}/api/v1/runs").json()["runs"][0]["run_id"])


def start_set(url: str, run_id: str) -> str:
    reply = httpx.post(f"{url}/api/v1/runs/{run_id}/replays", json={"samples": 1}, timeout=30)
    assert reply.status_code == 202, reply.text
    return str(reply.json()["replay_set_id"])


def statuses(database: Database, set_ids: list[str]) -> dict[str, str]:
    with database.read() as session:
        rows = session.execute(
            select(ReplaySet.set_id, ReplaySet.status).where(ReplaySet.set_id.in_(set_ids))
        )
        return {row.set_id: row.status for row in rows}


def wait_until(check, timeout_s: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def assert_each_replay_stored_once(database: Database, set_ids: list[str]) -> None:
    """Every set completed, scored once, with exactly one replay (and run) per planned one."""
    with database.read() as session:
        for set_id in set_ids:
            replay_set = session.get(ReplaySet, set_id)
            assert replay_set is not None and replay_set.status == "completed", set_id
            replays = session.scalar(select(func.count()).where(Replay.set_id == set_id))
            runs = session.scalar(select(func.count()).where(Run.run_id.like(f"{set_id}-%")))
            assert replays == runs == replay_set.total == replay_set.done == 4, set_id
            scored = session.scalar(
                select(func.count()).where(
                    AuditEntry.action == "run.replayed",
                    AuditEntry.details.contains(f'"{set_id}"'),
                )
            )
            assert scored == 1, set_id


def test_twenty_sets_through_two_servers_finish_on_two_workers_when_one_is_killed(
    pg: Database, broker_url: str, model: FakeOpenAI, tmp_path: Path
) -> None:
    env = keel_env(
        home=str(tmp_path / "home"),
        database_url=pg.url,
        broker_url=broker_url,
        job_queue=f"keel-test-{uuid.uuid4().hex[:8]}",
        model=f"openai:gpt-4o-mini@{model.base_url}",
        job_lease_s="2",
        job_visibility_timeout_s="4",
        replay_concurrency="2",
    )
    servers = [KeelServer(env, tmp_path / f"serve{i}.log") for i in range(2)]
    workers = [keel_worker(env, tmp_path / f"worker{i}.log", concurrency=3) for i in range(2)]
    try:
        for server in servers:
            server.launch()
        for server in servers:
            server.wait_ready()
        base = ingest_base(servers[0].url)
        set_ids = [start_set(servers[i % 2].url, base) for i in range(20)]

        def some_replays_stored() -> bool:
            with pg.read() as session:
                return (session.scalar(select(func.count()).select_from(Replay)) or 0) >= 6

        wait_until(some_replays_stored, 90, "the workers to start replaying")
        workers[0].kill()
        wait_until(
            lambda: set(statuses(pg, set_ids).values()) == {"completed"},
            120,
            f"every set to finish: {statuses(pg, set_ids)}",
        )
        assert_each_replay_stored_once(pg, set_ids)
        with pg.read() as session:
            retried = session.scalar(select(func.count()).where(ReplaySet.attempts > 1))
        assert retried, "the killed worker held no set: nothing was taken over"
    finally:
        for process in [*servers, *workers]:
            process.stop()


def test_worker_less_server_killed_with_sets_queued_and_running_finishes_them_on_restart(
    pg: Database, model: FakeOpenAI, tmp_path: Path
) -> None:
    env = keel_env(
        home=str(tmp_path / "home"),
        database_url=pg.url,
        model=f"openai:gpt-4o-mini@{model.base_url}",
        job_lease_s="2",
        replay_concurrency="1",
    )
    server = KeelServer(env, tmp_path / "serve.log").start()
    try:
        base = ingest_base(server.url)
        set_ids = [start_set(server.url, base) for _ in range(3)]

        def one_running() -> bool:
            return "running" in statuses(pg, set_ids).values()

        wait_until(one_running, 60, "the first set to start")
        server.kill()
        left = statuses(pg, set_ids)
        assert "queued" in left.values() and "running" in left.values(), left
        server = KeelServer(env, tmp_path / "serve.log").start()
        wait_until(
            lambda: set(statuses(pg, set_ids).values()) == {"completed"},
            60,
            f"every set to finish after the restart: {statuses(pg, set_ids)}",
        )
        assert_each_replay_stored_once(pg, set_ids)
    finally:
        server.stop()
