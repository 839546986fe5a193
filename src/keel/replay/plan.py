"""Which replays a budget holds, each with its own derived seeds, so the same seed replays alike."""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from keel.core.errors import InvalidInput


class Perturbation(enum.StrEnum):
    SEED = "seed"  # same inputs, another sampling seed: the noise floor
    P1 = "P1"  # instruction / message paraphrase
    P2 = "P2"  # context shuffle
    P3 = "P3"  # tool constraint


@dataclass(frozen=True)
class ReplaySpec:
    """One replay to run: its perturbation, sample number and seeds."""

    perturbation: Perturbation
    sample: int
    generation_seed: int
    perturbation_seed: int


def derive_seed(seed: int, *parts: object) -> int:
    """Return a 31-bit seed derived from `seed` and `parts` (stable across processes)."""
    digest = hashlib.sha256(repr((seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def parse_perturbations(text: str) -> list[Perturbation]:
    """Return the perturbations named in `text` like "P1,P2,P3" (seed-only is always added)."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    try:
        return [Perturbation(name.upper() if name.lower() != "seed" else "seed") for name in names]
    except ValueError:
        valid = ", ".join(p.value for p in Perturbation)
        raise InvalidInput(
            f"perturbations must be among {valid}; got {text!r}", "perturbations"
        ) from None


def plan_replays(
    perturbations: Sequence[Perturbation], samples: int, seed: int, inputs_key: str = ""
) -> list[ReplaySpec]:
    """Return the replays of a budget: seed-only plus each perturbation, `samples` of each.

    Perturbation seeds also depend on `inputs_key` (a digest of the base run's inputs), so runs
    of different inputs replayed with the same seed draw different paraphrases and tool
    constraints, while the same inputs and seed always replay alike, whatever the run's id.
    """
    if samples < 1:
        raise InvalidInput("samples must be at least 1", field="samples")
    kinds = [
        Perturbation.SEED,
        *(p for p in dict.fromkeys(perturbations) if p != Perturbation.SEED),
    ]
    return [
        ReplaySpec(
            kind,
            sample,
            derive_seed(seed, "gen", kind, sample),
            derive_seed(seed, "perturb", inputs_key, kind, sample),
        )
        for kind in kinds
        for sample in range(samples)
    ]
