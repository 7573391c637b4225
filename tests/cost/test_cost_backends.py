"""Cost of one call on every backend, through its real SDK against a simulator, from a scripted
usage. Each expected figure is worked out by hand from the genai-prices table (per million
tokens) in the comment beside it, not read back from the library."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from agentplug import Done, UsageEvent, create_agent
from agentplug.core import pricing
from agentplug.core.host import default_host
from agentplug.testing import Reply

AZURE_VERSION = "2024-10-21"


@dataclass
class Case:
    kind: str
    sim: str  # the simulator fixture
    backend: dict[str, Any]
    usage: dict[str, int] = field(default_factory=lambda: {"input": 1000, "output": 500})
    cost: float | None = None  # None: free
    id: str = ""


def _url(sim: Any, case: Case) -> dict[str, Any]:
    if case.kind == "azure_openai":
        return {"azure_endpoint": sim.url, "api_version": AZURE_VERSION, "api_key": "k"}
    extra: dict[str, Any] = {"base_url": sim.base_url}
    if case.kind in ("openai", "claude", "gemini", "grok", "zai", "chatcompletion"):
        extra["api_key"] = "test-key"
    if case.kind in ("vllm", "sglang"):
        extra["probe_ports"] = []
    if case.kind == "lmstudio":
        extra["manage_server"] = False
    return extra


CASES = [
    # gpt-4o: $2.5 in, $1.25 cached in, $10 out: 600*2.5 + 400*1.25 + 500*10 = 7000 µ$
    Case("openai", "responses_sim", {"model": "gpt-4o"},
         {"input": 1000, "cached": 400, "output": 500}, 0.007),
    # claude-sonnet-4-5: $3 in, $0.30 cache read, $3.75 cache write, $15 out:
    # 700*3 + 200*0.3 + 100*3.75 + 500*15 = 2100 + 60 + 375 + 7500 = 10035 µ$
    Case("claude", "anthropic_sim", {"model": "claude-sonnet-4-5"},
         {"input": 1000, "cached": 200, "cache_write": 100, "output": 500}, 0.010035),
    # gemini-2.5-flash: $0.30 in, $0.03 cached, $2.50 out (thinking billed as output):
    # 600*0.3 + 400*0.03 + (300 + 200)*2.5 = 180 + 12 + 1250 = 1442 µ$
    Case("gemini", "gemini_sim", {"model": "gemini-2.5-flash"},
         {"input": 1000, "cached": 400, "output": 300, "reasoning": 200}, 0.001442),
    # grok-4: $3 in, $0.75 cached, $15 out (reasoning inside the 500): 2400 + 150 + 7500
    Case("grok", "chat_sim", {"model": "grok-4"},
         {"input": 1000, "cached": 200, "output": 500, "reasoning": 100}, 0.01005),
    # an Azure deployment named after its model, gpt-4o: 1000*2.5 + 500*10 = 7500 µ$
    Case("azure_openai", "azure_sim", {"model": "gpt-4o"}, cost=0.0075),
    # glm-4.6: $0.60 in, $0.11 cached, $2.20 out: 900*0.6 + 100*0.11 + 500*2.2 = 1651 µ$
    Case("zai", "chat_sim", {"model": "glm-4.6"},
         {"input": 1000, "cached": 100, "output": 500}, 0.001651),
    # Cerebras gpt-oss-120b: $0.35 in, $0.75 out: 350 + 375 = 725 µ$
    Case("chatcompletion", "chat_sim", {"provider": "cerebras", "model": "gpt-oss-120b"},
         cost=0.000725, id="chatcompletion-cerebras"),
    # Groq llama-3.3-70b-versatile: $0.59 in, $0.79 out: 590 + 395 = 985 µ$
    Case("chatcompletion", "chat_sim", {"provider": "groq", "model": "llama-3.3-70b-versatile"},
         cost=0.000985, id="chatcompletion-groq"),
    # self-hosted servers: free
    Case("lmstudio", "chat_sim", {"model": "sim-model"}),
    Case("vllm", "chat_sim", {}),
    Case("sglang", "chat_sim", {}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id or c.kind)
async def test_one_call_costs_what_the_table_says(case: Case, request):
    sim = request.getfixturevalue(case.sim)
    sim.script(Reply("priced answer", usage=case.usage))
    config = {"type": case.kind, "max_retries": 0, **case.backend, **_url(sim, case)}
    async with create_agent(config) as agent:
        events = [e async for e in agent.stream("what does this cost?")]
    done = events[-1]
    assert isinstance(done, Done), done
    (usage,) = [e.usage for e in events if isinstance(e, UsageEvent)]
    assert done.usage == usage == agent.usage
    if case.cost is None:
        assert usage.cost_usd == 0.0 and usage.free and not usage.unpriced
        assert usage.summary().endswith(", free (self-hosted)")
    else:
        assert usage.cost_usd == pytest.approx(case.cost, abs=1e-12)
        assert not usage.free and not usage.unpriced
        assert usage.summary().endswith(f", ${case.cost:.6f}")


def test_every_model_backend_is_covered_here_or_named_where_it_is():
    elsewhere = {
        "claude_code": "test_claude_code_cost.py: the CLI's own total_cost_usd vs the table",
        "fallback": "tests/fallback: priced by the member that answered",
        "local": "test_local_model_is_free_by_its_declaration below",
    }
    covered = {c.kind for c in CASES} | set(elsewhere)
    # Agent frameworks (stateful: AG2) report what the model under them reported, or are
    # unpriced; every model backend agentplug ships must get a row here.
    models = {spec.type for spec in default_host().registry
              if spec.plugin.startswith("builtin:") and not spec.supports("stateful")}
    assert models <= covered


def test_local_model_is_free_by_its_declaration():
    spec = default_host().backend("local")
    assert spec.pricing == pricing.FREE
    backend = spec.create(spec.params_model().model_validate({"type": "local"}))
    usage = pricing.price(pricing.Usage(input_tokens=10, output_tokens=5, requests=1),
                          pricing.price_ref(backend))
    assert (usage.cost_usd, usage.free, usage.cost_text()) == (0.0, True, "free (self-hosted)")


async def test_an_unknown_model_is_unpriced_never_zero(responses_sim):
    responses_sim.script(Reply("hi", usage={"input": 1000, "output": 500}))
    config = {"type": "openai", "model": "gpt-99-preview", "base_url": responses_sim.base_url,
              "api_key": "k", "max_retries": 0}
    async with create_agent(config) as agent:
        result = await agent.run("x")
    assert result.usage.cost_usd is None
    assert result.usage.unpriced == ("gpt-99-preview (no price in genai-prices for provider "
                                     "'openai')",)
    summary = result.usage.summary()
    assert "unpriced: gpt-99-preview" in summary and "$0.00" not in summary


async def test_an_endpoint_no_table_covers_is_unpriced(chat_sim):
    chat_sim.script(Reply("hi", usage={"input": 10, "output": 5}))
    config = {"type": "chatcompletion", "model": "house-model", "base_url": chat_sim.base_url,
              "max_retries": 0}
    async with create_agent(config) as agent:
        result = await agent.run("x")
    assert result.usage.cost_usd is None
    assert result.usage.unpriced == ("house-model (no price table declared for this backend)",)


def test_without_genai_prices_the_cost_is_unpriced_with_the_install_hint(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "genai_prices", None)  # import fails
    pricing._genai_prices.cache_clear()
    try:
        usage = pricing.price(pricing.Usage(input_tokens=1, requests=1),
                              pricing.PriceRef("openai", "gpt-4o"))
    finally:
        monkeypatch.undo()
        pricing._genai_prices.cache_clear()
    assert usage.cost_usd is None
    assert usage.unpriced == ("gpt-4o (genai-prices is not installed: pip install "
                              "'agentplug[prices]')",)


def test_a_cost_the_provider_reported_is_kept():
    reported = pricing.Usage(input_tokens=1000, output_tokens=500, requests=1, cost_usd=0.123)
    assert pricing.price(reported, pricing.PriceRef("openai", "gpt-4o")) is reported


def test_sums_keep_partial_costs_honest():
    priced = pricing.price(pricing.Usage(input_tokens=1000, output_tokens=500, requests=1),
                           pricing.PriceRef("openai", "gpt-4o"))
    free = pricing.price(pricing.Usage(input_tokens=10, requests=1),
                         pricing.PriceRef(pricing.FREE, "local"))
    unknown = pricing.price(pricing.Usage(input_tokens=10, requests=1),
                            pricing.PriceRef("openai", "gpt-99"))
    assert (free + free).cost_text() == "free (self-hosted)"
    assert (priced + free).cost_text() == "$0.007500"
    mixed = priced + unknown + unknown
    assert mixed.cost_text() == ("$0.007500 + unpriced: gpt-99 (no price in genai-prices for "
                                 "provider 'openai')")
    assert (pricing.Usage() + priced) == priced
