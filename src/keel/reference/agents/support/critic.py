"""The critic: checks a draft answer and says what a revision must fix (pure, no I/O).

Rules: the draft parses against the schema; it cites documents and only retrieved ones; it
carries the disclaimer its category requires; its category agrees with the planner's triage
(two readings of one ticket that disagree are worth a second look).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from keel.reference.agents.support.schema import SupportAnswer


@dataclass(frozen=True)
class Finding:
    """One thing the critic wants changed."""

    rule: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return asdict(self)


def critique(
    draft: Mapping[str, Any] | None,
    retrieved_ids: set[str],
    planned_category: str | None,
    disclaimers: Mapping[str, str],
) -> tuple[SupportAnswer | None, list[Finding]]:
    """Return the draft validated against the schema (None if it fails) and the findings."""
    try:
        answer = SupportAnswer.model_validate(draft if draft is not None else {})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "output"
        return None, [Finding("schema", f"{where}: {first['msg']}")]
    findings = []
    cited = [c.id for c in answer.citations]
    unknown = sorted(set(cited) - retrieved_ids)
    if unknown:
        findings.append(
            Finding("citation_unknown", "cites documents that were not retrieved", {"ids": unknown})
        )
    if retrieved_ids and not cited:
        findings.append(Finding("citation_missing", "cites none of the retrieved documents"))
    required = disclaimers.get(answer.category.value, "")
    if required and required not in answer.disclaimer:
        findings.append(
            Finding("disclaimer_missing", f"{answer.category.value} answers need the disclaimer")
        )
    if planned_category and planned_category != answer.category.value:
        findings.append(
            Finding(
                "category_unsettled",
                f"triage said {planned_category}, the draft says {answer.category.value}",
                {"candidates": [planned_category, answer.category.value]},
            )
        )
    return answer, findings


def revision_constraints(findings: list[Finding]) -> dict[str, Any]:
    """Return the structured constraints a revision must meet, derived from `findings`."""
    constraints: dict[str, Any] = {}
    for finding in findings:
        if finding.rule == "category_unsettled":
            constraints["allowed_labels"] = finding.detail["candidates"]
    return constraints
