"""The SQL analysis agent: question + schema -> guarded read-only SQL via `db.query` -> summary."""

from keel.reference.agents.sql_analysis.agent import SqlAgent
from keel.reference.agents.sql_analysis.runner import run_sql
from keel.reference.agents.sql_analysis.schema import SqlAnswer, SqlInputs

__all__ = ["SqlAgent", "SqlAnswer", "SqlInputs", "run_sql"]
