"""Console output shared by commands: Rich for people, `--json` for scripts, errors as one line."""

from __future__ import annotations

import functools
import getpass
import json
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from typer.core import TyperGroup

from keel.core.errors import KeelError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def print_json(value: Any) -> None:
    """Print `value` as JSON on stdout (dates and other objects as strings)."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


#: The narrowest a wrapping column gets: Rich would otherwise squeeze one to nothing.
MIN_WRAPPED_WIDTH = 8


def data_table(headers: Sequence[str], *, whole: Collection[str] = ()) -> Table:
    """Return a table whose cells wrap rather than end in "…"; the columns in `whole` (ids and
    names a reader copies, figures) never break, so they come out in one piece at any width."""
    # Two characters between columns and none at the edges: a heal's run id and four more
    # columns fit in 80.
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), show_edge=False)
    for header in headers:
        table.add_column(header, overflow="fold", no_wrap=header in whole)
    return table


def _hold_widths(table: Table) -> None:
    """Give each column of `table` its floor: a whole column its widest cell, others a few."""
    for column in table.columns:
        widest = max(
            Measurement.get(console, console.options, cell).maximum
            for cell in (column.header, *column.cells)
        )
        column.min_width = widest if column.no_wrap else min(widest, MIN_WRAPPED_WIDTH)


def print_table(table: Table, *, wide: bool = False) -> None:
    """Print `table` on stdout, cutting no cell; `wide`: at its own width, past the terminal's.

    What cannot fit the terminal even with every wrapping column at its floor runs past its
    edge (the terminal wraps the line) rather than being cut.
    """
    _hold_widths(table)
    if not wide:
        console.print(table, crop=False)
        return
    unbounded = console.options.update_width(100_000)
    width = max(Measurement.get(console, unbounded, table).maximum, console.width)
    # A console of its own: `console.print(width=...)` never goes past the terminal's width.
    full = Console(width=width, force_terminal=console.is_terminal, no_color=console.no_color)
    full.print(table, crop=False)


def print_error(message: str) -> None:
    """Print `error: <message>` on stderr as one line."""
    # soft_wrap: one line a script can grep, however wide the terminal.
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


@contextmanager
def keel_errors() -> Iterator[None]:
    """Turn a KeelError into one line, `error: <message>`, on stderr and exit code 2."""
    try:
        yield
    except KeelError as exc:
        print_error(" ".join(exc.message.split()))
        raise typer.Exit(code=2) from None


def cli_actor() -> str:
    """Return how the audit log names whoever runs this command (the OS user)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


class OneLineErrors(TyperGroup):
    """The root command: a usage error (bad option value, unknown command, missing argument)
    ends as `error: …` on one line and exit code 2, like a KeelError, not as a help panel."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; in standalone mode, exit with its code (as Click does)."""
        run = functools.partial(
            super().main,
            args,
            prog_name,
            complete_var,
            windows_expand_args=windows_expand_args,
            **extra,
        )
        if not standalone_mode:
            return run(standalone_mode=False)
        try:
            code = run(standalone_mode=False)
        except typer.TyperException as exc:  # the root of the (vendored) Click errors
            # `keel runs` alone has printed its help already, which is what was asked for.
            if type(exc).__name__ != "NoArgsIsHelpError":
                context = getattr(exc, "ctx", None)  # a usage error knows its command
                hint = f" (see '{context.command_path} --help')" if context else ""
                print_error(f"{exc.format_message()}{hint}")
            sys.exit(exc.exit_code)
        except typer.Abort:
            print_error("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)
