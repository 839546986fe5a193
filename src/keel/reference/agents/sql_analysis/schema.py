"""The SQL agent's inputs (stored as the run's `inputs`) and its structured output."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: The bank tables keel's `db.query` tool admits; the agent reads their schema through it.
DEFAULT_TABLES = ("customers", "accounts", "transactions")


class SqlInputs(BaseModel):
    """Everything one SQL run depends on, so it can be re-executed."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2_000)
    tables: list[str] = Field(default_factory=lambda: list(DEFAULT_TABLES), min_length=1)
    schema_: dict[str, list[dict[str, str]]] | None = Field(default=None, alias="schema")
    model: str = "offline"
    seed: int = Field(default=0, ge=0)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    row_limit: int = Field(default=20, ge=1, le=200)
    max_attempts: int = Field(default=2, ge=1, le=5)
    tool_timeout_s: float = Field(default=20.0, gt=0)


class SqlAnswer(BaseModel):
    """What the SQL agent answers: the query it ran, what it does, and what came back."""

    model_config = ConfigDict(extra="forbid")

    question: str
    sql: str
    explanation: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    columns: list[str]
    rows: list[list[Any]]
    row_count: int = Field(ge=0)
    truncated: bool = False


def sql_answer_schema() -> dict[str, Any]:
    """Return the JSON Schema of SqlAnswer (what `keel run sql --json` prints)."""
    return SqlAnswer.model_json_schema()
