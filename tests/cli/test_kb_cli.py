"""`keel kb load|list|search`: Markdown and JSON in, by id, all or nothing.

In-process through Typer's runner (the real app and world; a subprocess per command would mostly
measure importing keel).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from keel.cli.app import app


def run_keel(home: Path, *args: str) -> Result:
    """Run `keel ARGS` in-process with KEEL_HOME=`home`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KEEL_HOME", str(home))
        return CliRunner().invoke(app, list(args))


def _documents(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "returns.md").write_text(
        "---\ntitle: Returning a router\ntopic: hardware\n---\n"
        "Routers can be returned within 30 days in their original box.\n\n"
        "## Steps\n\n1. Print the label.\n2. Drop the parcel at a post office.\n"
    )
    faq = [
        {"id": "fiber-outage", "title": "Fiber outage", "content": "Fixed within 4 hours."},
        {"id": "modem-lights", "title": "What the modem lights mean", "content": "Amber: syncing."},
    ]
    (folder / "faq.json").write_text(json.dumps(faq))
    return folder


def _load(home: Path, folder: Path, *flags: str) -> dict:
    result = run_keel(home, "kb", "load", str(folder), "--json", *flags)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_kb_load_adds_documents_the_search_then_finds(tmp_path: Path, world_home: Path) -> None:
    home, folder = world_home, _documents(tmp_path / "docs")
    summary = _load(home, folder)
    assert (summary["documents"], summary["inserted"], summary["removed"]) == (3, 3, 0)
    assert summary["total"] >= 60 + 3
    hits = json.loads(run_keel(home, "kb", "search", "return my router", "--json").stdout)
    assert hits[0]["id"] == "returns"


def test_kb_load_is_idempotent_by_id_and_updates_changed_documents(
    tmp_path: Path, world_home: Path
) -> None:
    home, folder = world_home, _documents(tmp_path / "docs")
    _load(home, folder)
    again = _load(home, folder)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 3)
    (folder / "returns.md").write_text("# Returning a router\n\nNow within 60 days.\n")
    changed = _load(home, folder)
    assert (changed["inserted"], changed["updated"], changed["unchanged"]) == (0, 1, 2)


def test_a_bad_file_is_named_and_nothing_is_stored(tmp_path: Path, world_home: Path) -> None:
    home, folder = world_home, _documents(tmp_path / "docs")
    (folder / "broken.json").write_text(json.dumps({"id": "x", "title": "No content"}))
    before = json.loads(run_keel(home, "kb", "list", "--json").stdout)
    result = run_keel(home, "kb", "load", str(folder))
    assert result.exit_code == 2
    assert "broken.json" in result.stderr and "content" in result.stderr
    after = json.loads(run_keel(home, "kb", "list", "--json").stdout)
    assert after == before


def test_refused_files_are_all_listed_as_json(tmp_path: Path, world_home: Path) -> None:
    home, folder = world_home, _documents(tmp_path / "docs")
    (folder / "broken.json").write_text(json.dumps({"id": "x", "title": "No content"}))
    (folder / "untitled.md").write_text("no heading here\n")
    result = run_keel(home, "kb", "load", str(folder), "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["loaded"] == 0
    assert [(r["file"], r["field"]) for r in report["refused"]] == [
        ("broken.json", "broken.json.content"),
        ("untitled.md", "untitled.md.title"),
    ]


def test_replace_leaves_only_the_loaded_documents(tmp_path: Path, world_home: Path) -> None:
    home, folder = world_home, _documents(tmp_path / "docs")
    summary = _load(home, folder, "--replace")
    assert summary["total"] == 3 and summary["removed"] >= 60
    listed = json.loads(run_keel(home, "kb", "list", "--json").stdout)
    assert sorted(a["id"] for a in listed) == ["fiber-outage", "modem-lights", "returns"]
    assert {a["source"] for a in listed} == {"loaded"}
    assert json.loads(run_keel(home, "kb", "search", "wire cut-off", "--json").stdout) == []


def test_kb_search_json_lists_ranked_hits(world_home: Path) -> None:
    result = run_keel(world_home, "kb", "search", "lost stolen card", "--k", "2", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 2 and hits[0]["id"] == "KB-401"
    assert set(hits[0]) == {"id", "title", "snippet", "score"}
