"""The `keel` root command: `keel --help` lists every command and loads no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys

# Each command imports what it needs when it runs, so asking for help stays fast.
HEAVY = ["scipy", "torch", "sentence_transformers", "fastapi", "sqlalchemy"]
COMMANDS = [
    "serve",
    "worker",
    "demo",
    "ingest",
    "replay",
    "heal",
    "db",
    "runs",
    "run",
    "world",
    "kb",
    "baseline",
    "drift",
    "profile",
    "mcp",
    "model",
    "keys",
    "audit",
    "policy",
    "review",
]
HELP = """
import json, runpy, sys
sys.argv = ["keel", *sys.argv[1:]]
try:
    runpy.run_module("keel", run_name="__main__")
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "loaded": [m for m in HEAVY if m in sys.modules]}))
"""


def _help(*args: str) -> tuple[str, dict[str, object]]:
    code = f"HEAVY = {HEAVY!r}\n{HELP}"
    result = subprocess.run(
        [sys.executable, "-c", code, *args, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    text, _, last = result.stdout.rstrip().rpartition("\n")
    return text, json.loads(last)


def test_keel_help_lists_every_command_without_loading_heavy_libraries() -> None:
    text, outcome = _help()
    assert outcome == {"code": 0, "loaded": []}
    listed = {line.split()[1] for line in text.splitlines() if line.startswith("│ ")}
    assert set(COMMANDS) <= listed


def test_a_command_s_help_loads_no_heavy_library_either() -> None:
    text, outcome = _help("drift", "check")
    assert outcome == {"code": 0, "loaded": []}
    assert "--baseline" in text


def test_the_workers_help_loads_no_heavy_library() -> None:
    text, outcome = _help("worker")
    assert outcome == {"code": 0, "loaded": []}
    assert "--concurrency" in text
