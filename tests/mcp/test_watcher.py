"""Reading a copy of JSON-RPC traffic: which bytes make a tools/call, and what ends it."""

from __future__ import annotations

import json

from keel.mcp.recorder import ListRecorder
from keel.mcp.watcher import LineBuffer, TrafficWatcher, closed_error_line


def _line(message: dict[str, object]) -> bytes:
    return json.dumps(message).encode() + b"\n"


def _call(request_id: object, name: str = "lookup", **arguments: object) -> bytes:
    params = {"name": name, "arguments": arguments}
    return _line({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params})


def _result(request_id: object, **result: object) -> bytes:
    return _line({"jsonrpc": "2.0", "id": request_id, "result": result})


def _watcher(name: str | None = "cmd", fixed: bool = False) -> tuple[TrafficWatcher, ListRecorder]:
    recorder = ListRecorder()
    return TrafficWatcher(recorder, name, fixed_name=fixed), recorder


def test_line_buffer_joins_a_message_split_across_chunks() -> None:
    buffer = LineBuffer()
    assert buffer.feed(b'{"a":') == []
    assert buffer.feed(b"1}\n\n") == [b'{"a":1}']
    assert buffer.feed(b'{"b":2}\n{"c"') == [b'{"b":2}']
    assert buffer.feed(b":3}\n") == [b'{"c":3}']


def test_a_call_split_into_single_bytes_is_matched_to_its_response() -> None:
    watcher, recorder = _watcher()
    for byte in _call(1, customer_id="C-1"):
        watcher.client_chunk(bytes([byte]))
    watcher.server_chunk(_result(1, content=[{"type": "text", "text": "ok"}]))
    (call,) = recorder.calls
    assert (call.tool_name, call.call_id, call.error) == ("lookup", "1", None)
    assert call.result_meta["content_types"] == ["text"]


def test_numeric_and_string_ids_with_the_same_digits_are_different_calls() -> None:
    watcher, recorder = _watcher()
    watcher.client_chunk(_call(1, name="numeric") + _call("1", name="text"))
    watcher.server_chunk(_result("1", content=[]))
    assert [call.tool_name for call in recorder.calls] == ["text"]
    assert list(watcher.pending) == [("int", "1")]


def test_a_server_request_reusing_an_id_does_not_end_the_call() -> None:
    watcher, recorder = _watcher()
    watcher.client_chunk(_call(3))
    sampling = {"jsonrpc": "2.0", "id": 3, "method": "sampling/createMessage", "params": {}}
    watcher.server_chunk(_line(sampling))
    watcher.client_chunk(_result(3, role="assistant"))  # the client answering the server
    assert recorder.calls == [] and len(watcher.pending) == 1


def test_json_rpc_error_and_tool_error_are_both_recorded_as_errors() -> None:
    watcher, recorder = _watcher()
    watcher.client_chunk(_call(1) + _call(2))
    error = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "bad id"}}
    watcher.server_chunk(_line(error))
    watcher.server_chunk(_result(2, isError=True, content=[{"type": "text", "text": "no such"}]))
    rpc, tool = recorder.calls
    assert rpc.error == "JSON-RPC error -32602: bad id"
    assert rpc.result_meta["outcome"] == "rpc_error"
    assert tool.error == "no such" and tool.result_meta["outcome"] == "tool_error"


def test_a_batch_of_calls_is_watched_call_by_call() -> None:
    watcher, recorder = _watcher()
    batch = [json.loads(_call(1, name="a")), json.loads(_call(2, name="b"))]
    watcher.client_chunk(json.dumps(batch).encode() + b"\n")
    watcher.server_chunk(
        json.dumps(
            [json.loads(_result(2, content=[])), json.loads(_result(1, content=[]))]
        ).encode()
        + b"\n"
    )
    assert [call.tool_name for call in recorder.calls] == ["b", "a"]


def test_a_cancelled_call_is_recorded_when_the_client_cancels_it() -> None:
    watcher, recorder = _watcher()
    watcher.client_chunk(_call(5))
    cancel = {
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": 5, "reason": "user stop"},
    }
    watcher.client_chunk(_line(cancel))
    (call,) = recorder.calls
    assert call.result_meta["outcome"] == "cancelled" and "user stop" in (call.error or "")
    assert watcher.pending == {}


def test_the_server_name_comes_from_initialize_unless_fixed() -> None:
    for fixed, expected in ((False, "bank-tools"), (True, "cmd")):
        watcher, recorder = _watcher(fixed=fixed)
        initialize = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {}}
        watcher.client_chunk(_line(initialize))
        watcher.server_chunk(_result(0, serverInfo={"name": "bank-tools", "version": "1"}))
        watcher.client_chunk(_call(1))
        watcher.server_chunk(_result(1, content=[]))
        assert recorder.calls[0].server == expected


def test_unanswered_calls_fail_with_the_reason_and_get_an_error_line() -> None:
    watcher, recorder = _watcher()
    watcher.client_chunk(_call("q") + b"not json at all\n")
    ids = watcher.fail_pending("MCP server exited with code 1 before answering", "server_exited")
    assert ids == ["q"] and watcher.unanswered == 1
    assert recorder.calls[0].error == "MCP server exited with code 1 before answering"
    line = json.loads(closed_error_line("q", "gone"))
    assert line == {"jsonrpc": "2.0", "id": "q", "error": {"code": -32000, "message": "gone"}}
