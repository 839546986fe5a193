"""Query parameters of the runs list, shared by the Runs page `/` and its twin `GET /api/v1/runs`.

Both parse the same names the same way, so a page URL's query string works on the API too.
HTML forms send empty fields for unset filters; those mean "any".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BeforeValidator

from keel.core.errors import InvalidInput
from keel.core.severity import Severity
from keel.evaluate.risk import RISK_LEVEL_FLOORS, RiskLevel
from keel.store.runs import RunFilters
from keel.store.search import search_words
from keel.web.moments import QueryMoment

#: The length of `policy_flags.rule_id`.
MAX_RULE_ID = 64
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _date_through_end_of_day(value: Any) -> Any:
    """A bare date as the upper bound includes that whole day: the next midnight, exclusive."""
    value = _blank_to_none(value)
    if isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()):
        try:
            next_day = date.fromisoformat(value.strip()) + timedelta(days=1)
        except OverflowError:
            raise ValueError(f"{value} is the last day keel can store; leave `until` out") from None
        return datetime.combine(next_day, time(), UTC)
    return value


Blank = BeforeValidator(_blank_to_none)


@dataclass(frozen=True)
class RunsQuery:
    """A parsed runs-list request: filters, order, and where the page starts."""

    filters: RunFilters
    sort: str
    descending: bool
    cursor: str | None
    limit: int

    @property
    def filtered(self) -> bool:
        """Return whether any filter narrows the list."""
        return self.filters.narrowed

    @property
    def show_all(self) -> bool:
        """Return whether derived runs (replays, heals) are listed as rows of their own."""
        return not self.filters.originals_only


def runs_query(
    workflow_type: Annotated[str | None, Blank, Query(description="Only this workflow.")] = None,
    status: Annotated[str | None, Blank, Query(description="Only this status.")] = None,
    model: Annotated[str | None, Blank, Query(description="Only this model.")] = None,
    stability_min: Annotated[float | None, Blank, Query(description="Stability at least.")] = None,
    stability_max: Annotated[float | None, Blank, Query(description="Stability at most.")] = None,
    since: Annotated[
        QueryMoment, Blank, Query(description="Created at or after (UTC when no zone).")
    ] = None,
    until: Annotated[
        QueryMoment,
        BeforeValidator(_date_through_end_of_day),
        Query(description="Created before this time; a bare date includes that day."),
    ] = None,
    q: Annotated[str | None, Blank, Query(description="Run id prefix.")] = None,
    show: Annotated[
        str,
        Query(
            pattern="^(originals|all)$",
            description="originals (default): replays and heals fold under their original; "
            "all: every run its own row.",
        ),
    ] = "originals",
    flag: Annotated[
        str | None, Blank, Query(description="Only runs that raised this rule.")
    ] = None,
    severity: Annotated[
        Severity | None, Blank, Query(description="Only runs with a flag this severe or worse.")
    ] = None,
    config: Annotated[str | None, Blank, Query(description="Only this configuration.")] = None,
    search: Annotated[
        str | None,
        Blank,
        Query(description="Words that must all appear in the ticket text or answer."),
    ] = None,
    risk: Annotated[
        RiskLevel | None, Blank, Query(description="Only runs at this risk level or higher.")
    ] = None,
    sort: Annotated[str, Query(description="Column to sort by.")] = "created_at",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    cursor: Annotated[str | None, Blank, Query(description="next_cursor of a page.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> RunsQuery:
    """Return the runs-list request the query string describes."""
    if flag and len(flag) > MAX_RULE_ID:
        raise InvalidInput(f"flag: a rule id has at most {MAX_RULE_ID} characters", field="flag")
    filters = RunFilters(
        workflow_type=workflow_type,
        status=status,
        model=model,
        stability_min=stability_min,
        stability_max=stability_max,
        since=since,
        until=until,
        run_id_prefix=q.strip() if q else None,
        originals_only=show == "originals",
        flag_rule=flag.strip() if flag else None,
        flag_severity=severity,
        risk_min=RISK_LEVEL_FLOORS[risk] if risk else None,
        config=config,
        search=search_words(search) if search else None,
    )
    return RunsQuery(filters, sort, order == "desc", cursor, limit)


RunsQueryDep = Annotated[RunsQuery, Depends(runs_query)]
