"""Rule packs: versioned TOML files of deterministic, explainable policy rules, validated on load.

A pack has a name, a version and rules. Each rule has an id, a kind, a category, a severity and
a message. `topic` and `prohibited` rules match regular expressions (case-insensitive; use
`(?-i:PIN)` for a case-sensitive part) in the output fields they scan, except where an `unless`
pattern matches the same sentence or a listed near-miss check (`skip_when`) says the match is
negated, quoted, reported or hedged. `disclaimer` rules fire when one of their rules (or output
categories) is present and none of their `accepted` disclaimer patterns occurs anywhere in the
output (see packs/disclaimers.toml). `confidential` rules fire when the output reveals what its
run declared withheld: an internal document cited or quoted, a tool named (rules/confidential.py,
packs/confidential.toml). A bad pack is refused with the file and the field at fault.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from keel.core.errors import InvalidInput
from keel.core.severity import Severity

NearMiss = Literal["negated", "quoted", "reported", "hedged"]
ScannedField = Literal["answer", "next_steps", "disclaimer"]
DEFAULT_FIELDS: tuple[ScannedField, ...] = ("answer", "next_steps")
RULE_ID = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
VERSION = r"^\d+\.\d+\.\d+$"


def _compile_all(patterns: list[str]) -> list[str]:
    for index, pattern in enumerate(patterns):
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"pattern {index} is not a valid regular expression: {exc}") from None
    return patterns


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=RULE_ID)
    category: str = Field(pattern=r"^[A-Z][A-Z_]*$")
    severity: Severity
    message: str = Field(min_length=1)


class PatternRule(_Rule):
    """A topic or prohibited-claim rule: patterns, exceptions and near-miss checks."""

    kind: Literal["topic", "prohibited"]
    patterns: list[str] = Field(min_length=1)
    unless: list[str] = Field(default_factory=list)
    skip_when: list[NearMiss] = Field(default_factory=list)
    fields: list[ScannedField] = Field(default_factory=lambda: list(DEFAULT_FIELDS))

    _check_patterns = field_validator("patterns", "unless")(_compile_all)

    @cached_property
    def compiled(self) -> list[re.Pattern[str]]:
        """Return the patterns compiled, case-insensitive."""
        return [re.compile(p, re.IGNORECASE) for p in self.patterns]

    @cached_property
    def compiled_unless(self) -> list[re.Pattern[str]]:
        """Return the exception patterns compiled, case-insensitive."""
        return [re.compile(p, re.IGNORECASE) for p in self.unless]


class DisclaimerRule(_Rule):
    """A required disclaimer: when its rules or categories fire, one accepted form must be there."""

    kind: Literal["disclaimer"]
    requires_for_rules: list[str] = Field(default_factory=list)
    skip_when: list[NearMiss] = Field(default_factory=list)
    requires_for_categories: list[str] = Field(default_factory=list)
    accepted: list[str] = Field(min_length=1)

    _check_patterns = field_validator("accepted")(_compile_all)

    @cached_property
    def compiled_accepted(self) -> list[re.Pattern[str]]:
        """Return the accepted disclaimer patterns compiled, case-insensitive."""
        return [re.compile(p, re.IGNORECASE) for p in self.accepted]


class ConfidentialRule(_Rule):
    """Withheld material in the output: `check` names what reveals it (rules/confidential.py)."""

    kind: Literal["confidential"]
    check: Literal["cites_internal", "quotes_internal", "names_tools"]


Rule = Annotated[PatternRule | DisclaimerRule | ConfidentialRule, Field(discriminator="kind")]


class Pack(BaseModel):
    """One versioned rule pack."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pack: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    version: str = Field(pattern=VERSION)
    description: str = ""
    rules: list[Rule] = Field(min_length=1)


def field_path(loc: Sequence[int | str]) -> str:
    """Return a pydantic location as a path like `rules[3].patterns[0]`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def parse_pack(data: Any, source: str) -> Pack:
    """Return `data` validated as a pack, or raise InvalidInput naming `source` and the field."""
    try:
        return Pack.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        # Drop the discriminator tag pydantic inserts into union paths (rules.3.prohibited.x).
        tags = ("topic", "prohibited", "disclaimer", "confidential")
        loc = tuple(p for p in first["loc"] if p not in tags)
        where = field_path(loc) or "pack"
        raise InvalidInput(f"{source}: {where}: {first['msg']}", field=where) from None


def load_pack(path: Path) -> Pack:
    """Return the pack in the TOML file at `path`, validated."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path.name}: not valid TOML ({exc})", field="pack") from None
    return parse_pack(data, path.name)


def check_references(packs: Sequence[Pack]) -> None:
    """Refuse rule ids defined twice and disclaimers naming a pattern rule no pack defines."""
    seen: dict[str, str] = {}
    for pack in packs:
        for index, rule in enumerate(pack.rules):
            if rule.id in seen:
                raise InvalidInput(
                    f"{pack.pack}: rules[{index}].id {rule.id!r} is already defined in "
                    f"{seen[rule.id]}",
                    field=f"rules[{index}].id",
                )
            seen[rule.id] = pack.pack
    known = {r.id for p in packs for r in p.rules if isinstance(r, PatternRule)}
    for pack in packs:
        for index, rule in enumerate(pack.rules):
            missing = set(getattr(rule, "requires_for_rules", [])) - known
            if missing:
                raise InvalidInput(
                    f"{pack.pack}: rules[{index}].requires_for_rules names unknown pattern rules "
                    f"{sorted(missing)}",
                    field=f"rules[{index}].requires_for_rules",
                )


def load_packs(directory: Path | None = None) -> list[Pack]:
    """Return every pack in `directory` (default: keel's built-in packs), checked together."""
    if directory is None:
        root = resources.files("keel.evaluate.rules") / "packs"
        paths = sorted(Path(str(root)).glob("*.toml"))
    else:
        paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise InvalidInput(f"no rule packs (*.toml) in {directory}", field="packs")
    packs = [load_pack(path) for path in paths]
    check_references(packs)
    return packs
