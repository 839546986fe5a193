"""`World`: read access to a built synthetic world directory (KEEL_HOME/world)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from keel.world.knowledge import KnowledgeBase

MANIFEST = "manifest.json"
KNOWLEDGE_DB = "knowledge.db"


class World:
    """A built world: its knowledge base, and (as they land) its bank database and tickets."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.knowledge = KnowledgeBase(root / KNOWLEDGE_DB)

    def manifest(self) -> dict[str, Any]:
        """Return the manifest written when the world was built (seed, fingerprint, counts)."""
        return dict(json.loads((self.root / MANIFEST).read_text(encoding="utf-8")))

    def counts(self) -> dict[str, int]:
        """Return how many articles the world holds right now."""
        return {"articles": self.knowledge.count()}
