"""One spelling of a tool's name for comparing: policies, flags, diffs and tool paths.

Agents spell one tool several ways. OpenAI function names cannot hold a dot
(`^[a-zA-Z0-9_-]{1,64}$`), so `knowledge.search` is offered to a model as `knowledge_search`;
MCP clients that merge several servers' tools prefix the server (`keel-fintech__knowledge_search`,
Claude Code's `mcp__keel-fintech__knowledge_search`). `canonical_tool_name` maps all of them to
`knowledge.search`: the part after the last `__` (the server namespace dropped), lower-cased,
with `_`, `-`, `/` and `.` read as one separator. Stored names are never rewritten; only
comparisons use the canonical form. Globs (`db.*`) are canonicalised the same way, their
wildcards kept.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache

__all__ = ["canonical_tool_name", "tool_name_matches"]

_SEPARATORS = re.compile(r"[._\-/]+")


# Policies check every call of every ingested run: a few dozen names recur, so remember them.
@lru_cache(maxsize=4096)
def canonical_tool_name(name: str) -> str:
    """Return the name a tool is compared by: `srv__knowledge_search` is `knowledge.search`."""
    tool = name.rsplit("__", 1)[-1] if "__" in name.strip("_") else name
    return _SEPARATORS.sub(".", tool.strip().lower()).strip(".") or name


@lru_cache(maxsize=4096)
def tool_name_matches(name: str, pattern: str) -> bool:
    """Return whether tool `name` matches a policy's name or glob `pattern`, canonically."""
    return fnmatchcase(canonical_tool_name(name), canonical_tool_name(pattern))
