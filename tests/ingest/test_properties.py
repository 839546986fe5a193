"""Property tests over the ingest payloads: whatever a client sends, ingestion answers with
records or a refusal naming the field, never an exception of its own; what it keeps is always
storable (UTF-8, no NUL) on both databases and reads back."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keel.core.errors import KeelError
from keel.core.pricing import load_prices
from keel.core.sanitize import seal_runs
from keel.ingest.native import parse_body, to_records
from keel.ingest.otlp import JSON, decode_export
from keel.ingest.storing import store_runs
from keel.ingest.traces import runs_from_spans
from keel.store.engine import Database
from keel.store.runs import run_detail

HOSTILE_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["\x00", "\ud800", "a\udfffb", "4111 1111 1111 1111", "pwd=x1", "é" * 3]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    HOSTILE_TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(HOSTILE_TEXT, inner, max_size=3)
    ),
    max_leaves=10,
)
MOMENTS = st.one_of(
    st.none(),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "2024-02-30"]),
    st.datetimes().map(lambda moment: moment.isoformat()),
)
RUNS = st.fixed_dictionaries(
    {"run_id": st.sampled_from(["r1", "r2", "bad id", ""]), "workflow_type": HOSTILE_TEXT},
    optional={
        "inputs": st.dictionaries(HOSTILE_TEXT, VALUES, max_size=3),
        "output": st.dictionaries(HOSTILE_TEXT, VALUES, max_size=3),
        "metrics": st.dictionaries(HOSTILE_TEXT, VALUES, max_size=3),
        "error": HOSTILE_TEXT,
        "created_at": MOMENTS,
        "events": st.lists(
            st.fixed_dictionaries(
                {"seq": st.integers(-1, 3), "event_type": st.just("llm")},
                optional={
                    "payload": st.dictionaries(HOSTILE_TEXT, VALUES, max_size=3),
                    "input_tokens": st.integers(-1, 2**66),
                    "started_at": MOMENTS,
                },
            ),
            max_size=2,
        ),
    },
)


def body_of(runs: list[dict[str, Any]]) -> bytes:
    # ensure_ascii: lone surrogates travel as \\ud800 escapes, as a JSON client sends them.
    return json.dumps({"runs": runs}).encode()


def assert_storable(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, default=str)
    assert "\x00" not in text
    text.encode("utf-8")  # no lone surrogate left


@settings(max_examples=250, deadline=None)
@given(st.lists(RUNS, min_size=1, max_size=3))
def test_a_batch_is_either_refused_by_field_or_sanitised_into_storable_records(
    runs: list[dict[str, Any]],
) -> None:
    try:
        records = seal_runs(to_records(parse_body(body_of(runs)), load_prices()))
    except KeelError as exc:
        assert exc.status_code == 422 and exc.message
        return
    for record in records:
        assert_storable([record.inputs, record.output, record.metrics, record.error])
        assert_storable([record.workflow_type, [event.payload for event in record.events]])


ATTRIBUTE_VALUES = st.one_of(
    HOSTILE_TEXT.map(lambda text: {"stringValue": text}),
    st.integers(-(2**70), 2**70).map(lambda n: {"intValue": str(n)}),
    st.floats().map(lambda x: {"doubleValue": x if x == x and abs(x) != float("inf") else 0}),
    st.sampled_from([{"doubleValue": "Infinity"}, {"doubleValue": "NaN"}, {"boolValue": True}]),
)
KEYS = st.sampled_from(
    ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "llm.cost.total", "note", "\x00"]
)
SPANS = st.fixed_dictionaries(
    {
        "traceId": st.sampled_from(["5b8efff798038103d269b633813fc60c", "00", "zz"]),
        "spanId": st.sampled_from(["eee19b7ec3c1b174", "eee19b7ec3c1b175", ""]),
        "name": HOSTILE_TEXT,
        "startTimeUnixNano": st.sampled_from(["0", "1790000000000000000", "18446744073709551615"]),
        "attributes": st.lists(
            st.fixed_dictionaries({"key": KEYS, "value": ATTRIBUTE_VALUES}), max_size=4
        ),
    }
)


@settings(max_examples=250, deadline=None)
@given(st.lists(SPANS, min_size=1, max_size=4))
def test_an_otlp_export_keeps_good_spans_and_names_each_rejected_one(
    spans: list[dict[str, Any]],
) -> None:
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()
    decoded = decode_export(body, JSON)
    rejected = list(decoded.rejected)
    runs = seal_runs(runs_from_spans(decoded.spans, load_prices(), rejected))
    kept = sum(len(run.events) for run in runs)
    assert kept + len(rejected) <= len(spans)
    for run in runs:
        assert_storable([event.payload for event in run.events])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(RUNS, min_size=1, max_size=2))
def test_whatever_a_batch_stores_reads_back_on_both_databases(
    database: Database, runs: list[dict[str, Any]]
) -> None:
    try:
        records = seal_runs(to_records(parse_body(body_of(runs)), load_prices()))
    except KeelError:
        return
    with database.write() as session:
        store_runs(session, records, "property", "test")
    with database.read() as session:
        for record in records:
            assert run_detail(session, record.run_id) is not None
