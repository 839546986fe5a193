"""Tool-usage policy files: the TOML format, its validation, and errors that name file, line
and field.

    workflow_type = "sql_analysis"      # the runs it governs
    version = "3"                       # bump on every change; the newest loaded applies
    allowed_tools = ["db.query", "knowledge.*"]   # globs; omit to allow any tool

    [tools."db.query"]
    max_calls = 8                       # per tool name per run
    allowed_tables = ["accounts", "transactions"]  # SQL in argument `sql_arg` (default "sql")
    forbid_patterns = ['(?i)\\bpragma\\b']         # regexes searched in the redacted preview

    [limits]
    max_loop_depth = 4
    max_latency_ms = 60000
    max_cost_usd = 0.25
    max_tool_calls = 20

    [severity]                          # override a rule's default severity
    not_allowed = "high"
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from keel.core.errors import InvalidInput
from keel.core.severity import Severity
from keel.core.tool_names import tool_name_matches


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolRule(_Strict):
    """Limits on one tool (or every tool matching a glob)."""

    max_calls: int | None = Field(default=None, ge=0)
    forbid_patterns: tuple[str, ...] = ()
    allowed_tables: tuple[str, ...] | None = None
    sql_arg: str = Field(default="sql", min_length=1)

    @field_validator("forbid_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regex: {exc}") from None
        return patterns


class Limits(_Strict):
    """Limits on a whole run."""

    max_loop_depth: int | None = Field(default=None, ge=0)
    max_latency_ms: float | None = Field(default=None, gt=0)
    max_cost_usd: float | None = Field(default=None, ge=0)
    max_tool_calls: int | None = Field(default=None, ge=0)


class Severities(_Strict):
    """The severity each rule's violations carry."""

    not_allowed: Severity = Severity.HIGH
    forbidden_args: Severity = Severity.HIGH
    table_not_allowed: Severity = Severity.HIGH
    args_unverifiable: Severity = Severity.MEDIUM
    max_calls: Severity = Severity.MEDIUM
    max_tool_calls: Severity = Severity.MEDIUM
    max_loop_depth: Severity = Severity.MEDIUM
    max_cost: Severity = Severity.MEDIUM
    max_latency: Severity = Severity.LOW


class ToolPolicy(_Strict):
    """The tool-usage policy of one workflow type, one version of it."""

    workflow_type: str = Field(min_length=1, max_length=64)
    version: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$")
    description: str = ""
    allowed_tools: tuple[str, ...] | None = None
    tools: dict[str, ToolRule] = Field(default_factory=dict)
    limits: Limits = Limits()
    severity: Severities = Severities()

    @model_validator(mode="after")
    def _rules_name_allowed_tools(self) -> ToolPolicy:
        if self.allowed_tools is None:
            return self
        for name in self.tools:
            if not any(tool_name_matches(name, allowed) for allowed in self.allowed_tools):
                raise ValueError(f"tools.{name} is configured but not in allowed_tools")
        return self

    def tool_allowed(self, tool_name: str) -> bool:
        """Return whether `tool_name` matches allowed_tools (any tool when unset), compared by
        canonical name (`knowledge_search` is `knowledge.search`: keel.core.tool_names)."""
        if self.allowed_tools is None:
            return True
        return any(tool_name_matches(tool_name, allowed) for allowed in self.allowed_tools)

    def rules_for(self, tool_name: str) -> list[ToolRule]:
        """Return the rules whose key (a name or glob) matches `tool_name`."""
        return [rule for key, rule in self.tools.items() if tool_name_matches(tool_name, key)]


def document_digest(text: str) -> str:
    """Return the SHA-256 of a policy document's text (what identifies a loaded version)."""
    return hashlib.sha256(text.encode()).hexdigest()


def parse_policy(text: str, origin: str) -> ToolPolicy:
    """Return the policy in TOML `text`, or raise InvalidInput naming origin, line and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _decode_error_line(str(exc))
        raise InvalidInput(f"{origin}:{line}: not valid TOML: {exc}", field="document") from None
    try:
        return ToolPolicy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        if first["type"] == "value_error" and not loc:
            loc = _loc_named_in(first["msg"])
        field = ".".join(str(part) for part in loc) or "document"
        line = key_line(text, loc)
        raise InvalidInput(f"{origin}:{line}: {field}: {first['msg']}", field=field) from None


def _decode_error_line(message: str) -> int:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else 1


def _loc_named_in(message: str) -> tuple[str, ...]:
    """Return the field a model-level error message names (`tools.X ...`)."""
    match = re.search(r"\btools\.(\S+) is configured", message)
    return ("tools", match.group(1)) if match else ()


_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key_parts(text: str) -> list[str] | None:
    """Return the parts of a (dotted, possibly quoted) TOML key, or None if `text` is not one."""
    parts, rest = [], text.strip()
    while rest:
        if rest[0] in "\"'":
            end = rest.find(rest[0], 1)
            if end < 0:
                return None
            parts.append(rest[1:end])
            rest = rest[end + 1 :].lstrip()
        else:
            match = _BARE.match(rest)
            if not match:
                return None
            parts.append(match.group(0))
            rest = rest[match.end() :].lstrip()
        if rest.startswith("."):
            rest = rest[1:].lstrip()
        elif rest:
            return None
    return parts


def _line_paths(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """Return (line number, full key path) for every table header and key line."""
    paths, table = [], ()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[?(.+?)\]\]?\s*(#.*)?$", stripped)
        if header and not stripped.startswith("[ "):
            parts = _key_parts(header.group(1))
            if parts is not None:
                table = tuple(parts)
                paths.append((number, table))
                continue
        key, sep, _value = stripped.partition("=")
        parts = _key_parts(key) if sep else None
        if parts:
            paths.append((number, table + tuple(parts)))
    return paths


def key_line(text: str, loc: tuple[Any, ...]) -> int:
    """Return the line of `text` that best matches field path `loc` (1 when none does)."""
    wanted = tuple(str(part) for part in loc if not isinstance(part, int))
    best_line, best_len = 1, 0
    for number, path in _line_paths(text):
        common = 0
        for have, want in zip(path, wanted, strict=False):
            if have != want:
                break
            common += 1
        if common == len(path) and common > best_len:
            best_line, best_len = number, common
    return best_line
