"""Page B, Run Detail (`/runs/{id}`): summary, execution graph, tool trace, flags, output, links.

The run comes from keel.reports.run_detail, as its twin `GET /api/v1/runs/{id}` has it; what
is shaped here (flag marks in the output's text, the graph's layout) is how the page draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from keel.auth.scopes import Scope
from keel.core.severity import Severity, most_severe
from keel.reports.item_runs import item_of_run
from keel.reports.run_detail import run_detail_data
from keel.reports.timeline import timeline
from keel.store.models import PolicyFlag
from keel.web.deps import DatabaseDep, TemplatesDep
from keel.web.execution_graph import layout, steps_of_run
from keel.web.highlight import Segment, locate, segments
from keel.web.security import require
from keel.web.views.heal import heal_action_context, keep_csrf

router = APIRouter(include_in_schema=False)


@dataclass
class FlagView:
    """A policy flag with where its evidence sits: a span of an output field, or a tool call."""

    number: int
    flag: PolicyFlag
    field: str | None = None
    located: bool = False
    call_seq: int | None = None

    @property
    def quote(self) -> str | None:
        """Return the matched text the evidence quotes, if any."""
        text = self.flag.evidence.get("text")
        return text if isinstance(text, str) else None


@dataclass
class Piece:
    """A segment of an output field as the template draws it."""

    text: str
    flags: tuple[int, ...] = ()
    anchors: tuple[int, ...] = ()
    severity: str = ""
    title: str = ""


@dataclass
class OutputField:
    """One top-level field of the run's output; `kind` is text, list, value or json."""

    name: str
    kind: str
    value: Any
    pieces: list[Piece] = field(default_factory=list)


def _severity(flags: list[FlagView], numbers: tuple[int, ...]) -> str:
    found = most_severe(flags[n].flag.severity.lower() for n in numbers)
    return str(found or Severity.INFO)


def _pieces(parts: list[Segment], flags: list[FlagView], anchored: set[int]) -> list[Piece]:
    pieces = []
    for part in parts:
        if not part.flags:
            pieces.append(Piece(part.text))
            continue
        anchors = tuple(n for n in part.flags if n not in anchored)
        anchored.update(anchors)
        title = "; ".join(f"{flags[n].flag.rule_id}: {flags[n].flag.message}" for n in part.flags)
        pieces.append(Piece(part.text, part.flags, anchors, _severity(flags, part.flags), title))
    return pieces


def flag_views(flags: list[PolicyFlag]) -> list[FlagView]:
    """Return the flags numbered in order, with the tool call their evidence names (if any)."""
    views = []
    for number, flag in enumerate(flags):
        seq = flag.evidence.get("tool_call_seq")
        views.append(FlagView(number, flag, call_seq=seq if isinstance(seq, int) else None))
    return views


def output_fields(output: dict[str, Any] | None, flags: list[FlagView]) -> list[OutputField]:
    """Return the output's top-level fields, text fields cut around the flags that quote them."""
    fields: list[OutputField] = []
    anchored: set[int] = set()
    for name, value in (output or {}).items():
        if isinstance(value, str):
            spans = []
            for view in flags:
                if view.call_seq is not None:
                    continue
                wanted = view.flag.evidence.get("field", "answer")
                where = locate(value, view.flag.evidence) if wanted == name else None
                if where is not None:
                    spans.append((where[0], where[1], view.number))
                    view.field, view.located = name, True
            fields.append(
                OutputField(name, "text", value, _pieces(segments(value, spans), flags, anchored))
            )
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            fields.append(OutputField(name, "list", value))
        elif isinstance(value, str | int | float | bool) or value is None:
            fields.append(OutputField(name, "value", value))
        else:
            fields.append(OutputField(name, "json", value))
    return fields


@router.get("/runs/{run_id}", response_class=HTMLResponse, dependencies=[require(Scope.READ)])
def run_detail_view(
    run_id: str, request: Request, db: DatabaseDep, templates: TemplatesDep
) -> HTMLResponse:
    """Render one run: what it did, step by step, and what keel found in it."""
    with db.read() as session:
        report = run_detail_data(session, run_id)
        heal = heal_action_context(session, run_id, request)
        item = item_of_run(session, report.detail.run)
    detail = report.detail
    steps = steps_of_run(detail.events, detail.tool_calls)
    spans = timeline(detail.events, detail.tool_calls)
    flags = flag_views(detail.flags)
    context = {
        "active": "runs",
        "run": detail.run,
        "events": detail.events,
        "tool_calls": detail.tool_calls,
        "links": detail.links,
        "replay_sets": report.replay_sets,
        "graph": layout(steps),
        "timeline": spans,
        "timeline_total_ms": max((s.offset_ms + s.duration_ms for s in spans), default=0.0),
        "step_count": len(steps),
        "flags": flags,
        "fields": output_fields(detail.run.output, flags),
        "reviews": report.reviews,
        "heal": detail.run.metrics.get("heal"),
        "attempts": detail.run.metrics.get("heal_attempts", []),
        "item": item,
        **heal,
    }
    response = templates.TemplateResponse(request, "run_detail.html", context)
    return keep_csrf(request, response, context)
