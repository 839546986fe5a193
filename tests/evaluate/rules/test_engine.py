from __future__ import annotations

import pytest

from keel.evaluate.rules.engine import check_output, check_text
from keel.store.engine import Database
from keel.store.flags import flags_of_run, replace_flags
from keel.store.models import Run


def rule_ids(text: str, disclaimer: str = "") -> set[str]:
    return {flag.rule_id for flag in check_output({"answer": text, "disclaimer": disclaimer})}


def test_flag_records_rule_version_severity_and_the_exact_span() -> None:
    output = {"answer": "Good news: you owe no tax on this interest.", "disclaimer": ""}
    flags = {flag.rule_id: flag for flag in check_output(output)}
    flag = flags["prohibited.no_tax_claim"]
    assert (flag.rule_version, flag.severity, flag.category) == ("1.0.0", "high", "TAX")
    assert flag.span.field == "answer"
    assert output["answer"][flag.span.start : flag.span.end] == flag.span.text == "you owe no tax"
    assert flags["disclaimer.tax"].span.text == "tax"


@pytest.mark.parametrize(
    "text",
    [
        "We will never ask for your PIN or password.",
        "Never share your password with anyone.",
        "Do not give anyone your PIN, not even our staff.",
        "If anyone asks you to send your password, it is a scam.",
        'The caller said "give me your card number and CVV"; that was not us.',
        "Enter your PIN at the ATM keypad.",
        "Please confirm the last four digits of your card number.",
    ],
)
def test_credential_near_misses_are_not_requests(text: str) -> None:
    assert "prohibited.credential_request" not in rule_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "Please send us your full card number and PIN.",
        "Don't worry, just tell me your PIN.",
        "What is your password?",
        "Could you send me the code from the text message?",
    ],
)
def test_credential_requests_are_flagged_even_after_harmless_negatives(text: str) -> None:
    assert "prohibited.credential_request" in rule_ids(text)


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("No investment offers guaranteed returns.", False),
        ("Guaranteed returns don't exist in the stock market.", False),
        ("Scammers often promise guaranteed returns.", False),
        ("This ETF has never lost money, so you can't lose your investment.", True),
        ("Our fund offers guaranteed returns of 12% a year.", True),
        ("Whether you owe no tax depends on your residency.", False),
        ('You wrote: "I owe no tax on this".', False),
        ("There's no doubt you will win this lawsuit.", True),
        ("Nobody can promise that you will win in court.", False),
    ],
)
def test_negated_quoted_reported_and_hedged_claims(text: str, claims: bool) -> None:
    prohibited = {rule for rule in rule_ids(text) if rule.startswith("prohibited.")}
    assert bool(prohibited) is claims


@pytest.mark.parametrize(
    "text",
    [
        "The CSV header has a syntax error.",
        "If the loading icon keeps spinning, restart the app.",
        "Coins and banknotes are legal tender.",
        "Use your full legal name on the transfer.",
        "Our branch by the taxi rank opens at 9.",
        "You can pin favourite payees to the top.",
    ],
)
def test_unrelated_uses_of_the_words_raise_nothing(text: str) -> None:
    assert rule_ids(text) == set()


def test_disclaimer_in_the_answer_satisfies_the_rule_and_is_not_a_topic() -> None:
    text = "Interest is reported on form 1099-INT. This is not legal or tax advice."
    assert rule_ids(text) == {"topic.tax"}


def test_wrong_disclaimer_does_not_satisfy_the_rule() -> None:
    assert "disclaimer.tax" in rule_ids("Your 1099-INT is ready.", "This is not legal advice.")


def test_category_alone_requires_its_disclaimer() -> None:
    flags = check_output({"answer": "Your limit is $500.", "category": "TAX", "disclaimer": ""})
    assert [(f.rule_id, f.span.field) for f in flags] == [("disclaimer.tax", "category")]


def test_next_steps_are_scanned_with_their_index() -> None:
    output = {"answer": "Here is what to do.", "next_steps": ["Lock the card", "Send us your PIN"]}
    flag = next(f for f in check_output(output) if f.rule_id == "prohibited.credential_request")
    assert flag.span.field == "next_steps[1]"


def test_curly_apostrophes_match_like_straight_ones() -> None:
    assert "prohibited.no_tax_claim" in {f.rule_id for f in check_text("You won\u2019t owe tax.")}


def test_flags_store_through_replace_flags(database: Database) -> None:
    flags = check_text("Please send us your password. You owe no tax.")
    with database.write() as session:
        session.add(Run(run_id="run-1", workflow_type="support"))
        session.flush()
        replace_flags(session, "run-1", "policy", [flag.as_store_dict() for flag in flags])
    with database.read() as session:
        stored = flags_of_run(session, "run-1")
    assert {row.rule_id for row in stored} == {flag.rule_id for flag in flags}
    row = next(r for r in stored if r.rule_id == "prohibited.credential_request")
    assert row.evidence["text"] == "send us your password"
    assert row.rule_version == "1.0.0"
    assert row.severity == "critical"
