"""The output types, and the tool and prompted strategies, on the Chat Completions wire."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

import pytest

from agentplug import StructuredOutput, ToolResultMessage, UsageError, create_agent
from agentplug.core.structured import Output, strict_schema
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec

from structured_support import GOOD, City


@pytest.fixture
def chat():
    with ChatCompletionsSimulator() as simulator:
        yield simulator


def chat_agent(sim, type_="chatcompletion", **kw):
    return create_agent({"type": type_, "model": "sim-model", "base_url": sim.base_url,
                         "max_retries": 0}, **kw)


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Person(TypedDict):
    name: str
    age: int


async def test_a_dataclass_a_typeddict_and_a_list_of_models(chat):
    chat.script(Reply('{"x": 1, "y": 2}'), Reply('{"name": "Ada", "age": 36}'),
                Reply('{"response": [' + GOOD + "]}"))
    async with chat_agent(chat) as agent:
        assert await agent.run("p", output_type=Point) == Point(1, 2)
        assert await agent.run("q", output_type=Person) == {"name": "Ada", "age": 36}
        cities = await agent.run("r", output_type=list[City])
    assert [c.name for c in cities] == ["Lyon"]
    # A list is not an object: it travels wrapped in one key, strict like the rest.
    wrapped = chat.requests[2].body["response_format"]["json_schema"]
    assert wrapped["strict"] is True
    assert wrapped["schema"]["properties"]["response"]["type"] == "array"
    assert "$defs" in wrapped["schema"]


async def test_a_json_schema_dict_is_validated_with_jsonschema(chat):
    schema = {"title": "Answer", "type": "object", "additionalProperties": False,
              "properties": {"n": {"type": "integer", "minimum": 0}}, "required": ["n"]}
    chat.script(Reply('{"n": -1}'), Reply('{"n": 4}'))
    async with chat_agent(chat) as agent:
        assert await agent.run("n?", output_type=schema) == {"n": 4}
    assert chat.requests[0].body["response_format"]["json_schema"]["name"] == "Answer"
    assert "less than the minimum" in json.dumps(chat.requests[1].body)


def test_an_invalid_schema_dict_is_refused_before_any_request():
    with pytest.raises(UsageError, match="not a valid JSON schema"):
        Output({"type": "object", "properties": {"n": {"type": 12}}})


def test_strict_adaptation_requires_every_property_and_closes_objects():
    schema = Output(City).schema
    del schema["required"]
    strict = strict_schema(schema)
    assert strict is not None and strict["required"] == ["name", "size", "sights"]
    assert strict["additionalProperties"] is False
    # a free-form map cannot be strict: sent non-strict instead
    assert strict_schema(Output(dict[str, int]).schema) is None


async def test_tool_strategy_answers_through_a_tool_the_model_calls(chat):
    """Z AI declares the tool strategy: the answer is a call to final_City."""
    chat.script(Reply(tool_calls=[ToolCallSpec("final_City", {"name": "Lyon", "size": "tiny",
                                                              "sights": []})]),
                Reply(tool_calls=[ToolCallSpec("final_City", json.loads(GOOD))]))
    agent = create_agent({"type": "zai", "model": "glm-4.6", "base_url": chat.base_url,
                          "api_key": "zk", "max_retries": 0})
    async with agent:
        city = await agent.run("Describe Lyon.", output_type=City)
    assert city.sights == ["Fourviere", "Vieux Lyon"]
    first = chat.requests[0].body
    assert "response_format" not in first
    assert "tool_choice" not in first  # Z AI takes tool_choice "auto" only: nothing forced
    assert [t["function"]["name"] for t in first["tools"]] == ["final_City"]
    assert "final_City" in first["messages"][-1]["content"]
    # the invalid call got the validation error as its tool result
    retry = chat.requests[1].body["messages"][-1]
    assert retry["role"] == "tool" and "size" in retry["content"]
    # every output call is answered, so the history stays valid for any provider
    assert isinstance(agent.history[-1], ToolResultMessage)
    assert agent.history[-1].text == "final answer received"


async def test_prompted_strategy_chosen_explicitly(chat):
    chat.script(Reply("Sure! ```json\n" + GOOD + "\n```"))
    async with chat_agent(chat) as agent:
        events = [e async for e in agent.stream("Describe Lyon.", output_type=City,
                                                output_strategy="prompted")]
    body = chat.requests[0].body
    assert "response_format" not in body
    assert '"sights"' in body["messages"][-1]["content"]  # the schema is in the prompt
    final = [e for e in events if isinstance(e, StructuredOutput) and not e.partial]
    assert final and final[0].value.name == "Lyon"


async def test_a_backend_without_a_declaration_gets_the_prompted_strategy(chat):
    """A third-party backend (no structured_output in its spec) is never sent ``output=``."""
    from agentplug.sdk.chat_completions import ChatCompletionsBackend

    class ThirdParty(ChatCompletionsBackend):
        async def stream(self, messages, tools):  # the two-argument protocol only
            async for event in super().stream(messages, tools):
                yield event

    from agentplug import Agent, BackendSpec

    inner = chat_agent(chat).backend
    # declared the way a plugin written before structured output does: no such field
    spec = BackendSpec(type="third_party", title="Third party", factory=ThirdParty,
                       params=type(inner.params))
    backend = ThirdParty(inner.params, spec)

    chat.script(Reply(GOOD))
    async with Agent(backend) as agent:
        assert (await agent.run("x", output_type=City)).name == "Lyon"
    assert "response_format" not in chat.requests[0].body


async def test_native_asked_of_a_backend_without_it_is_a_usage_error(chat):
    agent = create_agent({"type": "fallback", "backends": [
        {"type": "chatcompletion", "model": "m", "base_url": chat.base_url}]})
    async with agent:
        with pytest.raises(UsageError, match="no native structured output"):
            await agent.run("x", output_type=City, output_strategy="native")


def test_backends_json_reports_each_strategy():
    out = subprocess.run([sys.executable, "-m", "agentplug.cli", "backends", "--json"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    strategies = {b["type"]: b["structured_output"] for b in json.loads(out)["backends"]}
    assert strategies["openai"] == strategies["claude"] == strategies["gemini"] == "native"
    assert strategies["local"] == strategies["vllm"] == strategies["chatcompletion"] == "native"
    assert strategies["zai"] == "tool"
    assert strategies["claude_code"] == "native"  # the CLI's own --json-schema
    assert strategies["ag2"] == strategies["ag2_agent"] == "prompted"


async def test_the_llama_cpp_dialect_refuses_json_schema_as_the_real_server_does():
    """Why the local backend sends {type: json_object, schema}: llama-cpp-python's request
    model allows only text and json_object (checked against it in test_real_model.py)."""
    from agentplug import ProviderError

    with ChatCompletionsSimulator(Reply(GOOD), dialect="llama_cpp") as sim:
        async with chat_agent(sim) as agent:
            with pytest.raises(ProviderError) as caught:
                await agent.run("x", output_type=City)
        assert caught.value.status == 422 and "json_object" in str(caught.value)
        assert sim.pending == 1


async def test_a_fallback_chain_answers_with_the_prompted_strategy(chat):
    """A chain declares prompted (its members may differ): the schema goes in the prompt,
    nothing is shaped in the member's request, and the answer is validated."""
    chat.script(Reply("```json\n" + GOOD + "\n```"))
    agent = create_agent({"type": "fallback", "backends": [
        {"type": "chatcompletion", "model": "sim-model", "base_url": chat.base_url,
         "max_retries": 0}]})
    async with agent:
        city = await agent.run("Describe Lyon.", output_type=City)
    body = chat.requests[0].body
    assert city.name == "Lyon"
    assert "response_format" not in body and "tool_choice" not in body
    assert '"sights"' in body["messages"][-1]["content"]
