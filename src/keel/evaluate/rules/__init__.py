"""Policy flags: deterministic rule packs (packs/*.toml) applied to agent outputs."""

from keel.evaluate.rules.engine import PolicyFlag, Span, check_output, check_text, default_packs
from keel.evaluate.rules.pack import Pack, load_pack, load_packs

__all__ = [
    "Pack",
    "PolicyFlag",
    "Span",
    "check_output",
    "check_text",
    "default_packs",
    "load_pack",
    "load_packs",
]
