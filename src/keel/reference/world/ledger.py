"""Simulate six months of transactions for every account (pure: no I/O).

Each customer's month is planned first (pay, card purchases, cash, bills, transfers between
their own accounts, wires, fees), then posted in time order with a running balance, so balances,
overdraft fees, interest and declined purchases follow the policies in the knowledge base.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from keel.reference.world.bank import PERIOD_END, PERIOD_START, Account, Customer
from keel.reference.world.bank_vocabulary import ATMS, BILLERS, EMPLOYERS, FOREIGN_ATMS, MERCHANTS

OVERDRAFT_FEE_CENTS = 3_400
OVERDRAFT_GRACE_CENTS = 5_000
MAX_OVERDRAFT_FEES_PER_DAY = 3
CHECKING = ("checking", "premier_checking")


class Transaction(NamedTuple):
    """One posted (or pending) entry on an account; `amount_cents` is negative for debits."""

    txn_id: str
    account_id: str
    customer_id: str
    posted_at: str
    kind: str
    amount_cents: int
    balance_after_cents: int
    description: str
    category: str | None
    channel: str
    status: str
    counterparty_mask: str | None
    country: str


class _Planned(NamedTuple):
    at: datetime
    kind: str
    amount_cents: int
    description: str
    channel: str
    category: str | None = None
    counterparty: str | None = None
    country: str = "US"
    fee_cents: int = 0  # a fee this item triggers, posted right after it (never if declined)
    fee_description: str = ""


def _months() -> list[date]:
    firsts, day = [], PERIOD_START
    while day <= PERIOD_END:
        firsts.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return firsts


def _between(rng: random.Random, low: int, high: int) -> int:
    """Return an int in [low, high]; cheaper than randint for the ~100k draws a build makes."""
    return low + int(rng.random() * (high - low + 1))


@lru_cache(maxsize=32)
def _last_day(month: date) -> int:
    return ((month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day


def _at(rng: random.Random, month: date, day: int | None = None) -> datetime:
    last = _last_day(month)
    chosen = min(day if day is not None else _between(rng, 1, last), last)
    return datetime(month.year, month.month, chosen, _between(rng, 6, 22), _between(rng, 0, 59))


def _mask(rng: random.Random) -> str:
    return f"****{_between(rng, 0, 9999):04d}"


def _pay(rng: random.Random, customer: Customer, month: date, direct: bool) -> list[_Planned]:
    if not direct:  # paid by check: deposited through the app
        return [
            _Planned(
                _at(rng, month, day),
                "check_deposit",
                _between(rng, 1_200, 2_600) * 100,
                "MOBILE CHECK DEPOSIT",
                "mobile",
            )
            for day in (5, 20)
        ]
    if customer.segment == "senior":
        amount = _between(rng, 1_200, 2_900) * 100
        pension = _between(rng, 800, 2_500) * 100
        return [
            _Planned(_at(rng, month, 3), "deposit", amount, "SSA TREAS 310 SOC SEC", "ach"),
            _Planned(_at(rng, month, 1), "deposit", pension, "STATE PENSION FUND", "ach"),
        ]
    low, high = {"premier": (3_500, 9_000), "student": (450, 1_100)}.get(
        customer.segment, (1_300, 3_300)
    )
    employer = EMPLOYERS[int(customer.customer_id[-4:]) % len(EMPLOYERS)]
    base = _between(rng, low, high) * 100
    return [
        _Planned(
            _at(rng, month, day),
            "deposit",
            base + _between(rng, -2_000, 2_000),
            f"{employer.upper()} DIR DEP",
            "ach",
        )
        for day in (1, 15)
    ]


def _card_purchases(rng: random.Random, month: date) -> list[_Planned]:
    planned = []
    weights = [m.weight for m in MERCHANTS]
    for merchant in rng.choices(MERCHANTS, weights=weights, k=_between(rng, 2, 7)):
        amount = _between(rng, merchant.low_cents, merchant.high_cents)
        fee = round(amount * 0.03) if merchant.country != "US" else 0
        planned.append(
            _Planned(
                _at(rng, month),
                "card_purchase",
                -amount,
                merchant.name.upper(),
                "card",
                merchant.category,
                None,
                merchant.country,
                fee,
                "FOREIGN TRANSACTION FEE",
            )
        )
    return planned


def _cash(rng: random.Random, customer: Customer, month: date) -> list[_Planned]:
    planned = []
    amounts = (
        (20, 40, 60, 100, 200)
        if customer.segment == "student"
        else (40, 60, 100, 200, 300, 400, 500, 800)
    )
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        at, amount = _at(rng, month), rng.choice(amounts) * 100
        if rng.random() < 0.04:
            name, country = rng.choice(FOREIGN_ATMS)
            planned.append(
                _Planned(
                    at,
                    "atm_withdrawal",
                    -amount,
                    name,
                    "atm",
                    None,
                    None,
                    country,
                    500 + round(amount * 0.03),
                    "FOREIGN ATM FEE",
                )
            )
            continue
        name, network, _weight = rng.choices(ATMS, weights=[atm[2] for atm in ATMS])[0]
        fee = 300 if network == "other" else 0
        planned.append(
            _Planned(
                at,
                "atm_withdrawal",
                -amount,
                name,
                "atm",
                None,
                None,
                "US",
                fee,
                "OUT-OF-NETWORK ATM FEE",
            )
        )
    return planned


def _bills(rng: random.Random, customer: Customer, month: date) -> list[_Planned]:
    rent = {"student": (400, 700), "premier": (2_200, 4_800)}.get(customer.segment, (900, 2_000))
    planned = []
    if customer.segment != "senior" or int(customer.customer_id[-4:]) % 5 < 2:
        planned.append(
            _Planned(
                _at(rng, month, 1),
                "bill_payment",
                -_between(rng, *rent) * 100,
                "OAKMONT PROPERTY RENT",
                "ach",
                "housing",
            )
        )
    for name, category, low, high in BILLERS:
        if rng.random() < 0.45:
            planned.append(
                _Planned(
                    _at(rng, month),
                    "bill_payment",
                    -_between(rng, low, high),
                    name.upper(),
                    "ach",
                    category,
                )
            )
    return planned


def _occasional(rng: random.Random, customer: Customer, month: date) -> list[_Planned]:
    planned = []
    if rng.random() < 0.5:
        planned.append(
            _Planned(
                _at(rng, month),
                "p2p_out",
                -_between(rng, 10, 400) * 100,
                "QUICKSEND PAYMENT",
                "p2p",
                None,
                _mask(rng),
            )
        )
    if rng.random() < 0.35:
        planned.append(
            _Planned(
                _at(rng, month),
                "p2p_in",
                _between(rng, 10, 300) * 100,
                "QUICKSEND RECEIVED",
                "p2p",
                None,
                _mask(rng),
            )
        )
    if rng.random() < 0.3:
        planned.append(
            _Planned(
                _at(rng, month),
                "check_deposit",
                _between(rng, 50, 2_500) * 100,
                "MOBILE CHECK DEPOSIT",
                "mobile",
            )
        )
    premier = customer.segment == "premier"
    if rng.random() < (0.12 if premier else 0.03):
        at, counterparty = _at(rng, month), _mask(rng)
        international = rng.random() < 0.35
        low, high = (2_000, 25_000) if premier else (300, 4_000)
        planned.append(
            _Planned(
                at,
                "wire_out",
                -_between(rng, low, high) * 100,
                f"{'INTL ' if international else ''}WIRE OUT TO {counterparty}",
                "wire",
                None,
                counterparty,
                "GB" if international else "US",
                4_500 if international else 2_500,
                "OUTGOING WIRE FEE",
            )
        )
    return planned


def _transfer(
    at: datetime, amount: int, source: Account, target: Account, plans: dict[str, list[_Planned]]
) -> None:
    plans[source.account_id].append(
        _Planned(
            at,
            "transfer_out",
            -amount,
            f"TRANSFER TO {target.account_mask}",
            "online",
            None,
            target.account_mask,
        )
    )
    plans[target.account_id].append(
        _Planned(
            at,
            "transfer_in",
            amount,
            f"TRANSFER FROM {source.account_mask}",
            "online",
            None,
            source.account_mask,
        )
    )


def _plan_customer(
    rng: random.Random, customer: Customer, accounts: list[Account]
) -> dict[str, list[_Planned]]:
    plans: dict[str, list[_Planned]] = defaultdict(list)
    checking = accounts[0]
    others = [a for a in accounts[1:] if a.status == "active"]
    has_direct_deposit = customer.segment != "everyday" or rng.random() < 0.75
    for month in _months():
        events = _card_purchases(rng, month) + _cash(rng, customer, month)
        events += _bills(rng, customer, month) + _occasional(rng, customer, month)
        events += _pay(rng, customer, month, has_direct_deposit)
        if not has_direct_deposit and checking.opening_cents < 150_000:
            events.append(
                _Planned(_at(rng, month, 28), "fee", -1_200, "MONTHLY MAINTENANCE FEE", "internal")
            )
        plans[checking.account_id].extend(events)
        for other in others:
            if other.product in ("savings", "money_market", "ira") and rng.random() < 0.7:
                _transfer(_at(rng, month, 16), _between(rng, 50, 600) * 100, checking, other, plans)
    for other in accounts[1:]:
        plans[other.account_id].extend(_month_end_interest(rng))
        if other.product == "cd" and rng.random() < 0.2:
            _early_cd_withdrawal(rng, other, checking, plans)
        if other.product == "ira" and rng.random() < 0.25:
            _ira_distribution(rng, other, checking, plans)
    return plans


def _month_end_interest(rng: random.Random) -> list[_Planned]:
    # Amount 0 here: interest depends on the balance, so posting computes it.
    return [
        _Planned(_at(rng, month, 31), "interest", 0, "INTEREST PAID", "internal")
        for month in _months()
    ]


def _early_cd_withdrawal(
    rng: random.Random, cd: Account, checking: Account, plans: dict[str, list[_Planned]]
) -> None:
    at = _at(rng, rng.choice(_months()[1:]))
    amount = min(cd.opening_cents // 2, _between(rng, 10, 200) * 10_000)
    penalty = round(amount * cd.apy_percent / 100 * 90 / 365)
    plans[cd.account_id].append(
        _Planned(at, "fee", -penalty, "CD EARLY WITHDRAWAL PENALTY", "branch")
    )
    _transfer(at, amount, cd, checking, plans)


def _ira_distribution(
    rng: random.Random, ira: Account, checking: Account, plans: dict[str, list[_Planned]]
) -> None:
    at = _at(rng, rng.choice(_months()))
    gross = min(ira.opening_cents // 3, _between(rng, 20, 150) * 10_000)
    withheld = gross // 10  # the default 10% federal withholding on IRA distributions
    plans[ira.account_id].append(
        _Planned(
            at, "ira_distribution", -gross, "IRA DISTRIBUTION (10% FED TAX WITHHELD)", "branch"
        )
    )
    plans[checking.account_id].append(
        _Planned(
            at,
            "transfer_in",
            gross - withheld,
            f"IRA DISTRIBUTION FROM {ira.account_mask}",
            "internal",
            None,
            ira.account_mask,
        )
    )


def _status(rng: random.Random, planned: _Planned) -> str:
    if planned.kind == "card_purchase":
        if planned.at.date() >= PERIOD_END - timedelta(days=1):
            return "pending"
        if rng.random() < 0.012:
            return "disputed"
    return "posted"


def _post(rng: random.Random, account: Account, planned: list[_Planned]) -> list[Transaction]:
    """Apply `planned` in time order with a running balance, overdraft rules and interest."""
    balance, posted = account.opening_cents, []
    fees_on: dict[date, int] = defaultdict(int)
    is_checking = account.product in CHECKING
    for item in sorted(planned, key=lambda p: p.at):
        amount = item.amount_cents
        if item.kind == "interest":
            amount = round(max(balance, 0) * account.apy_percent / 100 / 12)
            if amount == 0:
                continue
        would_overdraw = balance + amount < 0 and amount < 0
        if would_overdraw and (
            item.kind in ("wire_out", "p2p_out")
            or (item.kind in ("card_purchase", "atm_withdrawal") and not account.overdraft_opt_in)
        ):
            continue  # declined; no fee for declined items (wires are never sent into overdraft)
        balance += amount
        posted.append(_transaction(rng, account, item, amount, balance))
        if item.fee_cents:
            balance -= item.fee_cents
            fee = _Planned(item.at, "fee", -item.fee_cents, item.fee_description, item.channel)
            posted.append(_transaction(rng, account, fee, fee.amount_cents, balance))
        day = item.at.date()
        if (
            is_checking
            and amount < -500
            and balance < -OVERDRAFT_GRACE_CENTS
            and fees_on[day] < MAX_OVERDRAFT_FEES_PER_DAY
        ):
            fees_on[day] += 1
            balance -= OVERDRAFT_FEE_CENTS
            fee = _Planned(item.at, "fee", -OVERDRAFT_FEE_CENTS, "OVERDRAFT FEE", "internal")
            posted.append(_transaction(rng, account, fee, fee.amount_cents, balance))
    return posted


def _transaction(
    rng: random.Random, account: Account, item: _Planned, amount: int, balance: int
) -> Transaction:
    return Transaction(
        txn_id="",
        account_id=account.account_id,
        customer_id=account.customer_id,
        posted_at=item.at.isoformat(timespec="minutes"),
        kind=item.kind,
        amount_cents=amount,
        balance_after_cents=balance,
        description=item.description,
        category=item.category,
        channel=item.channel,
        status=_status(rng, item),
        counterparty_mask=item.counterparty,
        country=item.country,
    )


def simulate(
    rng: random.Random, customers: list[Customer], accounts: list[Account]
) -> tuple[list[Transaction], dict[str, int]]:
    """Return every transaction (ids in time order) and each account's closing balance."""
    by_customer: dict[str, list[Account]] = defaultdict(list)
    for account in accounts:
        by_customer[account.customer_id].append(account)
    transactions: list[Transaction] = []
    balances: dict[str, int] = {}
    for customer in customers:
        plans = _plan_customer(rng, customer, by_customer[customer.customer_id])
        for account in by_customer[customer.customer_id]:
            posted = _post(rng, account, plans.get(account.account_id, []))
            balances[account.account_id] = (
                posted[-1].balance_after_cents if posted else account.opening_cents
            )
            transactions.extend(posted)
    transactions.sort(key=lambda t: (t.posted_at, t.account_id))
    numbered = [t._replace(txn_id=f"TXN-{n:06d}") for n, t in enumerate(transactions, start=1)]
    return numbered, balances
