"""The choke point between every ingestion path and the store: records are sanitised, and sealed.

`Sanitizer.seal` passes every text and JSON value of a run record (its inputs, output, metrics,
error, each event's name and payload, each tool call's preview, result and error) through one
walk that
1. replaces NUL and lone surrogates with U+FFFD (PostgreSQL refuses NUL in text and JSONB;
   SQLite stores lone surrogates that no later read can decode),
2. masks secrets with the process's redactor (`keel.core.redaction`),
3. cuts text past the field limit, with a marker (`keel.core.limits.truncate`),
then marks a record it had to repair (`metrics["sanitized"]`, and the event's `payload`) and
seals it. `keel.store.writes.write_runs` refuses any record without an intact seal
(`UnsanitizedRecord`): a write path that forgets the redactor fails loudly, never stores
plaintext. Identifiers (run, trace and span ids, argument digests) are kept as they are: their
formats are checked where they are parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from keel.core import redaction
from keel.core.limits import DEFAULT_MAX_FIELD_CHARS, truncate
from keel.core.records import EventRecord, RunRecord, ToolCallRecord
from keel.core.redaction import Redactor, active, key_mask, secret_keys
from keel.core.settings import Settings

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Column widths of the short text fields (keel.store.models), which masking may lengthen.
_WIDTHS = {"workflow_type": 64, "model": 128, "name": 256, "tool_name": 128, "server": 128}


class UnsanitizedRecord(RuntimeError):
    """A record reached the store without passing the sanitiser: a bug in a write path."""


@dataclass(frozen=True)
class _Seal:
    events: int
    tool_calls: int


@dataclass
class Repairs:
    """What sanitising one record or event changed, beyond masking secrets."""

    replaced_characters: int = 0
    truncated_fields: int = 0

    def __bool__(self) -> bool:
        return bool(self.replaced_characters or self.truncated_fields)

    def add(self, other: Repairs) -> None:
        """Add `other`'s counts to these."""
        self.replaced_characters += other.replaced_characters
        self.truncated_fields += other.truncated_fields


