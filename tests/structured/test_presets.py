"""Typed answers on each chatcompletion preset, through the openai SDK against a simulator
that takes only what that provider's own docs say it takes: each preset's declared strategy
gets a request the provider accepts, and a valid answer becomes an instance."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from agentplug import create_agent
from agentplug.commands.backends import rows
from agentplug.core.host import default_host
from agentplug.plugins.chatcompletion import PRESETS
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec

from structured_support import GOOD, City

ALL_FORMATS = frozenset({"text", "json_object", "json_schema"})
ALL_CHOICES = frozenset({"none", "auto", "required", "function"})


@dataclass(frozen=True)
class Documented:
    """What a provider's docs say its Chat Completions take (the sources are cited beside
    the presets): response_format types, tool_choice values ("function": a named one), and
    whether it asks for the schema in the prompt too."""

    model: str
    formats: frozenset[str] = ALL_FORMATS
    choices: frozenset[str] = ALL_CHOICES
    schema_in_prompt: bool = False

    @property
    def native(self) -> bool:
        return "json_schema" in self.formats


DOCUMENTED = {
    "cerebras": Documented("gpt-oss-120b", choices=frozenset({"none", "auto"})),
    "together": Documented("meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo",
                           schema_in_prompt=True),
    "fireworks": Documented("accounts/fireworks/models/llama-v3p1-405b-instruct",
                            schema_in_prompt=True),
    "groq": Documented("llama-3.3-70b-versatile", formats=frozenset({"text", "json_object"})),
    "groq/gpt-oss": Documented("openai/gpt-oss-120b"),
    "openrouter": Documented("openai/gpt-4o"),
    "moonshot": Documented("kimi-k2-0905-preview", choices=frozenset({"auto"})),
    "nebius": Documented("meta-llama/Llama-3.3-70B-Instruct", schema_in_prompt=True),
    "poe": Documented("GPT-4o", formats=frozenset({"text"})),
}


def test_every_preset_is_documented_here():
    assert {name.split("/")[0] for name in DOCUMENTED} == set(PRESETS)


def _agent(case: str, sim: ChatCompletionsSimulator):
    doc = DOCUMENTED[case]
    return create_agent({"type": "chatcompletion", "provider": case.split("/")[0],
                         "model": doc.model, "base_url": sim.base_url, "api_key": "k",
                         "max_retries": 0})


def _simulator(doc: Documented, *replies: Reply) -> ChatCompletionsSimulator:
    return ChatCompletionsSimulator(*replies, models=(doc.model,), response_formats=doc.formats,
                                    tool_choices=doc.choices)


def _answer(native: bool) -> Reply:
    return (Reply(GOOD) if native
            else Reply(tool_calls=[ToolCallSpec("final_City", json.loads(GOOD))]))


@pytest.mark.parametrize("case", list(DOCUMENTED))
async def test_the_declared_strategy_is_one_the_provider_takes(case):
    doc = DOCUMENTED[case]
    with _simulator(doc, _answer(doc.native)) as sim:
        async with _agent(case, sim) as agent:
            city = await agent.run("Describe Lyon.", output_type=City)
        body = sim.requests[0].body
    assert city == City.model_validate_json(GOOD)
    prompt = json.dumps(body["messages"][-1])
    if doc.native:
        assert body["response_format"]["type"] == "json_schema"
        assert "tools" not in body
        assert ("sights" in prompt) is doc.schema_in_prompt  # the schema, written out
        # OpenRouter routes only to providers that honour response_format.
        assert (body.get("provider") == {"require_parameters": True}) is (case == "openrouter")
    else:
        assert "response_format" not in body
        assert [t["function"]["name"] for t in body["tools"]] == ["final_City"]
        forced = {"type": "function", "function": {"name": "final_City"}}
        assert body.get("tool_choice") == (forced if "function" in doc.choices else None)


@pytest.mark.parametrize("case", list(DOCUMENTED))
async def test_the_tool_strategy_forces_the_call_only_where_the_provider_can(case):
    doc = DOCUMENTED[case]
    with _simulator(doc, _answer(native=False)) as sim:
        async with _agent(case, sim) as agent:
            city = await agent.run("Describe Lyon.", output_type=City, output_strategy="tool")
        body = sim.requests[0].body
    assert city.name == "Lyon"
    assert ("tool_choice" in body) is ("function" in doc.choices)


async def test_a_provider_without_json_schema_refuses_it_in_the_simulator():
    """Why Groq's llama models get the tool strategy: json_schema asked of them is a 400."""
    from agentplug import ProviderError

    doc = DOCUMENTED["groq"]
    with _simulator(doc, Reply(GOOD)) as sim:
        async with _agent("groq", sim) as agent:
            with pytest.raises(ProviderError) as caught:
                await agent.run("Describe Lyon.", output_type=City, output_strategy="native")
        assert caught.value.status == 400 and "json_schema" in str(caught.value)
        assert sim.pending == 1


def test_agentplug_backends_reports_each_presets_strategy():
    chat = next(r for r in rows(default_host().registry) if r["type"] == "chatcompletion")
    reported = {name: p["structured_output"] for name, p in chat["presets"].items()}
    assert reported == {name: "native" if DOCUMENTED[name].native else "tool"
                        for name in PRESETS}
    assert chat["presets"]["groq"]["native_models"] == ["openai/gpt-oss-"]
