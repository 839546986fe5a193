"""A tiny MCP server written for the tests (not keel's): a four-article knowledge base.

Run over stdio: `python tiny_kb_server.py [--crash-on-get]`. With --crash-on-get the process
exits in the middle of the first knowledge.get call, as a crashing tool server would.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer

ARTICLES = {
    "A-1": (
        "ATM withdrawal limits",
        "You can withdraw up to 800 dollars a day at ATMs. The limit resets at midnight.",
        ["Check your limit in the app."],
    ),
    "A-2": (
        "Form 1099-INT",
        "We send Form 1099-INT by January 31 when you earned over 10 "
        "dollars of interest. It is in Documents under Tax forms.",
        ["Open Documents."],
    ),
    "A-3": (
        "Reporting fraud",
        "If a payment you did not make shows up, freeze your card in the app and report it.",
        ["Freeze the card.", "Report the payment."],
    ),
    "A-4": (
        "Wire cut-off",
        "Wires sent before 4 pm go out the same business day.",
        ["Open Transfers."],
    ),
}

server = MCPServer("tiny-kb")


@server.tool(name="knowledge.search")
def search(query: str, k: int = 3) -> dict[str, Any]:
    """Rank articles by shared words with the query."""
    words = set(query.lower().split())
    scored = sorted(
        ARTICLES.items(),
        key=lambda item: -len(words & set((item[1][0] + " " + item[1][1]).lower().split())),
    )
    hits = [{"id": i, "title": a[0], "snippet": a[1][:60], "score": 1.0} for i, a in scored[:k]]
    return {"query": query, "hits": hits}


@server.tool(name="knowledge.get")
def get(id: str) -> dict[str, Any]:
    """Read one article."""
    if "--crash-on-get" in sys.argv:
        os._exit(3)
    title, body, steps = ARTICLES[id]
    return {"id": id, "title": title, "body": body, "steps": steps}


if __name__ == "__main__":
    server.run("stdio")
