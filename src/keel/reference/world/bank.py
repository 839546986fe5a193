"""Generate the bank's customers and accounts from a seed (pure: no I/O).

Identifiers that are sensitive in a real bank never exist here in full: an account is only ever
known by its last four digits (`****1234`), emails and phones are masked at generation.
Transactions are simulated in `keel.reference.world.ledger`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from keel.reference.world.bank_vocabulary import (
    CITIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    FOREIGN_RESIDENCIES,
    LAST_NAMES,
)

CUSTOMER_COUNT = 240
PERIOD_START = date(2025, 1, 1)
PERIOD_END = date(2025, 6, 30)
SEGMENTS = (("everyday", 60), ("premier", 15), ("student", 12), ("senior", 13))
AGE_BANDS = {
    "everyday": ("25-34", "35-44", "45-54", "55-64"),
    "premier": ("35-44", "45-54", "55-64"),
    "student": ("18-24",),
    "senior": ("65-74", "75+"),
}
# (product, probability a customer holds it, APY in percent)
PRODUCTS = (
    ("savings", 0.7, 3.75),
    ("cd", 0.22, 4.25),
    ("ira", 0.14, 3.9),
    ("money_market", 0.1, 4.0),
)


@dataclass(frozen=True)
class Customer:
    """A bank customer; contact details are masked."""

    customer_id: str
    full_name: str
    email_masked: str
    phone_masked: str
    city: str
    state: str
    segment: str
    age_band: str
    joined_on: str
    tax_residency: str
    tax_form: str
    kyc_status: str


@dataclass(frozen=True)
class Account:
    """A deposit account, known only by its masked number; `opening_cents` seeds the ledger."""

    account_id: str
    customer_id: str
    product: str
    account_mask: str
    opened_on: str
    status: str
    apy_percent: float
    overdraft_opt_in: bool
    maturity_on: str | None
    opening_cents: int


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in pairs], weights=[w for _, w in pairs])[0]


def _mask_email(rng: random.Random, first: str, last: str) -> str:
    local = f"{first}.{last}".lower() if rng.random() < 0.6 else f"{first[0]}{last}".lower()
    return f"{local[0]}***{local[-1]}@{rng.choice(EMAIL_DOMAINS)}"


def _customer(rng: random.Random, number: int) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, state = rng.choice(CITIES)
    segment = _weighted(rng, SEGMENTS)
    foreign = rng.random() < 0.06
    joined = PERIOD_START - timedelta(days=rng.randint(30, 365 * 15))
    return Customer(
        customer_id=f"CUS-{number:04d}",
        full_name=f"{first} {last}",
        email_masked=_mask_email(rng, first, last),
        phone_masked=f"***-***-{rng.randint(0, 9999):04d}",
        city=city,
        state=state,
        segment=segment,
        age_band=rng.choice(AGE_BANDS[segment]),
        joined_on=joined.isoformat(),
        tax_residency=rng.choice(FOREIGN_RESIDENCIES) if foreign else "US",
        tax_form="W-8BEN" if foreign else "W-9",
        kyc_status="pending" if rng.random() < 0.03 else "verified",
    )


def _opening_cents(rng: random.Random, product: str, segment: str) -> int:
    scale = {"premier": 4.0, "student": 0.3, "senior": 1.5}.get(segment, 1.0)
    low, high = {
        "checking": (300, 6_000),
        "savings": (200, 30_000),
        "cd": (5_000, 60_000),
        "ira": (2_000, 90_000),
        "money_market": (5_000, 80_000),
    }[product]
    return int(rng.randint(low, high) * scale) * 100


def _account(
    rng: random.Random, customer: Customer, product: str, apy: float, masks: list[str]
) -> Account:
    mask = f"****{rng.randint(0, 9999):04d}"
    while mask in masks:  # the last four digits tell a customer's own accounts apart
        mask = f"****{rng.randint(0, 9999):04d}"
    masks.append(mask)
    opened = date.fromisoformat(customer.joined_on) + timedelta(days=rng.randint(0, 20))
    opened = min(opened, PERIOD_START - timedelta(days=1))
    maturity = None
    if product == "cd":
        maturity = (PERIOD_START + timedelta(days=rng.randint(20, 540))).isoformat()
    dormant = product in ("savings", "money_market") and rng.random() < 0.07
    return Account(
        account_id="",
        customer_id=customer.customer_id,
        product="premier_checking"
        if product == "checking" and customer.segment == "premier"
        else product,
        account_mask=mask,
        opened_on=opened.isoformat(),
        status="dormant" if dormant else "active",
        apy_percent=apy,
        overdraft_opt_in=product == "checking" and rng.random() < 0.35,
        maturity_on=maturity,
        opening_cents=_opening_cents(rng, product, customer.segment),
    )


def generate_customers(rng: random.Random) -> list[Customer]:
    """Return CUSTOMER_COUNT customers drawn from `rng`."""
    return [_customer(rng, number) for number in range(1, CUSTOMER_COUNT + 1)]


def generate_accounts(rng: random.Random, customers: list[Customer]) -> list[Account]:
    """Return every customer's accounts: always a checking account, others by chance."""
    accounts: list[Account] = []
    for customer in customers:
        masks: list[str] = []
        accounts.append(_account(rng, customer, "checking", 0.01, masks))
        for product, probability, apy in PRODUCTS:
            if rng.random() < probability:
                accounts.append(_account(rng, customer, product, apy, masks))
    return [
        Account(**{**account.__dict__, "account_id": f"ACC-{number:05d}"})
        for number, account in enumerate(accounts, start=1)
    ]
