"""Developer command: `python -m keel.reference.world.regenerate_tickets` rewrites
data/tickets.jsonl.

Run it after changing a scenario or the bank generator; tests/reference/world/test_tickets.py fails
until the committed file is what the seed produces.
"""

from __future__ import annotations

from pathlib import Path

from keel.reference.world.build import SEED
from keel.reference.world.generate import generate_bank
from keel.reference.world.tickets import generate_tickets, tickets_jsonl

if __name__ == "__main__":
    target = Path(__file__).parent / "data" / "tickets.jsonl"
    target.write_text(tickets_jsonl(generate_tickets(SEED, generate_bank(SEED))), encoding="utf-8")
    print(f"wrote {target}")
