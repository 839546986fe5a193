"""Labelled support tickets, rendered from scenarios with real customers' accounts and transactions.

Run `python -m keel.reference.world.regenerate_tickets` to regenerate the committed
`data/tickets.jsonl` after changing a scenario or the bank generator (a test fails until the file
matches the seed).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from keel.reference.world.bank import Account, Customer
from keel.reference.world.bank_vocabulary import CITIES
from keel.reference.world.categories import Category
from keel.reference.world.generate import BankData
from keel.reference.world.ledger import Transaction
from keel.reference.world.scenarios import Scenario, all_scenarios

COPIES_PER_TEMPLATE = 2
TAX_YEAR = 2024
COUNTRIES = {
    "DE": "Germany",
    "GB": "the United Kingdom",
    "CA": "Canada",
    "MX": "Mexico",
    "IN": "India",
    "FR": "France",
    "JP": "Japan",
    "BR": "Brazil",
    "PT": "Portugal",
}
OPENERS = (
    "",
    "",
    "",
    "",
    "Hi,",
    "Hello,",
    "Hi there,",
    "Good morning,",
    "Hey,",
    "Dear Larkspur team,",
)
CLOSERS = (
    "",
    "",
    "",
    "Thanks.",
    "Thank you!",
    "Please advise.",
    "Appreciate the help.",
    "Thanks, {first}",
    "- {first}",
    "This is urgent.",
)

TransactionNeed = Callable[[Transaction, "_BankIndex"], bool]


@dataclass(frozen=True)
class Ticket:
    """A support ticket with gold labels; `ambiguous_between` is sorted, so it hides the gold."""

    ticket_id: str
    text: str
    customer_id: str
    gold_category: Category
    gold_needs_human_review: bool
    gold_article_ids: list[str]
    difficulty: str
    ambiguous_between: tuple[Category, Category] | None
    scenario: str


class _BankIndex:
    """Lookups over the generated bank that scenario needs are answered from."""

    def __init__(self, bank: BankData) -> None:
        self.customers = {c.customer_id: c for c in bank.customers}
        self.accounts = {a.account_id: a for a in bank.accounts}
        self.transactions = bank.transactions
        self.fee_after = {
            (t.account_id, t.posted_at, t.description) for t in bank.transactions if t.kind == "fee"
        }
        self._matches: dict[str, list[Transaction]] = {}

    def matching(self, need: str) -> list[Transaction]:
        """Return the transactions that satisfy the transaction need `need`, in id order."""
        if need not in self._matches:
            self._matches[need] = [t for t in self.transactions if TRANSACTION_NEEDS[need](t, self)]
        return self._matches[need]


def _fee(description: str) -> TransactionNeed:
    return lambda t, _: t.kind == "fee" and t.description == description


TRANSACTION_NEEDS: dict[str, TransactionNeed] = {
    "atm": lambda t, _: t.kind == "atm_withdrawal" and t.country == "US",
    "atm_fee": lambda t, index: (
        t.kind == "atm_withdrawal"
        and (t.account_id, t.posted_at, "OUT-OF-NETWORK ATM FEE") in index.fee_after
    ),
    "card": lambda t, _: t.kind == "card_purchase" and t.country == "US" and t.status == "posted",
    "foreign_card": lambda t, _: t.kind == "card_purchase" and t.country != "US",
    "wire": lambda t, _: t.kind == "wire_out",
    "p2p_out": lambda t, _: t.kind == "p2p_out",
    "check_deposit": lambda t, _: t.kind == "check_deposit",
    "overdraft_fee": _fee("OVERDRAFT FEE"),
    "maintenance_fee": _fee("MONTHLY MAINTENANCE FEE"),
}
ACCOUNT_NEEDS: dict[str, Callable[[Account, Customer], bool]] = {
    "checking": lambda a, _: a.product in ("checking", "premier_checking"),
    "savings": lambda a, _: a.product in ("savings", "money_market") and a.status == "active",
    "cd": lambda a, _: a.product == "cd",
    "ira": lambda a, _: a.product == "ira",
    "dormant": lambda a, _: a.status == "dormant",
    "foreign": lambda a, c: (
        c.tax_form == "W-8BEN" and a.product in ("checking", "premier_checking")
    ),
}


def _money(cents: int) -> str:
    dollars, rest = divmod(abs(cents), 100)
    return f"${dollars:,}" if rest == 0 else f"${dollars:,}.{rest:02d}"


def _name(description: str) -> str:
    return " ".join(w if w in ("ATM", "USA") else w.capitalize() for w in description.split())


def _day(iso: str) -> str:
    day = date.fromisoformat(iso[:10])
    return f"{day:%B} {day.day}"


def _synthetic_amount(rng: random.Random, low: int, high: int) -> int:
    dollars = rng.randint(low, high)
    step = 100 if dollars >= 5_000 else 10 if dollars >= 200 else 1
    return max(low, dollars - dollars % step) * 100


def _pick_subject(
    rng: random.Random, scenario: Scenario, index: _BankIndex, used: set[str]
) -> tuple[Customer, Account, Transaction | None]:
    """Return the customer, account and (if needed) transaction a ticket is about."""
    need = scenario.need or "checking"
    if need in TRANSACTION_NEEDS:
        matches = index.matching(need)
        fresh = [t for t in matches if t.txn_id not in used] or matches
        txn = rng.choice(fresh)
        used.add(txn.txn_id)
        return index.customers[txn.customer_id], index.accounts[txn.account_id], txn
    accounts = [
        a for a in index.accounts.values() if ACCOUNT_NEEDS[need](a, index.customers[a.customer_id])
    ]
    account = rng.choice(accounts)
    return index.customers[account.customer_id], account, None


def _slots(
    rng: random.Random, scenario: Scenario, subject: tuple[Customer, Account, Transaction | None]
) -> dict[str, str]:
    customer, account, txn = subject
    if scenario.amount is not None:
        amount = _money(_synthetic_amount(rng, *scenario.amount))
    else:
        amount = _money(txn.amount_cents) if txn else ""
    country = COUNTRIES.get(customer.tax_residency) or rng.choice(sorted(COUNTRIES.values()))
    other_cities = [city for city, _ in CITIES if city != customer.city]
    return {
        "first": customer.full_name.split()[0],
        "last4": account.account_mask[-4:],
        "amount": amount,
        "date": _day(txn.posted_at) if txn else "",
        "merchant": _name(txn.description) if txn else "",
        "atm": _name(txn.description) if txn else "",
        "year": str(TAX_YEAR),
        "country": country,
        "state": customer.state,
        "city": rng.choice(other_cities),
        "apy": f"{account.apy_percent:.2f}%",
    }


def _render(rng: random.Random, template: str, slots: dict[str, str]) -> str:
    """Return the ticket text: the template filled, with a greeting, a sign-off and a register."""
    body = template.format(**slots)
    parts = [rng.choice(OPENERS), body, rng.choice(CLOSERS).format(**slots)]
    text = " ".join(part for part in parts if part)
    if rng.random() < 0.1:  # some customers write in lower case without a final stop
        text = text.lower().rstrip(".")
    return text


def generate_tickets(seed: int, bank: BankData) -> list[Ticket]:
    """Return every scenario's templates rendered COPIES_PER_TEMPLATE times, shuffled, numbered."""
    rng = random.Random(f"{seed}:tickets")
    index, used = _BankIndex(bank), set[str]()
    drafts: list[Ticket] = []
    for scenario in all_scenarios():
        pair = tuple(sorted((scenario.category, scenario.other))) if scenario.other else None
        for difficulty, template in scenario.texts * COPIES_PER_TEMPLATE:
            subject = _pick_subject(rng, scenario, index, used)
            text = _render(rng, template, _slots(rng, scenario, subject))
            drafts.append(
                Ticket(
                    "",
                    text,
                    subject[0].customer_id,
                    scenario.category,
                    scenario.review,
                    list(scenario.articles),
                    difficulty,
                    pair,
                    scenario.key,
                )  # type: ignore[arg-type]
            )
    rng.shuffle(drafts)
    return [
        Ticket(**{**draft.__dict__, "ticket_id": f"T-{number:04d}"})
        for number, draft in enumerate(drafts, start=1)
    ]


