"""What a user's mistake looks like from a shell: `error: …`, one line on stderr, a non-zero exit.

Each case runs `python -m keel` as its own process, as a user or a script would; none may show
a traceback, a usage panel or anything on stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

#: A PostgreSQL no server listens for (port 1), as a mistyped KEEL_DATABASE_URL would name.
UNREACHABLE = "postgresql://keel:secret@127.0.0.1:1/keel"

CASES = [
    pytest.param(
        ("runs", "show", "no-such-run"), None, "no run with id 'no-such-run'", id="bad-id"
    ),
    pytest.param(
        ("replay", "no-such-run"), None, "no run with id 'no-such-run'", id="replay-bad-id"
    ),
    pytest.param(
        ("runs", "list", "--limit", "0"), None, "Invalid value for '--limit'", id="bad-value"
    ),
    pytest.param(
        ("replay", "r-1", "--perturbations", "P9"), None, "got 'P9'", id="bad-perturbation"
    ),
    pytest.param(("drift", "check"), None, "Missing option '--baseline'", id="missing-option"),
    pytest.param(("runs", "lisst"), None, "No such command 'lisst'", id="unknown-command"),
    pytest.param(
        ("runs", "list"),
        UNREACHABLE,
        "cannot open the database at postgresql+psycopg://keel:***@127.0.0.1:1/keel",
        id="unreachable-database",
    ),
    pytest.param(("db", "upgrade"), "nonsense", "not a database URL", id="unreadable-url"),
]


@pytest.mark.parametrize(("args", "database_url", "message"), CASES)
def test_a_user_error_is_one_line_on_stderr_and_a_non_zero_exit(
    tmp_path: Path, args: tuple[str, ...], database_url: str | None, message: str
) -> None:
    url = database_url or f"sqlite:///{tmp_path / 'keel.db'}"
    env = {**os.environ, "KEEL_HOME": str(tmp_path), "KEEL_DATABASE_URL": url, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-m", "keel", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ") and message in line, line
    assert "secret" not in line  # the password of a database URL is never echoed
