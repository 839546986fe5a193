"""The sanitiser: repairs NUL and lone surrogates, masks, cuts long text, and seals records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keel.core.records import EventRecord, RunRecord, ToolCallRecord
from keel.core.sanitize import Sanitizer, UnsanitizedRecord, check_sealed, is_sealed


def record(**fields: object) -> RunRecord:
    return RunRecord("r1", "support", datetime(2024, 1, 1, tzinfo=UTC), **fields)  # type: ignore[arg-type]


def test_nul_and_lone_surrogates_become_replacement_characters_and_the_run_is_marked() -> None:
    run = record(
        inputs={"q": "a\x00b", "k\x00": "\ud800x"},
        events=[EventRecord("llm", payload={"text": "\udfff"})],
    )
    (sealed,) = Sanitizer().seal([run])
    assert sealed.inputs == {"q": "a\ufffdb", "k\ufffd": "\ufffdx"}
    assert sealed.events[0].payload["text"] == "\ufffd"
    assert sealed.events[0].payload["sanitized"]["replaced_characters"] == 1
    assert sealed.metrics["sanitized"] == {"replaced_characters": 4, "truncated_fields": 0}
    "".join(str(v) for v in sealed.inputs.values()).encode()  # encodable as UTF-8 now


def test_text_past_the_field_limit_is_cut_with_a_marker() -> None:
    run = record(output={"answer": "x" * 5000}, error="e" * 3000)
    (sealed,) = Sanitizer(max_field_chars=2048).seal([run])
    assert sealed.output is not None
    assert sealed.output["answer"].startswith("x" * 2048)
    assert sealed.output["answer"].endswith("[truncated 2952 characters]")
    assert sealed.metrics["sanitized"]["truncated_fields"] == 2


def test_every_field_is_masked() -> None:
    run = record(
        error="Bearer abcdefghijklmnop failed",
        metrics={"note": "card 4111 1111 1111 1111"},
        tool_calls=[
            ToolCallRecord(
                "pay",
                "0" * 64,
                args_preview='{"to": 4111111111111111}',
                result_meta={"preview": "sk-abcdefghijklmnopqrstu"},
                error="pwd=hunter2",
            )
        ],
    )
    (sealed,) = Sanitizer().seal([run])
    text = repr(sealed)
    for secret in ("abcdefghijklmnop", "4111 1111", "4111111111111111", "hunter2", "sk-abc"):
        assert secret not in text
    assert sealed.tool_calls[0].args_preview == '{"to":"[CARD ****1111]"}'


def test_a_record_that_skipped_the_sanitiser_is_refused() -> None:
    run = record()
    with pytest.raises(UnsanitizedRecord):
        check_sealed([run])
    Sanitizer().seal([run])
    check_sealed([run])
    run.events.append(EventRecord("llm", payload={"key": "sk-abcdefghijklmnopqrstu"}))
    assert not is_sealed(run)
    with pytest.raises(UnsanitizedRecord):
        check_sealed([run])