def ticket_to_json(ticket: Ticket) -> str:
    """Return `ticket` as one canonical JSON line (sorted keys, UTF-8 kept)."""
    record = {**ticket.__dict__, "ambiguous_between": list(ticket.ambiguous_between or []) or None}
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def ticket_from_json(line: str) -> Ticket:
    """Return the Ticket stored in one JSONL line."""
    raw = json.loads(line)
    pair = raw["ambiguous_between"]
    return Ticket(
        ticket_id=raw["ticket_id"],
        text=raw["text"],
        customer_id=raw["customer_id"],
        gold_category=Category(raw["gold_category"]),
        gold_needs_human_review=bool(raw["gold_needs_human_review"]),
        gold_article_ids=list(raw["gold_article_ids"]),
        difficulty=raw["difficulty"],
        ambiguous_between=(Category(pair[0]), Category(pair[1])) if pair else None,
        scenario=raw["scenario"],
    )


def tickets_jsonl(tickets: list[Ticket]) -> str:
    """Return the JSONL text of `tickets`, one per line."""
    return "".join(ticket_to_json(ticket) + "\n" for ticket in tickets)


def read_tickets(path: Path) -> list[Ticket]:
    """Return the tickets stored in the JSONL file at `path`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ticket_from_json(line) for line in lines if line.strip()]


def packaged_tickets_bytes() -> bytes:
    """Return the committed tickets file (data/tickets.jsonl) as shipped in the package."""
    return (resources.files("keel.reference.world") / "data" / "tickets.jsonl").read_bytes()
