"""Reads a copy of MCP stdio traffic and turns each `tools/call` into a recorded call.

The proxy hands every chunk it forwards to `TrafficWatcher` *after* forwarding it; the watcher
never changes the traffic. It splits chunks into newline-delimited JSON-RPC messages, opens a
pending call on each `tools/call` request, and closes it on the response with the same id
(or on the client's `notifications/cancelled`). Server requests to the client (sampling,
elicitation) carry ids of the server's own numbering, so a response is only matched when it
travels server -> client and has no `method`.

The watcher also learns each tool's annotations from the server's `tools/list` answers
(`effects`). In a replay (`gate`), `gate_line` is asked about each client line before it is
forwarded, and answers a tools/call the gate does not let through itself
(keel.mcp.replay_gate): the server never sees it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from keel.core.redaction import args_digest
from keel.core.side_effects import ReplayToolPolicy
from keel.mcp.recorder import CallOutcome, PendingCall, Recorder, finish_call, start_call
from keel.mcp.replay_gate import ToolEffectsBook, response_line, unrun_result

_HANDSHAKE_METHODS = frozenset({"initialize", "server/discover"})
_LIST_TOOLS = "tools/list"
CONNECTION_CLOSED = -32000


def _key(request_id: Any) -> tuple[str, str]:
    # JSON-RPC ids are strings or numbers, and 1 and "1" are different ids.
    return (type(request_id).__name__, json.dumps(request_id))


class LineBuffer:
    """Splits a byte stream into complete lines; keeps the unfinished tail for the next chunk."""

    def __init__(self) -> None:
        # Parts of the unfinished line, joined once its newline arrives (a big result comes in
        # many chunks; joining on every chunk would copy it over and over).
        self._parts: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        """Return each complete, non-blank line that `chunk` finishes (without its newline)."""
        if b"\n" not in chunk:
            self._parts.append(chunk)
            return []
        data = b"".join([*self._parts, chunk]) if self._parts else chunk
        *lines, tail = data.split(b"\n")
        self._parts = [tail] if tail else []
        return [line for line in lines if line.strip()]


def _messages(line: bytes) -> list[dict[str, Any]]:
    """Return the JSON-RPC messages of one line (a batch is a list); [] when it is not JSON."""
    try:
        value = json.loads(line)
    except ValueError:
        return []
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


class TrafficWatcher:
    """Tracks the tool calls in flight between one client and one server."""

    def __init__(
        self,
        recorder: Recorder,
        server_name: str | None,
        *,
        fixed_name: bool,
        gate: ReplayToolPolicy | None = None,
    ) -> None:
        self.recorder = recorder
        self.server_name = server_name
        self._fixed_name = fixed_name
        self.gate = gate
        self.effects = ToolEffectsBook()
        self.pending: dict[tuple[str, str], tuple[Any, PendingCall]] = {}
        self.unanswered = 0
        self._handshakes: set[tuple[str, str]] = set()
        self._listings: set[tuple[str, str]] = set()
        self._from_client = LineBuffer()
        self._from_server = LineBuffer()

    def client_chunk(self, chunk: bytes, received_perf: float | None = None) -> None:
        """Inspect bytes the client sent to the server (received at `received_perf`)."""
        received_perf = time.perf_counter() if received_perf is None else received_perf
        for line in self._from_client.feed(chunk):
            for message in _messages(line):
                self._client_message(message, received_perf)

    def server_chunk(self, chunk: bytes, received_perf: float | None = None) -> None:
        """Inspect bytes the server sent to the client (received at `received_perf`)."""
        received_perf = time.perf_counter() if received_perf is None else received_perf
        for line in self._from_server.feed(chunk):
            if not self.pending and not self._handshakes and not self._listings:
                continue  # nothing to match: skip parsing (most server traffic when idle)
            for message in _messages(line):
                self._server_message(message, received_perf)

    def fail_pending(self, failure: str, outcome: str) -> list[Any]:
        """Record every pending call as failed; return their JSON-RPC ids."""
        ids = []
        for request_id, pending in self.pending.values():
            self.recorder.record(finish_call(pending, failure=failure, outcome=outcome))
            ids.append(request_id)
        self.pending.clear()
        self.unanswered += len(ids)
        return ids

    def _client_message(self, message: dict[str, Any], received_perf: float) -> None:
        method = message.get("method")
        if method == "tools/call" and "id" in message:
            params = message.get("params")
            params = params if isinstance(params, dict) else {}
            pending = start_call(
                self.server_name,
                str(params.get("name", "")),
                params.get("arguments"),
                call_id=json.dumps(message["id"]),
                started_perf=received_perf,
            )
            self.pending[_key(message["id"])] = (message["id"], pending)
        elif method in _HANDSHAKE_METHODS and "id" in message:
            self._handshakes.add(_key(message["id"]))
        elif method == _LIST_TOOLS and "id" in message:
            self._listings.add(_key(message["id"]))
        elif method == "notifications/cancelled":
            params = message.get("params")
            if isinstance(params, dict) and "requestId" in params:
                self._cancelled(params["requestId"], params.get("reason"))

    def _cancelled(self, request_id: Any, reason: Any) -> None:
        entry = self.pending.pop(_key(request_id), None)
        if entry is not None:
            failure = f"the client cancelled the call: {reason or 'no reason given'}"
            self.recorder.record(
                finish_call(entry[1], failure=failure, outcome=CallOutcome.CANCELLED)
            )

    def _server_message(self, message: dict[str, Any], received_perf: float) -> None:
        if "method" in message or "id" not in message:
            return
        key = _key(message["id"])
        if key in self._handshakes:
            self._handshakes.discard(key)
            self._learn_server_name(message.get("result"))
            return
        if key in self._listings:
            self._listings.discard(key)
            self.effects.learn(message.get("result"))
            return
        entry = self.pending.pop(key, None)
        if entry is None:
            return
        pending = entry[1]
        result, error = message.get("result"), message.get("error")
        if isinstance(result, dict):
            record = finish_call(pending, result=result, ended_perf=received_perf)
        elif isinstance(error, dict):
            record = finish_call(pending, rpc_error=error, ended_perf=received_perf)
        else:
            record = finish_call(pending, failure="malformed response", ended_perf=received_perf)
        self.recorder.record(record)

    def gate_line(self, line: bytes, received_perf: float) -> tuple[bytes | None, list[bytes]]:
        """Return what of a client line goes on to the server, and the answers the gate gives
        the client itself (in a replay; outside one the line goes on unchanged)."""
        if self.gate is None or b"tools/call" not in line:
            return line, []
        try:
            value = json.loads(line)
        except ValueError:
            return line, []
        items = value if isinstance(value, list) else [value]
        forwarded, answers = [], []
        for item in items:
            answer = self._gated_call(item, received_perf)
            if answer is None:
                forwarded.append(item)
            else:
                answers.append(answer)
        if not answers:
            return line, []
        kept = [json.dumps(item, separators=(",", ":")).encode() for item in forwarded]
        return (b"\n".join(kept) if kept else None), answers

    def _gated_call(self, message: Any, received_perf: float) -> bytes | None:
        """Return the gate's answer to a tools/call it does not let through, else None."""
        if not isinstance(message, dict) or message.get("method") != "tools/call":
            return None
        if "id" not in message or self.gate is None:
            return None
        params = message.get("params") if isinstance(message.get("params"), dict) else {}
        name = str(params.get("name", ""))
        arguments = params.get("arguments")
        digest = args_digest({} if arguments is None else arguments)
        decision = self.gate.decide(name, digest, self.effects.read_only(name))
        if decision.execute:
            return None
        pending = start_call(
            self.server_name, name, arguments, json.dumps(message["id"]), received_perf
        )
        wire = unrun_result(decision)
        self.recorder.record(finish_call(pending, result=wire, replay=decision.how))
        return response_line(message["id"], wire)

    def _learn_server_name(self, result: Any) -> None:
        if self._fixed_name or not isinstance(result, dict):
            return
        info = result.get("serverInfo")
        if isinstance(info, dict) and isinstance(info.get("name"), str) and info["name"]:
            self.server_name = info["name"][:128]


def closed_error_line(request_id: Any, message: str) -> bytes:
    """Return a JSON-RPC error response line for a request the server will never answer."""
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {"code": CONNECTION_CLOSED, "message": message},
    }
    return json.dumps(body, separators=(",", ":")).encode() + b"\n"
