"""Build the synthetic world from its fixed seed, once per KEEL_HOME, safely across processes.

The world is built into a temporary sibling directory and moved into place with one atomic
rename, so a reader sees either no world or a complete one, and two processes building at once
both end with the same complete world. A world built from other data (a changed article corpus
or generator) is rebuilt, keeping documents a user loaded with `keel kb load`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from keel.reference.world.articles import Article, articles_fingerprint, world_articles
from keel.reference.world.bank_db import write_bank_db
from keel.reference.world.generate import generate_bank
from keel.reference.world.knowledge import KnowledgeBase
from keel.reference.world.tickets import packaged_tickets_bytes
from keel.reference.world.world import BANK_DB, KNOWLEDGE_DB, MANIFEST, TICKETS, World

SEED = 20250630
# Bump when the generators change what they write for the same seed.
GENERATOR_VERSION = 2  # 2: articles carry a visibility; hybrid retrieval index
_INSTALL_ATTEMPTS = 5


@lru_cache(maxsize=1)
def world_fingerprint() -> str:
    """Return a digest of everything a built world depends on: seed, generator, article data."""
    digest = hashlib.sha256(f"{SEED}:{GENERATOR_VERSION}:{articles_fingerprint()}".encode())
    digest.update(packaged_tickets_bytes())
    return digest.hexdigest()


def _is_current(root: Path) -> bool:
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("fingerprint") == world_fingerprint()


def _loaded_documents(root: Path) -> tuple[list[Article], bool]:
    """Return documents `keel kb load` added to a world, and whether its own articles remain."""
    if not (root / KNOWLEDGE_DB).exists():
        return [], True
    articles = KnowledgeBase(root / KNOWLEDGE_DB).all()
    loaded = [article for article in articles if article.source != "world"]
    return loaded, any(article.source == "world" for article in articles)


def build_world(
    target: Path,
    *,
    seed: int = SEED,
    carry: list[Article] | None = None,
    include_world_articles: bool = True,
) -> None:
    """Write a complete world into the empty directory `target`; the manifest comes last."""
    knowledge = KnowledgeBase(target / KNOWLEDGE_DB)
    knowledge.create(world_articles() if include_world_articles else [])
    if carry:
        knowledge.upsert(carry)
    bank = generate_bank(seed)
    write_bank_db(target / BANK_DB, bank.customers, bank.accounts, bank.transactions, bank.balances)
    # The tickets are committed (generated from SEED); the world ships that reviewed file.
    (target / TICKETS).write_bytes(packaged_tickets_bytes())
    counts = World(target).counts()
    manifest = {"fingerprint": world_fingerprint(), "seed": seed, "counts": counts}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _install(staging: Path, root: Path, *, force: bool) -> None:
    """Move `staging` to `root` atomically, replacing a stale (or, when `force`, any) world."""
    for _ in range(_INSTALL_ATTEMPTS):
        try:
            os.rename(staging, root)
            return
        except OSError:
            if not force and _is_current(root):
                return  # another process installed a current world first
            trash = Path(tempfile.mkdtemp(prefix=".world-old-", dir=root.parent))
            with contextlib.suppress(FileNotFoundError):
                os.rename(root, trash / "world")
            shutil.rmtree(trash, ignore_errors=True)
            force = False
    raise RuntimeError(f"could not install the world at {root}")


def ensure_world(home: Path, *, rebuild: bool = False) -> World:
    """Return the world under `home`/world, building it first when missing, stale or `rebuild`."""
    root = Path(home) / "world"
    if not rebuild and _is_current(root):
        return World(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    carry, keep_world_articles = _loaded_documents(root)
    staging = Path(tempfile.mkdtemp(prefix=".world-build-", dir=root.parent))
    try:
        build_world(staging, carry=carry, include_world_articles=keep_world_articles)
        _install(staging, root, force=rebuild)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return World(root)
