"""The offline grounded sampler: seeded, temperature-driven, varying only with ambiguous inputs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from keel.core.errors import InvalidInput
from keel.core.settings import Settings
from keel.models import CompletionRequest, Message, ModelError, ToolSpec, load_model
from keel.reference.offline_model.tokens import count_tokens

LABELS = {
    "WITHDRAWAL": "Taking cash out at an ATM or a branch. Daily cash withdrawal limits. "
    "Cash not dispensed or a card kept by the machine.",
    "TAX": "Tax forms and statements such as 1099. Tax withholding and tax residency. "
    "Whether income or charges are taxable or tax deductible.",
    "SECURITY": "Fraud, scams and transactions the customer did not make. "
    "Lost or stolen cards, suspicious logins, compromised passwords.",
    "TRANSFER": "Sending money to another account: wire transfers and ACH. "
    "Transfer cut-off times, delays and incoming payments.",
}
DOCS = [
    {
        "id": "atm-limits",
        "title": "ATM withdrawal limits",
        "text": "You can withdraw up to 800 dollars a day from ATMs. The daily limit resets at "
        "midnight. Branch tellers can pay out more with photo identification.",
        "steps": ["Check your limit in the app.", "Visit a branch for larger amounts."],
    },
    {
        "id": "fees-tax",
        "title": "Are bank charges tax deductible?",
        "text": "Charges on personal accounts are generally not tax deductible. Charges on "
        "business accounts may be deductible as business expenses. Keep your statements as "
        "records for your tax return.",
        "steps": ["Download your annual charges summary.", "Ask a tax professional."],
    },
    {
        "id": "wire-cutoff",
        "title": "Wire cut-off times",
        "text": "Domestic wires submitted before 4 pm are sent the same business day. Wires "
        "after the cut-off go out the next business day.",
        "steps": ["Open the Transfers tab.", "Choose a wire transfer."],
    },
    {
        "id": "card-fraud",
        "title": "Reporting a card payment you did not make",
        "text": "If you see a card payment you do not recognise, freeze the card in the app "
        "right away. We investigate disputed payments within ten business days.",
        "steps": ["Freeze the card.", "Report the payment as fraud."],
    },
]
DISCLAIMERS = {"TAX": "This is general information, not tax advice."}
AMBIGUOUS = (
    "I was charged for ATM cash withdrawals on my business account. "
    "Can I deduct those charges from my taxes?"
)


@pytest.fixture(scope="module")
def sampler() -> Any:
    return load_model("offline", Settings())


def answer(
    sampler: Any,
    text: str,
    seed: int,
    docs: list[dict[str, Any]] = DOCS,
    temperature: float = 0.7,
    **extra: Any,
) -> Any:
    inputs = {"text": text, "labels": LABELS, "documents": docs, "disclaimers": DISCLAIMERS}
    request = CompletionRequest(
        task="answer",
        inputs={**inputs, **extra},
        seed=seed,
        temperature=temperature,
        messages=(Message("user", text),),
    )
    return sampler.generate(request)


def categories(sampler: Any, text: str, seeds: int = 40, **kwargs: Any) -> Counter[str]:
    return Counter(answer(sampler, text, s, **kwargs).parsed["category"] for s in range(seeds))


def test_same_seed_gives_the_same_generation(sampler: Any) -> None:
    first, again = answer(sampler, AMBIGUOUS, 5), answer(sampler, AMBIGUOUS, 5)
    assert first.parsed == again.parsed and first.details == again.details


def test_a_clear_request_has_one_dominant_category(sampler: Any) -> None:
    counts = categories(sampler, "What is the most cash I can take out of the ATM per day?")
    assert counts.most_common(1)[0] == ("WITHDRAWAL", 40)


def test_an_ambiguous_request_flips_between_its_two_readings(sampler: Any) -> None:
    probabilities = answer(sampler, AMBIGUOUS, 0).details["label_probabilities"]
    assert probabilities["TAX"] + probabilities["WITHDRAWAL"] > 0.95, probabilities
    assert min(probabilities["TAX"], probabilities["WITHDRAWAL"]) > 0.05, probabilities
    counts = categories(sampler, AMBIGUOUS, seeds=200)
    assert [label for label, _ in counts.most_common(2)] == ["TAX", "WITHDRAWAL"], counts
    assert counts["TAX"] + counts["WITHDRAWAL"] >= 0.95 * 200, counts


def test_temperature_zero_is_deterministic_across_seeds(sampler: Any) -> None:
    assert len(categories(sampler, AMBIGUOUS, seeds=10, temperature=0.0)) == 1


def test_document_order_moves_the_category_distribution(sampler: Any) -> None:
    forward = answer(sampler, AMBIGUOUS, 0).details
    backward = answer(sampler, AMBIGUOUS, 0, docs=DOCS[::-1]).details
    assert forward["context_weights"] != backward["context_weights"]
    assert forward["label_probabilities"] != backward["label_probabilities"]


def test_answer_is_grounded_in_the_cited_documents(sampler: Any) -> None:
    for seed in range(10):
        parsed = answer(sampler, AMBIGUOUS, seed).parsed
        cited = {c["id"] for c in parsed["citations"]}
        assert cited and cited <= {d["id"] for d in DOCS}
        texts = " ".join(d["text"] + " ".join(d["steps"]) for d in DOCS if d["id"] in cited)
        for sentence in [*parsed["next_steps"]]:
            assert sentence in texts
        assert parsed["answer"] and all(s in texts for s in parsed["answer"].split(". ")[:1])


def test_the_disclaimer_follows_the_sampled_category(sampler: Any) -> None:
    seen = {}
    for seed in range(40):
        parsed = answer(sampler, AMBIGUOUS, seed).parsed
        seen[parsed["category"]] = parsed["disclaimer"]
    assert seen["TAX"] == DISCLAIMERS["TAX"]
    assert seen["WITHDRAWAL"] == ""  # a tax question read as a withdrawal misses its disclaimer


def test_allowed_labels_constrain_the_choice(sampler: Any) -> None:
    counts = categories(sampler, AMBIGUOUS, seeds=20, allowed_labels=["TAX"])
    assert counts == Counter({"TAX": 20})


def test_review_is_asked_for_review_labels_and_low_confidence(sampler: Any) -> None:
    text = "Someone I do not know used my card at a shop in another country."
    assert answer(sampler, text, 0, review_labels=["SECURITY"]).parsed["needs_human_review"]
    assert not answer(sampler, "What is the wire cut-off time?", 0).parsed["needs_human_review"]


def test_it_works_on_a_knowledge_base_from_another_domain(sampler: Any) -> None:
    labels = {
        "BILLING": "Invoices, charges on the monthly bill, refunds and payment methods.",
        "OUTAGE": "No internet connection, service down in my area, slow or dropping signal.",
        "DEVICE": "Setting up or resetting the router, modem lights, replacing hardware.",
    }
    docs = [
        {
            "id": "k1",
            "title": "Resetting your router",
            "text": "Hold the reset button for ten "
            "seconds until the lights blink. Wait two minutes for it to restart.",
            "steps": ["Hold reset for ten seconds.", "Wait for the lights."],
        },
        {
            "id": "k2",
            "title": "Understanding your bill",
            "text": "Your bill shows the monthly "
            "plan price and any one-off charges. Refunds appear on the next bill.",
        },
    ]
    request = CompletionRequest(
        task="answer",
        inputs={
            "text": "My router lights keep blinking, how do I reset it?",
            "labels": labels,
            "documents": docs,
        },
        seed=3,
    )
    parsed = sampler.generate(request).parsed
    assert parsed["category"] == "DEVICE"
    assert parsed["citations"][0]["id"] == "k1"
    assert "Hold reset for ten seconds." in parsed["next_steps"]


def test_tokens_are_counted_with_the_tokenizer_and_cost_nothing(sampler: Any) -> None:
    generation = answer(sampler, AMBIGUOUS, 1)
    assert generation.input_tokens == count_tokens(AMBIGUOUS)
    assert generation.output_tokens == count_tokens(generation.text) > 0
    assert generation.cost_usd == 0.0
    assert generation.record()["model"] == "grounded-sampler"


def test_plan_calls_the_tools_whose_arguments_it_can_fill(sampler: Any) -> None:
    search = ToolSpec(
        "knowledge.search",
        "Search articles.",
        {"type": "object", "properties": {"query": {}, "k": {}}, "required": ["query"]},
    )
    lookup = ToolSpec(
        "account.lookup",
        "Look up a customer.",
        {"type": "object", "properties": {"customer_id": {}}, "required": ["customer_id"]},
    )
    request = CompletionRequest(
        task="plan",
        tools=(search, lookup),
        seed=0,
        inputs={"text": AMBIGUOUS, "labels": LABELS, "known": {"query": AMBIGUOUS, "k": 4}},
    )
    generation = sampler.generate(request)
    assert [(c.name, c.arguments) for c in generation.tool_calls] == [
        ("knowledge.search", {"query": AMBIGUOUS, "k": 4})
    ]
    assert generation.parsed["category"] in LABELS


def test_free_form_requests_are_refused_with_a_reason(sampler: Any) -> None:
    with pytest.raises(ModelError, match="structured task"):
        sampler.generate(CompletionRequest(messages=(Message("user", "hello"),)))
    with pytest.raises(InvalidInput, match="labels"):
        sampler.generate(CompletionRequest(task="answer", inputs={"text": "hi"}))
