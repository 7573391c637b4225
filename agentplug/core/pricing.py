"""Cost of a model call from ``genai-prices`` (pydantic's price tables; the data ships in the
package, nothing is fetched at run time).

Which table prices a backend comes from its declaration: ``BackendSpec.pricing`` (or its
``Preset.pricing`` for a provider behind a generic backend) is a genai-prices provider id, or
``"free"`` for models run locally or on a self-hosted server. A backend whose model is chosen
per call (a fallback chain) defines ``price_ref()`` instead. A model no table knows is
*unpriced*, never $0.00; a cost the provider reported itself (Claude Code's
``total_cost_usd``, OpenRouter's ``usage.cost``) is kept as it is.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from .usage import Usage

FREE = "free"
_INSTALL_HINT = "genai-prices is not installed: pip install 'agentplug[prices]'"


@dataclass(frozen=True, slots=True)
class PriceRef:
    """What prices a call: a genai-prices provider id (or ``"free"``) and the model name."""

    provider: str | None
    model: str | None

    @property
    def label(self) -> str:
        return f"{self.provider or '?'}:{self.model or '?'}"


@runtime_checkable
class PriceSource(Protocol):
    """A backend whose calls are priced by what it runs now (a fallback chain's member)."""

    def price_ref(self) -> PriceRef: ...


def price_ref(backend: object) -> PriceRef:
    """The price reference of a backend's next call, read from its declaration."""
    if isinstance(backend, PriceSource):
        return backend.price_ref()
    spec, params = getattr(backend, "spec", None), getattr(backend, "params", None)
    model = getattr(params, "model", None) or getattr(spec, "default_model", None)
    preset = _preset(spec, params)
    provider = getattr(preset, "pricing", None) or getattr(spec, "pricing", None)
    return PriceRef(provider, model)


def _preset(spec: Any, params: Any) -> Any:
    if spec is None:
        return None
    name = getattr(params, "provider", None)
    return spec.preset_for(name if isinstance(name, str) else None,
                           getattr(params, "base_url", None))


def price(usage: Usage, ref: PriceRef) -> Usage:
    """``usage`` with its cost settled: a figure, free, or unpriced with the reason."""
    if usage.priced:
        return usage  # the provider reported its own cost
    if ref.provider == FREE:
        return replace(usage, cost_usd=0.0, free=True)
    if not ref.provider:
        return replace(usage, unpriced=(f"{ref.model or 'model'} (no price table declared "
                                        "for this backend)",))
    if not ref.model:
        return replace(usage, unpriced=(f"{ref.provider} (model unknown)",))
    cost = _table_cost(usage, ref.provider, ref.model)
    if isinstance(cost, str):
        return replace(usage, unpriced=(f"{ref.model} ({cost})",))
    return replace(usage, cost_usd=float(cost))


def _table_cost(usage: Usage, provider: str, model: str) -> Decimal | str:
    """The table's price, or why there is none."""
    prices = _genai_prices()
    if prices is None:
        return _INSTALL_HINT
    try:
        calc = prices.calc_price(
            prices.Usage(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                         cache_read_tokens=usage.cached_tokens,
                         cache_write_tokens=usage.cache_write_tokens,
                         output_reasoning_tokens=usage.reasoning_tokens),
            model_ref=model, provider_id=provider)
    except LookupError:
        return f"no price in genai-prices for provider {provider!r}"
    return calc.total_price  # type: ignore[no-any-return]


@functools.cache
def _genai_prices() -> Any:
    try:
        return importlib.import_module("genai_prices")
    except ImportError:
        return None


@functools.cache
def warm() -> None:
    """Import the price tables ahead of the first call (0.4 s here): run it off the loop."""
    prices = _genai_prices()
    if prices is not None:
        # The first lookup builds the table's indexes (~40 ms).
        with contextlib.suppress(LookupError):
            prices.calc_price(prices.Usage(input_tokens=1), model_ref="gpt-4o",
                              provider_id="openai")
