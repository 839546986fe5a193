"""The output contracts of keel's two reference workflows (see keel.evaluate.contract)."""

from __future__ import annotations

from keel.evaluate.contract import OutputContract
from keel.reference.world.categories import Category

#: The support answer (`SupportAnswer`): one category, a request for review, the answer text,
#: its next steps and citations; a ticket is the item drift compares across configurations.
SUPPORT_CONTRACT = OutputContract(
    workflow_type="support",
    categorical=("category", "needs_human_review"),
    sets=("next_steps", "citations"),
    text=("answer",),
    categories={"category": tuple(c.value for c in Category)},
    decision="category",
    review_flag="needs_human_review",
    item_key="ticket_id",
)

#: The SQL answer (`SqlAnswer`): the summary is the text, the columns and rows what came back;
#: a question is the item.
SQL_CONTRACT = OutputContract(
    workflow_type="sql",
    categorical=("row_count", "truncated"),
    sets=("columns", "rows"),
    text=("summary",),
    item_key="question",
)
