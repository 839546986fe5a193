"""What a reliability profile still needs: replays of a sample of a population's items.

Consistency and robustness need reruns and perturbed replays of the same input; a population
stored one run per ticket has none. The top-up picks items without a completed replay set —
items the other side of a comparison has replayed first, so two profiles rest on the same
tickets — in a seeded order, and replays one base run of each, within a budget of replays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from keel.core.errors import Conflict
from keel.models.embeddings import Embedder
from keel.replay.engine import run_replay_set, start_replay_set
from keel.replay.plan import Perturbation
from keel.replay.target import ReplayTarget
from keel.store.drift import PopulationFilter
from keel.store.engine import Database
from keel.store.profile import replay_candidates

PROFILE_PERTURBATIONS = (Perturbation.P1, Perturbation.P2, Perturbation.P3)
#: (done, total) replays of the whole top-up.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class TopUp:
    """The base runs a population's profile still needs replayed, and what that costs."""

    run_ids: list[str]
    replayed_items: set[str]
    replays_per_run: int
    #: the item of each run in `run_ids`
    items: list[str] = field(default_factory=list)

    @property
    def replays(self) -> int:
        """Return how many replays the top-up runs."""
        return len(self.run_ids) * self.replays_per_run


@dataclass
class TopUpResult:
    """What a top-up did: replay sets run, and runs that could not be replayed (and why)."""

    replay_sets: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _order(item: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{item}".encode()).hexdigest()


def choose(
    candidates: Sequence[tuple[str, str, bool]],
    sample: int,
    budget: int,
    samples: int,
    seed: int = 0,
    prefer: Collection[str] = (),
) -> TopUp:
    """Return which base runs to replay so that `sample` items are replayed, within `budget`.

    `candidates` are (run id, item, replayed); items in `prefer` go first, then a seeded order.
    """
    per_run = samples * (1 + len(PROFILE_PERTURBATIONS))
    replayed = {item for _, item, done in candidates if done}
    waiting: dict[str, str] = {}
    for run_id, item, _ in candidates:
        if item not in replayed:
            waiting.setdefault(item, run_id)
    order = sorted(waiting, key=lambda item: (item not in prefer, _order(item, seed)))
    room = min(max(0, sample - len(replayed)), budget // per_run)
    chosen = order[:room]
    return TopUp([waiting[item] for item in chosen], replayed, per_run, chosen)


def plan_top_up(
    database: Database,
    filters: PopulationFilter,
    item_key: str | None,
    sample: int,
    budget: int,
    samples: int,
    prefer: Collection[str] = (),
) -> TopUp:
    """Return the top-up a population needs (see `choose`)."""
    with database.read() as session:
        candidates = replay_candidates(session, filters, item_key)
    return choose(candidates, sample, budget, samples, prefer=prefer)


def run_top_up(
    database: Database,
    top_up: TopUp,
    samples: int,
    targets: Sequence[ReplayTarget],
    embed: Embedder,
    progress: Progress | None = None,
    done_before: int = 0,
    total: int | None = None,
) -> TopUpResult:
    """Replay each run of `top_up` (seed-only plus P1, P2, P3, `samples` each)."""
    result = TopUpResult()
    total = total if total is not None else top_up.replays
    done = done_before
    for run_id in top_up.run_ids:
        try:
            set_id = start_replay_set(database, run_id, PROFILE_PERTURBATIONS, samples, 0, targets)
        except Conflict as exc:
            result.skipped[run_id] = exc.message
            done += top_up.replays_per_run
            continue

        def advance(step: int, _of: int, start: int = done) -> None:
            if progress:
                progress(start + step, total)

        run_replay_set(database, set_id, targets, embed, progress=advance)
        result.replay_sets.append(set_id)
        done += top_up.replays_per_run
    return result
