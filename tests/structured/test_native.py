"""Typed answers on the four native wires, through the real SDKs against the simulators:
the request's native shape, validation into an instance, retries with the error fed back,
partial objects in order, the answer kept in the history as sent."""

from __future__ import annotations

import json

import pytest

from agentplug import StructuredOutput, TextDelta
from agentplug.core.messages import UserMessage
from agentplug.core.structured import StructuredOutputError
from agentplug.testing import Reply

from structured_support import BAD, GOOD, City


def _strict_closed(schema):
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])


async def test_valid_answer_is_an_instance_and_the_request_carries_the_native_shape(wire, sim):
    sim.script(Reply(GOOD))
    async with wire.agent(sim) as agent:
        city = await agent.run("Describe Lyon.", output_type=City)
    assert city == City(name="Lyon", size="large", sights=["Fourviere", "Vieux Lyon"])
    shape = wire.schema_of(sim.requests[0].body)
    assert shape is not None, sim.requests[0].body
    schema = shape["schema"]
    assert set(schema["properties"]) == {"name", "size", "sights"}
    assert schema["properties"]["size"]["enum"] == ["small", "large"]
    if wire.name in ("chat_completions", "responses"):
        assert shape["name"] == "City" and shape["strict"] is True
        _strict_closed(schema)
    if wire.name == "anthropic":
        _strict_closed(schema)
    if wire.name == "gemini":
        assert shape["mime"] == "application/json"
    # The answer stays in the history as the model sent it; the prompt is unchanged.
    assert agent.history[-1].text == GOOD
    assert agent.history[-2].text == "Describe Lyon."


async def test_invalid_answer_is_retried_with_the_validation_error(wire, sim):
    sim.script(Reply(BAD), Reply(GOOD))
    async with wire.agent(sim) as agent:
        city = await agent.run("Describe Lyon.", output_type=City)
    assert city.size == "large"
    assert len(sim.requests) == 2
    follow_up = json.dumps(sim.requests[1].body)
    assert "did not match the required schema" in follow_up and "size" in follow_up
    assert "huge" in follow_up  # the invalid answer went back as the model sent it
    roles = [type(m).__name__ for m in agent.history]
    assert roles == ["UserMessage", "AssistantMessage", "UserMessage", "AssistantMessage"]
    assert agent.history[1].text == BAD


async def test_spent_retries_raise_with_the_last_raw_answer(wire, sim):
    sim.script(Reply(BAD), Reply("not json at all"))
    async with wire.agent(sim) as agent:
        with pytest.raises(StructuredOutputError) as caught:
            await agent.run("Describe Lyon.", output_type=City, output_retries=1)
        assert caught.value.raw == "not json at all"
        assert "not valid JSON" in caught.value.errors
        assert agent.history == []  # the failed turn was rolled back


async def test_partial_objects_arrive_in_order_then_the_instance(wire, sim):
    sim.script(Reply(GOOD, chunk_size=6))
    async with wire.agent(sim) as agent:
        events = [e async for e in agent.stream("Describe Lyon.", output_type=City)]
    outputs = [e for e in events if isinstance(e, StructuredOutput)]
    partials = [e.value for e in outputs if e.partial]
    assert len(partials) >= 3
    assert partials[0] == {} or "name" in partials[0]
    for earlier, later in zip(partials, partials[1:], strict=False):
        assert earlier != later
        assert set(earlier) <= set(later)
    assert partials[-1] == json.loads(GOOD)
    assert outputs[-1].partial is False and isinstance(outputs[-1].value, City)
    # each partial follows the text delta that grew it
    first = events.index(outputs[0])
    assert isinstance(events[first - 1], TextDelta)
    assert events[-1].type == "done" and events[-2] is outputs[-1]


async def test_the_simulator_refuses_a_schema_the_real_api_refuses(wire, sim):
    """Sent as strict but not closed: OpenAI (both wires) and Anthropic reject it; Gemini
    rejects a schema without the JSON mime type."""
    sim.script(Reply(GOOD))
    async with wire.agent(sim) as agent:
        backend = agent.backend
        loose = {"type": "object", "properties": {"a": {"type": "string"}}}
        request = backend.build_request([UserMessage.of("x")], [])
        if wire.name == "chat_completions":
            request["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "loose", "schema": loose, "strict": True}}
        elif wire.name == "responses":
            request["text"] = {"format": {"type": "json_schema", "name": "loose",
                                          "schema": loose, "strict": True}}
        elif wire.name == "anthropic":
            request["output_config"] = {"format": {"type": "json_schema", "schema": loose}}
        else:
            request["config"]["response_json_schema"] = loose
        turn = backend.new_turn(sim.url)
        with pytest.raises(Exception) as caught:
            async for _ in backend.call(backend.client(), request, turn):
                pass
    assert getattr(caught.value, "status", None) == 400, caught.value
    assert ("additionalProperties" in str(caught.value)
            or "application/json" in str(caught.value))
    assert sim.pending == 1  # refused before any reply was spent


async def test_recorded_real_request_shape_is_what_we_send_and_the_simulator_accepts():
    """A request the real API accepted (recorded, see recorded/SOURCE.md): our shape for the
    same model matches it key for key, and the simulator takes it."""
    from pathlib import Path

    from pydantic import BaseModel

    from agentplug.core.structured import Output
    from agentplug.formats.structured import chat_completions_format
    from agentplug.testing.structured import chat_completions_problem

    recorded = json.loads((Path(__file__).parent / "recorded" /
                           "openai_chat_native_output.json").read_text())

    class CityLocation(BaseModel):
        """A city and its country."""

        city: str
        country: str

    ours = chat_completions_format(Output(CityLocation).spec("native"))
    for node in (ours["json_schema"]["schema"], *ours["json_schema"]["schema"]["properties"]
                 .values()):
        node.pop("title", None)  # pydantic's titles: allowed, not sent by the recorder
    ours["json_schema"]["schema"].pop("description")  # ours keeps it inside too (allowed)
    assert ours == recorded["response_format"]
    assert chat_completions_problem({"response_format": recorded["response_format"]}) is None
    assert Output(CityLocation).parse_text(recorded["answer"]).city == "Mexico City"
