"""A user's agent with a tool that moves money (keel did not write it): it looks the payee up,
then sends the payment. `transfer` appends one line per call to the file PAYING_AGENT_LEDGER
names, so a test can count how often money really moved."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import keel


@keel.tool(read_only=True)
def lookup(payee: str) -> dict[str, str]:
    """Return the payee's masked account."""
    return {"payee": payee, "account": f"****{sum(map(ord, payee)) % 10_000:04d}"}


@keel.tool(read_only=False, destructive=True, idempotent=False)
def transfer(payee: str, amount_usd: float) -> dict[str, Any]:
    """Send `amount_usd` to `payee`: a side effect in the world."""
    ledger = Path(os.environ["PAYING_AGENT_LEDGER"])
    with ledger.open("a") as out:
        out.write(json.dumps({"payee": payee, "amount_usd": amount_usd}) + "\n")
    return {"status": "sent", "payee": payee, "amount_usd": amount_usd}


@keel.replayable(workflow_type="byo-payments", instruction="system", user_input="message")
def pay(
    system: str, message: str, payee: str = "Ann Lee", amount_usd: float = 40.0
) -> dict[str, Any]:
    """Look the payee up and pay them; the answer says what happened."""
    account = lookup(payee)["account"]
    try:
        receipt = transfer(payee, amount_usd)
        status = receipt["status"]
    except Exception as exc:  # a replay that did not run the transfer says so
        status = f"not sent ({exc})"
    return {"answer": f"{status}: {amount_usd} USD to {payee} ({account}). {system[:20]}"}
