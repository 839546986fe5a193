"""The SQL agent: schema (through `db.query`) -> SQL draft -> guard -> `db.query` -> summary.

Every step is an event and every tool call goes through capture, as for the support agent.
A draft the guard refuses, or a query the tool rejects, is drafted again with a fresh seed
(the refusal is recorded), up to `max_attempts`; then the run is FAILED with the reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from keel.core.errors import InvalidInput
from keel.core.records import RunRecord, RunStatus
from keel.models import CompletionRequest, Message, ModelError, ModelProvider
from keel.reference.agents.sql_analysis.schema import SqlAnswer, SqlInputs
from keel.reference.agents.support.agent import step_seed
from keel.reference.agents.tool_client import ToolClient, ToolOutcome
from keel.reference.agents.trace import AgentTrace
from keel.reference.fintech_mcp.sql_guard import check_select

QUERY_TOOL = "db.query"
_SQL_SCHEMA = {
    "type": "object",
    "properties": {"sql": {"type": "string"}, "explanation": {"type": "string"}},
    "required": ["sql", "explanation"],
}
_SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {"summary": {"type": "string"}},
    "required": ["summary"],
}


def _column_type(value: Any) -> str:
    """Return a SQL type for a sampled value (what `SELECT *` tells about a column)."""
    if isinstance(value, bool | int):
        return "INTEGER"
    return "REAL" if isinstance(value, float) else "TEXT"


class SqlAgent:
    """Answers questions over a database the tool server's `db.query` reads."""

    def __init__(self, model: ModelProvider, model_spec: str, tools: ToolClient) -> None:
        self.model = model
        self.model_spec = model_spec
        self.tools = tools

    async def run(self, inputs: SqlInputs) -> RunRecord:
        """Run one question and return its finished run record (COMPLETED or FAILED)."""
        trace = AgentTrace("sql", self.model_spec, inputs.model_dump(mode="json", by_alias=True))
        try:
            return await self._run(inputs, trace)
        except ModelError as exc:
            return trace.record(RunStatus.FAILED, None, error=exc.message)

    async def _run(self, inputs: SqlInputs, trace: AgentTrace) -> RunRecord:
        if QUERY_TOOL not in self.tools.tools:
            return trace.record(RunStatus.FAILED, None, error=f"the server has no {QUERY_TOOL}")
        schema = inputs.schema_ or await self._schema(inputs, trace)
        if not schema:
            return trace.record(RunStatus.FAILED, None, error="no readable table in the schema")
        reason = ""
        for attempt in range(inputs.max_attempts):
            draft = self._draft(inputs, trace, schema, attempt, reason)
            reason = self._guard(inputs, trace, draft, schema)
            if reason:
                continue
            outcome = await self._call(inputs, trace, {"sql": draft["sql"]})
            if outcome.error is not None or not isinstance(outcome.data, dict):
                reason = outcome.error or "db.query returned no rows object"
                if self.tools.closed:
                    break
                continue
            answer = self._answer(inputs, trace, draft, outcome.data)
            trace.step("output", "final", datetime.now(UTC), {"output": answer})
            return trace.record(
                RunStatus.COMPLETED, answer, attempt, metrics={"attempts": attempt + 1}
            )
        return trace.record(RunStatus.FAILED, None, inputs.max_attempts - 1, error=reason)

    async def _call(
        self, inputs: SqlInputs, trace: AgentTrace, arguments: dict[str, Any]
    ) -> ToolOutcome:
        return await self.tools.call(trace.recorder, QUERY_TOOL, arguments, inputs.tool_timeout_s)

    async def _schema(
        self, inputs: SqlInputs, trace: AgentTrace
    ) -> dict[str, list[dict[str, str]]]:
        """Read each table's columns, and their types from one sampled row, through db.query."""
        started = datetime.now(UTC)
        schema: dict[str, list[dict[str, str]]] = {}
        errors = {}
        for table in inputs.tables:
            outcome = await self._call(inputs, trace, {"sql": f'SELECT * FROM "{table}" LIMIT 1'})
            data = outcome.data if isinstance(outcome.data, dict) else {}
            if outcome.error is not None or not data.get("columns"):
                errors[table] = outcome.error or "no columns"
                continue
            row = (data.get("rows") or [[None] * len(data["columns"])])[0]
            schema[table] = [
                {"name": str(c), "type": _column_type(v)}
                for c, v in zip(data["columns"], row, strict=False)
            ]
        trace.step("tool", "schema", started, {"schema": schema, "errors": errors})
        return schema

    def _draft(
        self,
        inputs: SqlInputs,
        trace: AgentTrace,
        schema: dict[str, Any],
        attempt: int,
        reason: str,
    ) -> dict[str, Any]:
        tables = "\n".join(
            f"- {t}({', '.join(c['name'] + ' ' + c['type'] for c in cols)})"
            for t, cols in schema.items()
        )
        prompt = (
            f"Write one read-only SQLite SELECT that answers the question, limited to "
            f"{inputs.row_limit} rows, over these tables:\n{tables}\n"
            'Reply with JSON {"sql": ..., "explanation": ...}.'
        )
        messages = [Message("system", prompt), Message("user", inputs.question)]
        if reason:
            messages.append(Message("user", f"The previous query was refused: {reason}"))
        request = CompletionRequest(
            messages=tuple(messages),
            task="sql",
            inputs={"question": inputs.question, "schema": schema, "row_limit": inputs.row_limit},
            response_schema=_SQL_SCHEMA,
            schema_name="sql_query",
            seed=step_seed(inputs.seed, "sql", attempt),
            temperature=inputs.temperature,
        )
        started = datetime.now(UTC)
        generation = self.model.generate(request)
        draft = dict(generation.parsed or {})
        trace.step(
            "llm",
            "sql" if attempt == 0 else f"sql retry {attempt}",
            started,
            {"output": draft, "details": generation.details},
            generation,
            request=request,
        )
        return draft

    def _guard(
        self, inputs: SqlInputs, trace: AgentTrace, draft: dict[str, Any], schema: dict[str, Any]
    ) -> str:
        """Return why sqlglot's guard refuses the draft ("" when it is one allowed SELECT)."""
        started = datetime.now(UTC)
        reason = ""
        if not isinstance(draft.get("sql"), str) or not draft["sql"].strip():
            reason = "the model gave no SQL"
        else:
            try:
                check_select(draft["sql"], schema)
            except InvalidInput as exc:
                reason = exc.message
        trace.step(
            "guard",
            "sql check",
            started,
            {"sql": draft.get("sql"), "refused": reason},
            status="ERROR" if reason else "OK",
        )
        return reason

    def _answer(
        self, inputs: SqlInputs, trace: AgentTrace, draft: dict[str, Any], data: dict[str, Any]
    ) -> dict[str, Any]:
        columns = [str(c) for c in data.get("columns") or []]
        rows = [list(r) for r in data.get("rows") or []]
        count = int(data.get("row_count", len(rows)))
        preview = rows[: inputs.row_limit]
        request = CompletionRequest(
            messages=(
                Message(
                    "system",
                    "Summarize this query result in one or two sentences "
                    'for the question. Reply with JSON {"summary": ...}.',
                ),
                Message("user", f"{inputs.question}\n{columns}\n{preview}"),
            ),
            task="summarize",
            inputs={"columns": columns, "rows": preview, "row_count": count},
            response_schema=_SUMMARY_SCHEMA,
            schema_name="summary",
            seed=step_seed(inputs.seed, "summary"),
            temperature=inputs.temperature,
        )
        started = datetime.now(UTC)
        generation = self.model.generate(request)
        summary = str((generation.parsed or {}).get("summary") or "").strip()
        trace.step(
            "llm", "summary", started, {"output": generation.parsed}, generation, request=request
        )
        answer = SqlAnswer(
            question=inputs.question,
            sql=draft["sql"],
            explanation=str(draft.get("explanation") or "").strip() or draft["sql"],
            summary=summary or f"The query returned {count} rows.",
            columns=columns,
            rows=preview,
            row_count=count,
            truncated=bool(data.get("truncated")),
        )
        return answer.model_dump(mode="json")
