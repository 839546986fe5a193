"""docs/architecture.md and the import-linter layers name every package that exists."""

from __future__ import annotations

import tomllib
from pathlib import Path

import keel

ROOT = Path(keel.__file__).resolve().parent
REPO = ROOT.parents[1]


def packages(under: Path) -> list[str]:
    """Return the names of the packages directly under `under`."""
    return sorted(p.parent.name for p in under.glob("*/__init__.py"))


def test_every_package_is_described_in_the_architecture_doc() -> None:
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    for name in packages(ROOT) + packages(ROOT / "reference"):
        assert f"`{name}/`" in doc, f"docs/architecture.md does not describe {name}/"


def test_every_top_level_package_has_a_place_in_the_layers() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    assert set(packages(ROOT)) <= placed, set(packages(ROOT)) - placed
