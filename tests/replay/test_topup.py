"""Which runs a reliability profile still needs replayed: a paired sample within a budget."""

from __future__ import annotations

from keel.replay.topup import choose

CANDIDATES = [
    ("r1", "t1", True),  # t1 already replayed
    ("r2", "t2", False),
    ("r3", "t3", False),
    ("r3b", "t3", False),  # a second run of t3: one run per item is enough
    ("r4", "t4", False),
]


def test_replayed_items_count_toward_the_sample_and_one_run_per_item_is_chosen() -> None:
    top_up = choose(CANDIDATES, sample=3, budget=10**6, samples=2)
    assert top_up.replayed_items == {"t1"}
    assert len(top_up.run_ids) == 2 and "r3b" not in top_up.run_ids
    assert top_up.replays == 2 * 8  # seed-only and P1, P2, P3, two samples each


def test_preferred_items_go_first_and_the_budget_caps_the_sample() -> None:
    top_up = choose(CANDIDATES, sample=10, budget=8, samples=2, prefer={"t4"})
    assert top_up.run_ids == ["r4"]  # one run's 8 replays fit the budget
    assert choose(CANDIDATES, sample=10, budget=7, samples=2).run_ids == []


def test_the_order_is_seeded_and_the_same_for_two_populations() -> None:
    fresh = [(run_id, item, False) for run_id, item, _ in CANDIDATES]
    other = [(f"o{i}", item, False) for i, (_, item, _) in enumerate(CANDIDATES)]
    items = {run_id: item for run_id, item, _ in fresh + other}
    mine = choose(fresh, sample=2, budget=10**6, samples=1, seed=5).run_ids
    theirs = choose(other, sample=2, budget=10**6, samples=1, seed=5).run_ids
    assert [items[r] for r in mine] == [items[r] for r in theirs]
