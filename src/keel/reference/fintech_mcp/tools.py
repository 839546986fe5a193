"""What keel's fintech tools do, on one synthetic world, independent of MCP.

Plain methods on plain data: `keel.reference.fintech_mcp.server` exposes them as MCP tools, and
anything else (a test, a benchmark) can call them directly. Every read of the bank goes through
`keel.reference.fintech_mcp.readonly_db`, so the fixed lookups and the free-form `db.query` share
one read-only path; `query` passes `keel.reference.fintech_mcp.sql_guard` first.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from keel.core.errors import NotFound, TimedOut
from keel.reference.fintech_mcp.readonly_db import QueryResult, run_query
from keel.reference.fintech_mcp.sql_guard import check_select
from keel.reference.world import World
from keel.reference.world.knowledge import SearchHit

#: The tables `db.query` and the lookups may read: the allow-list of the SQL guard.
QUERY_TABLES = ("customers", "accounts", "transactions")

_ACCOUNT_COLUMNS = (
    "account_id, product, account_mask, opened_on, status, apy_percent, overdraft_opt_in,"
    " maturity_on, balance_usd"
)
_TRANSACTIONS_SQL = (
    "SELECT t.txn_id, a.account_mask, a.product, t.posted_at, t.kind, t.amount_usd,"
    " t.balance_after_usd, t.description, t.category, t.channel, t.status,"
    " t.counterparty_mask, t.country"
    " FROM transactions t JOIN accounts a ON a.account_id = t.account_id"
    " WHERE t.customer_id = ? AND t.posted_at >= ?"
    " ORDER BY t.posted_at DESC, t.txn_id DESC LIMIT ?"
)


class SearchHitOut(BaseModel):
    id: str
    title: str
    snippet: str
    score: float


class SearchOut(BaseModel):
    query: str
    hits: list[SearchHitOut]


class ArticleOut(BaseModel):
    id: str
    title: str
    body: str
    steps: list[str]
    topic: str
    visibility: str = "public"  # "internal": may inform an answer, never be quoted or cited


class AccountOut(BaseModel):
    account_id: str
    product: str
    account_mask: str
    opened_on: str
    status: str
    apy_percent: float
    overdraft_opt_in: bool
    maturity_on: str | None
    balance_usd: float


class CustomerOut(BaseModel):
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
    accounts: list[AccountOut]


class TransactionOut(BaseModel):
    txn_id: str
    account_mask: str
    product: str
    posted_at: str
    kind: str
    amount_usd: float
    balance_after_usd: float
    description: str
    category: str | None
    channel: str
    status: str
    counterparty_mask: str | None
    country: str


class TransactionsOut(BaseModel):
    customer_id: str
    since: str | None
    transactions: list[TransactionOut]


class TransferOut(BaseModel):
    transfer_id: str
    customer_id: str
    to_account_mask: str
    amount_usd: float
    status: str


class QueryOut(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    elapsed_ms: float


@dataclass(frozen=True)
class ToolLimits:
    """Bounds of `db.query`: rows returned and seconds before the query is stopped."""

    query_row_limit: int = 200
    query_timeout_s: float = 2.0


def _records(result: QueryResult) -> list[dict[str, Any]]:
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


class Searcher(Protocol):
    """What knowledge.search runs: the knowledge base's bm25, or hybrid retrieval."""

    def search(self, query: str, k: int = 5) -> list[SearchHit]: ...


