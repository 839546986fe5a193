"""The shared recording code path: what a finished call's record says."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from keel.mcp.recorder import finish_call, result_meta, start_call


def test_result_meta_reports_size_types_and_shape() -> None:
    result = {
        "content": [
            {"type": "text", "text": "a"},
            {"type": "image", "data": "eA==", "mimeType": "image/png"},
        ],
        "structuredContent": {"rows": 1},
        "resultType": "complete",
    }
    meta = result_meta(result)
    assert meta["content_types"] == ["image", "text"]
    assert meta["content_count"] == 2
    assert meta["structured"] is True and meta["is_error"] is False
    assert meta["size_bytes"] == len(
        b'{"content":[{"type":"text","text":"a"},{"type":"image","data":"eA==",'
        b'"mimeType":"image/png"}],"structuredContent":{"rows":1},"resultType":"complete"}'
    )
    assert "result_type" not in meta
    assert result_meta({"resultType": "input_required"})["result_type"] == "input_required"


def test_secrets_in_arguments_and_errors_never_reach_the_record() -> None:
    pending = start_call(
        "bank",
        "pay",
        {"card_number": "4111111111111111", "api_key": "k", "note": "to 4111 1111 1111 1111"},
    )
    record = finish_call(
        pending,
        result={
            "isError": True,
            "content": [
                {
                    "type": "text",
                    "text": "card 4111111111111111 declined, token sk-abcdefghijklmnop",
                }
            ],
        },
    )
    assert "4111" not in record.args_preview.replace("****1111", "")
    assert "[REDACTED]" in record.args_preview
    assert record.error is not None
    assert "4111111111111111" not in record.error and "sk-abcdefghijklmnop" not in record.error


def test_times_and_latency_agree() -> None:
    pending = start_call(None, "t", None)
    record = finish_call(
        pending, failure="gone", outcome="server_exited", ended_perf=pending.started_perf + 0.25
    )
    assert record.latency_ms == 250.0
    assert record.ended_at is not None and record.started_at is not None
    assert (record.ended_at - record.started_at).total_seconds() == 0.25
    assert record.result_meta == {"outcome": "server_exited", "is_error": True}
    assert record.error == "gone"


def test_a_call_seen_earlier_is_stamped_when_it_was_seen() -> None:
    now_perf = time.perf_counter()
    pending = start_call("srv", "t", {}, started_perf=now_perf - 2.0)
    record = finish_call(pending, result={"content": []}, ended_perf=now_perf)
    assert record.latency_ms == pytest.approx(2000.0)
    assert record.started_at is not None
    assert datetime.now(UTC) - record.started_at >= timedelta(seconds=2)
