"""The heal critic derives constraints from what varied, and says why."""

from __future__ import annotations

from keel.heal.critic import HEAL_TEMPERATURE, HealPlan, Observed, derive_plan, unresolved


def out(category: str, cited: list[str]) -> dict:
    return {
        "category": category,
        "answer": "a",
        "citations": [{"source": "kb", "id": i} for i in cited],
    }


SEARCH = ("knowledge.search",)


def test_majority_category_with_evidence_is_pinned_and_shared_citations_required() -> None:
    observed = [
        Observed("base", out("TAX", ["kb-1", "kb-2"]), SEARCH),
        Observed("seed", out("TAX", ["kb-1"]), SEARCH),
        Observed("P1", out("WITHDRAWAL", ["kb-1", "kb-9"]), SEARCH),
        Observed("P2", out("TAX", ["kb-1", "kb-2"]), SEARCH),
    ]
    plan = derive_plan(
        observed, {"seed": 0.0, "P1": 30.0, "P2": 5.0}, temperature=0.7, decision="category"
    )
    assert plan.pin_decision == "TAX"
    assert plan.required_citations == ["kb-1"]
    assert plan.temperature == HEAL_TEMPERATURE
    assert plan.worst_perturbation == "P1"
    assert any("pinned to the majority TAX" in reason for reason in plan.reasons)


def test_a_tie_pins_nothing() -> None:
    observed = [Observed("base", out("TAX", ["a"])), Observed("seed", out("WITHDRAWAL", ["a"]))]
    assert derive_plan(observed, {}, temperature=0.1, decision="category").pin_decision is None


def test_a_majority_citing_nothing_is_not_evidence_enough() -> None:
    observed = [Observed(p, out("TAX", [])) for p in ("base", "seed", "P1")]
    observed.append(Observed("P2", out("GENERAL", ["kb-4"])))
    assert derive_plan(observed, {}, temperature=0.1, decision="category").pin_decision is None


def test_answers_without_the_retrieval_tool_make_it_required() -> None:
    observed = [Observed("base", out("TAX", ["a"]), SEARCH), Observed("P3", out("TAX", ["a"]), ())]
    plan = derive_plan(observed, {"P3": 20.0}, temperature=0.1, decision="category")
    assert plan.require_tool == "knowledge.search"
    assert plan.temperature is None


def test_agreeing_generations_need_no_constraint_but_temperature() -> None:
    observed = [Observed(p, out("TAX", ["a"]), SEARCH) for p in ("base", "seed", "P1")]
    plan = derive_plan(observed, {"P1": 0.0}, temperature=0.1, decision="category")
    assert plan.empty


def test_the_decision_the_contract_names_is_what_gets_pinned() -> None:
    observed = [
        Observed(p, {"grade": g, "category": "TAX", "citations": [{"id": "kb-1"}]})
        for p, g in (("base", "B"), ("seed", "B"), ("P1", "C"))
    ]
    assert derive_plan(observed, {}, temperature=0.1, decision="grade").pin_decision == "B"
    assert derive_plan(observed, {}, temperature=0.1, decision=None).pin_decision is None


def test_a_rerun_missing_a_required_citation_leaves_its_finding_unresolved() -> None:
    plan = HealPlan(pin_decision="TAX", required_citations=["KB-1", "KB-2"], require_tool="kb")
    honoured = {"category": "TAX", "citations": [{"id": "KB-1"}, {"id": "KB-2"}]}
    assert unresolved(plan, honoured, ["kb"], decision="category") == []
    partial = {"category": "TAX", "citations": [{"id": "KB-1"}]}
    assert unresolved(plan, partial, ["kb"], decision="category") == [
        "required citation(s) ['KB-2'] missing"
    ]
    assert unresolved(plan, honoured, [], decision="category") == ["kb was not called"]
