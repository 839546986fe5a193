"""The tool-call diff of a replay against its base: aligned sequences, what was added or removed.

Calls are aligned by tool name with difflib's longest matching blocks. An aligned pair whose
argument digests differ is *changed args*, or *reworded args* in a replay whose perturbation
rewrote the run's text (P1: the new words reach a search query by design, and the stability
score leaves those arguments out too, `trajectory.names_only`); a call present on one side
only is *added* or *removed*, unless the same tool (with the same arguments) was removed in one
place and added in another: then it moved and the row is *reordered*. The result is a list of
rows the dashboard draws as two columns (base | replay), in replay order with removals where
they stood.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from keel.core.tool_names import canonical_tool_name


class DiffKind(StrEnum):
    SAME = "same"
    CHANGED_ARGS = "changed_args"
    REWORDED_ARGS = "reworded_args"
    ADDED = "added"
    REMOVED = "removed"
    REORDERED = "reordered"


@dataclass(frozen=True)
class Call:
    """One tool call as the diff sees it: its tool, its argument digest and a readable preview."""

    tool_name: str
    args_digest: str
    args_preview: str = ""


@dataclass(frozen=True)
class DiffRow:
    """One aligned row: the base call and the replay call (either may be None) and their kind."""

    kind: DiffKind
    base: Call | None
    replay: Call | None
    base_index: int | None
    replay_index: int | None


@dataclass(frozen=True)
class ToolDiff:
    """The aligned rows and how many of each kind."""

    rows: list[DiffRow]

    def counts(self) -> dict[str, int]:
        """Return the number of rows of each kind (every kind present, zero when absent)."""
        counts = {kind.value: 0 for kind in DiffKind}
        for row in self.rows:
            counts[row.kind.value] += 1
        return counts

    @property
    def identical(self) -> bool:
        """Return True when the replay made the same calls, in order, with the same arguments
        (or arguments its perturbation reworded)."""
        return all(row.kind in (DiffKind.SAME, DiffKind.REWORDED_ARGS) for row in self.rows)


def _aligned(base: Sequence[Call], replay: Sequence[Call], reworded: bool) -> list[DiffRow]:
    """Align by tool name; pairs, then one-sided calls in their opcode's place."""
    matcher = SequenceMatcher(
        a=[canonical_tool_name(c.tool_name) for c in base],
        b=[canonical_tool_name(c.tool_name) for c in replay],
        autojunk=False,
    )
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                changed = DiffKind.REWORDED_ARGS if reworded else DiffKind.CHANGED_ARGS
                same = base[i].args_digest == replay[j].args_digest
                kind = DiffKind.SAME if same else changed
                rows.append(DiffRow(kind, base[i], replay[j], i, j))
            continue
        rows.extend(DiffRow(DiffKind.REMOVED, base[i], None, i, None) for i in range(i1, i2))
        rows.extend(DiffRow(DiffKind.ADDED, None, replay[j], None, j) for j in range(j1, j2))
    return rows


def _moves(rows: list[DiffRow]) -> list[DiffRow]:
    """Pair each removed call with an added call of the same tool: one reordered row."""
    added: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        if row.kind is DiffKind.ADDED and row.replay is not None:
            added.setdefault(canonical_tool_name(row.replay.tool_name), []).append(index)
    paired: dict[int, int] = {}
    for index, row in enumerate(rows):
        if row.kind is DiffKind.REMOVED and row.base is not None:
            candidates = added.get(canonical_tool_name(row.base.tool_name))
            if candidates:
                paired[candidates.pop(0)] = index
    removed = set(paired.values())
    result = []
    for index, row in enumerate(rows):
        if index in removed:
            continue
        if index in paired:
            old = rows[paired[index]]
            result.append(
                DiffRow(DiffKind.REORDERED, old.base, row.replay, old.base_index, row.replay_index)
            )
        else:
            result.append(row)
    return result


def tool_diff(base: Sequence[Call], replay: Sequence[Call], *, reworded: bool = False) -> ToolDiff:
    """Return the aligned diff of the replay's tool calls against the base's; `reworded`: the
    replay's perturbation rewrote the run's text, so changed arguments are reworded ones."""
    return ToolDiff(_moves(_aligned(base, replay, reworded)))