@dataclass
class _Walk:
    """One sanitising pass over values, counting what it repaired."""

    redactor: Redactor
    max_chars: int
    repairs: Repairs = field(default_factory=Repairs)
    #: Masked text by original, shared by the walks of one record: a trace repeats its text
    #: (an agent's input is its first chat's, each chat carries the conversation so far).
    masked: dict[str, str] = field(default_factory=dict)

    def text(self, text: str, width: int | None = None) -> str:
        if "\x00" in text:
            self.repairs.replaced_characters += text.count("\x00")
            text = text.replace("\x00", REPLACEMENT)
        if not text.isascii() and _SURROGATE.search(text) is not None:
            text, count = _SURROGATE.subn(REPLACEMENT, text)
            self.repairs.replaced_characters += count
        masked = self.masked.get(text)
        if masked is None:
            masked = self.masked[text] = self.redactor.text(text)
        text = masked
        limit = self.max_chars if width is None else width
        if len(text) > limit:
            self.repairs.truncated_fields += 1
            text = truncate(text, self.max_chars) if width is None else text[:width]
        return text

    def value(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self.text(value)
        if kind is dict:
            secret = secret_keys(value)
            return {
                self.key(key): key_mask(secret[key], item) if key in secret else self.value(item)
                for key, item in value.items()
            }
        if kind is list:
            return [self.value(item) for item in value]
        if kind is int:
            return self.redactor.value(value)
        if isinstance(value, dict):
            return self.value(dict(value))
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        if isinstance(value, str):
            return self.text(str(value))
        return value

    def key(self, key: Any) -> Any:
        if type(key) is not str or ("\x00" not in key and key.isascii()):
            return key
        return self.text(key)

    def preview(self, text: str) -> str:
        masked = self.redactor.preview(text)
        return self.text(masked)

    def optional(self, text: str | None, width: int | None = None) -> str | None:
        return None if text is None else self.text(text, width)


class Sanitizer:
    """Sanitises and seals run records with one redactor and one field limit."""

    def __init__(
        self, redactor: Redactor | None = None, max_field_chars: int = DEFAULT_MAX_FIELD_CHARS
    ) -> None:
        self.redactor = redactor
        self.max_field_chars = max_field_chars

    def seal(self, records: Iterable[RunRecord]) -> list[RunRecord]:
        """Return `records` sanitised in place and sealed (see the module docstring)."""
        sealed = []
        for record in records:
            if not is_sealed(record):
                self._record(record)
            sealed.append(record)
        return sealed

    def value(self, value: Any) -> Any:
        """Return a JSON value sanitised as record fields are (for audit details and the like)."""
        return self._walk().value(value)

    def text(self, text: str | None) -> str | None:
        """Return a text field sanitised as record fields are."""
        return self._walk().optional(text)

    def preview(self, text: str | None) -> str | None:
        """Return an argument preview sanitised (masked as JSON when it parses)."""
        return None if text is None else self._walk().preview(text)

    def _walk(self, masked: dict[str, str] | None = None) -> _Walk:
        return _Walk(
            self.redactor or active(), self.max_field_chars, masked={} if masked is None else masked
        )

    def _record(self, record: RunRecord) -> None:
        walk = self._walk()
        record.workflow_type = walk.text(record.workflow_type, _WIDTHS["workflow_type"])
        record.model = walk.optional(record.model, _WIDTHS["model"])
        record.error = walk.optional(record.error)
        record.inputs = walk.value(record.inputs)
        record.output = walk.value(record.output)
        record.metrics = walk.value(record.metrics)
        for event in record.events:
            walk.repairs.add(self._event(event, walk.masked))
        for call in record.tool_calls:
            self._tool_call(call, walk)
        if walk.repairs:
            record.metrics = {**record.metrics, "sanitized": _marker(walk.repairs)}
        record.sealed = _Seal(len(record.events), len(record.tool_calls))

    def _event(self, event: EventRecord, masked: dict[str, str]) -> Repairs:
        walk = self._walk(masked)
        event.name = walk.optional(event.name, _WIDTHS["name"])
        event.model = walk.optional(event.model, _WIDTHS["model"])
        event.payload = walk.value(event.payload)
        if walk.repairs:
            event.payload = {**event.payload, "sanitized": _marker(walk.repairs)}
        return walk.repairs

    @staticmethod
    def _tool_call(call: ToolCallRecord, walk: _Walk) -> None:
        call.tool_name = walk.text(call.tool_name, _WIDTHS["tool_name"])
        call.server = walk.optional(call.server, _WIDTHS["server"])
        call.args_preview = walk.preview(call.args_preview)
        call.result_meta = walk.value(call.result_meta)
        call.error = walk.optional(call.error)


_installed = [Sanitizer()]


def install(sanitizer: Sanitizer) -> None:
    """Make `sanitizer` (and its redactor) the process's: entry points call `configure`."""
    if sanitizer.redactor is not None:
        redaction.install(sanitizer.redactor)
    _installed[0] = sanitizer


def installed() -> Sanitizer:
    """Return the process's sanitizer."""
    return _installed[0]


def configure(settings: Settings) -> Sanitizer:
    """Install and return the sanitizer `settings` describe (extra patterns, field limit)."""
    sanitizer = Sanitizer(Redactor(settings.all_redact_patterns()), settings.max_field_chars)
    install(sanitizer)
    return sanitizer


def seal_runs(records: Iterable[RunRecord]) -> list[RunRecord]:
    """Return `records` sanitised and sealed by the process's sanitizer."""
    return _installed[0].seal(records)


def _marker(repairs: Repairs) -> dict[str, int]:
    return {
        "replaced_characters": repairs.replaced_characters,
        "truncated_fields": repairs.truncated_fields,
    }


def is_sealed(record: RunRecord) -> bool:
    """Whether `record` was sealed by a Sanitizer and has not gained children since."""
    seal = record.sealed
    return (
        isinstance(seal, _Seal)
        and seal.events == len(record.events)
        and seal.tool_calls == len(record.tool_calls)
    )


def check_sealed(records: Iterable[RunRecord]) -> None:
    """Raise UnsanitizedRecord unless every record carries an intact seal."""
    for record in records:
        if not is_sealed(record):
            raise UnsanitizedRecord(
                f"run {record.run_id} reached the store without keel.core.sanitize: every "
                "write goes through keel.ingest.storing.store_runs"
            )
