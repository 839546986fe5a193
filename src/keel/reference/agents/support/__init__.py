"""The fintech support agent: triage, retrieval over MCP tools, a drafted answer, a critic."""

from keel.reference.agents.support.inputs import SupportInputs
from keel.reference.agents.support.runner import run_support
from keel.reference.agents.support.schema import SupportAnswer, support_answer_schema

__all__ = ["SupportAnswer", "SupportInputs", "run_support", "support_answer_schema"]
