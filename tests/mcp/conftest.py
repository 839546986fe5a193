"""MCP test helpers: tiny MCP servers written here (not by keel), run as real processes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import StdioServerParameters

import keel

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


def direct(server_script: Path) -> StdioServerParameters:
    """Stdio parameters that start `server_script` directly."""
    return StdioServerParameters(command=sys.executable, args=[str(server_script)])
