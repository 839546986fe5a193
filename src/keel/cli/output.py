"""Console output shared by commands: Rich for people, `--json` for scripts, errors as one line."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from keel.core.errors import KeelError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def print_json(value: Any) -> None:
    """Print `value` as JSON on stdout (dates and other objects as strings)."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


@contextmanager
def keel_errors() -> Iterator[None]:
    """Turn a KeelError into one line, `error: <message>`, on stderr and exit code 2."""
    try:
        yield
    except KeelError as exc:
        # soft_wrap: one line a script can grep, however wide the terminal.
        err_console.print(
            f"[red]error:[/red] {escape(exc.message)}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2) from None


def cli_actor() -> str:
    """Return how the audit log names whoever runs this command (the OS user)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
