"""The price table: shipped prices, dated snapshots, provider prefixes, overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keel.core.errors import InvalidInput
from keel.core.pricing import Price, load_prices


def test_shipped_table_prices_gpt_4o_mini() -> None:
    assert load_prices().price_of("gpt-4o-mini") == Price(0.15, 0.60)


@pytest.mark.parametrize(
    "name", ["gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini", "openai:gpt-4o-mini", "GPT-4o-mini"]
)
def test_snapshots_and_provider_prefixes_find_their_family(name: str) -> None:
    assert load_prices().price_of(name) == Price(0.15, 0.60)


def test_longest_family_wins_and_unknown_models_have_no_price() -> None:
    prices = load_prices()
    assert prices.price_of("gpt-4o-2024-08-06") == Price(2.50, 10.00)
    assert prices.price_of("gpt-4omega") is None
    assert prices.price_of("house-model") is None
    assert prices.cost_usd("house-model", 10, 10) is None


def test_cost_is_per_million_tokens() -> None:
    assert load_prices().cost_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)


def test_override_file_replaces_and_extends_entries(tmp_path: Path) -> None:
    override = tmp_path / "prices.json"
    models = {"gpt-4o-mini": {"input": 1, "output": 2}, "house-model": {"input": 3, "output": 4}}
    override.write_text(json.dumps({"models": models}))
    prices = load_prices(override)
    assert prices.price_of("gpt-4o-mini") == Price(1.0, 2.0)
    assert prices.price_of("house-model-v2") == Price(3.0, 4.0)
    assert prices.price_of("gpt-4o") == Price(2.50, 10.00)


def test_malformed_override_is_refused_with_its_setting(tmp_path: Path) -> None:
    override = tmp_path / "prices.json"
    override.write_text(json.dumps({"models": {"x": {"input": "free"}}}))
    with pytest.raises(InvalidInput) as caught:
        load_prices(override)
    assert caught.value.field == "KEEL_PRICES_FILE"
