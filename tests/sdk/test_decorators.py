"""`@keel.tool` on sync and async functions, stored through a real server on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import keel
import keel.sdk
from keel.core.redaction import args_digest
from keel.store.engine import Database
from tests.conftest import LiveServer
from tests.sdk.conftest import ScriptedServer, stored


class Declined(Exception):
    pass


@keel.tool
def search(query: str, k: int = 3) -> list[str]:
    return [f"{query}-{i}" for i in range(k)]


@keel.tool(name="payments.charge", server="bank")
def charge(card_number: str, amount: float) -> dict[str, Any]:
    raise Declined(f"amount {amount} over limit")


@keel.tool("account.lookup")
async def lookup(customer_id: str) -> dict[str, str]:
    await asyncio.sleep(0)
    return {"customer_id": customer_id, "tier": "gold"}


@keel.tool
async def transfer(amount: float) -> None:
    await asyncio.sleep(0)
    raise Declined("frozen account")


def test_tool_decorator_records_sync_and_async_calls_with_errors(
    live_server: LiveServer, database: Database
) -> None:
    keel.configure(endpoint=live_server.url)

    async def agent() -> None:
        async with keel.trace_run(workflow_type="support", run_id="tools") as run:
            assert search("fees", k=2) == ["fees-0", "fees-1"]
            with pytest.raises(Declined, match="over limit"):
                charge("4111 1111 1111 1111", 900.0)
            results = await asyncio.gather(lookup("c-1"), lookup("c-2"))
            assert [r["customer_id"] for r in results] == ["c-1", "c-2"]
            with pytest.raises(Declined, match="frozen account"):
                await transfer(10.0)
            run.set_output({"ok": True})

    asyncio.run(agent())
    assert keel.flush(timeout_s=30)
    calls = {call.seq: call for call in stored(database, "tools").tool_calls}
    assert [calls[seq].tool_name for seq in sorted(calls)] == [
        "search",
        "payments.charge",
        "account.lookup",
        "account.lookup",
        "transfer",
    ]
    assert calls[0].args_digest == args_digest({"query": "fees", "k": 2})
    assert calls[0].error is None and calls[0].result_meta["type"] == "list"
    assert calls[1].server == "bank"
    assert calls[1].error == "Declined: amount 900.0 over limit"
    assert "4111 1111 1111 1111" not in calls[1].args_preview
    assert {calls[2].args_preview, calls[3].args_preview} == {
        '{"customer_id":"c-1"}',
        '{"customer_id":"c-2"}',
    }
    assert calls[4].error == "Declined: frozen account"
    assert all(call.latency_ms is not None and call.latency_ms >= 0 for call in calls.values())


def test_tool_outside_a_run_is_just_called() -> None:
    assert search("fees") == ["fees-0", "fees-1", "fees-2"]
    assert asyncio.run(lookup("c-9")) == {"customer_id": "c-9", "tier": "gold"}
    with pytest.raises(Declined):
        charge("4111 1111 1111 1111", 1.0)
    assert keel.sdk.stats().accepted == 0


def test_tool_keeps_the_function_name_and_docstring() -> None:
    @keel.tool
    def fetch_rates(currency: str) -> float:
        """Return today's rate."""
        return 1.0

    assert fetch_rates.__name__ == "fetch_rates"
    assert fetch_rates.__doc__ == "Return today's rate."
    assert asyncio.iscoroutinefunction(lookup)


def test_method_tools_leave_self_out_and_apply_defaults() -> None:
    class Bank:
        @keel.tool
        def balance(self, account: str, currency: str = "EUR") -> int:
            return 10

    with ScriptedServer() as server:
        keel.configure(endpoint=server.url)
        with keel.trace_run(workflow_type="support"):
            Bank().balance("acc-1")
            Bank().balance(account="acc-1", currency="EUR")
        assert keel.flush(timeout_s=30)
    calls = server.bodies[0]["runs"][0]["tool_calls"]
    digests = {call["args_digest"] for call in calls}
    assert digests == {args_digest({"account": "acc-1", "currency": "EUR"})}
    assert all("args" not in call for call in calls)  # raw arguments never leave the host


def test_tool_whose_arguments_cannot_be_captured_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no text form")

    @keel.tool
    def accept(value: object) -> str:
        return "accepted"

    with ScriptedServer() as server:
        keel.configure(endpoint=server.url)
        with keel.trace_run(workflow_type="support"):
            assert accept(Unprintable()) == "accepted"
            assert search("fees", k=1) == ["fees-0"]
        assert keel.flush(timeout_s=30)
    calls = server.bodies[0]["runs"][0]["tool_calls"]
    assert [call["tool_name"] for call in calls] == ["search"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "keel.sdk"]
    assert len(warnings) == 1 and "no text form" in warnings[0]
