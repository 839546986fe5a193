from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from keel.core.errors import InvalidInput
from keel.models.embeddings import SentenceEmbedder, embedder
from keel.reference.offline_model.grounded_sampler import GroundedSampler


def test_paraphrases_are_closer_than_unrelated_text(minilm: SentenceEmbedder) -> None:
    a, b, unrelated = minilm.encode(
        [
            "You can take out up to 500 dollars a day at an ATM.",
            "The daily cash machine withdrawal limit is $500.",
            "Interest you earn is reported on form 1099-INT.",
        ]
    )
    assert float(a @ b) > float(a @ unrelated) + 0.3


def test_vectors_are_unit_length_and_cached_ones_equal_fresh_ones(minilm: SentenceEmbedder) -> None:
    first = minilm.encode(["wire cut-off times", "card PIN reset"])
    again = minilm.encode(["card PIN reset", "wire cut-off times", "card PIN reset"])
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(again[0], first[1])
    assert np.array_equal(again[0], again[2])
    assert minilm.encode([]).shape == (0, 384)


def test_scoring_and_the_offline_model_share_one_embedder_per_process() -> None:
    assert embedder("all-MiniLM-L6-v2") is embedder("all-MiniLM-L6-v2")
    assert GroundedSampler("all-MiniLM-L6-v2").embedder is embedder("all-MiniLM-L6-v2")


def test_an_embedder_missing_offline_is_refused_naming_the_setting(tmp_path) -> None:
    with pytest.raises(InvalidInput) as caught:
        SentenceEmbedder(str(tmp_path / "no-such-model")).encode(["x"])
    assert caught.value.field == "KEEL_EMBEDDER"


def test_importing_keel_evaluate_does_not_import_torch() -> None:
    code = (
        "import sys, keel.evaluate, keel.evaluate.stability, keel.models.embeddings;"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.split() == ["False", "False"]
