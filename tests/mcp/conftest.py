"""MCP test helpers: tiny MCP servers written here (not by keel), run as real processes."""

from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest
from mcp import StdioServerParameters

import keel
from keel.world import ensure_world

# A server keel did not write: the SDK's MCPServer with a slow tool, a failing tool, and a tool
# that records its pid and blocks so the test can kill the process mid-call.
TINY_SERVER = '''
import asyncio, os, sys
from pathlib import Path
from mcp.server.mcpserver import MCPServer

server = MCPServer("tiny-slow")

@server.tool()
async def slow(seconds: float, label: str) -> str:
    """Sleep, then echo the label."""
    await asyncio.sleep(seconds)
    return f"done {label}"

@server.tool()
def fail(reason: str) -> str:
    """Always fails."""
    raise ValueError(reason)

@server.tool()
def reject(why: str) -> str:
    """Refuses the request itself: a JSON-RPC error, not a tool error."""
    from mcp import MCPError
    raise MCPError(code=-32602, message=why)

@server.tool()
async def hang(marker: str) -> str:
    """Write our pid to `marker`, then never answer."""
    Path(marker).write_text(str(os.getpid()))
    await asyncio.sleep(3600)
    return "unreachable"

if __name__ == "__main__":
    server.run()
'''

# Not even an SDK: reads JSON-RPC lines, logs the exact bytes it got, answers with odd but valid
# formatting (spaces, key order, escapes) so a re-serialising proxy would change them.
RAW_SERVER = r"""
import json, os, sys
log = open(sys.argv[1], "ab", buffering=0)
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    log.write(line)
    message = json.loads(line)
    if "id" not in message or "method" not in message:
        continue
    message_id = json.dumps(message["id"])
    if message["method"] == "tools/call":
        if message["params"]["name"] == "exit_now":
            os._exit(int(message["params"]["arguments"]["code"]))
        text = json.dumps(message["params"].get("arguments", {}))
        body = ('{ "result" : {"isError": false, "content": [{"text": %s, "type": "text"}]},'
                 ' "id": %s , "jsonrpc":"2.0" }' % (json.dumps(text), message_id))
    else:
        body = '{"id": %s, "jsonrpc": "2.0", "result": {"caf\\u00e9": 1}}' % message_id
    out.write(body.encode() + b"\n")
    out.flush()
"""


@pytest.fixture
def tiny_server(tmp_path: Path) -> Path:
    """Path of the tiny MCPServer script."""
    path = tmp_path / "tiny_server.py"
    path.write_text(TINY_SERVER)
    return path


@pytest.fixture
def raw_server(tmp_path: Path) -> Path:
    """Path of the raw line-echoing JSON-RPC server script."""
    path = tmp_path / "raw_server.py"
    path.write_text(RAW_SERVER)
    return path


def keel_env(database_url: str | None, home: Path) -> dict[str, str]:
    """Environment for a keel subprocess: this checkout's source, the test's home and database."""
    env = {"PYTHONPATH": str(Path(keel.__file__).resolve().parents[1]), "KEEL_HOME": str(home)}
    return env | ({"KEEL_DATABASE_URL": database_url} if database_url else {})


# `python -m keel.cli.mcp` is `keel mcp` without importing every other command (3x faster to
# start); one test goes through the full `keel` command to check the registration.
MCP_CLI = (sys.executable, "-m", "keel.cli.mcp")
KEEL_CLI = (sys.executable, "-m", "keel", "mcp")


def proxy_command(
    *server: str,
    run_id: str | None = None,
    server_name: str | None = None,
    cli: tuple[str, ...] = MCP_CLI,
) -> list[str]:
    """Return the argv of `keel mcp proxy [--run-id ID] [--server-name NAME] -- SERVER...`."""
    options = ["--run-id", run_id] if run_id else []
    options += ["--server-name", server_name] if server_name else []
    return [*cli, "proxy", *options, "--", *server]


def proxied(server: list[str], database_url: str, home: Path, run_id: str) -> StdioServerParameters:
    """Stdio parameters that start the `server` argv behind `keel mcp proxy`."""
    argv = proxy_command(*server, run_id=run_id)
    return StdioServerParameters(command=argv[0], args=argv[1:], env=keel_env(database_url, home))


def keel_server(home: Path) -> StdioServerParameters:
    """Stdio parameters that start `keel mcp serve` on the world in `home`."""
    return StdioServerParameters(
        command=MCP_CLI[0], args=[*MCP_CLI[1:], "serve"], env=keel_env(None, home)
    )


def direct(server_script: Path) -> StdioServerParameters:
    """Stdio parameters that start `server_script` directly."""
    return StdioServerParameters(command=sys.executable, args=[str(server_script)])


@pytest.fixture(scope="session")
def world_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KEEL_HOME holding the synthetic world, built once for the session."""
    home = tmp_path_factory.mktemp("world-home")
    ensure_world(home)
    return home


@pytest.fixture(scope="session")
def bank_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SQLite bank with the world's three tables; enough rows to make cross joins slow."""
    path = tmp_path_factory.mktemp("bank") / "bank.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(
            "CREATE TABLE customers (customer_id TEXT PRIMARY KEY, full_name TEXT, segment TEXT);"
            "CREATE TABLE accounts (account_id TEXT PRIMARY KEY, customer_id TEXT,"
            " account_mask TEXT, balance_usd REAL);"
            "CREATE TABLE transactions (txn_id TEXT PRIMARY KEY, account_id TEXT,"
            " customer_id TEXT, posted_at TEXT, kind TEXT, amount_usd REAL, description TEXT,"
            " category TEXT, counterparty_mask TEXT);"
        )
        connection.executemany(
            "INSERT INTO customers VALUES (?, ?, ?)",
            [(f"CUS-{n:04d}", f"Customer {n}", ("everyday", "premier")[n % 2]) for n in range(20)],
        )
        connection.executemany(
            "INSERT INTO accounts VALUES (?, ?, ?, ?)",
            [
                (f"ACC-{n:05d}", f"CUS-{n % 20:04d}", f"****{1000 + n}", 100.0 * n)
                for n in range(40)
            ],
        )
        connection.executemany(
            "INSERT INTO transactions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f"TXN-{n:06d}",
                    f"ACC-{n % 40:05d}",
                    f"CUS-{n % 20:04d}",
                    f"2025-{1 + n % 6:02d}-{1 + n % 28:02d}T10:00:00",
                    ("atm", "card", "wire")[n % 3],
                    -float(n % 300),
                    f"ATM withdrawal {n}" if n % 3 == 0 else f"purchase {n}",
                    None if n % 5 else "fees",
                    None,
                )
                for n in range(1000)
            ],
        )
    return path
