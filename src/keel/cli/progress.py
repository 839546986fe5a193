"""Progress of a long command, on stderr: the stage it is at, i of n, and the stage's time.

On stderr, so that `--json` output on stdout stays one document a script can parse. Rich
draws it only on a terminal (and clears it when done): a pipe or a CI log gets the result alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from keel.cli.output import err_console


@dataclass
class Stages:
    """The one line of progress a command shows; each stage replaces the one before."""

    bar: Progress
    task: TaskID

    def stage(self, name: str, total: int | None = None) -> None:
        """Show that the command is now at stage `name` (of `total` steps, when counted)."""
        # A new task, not an update: Rich reads total=None as "unchanged", not "uncounted".
        self.bar.remove_task(self.task)
        self.task = self.bar.add_task(name, total=total)
        self.bar.refresh()  # a short stage still shows, not only at the next redraw

    def step(self, done: int, total: int) -> None:
        """Show `done` of the current stage's `total` steps finished."""
        self.bar.update(self.task, completed=done, total=total)

    def advance(self) -> None:
        """Show one more step of the current stage finished."""
        self.bar.advance(self.task)


@contextmanager
def stages(first: str) -> Iterator[Stages]:
    """Yield the progress line of a command, at stage `first`."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # Off a terminal Rich would still print an empty line when it stops; show nothing there.
    shown_on = err_console.is_interactive
    with Progress(*columns, console=err_console, transient=True, disable=not shown_on) as bar:
        shown = Stages(bar, bar.add_task(first, total=None))
        bar.refresh()
        yield shown
