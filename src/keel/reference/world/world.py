"""`World`: read access to a built synthetic world directory (KEEL_HOME/world)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from keel.reference.world.bank_db import bank_counts
from keel.reference.world.knowledge import KnowledgeBase
from keel.reference.world.tickets import Ticket, read_tickets

MANIFEST = "manifest.json"
KNOWLEDGE_DB = "knowledge.db"
BANK_DB = "bank.db"
TICKETS = "tickets.jsonl"


class World:
    """A built world: its knowledge base, its bank database and its labelled tickets."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.knowledge = KnowledgeBase(root / KNOWLEDGE_DB)

    @property
    def bank_db_path(self) -> Path:
        """Path of the SQLite bank: customers, accounts, transactions (masked identifiers)."""
        return self.root / BANK_DB

    @property
    def tickets_path(self) -> Path:
        """Path of the labelled tickets, one JSON object per line."""
        return self.root / TICKETS

    def tickets(self) -> list[Ticket]:
        """Return every labelled ticket, in ticket-id order."""
        return read_tickets(self.tickets_path)

    def ticket(self, ticket_id: str) -> Ticket | None:
        """Return the ticket with `ticket_id`, or None."""
        return next((t for t in self.tickets() if t.ticket_id == ticket_id), None)

    def manifest(self) -> dict[str, Any]:
        """Return the manifest written when the world was built (seed, fingerprint, counts)."""
        return dict(json.loads((self.root / MANIFEST).read_text(encoding="utf-8")))

    def counts(self) -> dict[str, int]:
        """Return how many articles, customers, accounts, transactions and tickets it holds."""
        tickets = self.tickets()
        return {
            "articles": self.knowledge.count(),
            **bank_counts(self.bank_db_path),
            "tickets": len(tickets),
            "ambiguous_tickets": sum(1 for t in tickets if t.ambiguous_between),
        }
