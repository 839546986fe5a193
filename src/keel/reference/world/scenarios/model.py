"""The Scenario record: what a customer writes about, and the gold labels that follow from it.

A scenario is a situation (an ATM that kept the cash, a CD broken early whose penalty raises a
tax question), written by hand with its answer: the category a support lead would file it
under, whether a person must act on it, and the articles that answer it. Tickets are rendered
from a scenario's templates with a real customer's accounts and transactions, so the gold
labels come from how each ticket was built, never from its wording.

Needs-human-review policy applied when writing the scenarios: a ticket needs a person when it
asks the bank to act or decide beyond what a policy article can tell the customer (a claim of
unauthorized activity, a scam, an account takeover, a legal order, an estate or power of
attorney, a refund or recall, a correction of a tax form, a held payment) and not when it asks
how something works.
"""

from __future__ import annotations

from dataclasses import dataclass

from keel.reference.world.categories import Category

DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Scenario:
    """One situation with its gold labels, and (difficulty, template) pairs that tell it.

    `other` is the second category of a genuinely ambiguous scenario. `need` names what the
    customer must have: a transaction kind (see keel.reference.world.tickets.TRANSACTION_NEEDS) or an
    account product, whose details fill {amount}, {date}, {merchant}, {atm} and {last4};
    otherwise `amount` gives a dollar range for {amount}.
    """

    key: str
    category: Category
    articles: tuple[str, ...]
    review: bool
    texts: tuple[tuple[str, str], ...]
    other: Category | None = None
    need: str | None = None
    amount: tuple[int, int] | None = None
