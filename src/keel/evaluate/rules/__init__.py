"""Policy flags: deterministic rule packs (packs/*.toml) applied to agent outputs."""

from keel.evaluate.rules.engine import RuleFlag, Span, check_output, check_text, default_packs
from keel.evaluate.rules.pack import Pack, load_pack, load_packs

__all__ = [
    "Pack",
    "RuleFlag",
    "Span",
    "check_output",
    "check_text",
    "default_packs",
    "load_pack",
    "load_packs",
]
