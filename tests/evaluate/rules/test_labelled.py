from __future__ import annotations

from collections import Counter

from keel.evaluate.rules.labelled import evaluate_labelled, load_labelled


def test_labelled_set_has_150_answers_with_every_kind_of_near_miss() -> None:
    items = load_labelled()
    assert len(items) >= 150
    tags = Counter(tag for item in items for tag in item.tags)
    for kind in ("negation", "quote", "reported", "hedge", "unrelated-word"):
        assert tags[kind] >= 5, kind
    assert len({item.id for item in items}) == len(items)


def test_every_rule_family_keeps_precision_and_recall_at_least_0_9() -> None:
    families = evaluate_labelled(load_labelled())["families"]
    assert set(families) == {"topic", "disclaimer", "prohibited"}
    for name, scores in families.items():
        assert scores["precision"] >= 0.9, (name, scores)
        assert scores["recall"] >= 0.9, (name, scores)


def test_prohibited_rules_never_fire_on_a_near_miss() -> None:
    near_misses = [item for item in load_labelled() if "near-miss" in item.tags]
    report = evaluate_labelled(near_misses)
    prohibited = {k: v for k, v in report["rules"].items() if k.startswith("prohibited.")}
    assert sum(scores["fp"] for scores in prohibited.values()) == 0
