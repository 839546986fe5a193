"""`keel policy load|list|check|recheck`: tool-usage policies as versioned TOML files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from keel.cli.context import cli_settings
from keel.cli.database import open_database
from keel.cli.output import cli_actor, console, err_console, keel_errors, print_json
from keel.core.settings import Settings

app = typer.Typer(help="Load, list and apply tool-usage policies.", no_args_is_help=True)


def load_policy_dir(settings: Settings, directory: Path) -> None:
    """Load every policy file of `directory` (KEEL_POLICY_DIR) or exit naming the bad one."""
    from keel.govern import tool_policies

    with keel_errors(), open_database(settings) as database, database.write() as session:
        loaded = tool_policies.load_directory(session, directory, cli_actor())
    new = [f"{p.workflow_type}@{p.version}" for p, created in loaded if created]
    console.print(f"policies from {directory}: {len(loaded)} files, new: {', '.join(new) or '-'}")


@app.command("load")
def load(
    path: Path = typer.Argument(..., exists=True, help="A policy file, or a directory of them."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Validate and load policy versions, all or nothing; a bad file is named with its line."""
    from keel.govern import tool_policies

    with keel_errors(), open_database(cli_settings()) as database, database.write() as session:
        if path.is_dir():
            loaded = tool_policies.load_directory(session, path, cli_actor())
        else:
            text = path.read_text(encoding="utf-8")
            loaded = [tool_policies.load_policy(session, text, str(path), cli_actor())]
    rows = [
        {"workflow_type": p.workflow_type, "version": p.version, "new": created}
        for p, created in loaded
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        state = "loaded" if row["new"] else "already loaded"
        console.print(f"{row['workflow_type']}@{row['version']}: {state}")


@app.command("check")
def check(path: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Validate a policy file without loading it (exit 2 naming line and field if bad)."""
    from keel.govern.tool_policy_file import parse_policy

    with keel_errors():
        policy = parse_policy(path.read_text(encoding="utf-8"), str(path))
    console.print(f"{path}: valid policy {policy.workflow_type}@{policy.version}")


@app.command("list")
def list_policies(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the policy in force for each workflow type, and where it came from."""
    from keel.govern import tool_policies

    with keel_errors(), open_database(cli_settings()) as database, database.read() as session:
        rows = [
            {
                "workflow_type": name,
                "version": lp.policy.version,
                "origin": lp.origin,
                "digest": lp.digest,
                "allowed_tools": lp.policy.allowed_tools,
            }
            for name, lp in tool_policies.effective_policies(session).items()
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("workflow", "version", "origin", "allowed tools")
    for row in rows:
        tools = ", ".join(row["allowed_tools"]) if row["allowed_tools"] is not None else "any"
        table.add_row(row["workflow_type"], row["version"], row["origin"], tools)
    console.print(table)


@app.command("recheck")
def recheck(
    workflow: str = typer.Option(..., "--workflow", help="Re-check this workflow type's runs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check stored runs again under the policy now in force (e.g. after loading a version)."""
    from keel.govern import tool_policies
    from keel.store.tool_policies import run_ids_of_workflow

    with keel_errors(), open_database(cli_settings()) as database:
        with database.read() as session:
            run_ids = run_ids_of_workflow(session, workflow)
        flagged = 0
        with Progress(console=err_console, disable=as_json) as progress:
            task = progress.add_task(f"checking {workflow} runs", total=len(run_ids))
            for start in range(0, len(run_ids), 500):
                chunk = run_ids[start : start + 500]
                with database.write() as session:
                    found = tool_policies.check_runs(session, chunk, cli_actor())
                flagged += sum(1 for violations in found.values() if violations)
                progress.advance(task, len(chunk))
    if as_json:
        print_json({"workflow_type": workflow, "runs": len(run_ids), "flagged": flagged})
        return
    console.print(f"{workflow}: {len(run_ids)} runs checked, {flagged} with violations")
