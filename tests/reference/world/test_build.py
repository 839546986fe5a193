"""Building the world: once, atomically, the same from the same seed, safe across processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from keel.reference.world import Article, ensure_world
from keel.reference.world.build import build_world

_BUILD_AND_COUNT = (
    "import sys; from pathlib import Path; from keel.reference.world import ensure_world;"
    "w = ensure_world(Path(sys.argv[1])); print(len(w.knowledge.all()))"
)


def test_two_processes_building_at_once_both_get_the_same_complete_world(tmp_path: Path) -> None:
    home = tmp_path / "home"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _BUILD_AND_COUNT, str(home)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0], results
    counts = {out.strip() for out, _err in results}
    assert len(counts) == 1 and int(counts.pop()) >= 60
    assert sorted(p.name for p in home.iterdir()) == ["world"]  # no staging dirs left behind


def test_ensure_world_reuses_a_current_world_without_rebuilding(tmp_path: Path) -> None:
    world = ensure_world(tmp_path)
    marker = world.root / "marker"
    marker.write_text("still here")
    assert ensure_world(tmp_path).root == world.root
    assert marker.exists()


def test_a_world_built_from_other_data_is_rebuilt(tmp_path: Path) -> None:
    world = ensure_world(tmp_path)
    manifest = world.manifest()
    manifest["fingerprint"] = "from-an-older-keel"
    (world.root / "manifest.json").write_text(json.dumps(manifest))
    (world.root / "marker").write_text("old")
    rebuilt = ensure_world(tmp_path)
    assert not (rebuilt.root / "marker").exists()
    assert rebuilt.manifest()["fingerprint"] != "from-an-older-keel"


def test_same_seed_builds_byte_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    build_world(first)
    build_world(second)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def _make_stale(home: Path) -> None:
    manifest_path = home / "world" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "fingerprint": "from-an-older-keel"}))


def test_a_rebuild_keeps_the_documents_a_user_loaded(world_home: Path) -> None:
    mine = Article("mine", "My policy", "Our own words.", ["Do this."], "ours", [], "loaded")
    ensure_world(world_home).knowledge.upsert([mine])
    _make_stale(world_home)
    rebuilt = ensure_world(world_home)
    assert rebuilt.knowledge.get("mine") == mine
    assert rebuilt.knowledge.count() >= 61
    assert ensure_world(world_home, rebuild=True).knowledge.get("mine") == mine


def test_a_rebuild_after_a_replace_keeps_only_the_loaded_documents(world_home: Path) -> None:
    mine = Article("mine", "My policy", "Our own words.", source="loaded")
    ensure_world(world_home).knowledge.upsert([mine], replace=True)
    _make_stale(world_home)
    assert [a.id for a in ensure_world(world_home).knowledge.all()] == ["mine"]
