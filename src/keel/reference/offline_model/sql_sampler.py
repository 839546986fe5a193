"""The grounded sampler's SQL: one aggregation query assembled from the schema and the question.

It does not write free SQL. It samples, each from a tempered softmax of embedding similarities
to the question: the table, the aggregation (count, sum, average, max, min, or plain rows), the
measured column, and, when the question names a breakdown ("by X", "per X", "for each X"), the
column to group by. sqlglot renders the query. Filters, joins and subqueries are beyond it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlglot
from sqlglot import exp

from keel.core.errors import InvalidInput
from keel.models.embeddings import SentenceEmbedder
from keel.reference.offline_model.grounding import label_space
from keel.reference.offline_model.sampling import (
    sample_index,
    sample_without_replacement,
    tempered_softmax,
)

SCALE = 0.02
AGGREGATIONS = {
    "count": "how many; number of; count of",
    "sum": "total amount; sum of; how much in total",
    "avg": "average; mean; typical value",
    "max": "largest; highest; maximum; biggest",
    "min": "smallest; lowest; minimum",
    "rows": "list the rows; show me; which ones",
}
_BREAKDOWN = re.compile(
    r"\b(?:by|per|for each|each|across)\s+((?:[a-z_]+\s?){1,3}?)"
    r"(?=\?|$|,|\.|\b(?:and|in|for|with|over|during)\b)",
    re.IGNORECASE,
)
_NUMERIC = ("INT", "REAL", "NUM", "DEC", "FLOA", "DOUB")


@dataclass(frozen=True)
class SchemaColumn:
    """A column of the schema: name and declared type."""

    name: str
    type: str

    @property
    def words(self) -> str:
        """Return the column's name as words (`amount_cents` -> `amount cents`)."""
        return self.name.replace("_", " ")

    @property
    def numeric(self) -> bool:
        """Return whether the column holds numbers that aggregate (not keys)."""
        is_key = self.name == "id" or self.name.endswith("_id")
        return not is_key and any(tag in self.type.upper() for tag in _NUMERIC)


def schema_from(inputs: Mapping[str, Any]) -> dict[str, list[SchemaColumn]]:
    """Return the `schema` input ({table: [{name, type}]}) as Columns, or raise InvalidInput."""
    raw = inputs.get("schema")
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInput("the SQL task needs a non-empty schema", field="inputs.schema")
    return {
        str(table): [SchemaColumn(str(c["name"]), str(c.get("type") or "")) for c in columns]
        for table, columns in raw.items()
    }


def _pick(
    question: np.ndarray,
    texts: Sequence[str],
    temperature: float,
    embedder: SentenceEmbedder,
    rng: np.random.Generator,
) -> int:
    similarity = embedder.encode(list(texts)) @ question
    return sample_index(similarity / SCALE, temperature, rng)


def _breakdown(
    question: str,
    columns: list[SchemaColumn],
    temperature: float,
    embedder: SentenceEmbedder,
    rng: np.random.Generator,
) -> SchemaColumn | None:
    match = _BREAKDOWN.search(question)
    candidates = [c for c in columns if not c.numeric]
    if match is None or not candidates:
        return None
    phrase = embedder.encode([match.group(1).strip()])[0]
    return candidates[_pick(phrase, [c.words for c in candidates], temperature, embedder, rng)]


def draft_sql(
    inputs: Mapping[str, Any],
    temperature: float,
    embedder: SentenceEmbedder,
    rng: np.random.Generator,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the sampled query with its parts and an explanation, and sampling details."""
    question_text = str(inputs.get("question") or "").strip()
    if not question_text:
        raise InvalidInput("the SQL task needs a question", field="inputs.question")
    schema = schema_from(inputs)
    row_limit = int(inputs.get("row_limit", 20))
    question = embedder.encode([question_text])[0]
    tables = list(schema)
    table_texts = [
        f"{t.replace('_', ' ')}: " + ", ".join(c.words for c in schema[t]) for t in tables
    ]
    table = tables[_pick(question, table_texts, temperature, embedder, rng)]
    columns = schema[table]
    space = label_space(AGGREGATIONS, embedder)
    aggregation_scores = space.similarity(question[None, :])[0] / SCALE
    aggregation = space.names[sample_index(aggregation_scores, temperature, rng)]
    numeric = [c for c in columns if c.numeric]
    if aggregation not in ("count", "rows") and not numeric:
        aggregation = "count"
    measure = None
    if aggregation not in ("count", "rows"):
        measure = numeric[_pick(question, [c.words for c in numeric], temperature, embedder, rng)]
    group = _breakdown(question_text, columns, temperature, embedder, rng)
    if aggregation == "rows":
        group = None
        similarity = embedder.encode([c.words for c in columns]) @ question
        shown = sample_without_replacement(similarity / SCALE, 4, temperature, rng)
        query = exp.select(*(exp.column(columns[i].name) for i in sorted(shown)))
    else:
        query = exp.select(*_aggregate_select(aggregation, measure, group))
    query = query.from_(exp.to_table(table))
    if group is not None:
        query = query.group_by(exp.column(group.name)).order_by(exp.column("value").desc())
    sql = query.limit(row_limit).sql(dialect="sqlite")
    sqlglot.parse_one(sql, read="sqlite")  # what we render must parse back
    parts = {
        "table": table,
        "aggregation": aggregation,
        "measure": measure.name if measure else None,
        "group_by": group.name if group else None,
    }
    calibrated = tempered_softmax(aggregation_scores, 1.0)
    probabilities = dict(zip(space.names, calibrated.round(4).tolist(), strict=True))
    details = {"aggregation_probabilities": probabilities}
    return {"sql": sql, "explanation": _explain(parts, row_limit), **parts}, details


def _aggregate_select(
    aggregation: str, measure: SchemaColumn | None, group: SchemaColumn | None
) -> list[exp.Expression]:
    function = {"count": "COUNT", "sum": "SUM", "avg": "AVG", "max": "MAX", "min": "MIN"}
    argument: exp.Expression = exp.Star() if measure is None else exp.column(measure.name)
    value = exp.alias_(exp.func(function[aggregation], argument), "value")
    return [exp.column(group.name), value] if group is not None else [value]


def _explain(parts: Mapping[str, Any], row_limit: int) -> str:
    verbs = {
        "count": "Counts the rows",
        "sum": "Adds up {m}",
        "avg": "Averages {m}",
        "max": "Finds the largest {m}",
        "min": "Finds the smallest {m}",
        "rows": "Lists up to {n} rows",
    }
    text = verbs[parts["aggregation"]].format(m=parts["measure"], n=row_limit)
    text += f" of table {parts['table']}"
    if parts["group_by"]:
        text += f" for each {parts['group_by']}, largest first"
    return text + "."


def summarize(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Return a plain-words summary of a query result ({columns, rows, row_count})."""
    columns = list(inputs.get("columns") or [])
    rows = [list(row) for row in inputs.get("rows") or []]
    count = int(inputs.get("row_count", len(rows)))
    if not rows:
        return {"summary": "The query returned no rows."}
    if count == 1 and len(columns) == 1:
        return {"summary": f"The result is {columns[0]} = {rows[0][0]}."}
    text = f"The query returned {count} row{'s' if count != 1 else ''}."
    if len(columns) == 2 and columns[1] == "value":
        first, last = rows[0], rows[-1]
        text += f" Highest: {first[0]} ({first[1]}); lowest shown: {last[0]} ({last[1]})."
    return {"summary": text}
