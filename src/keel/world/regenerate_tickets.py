"""Developer command: `python -m keel.world.regenerate_tickets` rewrites data/tickets.jsonl.

Run it after changing a scenario or the bank generator; tests/world/test_tickets.py fails until
the committed file is what the seed produces.
"""

from __future__ import annotations

from pathlib import Path

from keel.world.build import SEED
from keel.world.generate import generate_bank
from keel.world.tickets import generate_tickets, tickets_jsonl

if __name__ == "__main__":
    target = Path(__file__).parent / "data" / "tickets.jsonl"
    target.write_text(tickets_jsonl(generate_tickets(SEED, generate_bank(SEED))), encoding="utf-8")
    print(f"wrote {target}")
