"""Model prices (USD per 1M tokens) and the cost of one call.

The table ships in `keel/core/data/prices.json`; `KEEL_PRICES_FILE` names a JSON file of the same
shape (`{"models": {"<model>": {"input": 0.15, "output": 0.60}}}`) whose entries override or
extend it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from keel.core.errors import InvalidInput

__all__ = ["Price", "PriceTable", "load_prices"]


@dataclass(frozen=True)
class Price:
    """What one million input and output tokens of a model cost, in USD."""

    input_per_mtok: float
    output_per_mtok: float


class PriceTable:
    """Prices by model name; dated snapshots (`gpt-4o-mini-2024-07-18`) match their family."""

    def __init__(self, prices: dict[str, Price]) -> None:
        self.prices = dict(prices)
        # Longest name first, so `gpt-4o-mini-...` finds gpt-4o-mini before gpt-4o.
        self._by_length = sorted(self.prices, key=len, reverse=True)
        self._resolved: dict[str, Price | None] = {}

    def price_of(self, model: str | None) -> Price | None:
        """Return the price of `model`, or None when the table does not know it."""
        if not model:
            return None
        if model not in self._resolved:
            if len(self._resolved) > 4096:  # names come from clients; keep the memo bounded
                self._resolved.clear()
            self._resolved[model] = self._lookup(model)
        return self._resolved[model]

    def _lookup(self, model: str) -> Price | None:
        name = model.lower().strip()
        # Provider-qualified names: "openai/gpt-4o-mini", "openai:gpt-4o-mini", "models/gemini-..."
        for separator in ("/", ":"):
            name = name.rsplit(separator, 1)[-1]
        if name in self.prices:
            return self.prices[name]
        for known in self._by_length:
            if name.startswith(known) and name[len(known)] in "-@.":
                return self.prices[known]
        return None

    def cost_usd(self, model: str | None, input_tokens: int, output_tokens: int) -> float | None:
        """Return the USD cost of a call to `model`, or None when its price is unknown."""
        price = self.price_of(model)
        if price is None:
            return None
        return (input_tokens * price.input_per_mtok + output_tokens * price.output_per_mtok) / 1e6


def _parse(data: Any, origin: str) -> dict[str, Price]:
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, dict):
        raise InvalidInput(f"{origin}: expected an object with a 'models' object", field=origin)
    prices = {}
    for name, entry in models.items():
        try:
            prices[name.lower()] = Price(float(entry["input"]), float(entry["output"]))
        except (TypeError, KeyError, ValueError) as exc:
            raise InvalidInput(
                f"{origin}: model {name!r} needs numeric 'input' and 'output'", field=origin
            ) from exc
    return prices


@lru_cache(maxsize=8)
def load_prices(override: Path | None = None) -> PriceTable:
    """Return the shipped price table, with the entries of `override` (a JSON file) on top."""
    shipped = resources.files("keel.core").joinpath("data/prices.json").read_text(encoding="utf-8")
    prices = _parse(json.loads(shipped), "keel/core/data/prices.json")
    if override is not None:
        try:
            data = json.loads(Path(override).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInput(
                f"KEEL_PRICES_FILE {override}: {exc}", field="KEEL_PRICES_FILE"
            ) from exc
        prices.update(_parse(data, "KEEL_PRICES_FILE"))
    return PriceTable(prices)