class FintechTools:
    """The tools over `world`: knowledge search and articles, bank lookups, read-only SQL, and
    the one tool with a side effect, `transfer`, which appends each transfer to `ledger`."""

    def __init__(
        self,
        world: World,
        limits: ToolLimits | None = None,
        search: Searcher | None = None,
        ledger: Path | None = None,
    ) -> None:
        self.world = world
        self.limits = limits or ToolLimits()
        # knowledge.search: hybrid retrieval when given (`keel mcp serve`), else bm25 alone
        self.searcher = search or world.knowledge
        self.ledger = ledger or world.root.parent / "payments" / "transfers.jsonl"

    def _bank(self, sql: str, params: tuple[Any, ...], row_limit: int) -> QueryResult:
        return run_query(
            self.world.bank_db_path,
            sql,
            params,
            allowed_tables=QUERY_TABLES,
            row_limit=row_limit,
            timeout_s=self.limits.query_timeout_s,
        )

    def _require_customer(self, customer_id: str) -> list[dict[str, Any]]:
        sql = "SELECT * FROM customers WHERE customer_id = ?"
        customers = _records(self._bank(sql, (customer_id,), 1))
        if not customers:
            raise NotFound(f"no customer with id {customer_id!r}", field="customer_id")
        return customers

    def search_knowledge(self, query: str, k: int) -> SearchOut:
        """Return the `k` best-ranked articles for `query`."""
        hits = self.searcher.search(query, k)
        return SearchOut(query=query, hits=[SearchHitOut(**hit.__dict__) for hit in hits])

    def get_article(self, article_id: str) -> ArticleOut:
        """Return the full article `article_id`."""
        article = self.world.knowledge.get(article_id)
        if article is None:
            raise NotFound(f"no article with id {article_id!r}", field="id")
        return ArticleOut(
            id=article.id,
            title=article.title,
            body=article.body,
            steps=list(article.steps),
            topic=article.topic,
            visibility=article.visibility,
        )

    def lookup_account(self, customer_id: str) -> CustomerOut:
        """Return customer `customer_id` with their accounts (identifiers masked)."""
        customers = self._require_customer(customer_id)
        accounts = _records(
            self._bank(
                f"SELECT {_ACCOUNT_COLUMNS} FROM accounts"
                " WHERE customer_id = ? ORDER BY account_id",
                (customer_id,),
                1000,
            )
        )
        return CustomerOut(**customers[0], accounts=[AccountOut(**a) for a in accounts])

    def list_transactions(
        self, customer_id: str, since: date | None, limit: int
    ) -> TransactionsOut:
        """Return the customer's newest `limit` transactions posted on or after `since`."""
        self._require_customer(customer_id)  # unknown customer: NotFound, not an empty list
        floor = since.isoformat() if since else ""
        rows = _records(self._bank(_TRANSACTIONS_SQL, (customer_id, floor, limit), limit))
        return TransactionsOut(
            customer_id=customer_id,
            since=since.isoformat() if since else None,
            transactions=[TransactionOut(**row) for row in rows],
        )

    def transfer(self, customer_id: str, to_account: str, amount_usd: float) -> TransferOut:
        """Send `amount_usd` from the customer to `to_account`: one line appended to the ledger."""
        self._require_customer(customer_id)
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        transfer = TransferOut(
            transfer_id=f"TRF-{uuid.uuid4().hex[:12]}",
            customer_id=customer_id,
            to_account_mask="****" + to_account.replace(" ", "")[-4:],
            amount_usd=round(amount_usd, 2),
            status="sent",
        )
        with self.ledger.open("a", encoding="utf-8") as out:  # one write per line: appends
            out.write(transfer.model_dump_json() + "\n")
        return transfer

    def query(self, sql: str) -> QueryOut:
        """Return the rows of one guarded, read-only SELECT over the bank tables."""
        return query_bank(self.world.bank_db_path, sql, self.limits)


def query_bank(bank_db: Path, sql: str, limits: ToolLimits) -> QueryOut:
    """Check `sql` with the guard, then run it read-only on `bank_db`; return capped rows.

    One deadline covers both: checking counts against the query's time limit.
    """
    started = time.perf_counter()
    checked = check_select(sql, QUERY_TABLES)
    remaining_s = limits.query_timeout_s - (time.perf_counter() - started)
    if remaining_s <= 0:
        raise TimedOut(
            f"query stopped: checking it ran past the {limits.query_timeout_s:g} s limit",
            field="sql",
        )
    result = run_query(
        bank_db,
        checked.sql,
        allowed_tables=QUERY_TABLES,
        row_limit=limits.query_row_limit,
        timeout_s=remaining_s,
        limit_s=limits.query_timeout_s,
    )
    return QueryOut(
        columns=result.columns,
        rows=result.rows,
        row_count=len(result.rows),
        truncated=result.truncated,
        elapsed_ms=result.elapsed_ms,
    )
