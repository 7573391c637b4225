"""Typed-answer requests checked against requests the real APIs accepted (recorded by
pydantic-ai, see recorded/SOURCE.md): on each wire, through the real SDK and the simulator,
what we send has the recorded shape, the simulator takes the recorded request, and the
recorded answer becomes the instance."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agentplug.testing import Reply, ToolCallSpec
from agentplug.testing.structured import (
    anthropic_problem, chat_completions_problem, gemini_problem, responses_problem,
)

RECORDED = Path(__file__).parent / "recorded"
# Each wire's request validator: what the simulator refuses as the real API does.
PROBLEM = {"chat_completions": chat_completions_problem, "responses": responses_problem,
           "anthropic": anthropic_problem, "gemini": gemini_problem}


class CityLocation(BaseModel):
    """A city and its country."""

    city: str
    country: str


def get_user_country() -> str:
    """The user's country."""
    return "Mexico"


def _recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / name).read_text())  # type: ignore[no-any-return]


def _untitled(schema: dict[str, Any], *, root: bool) -> dict[str, Any]:
    """pydantic's titles (and the description repeated inside the schema) are allowed but
    were not sent by the recorder: left out before comparing."""
    out = copy.deepcopy(schema)
    for prop in out.get("properties", {}).values():
        prop.pop("title", None)
    if root:
        out.pop("title", None)
        out.pop("description", None)
    return out


def _native(wire: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The part of a request that carries the native schema, in the recording's terms."""
    if wire == "chat_completions":
        fmt = copy.deepcopy(body["response_format"])
        fmt["json_schema"]["schema"] = _untitled(fmt["json_schema"]["schema"], root=True)
        return {"response_format": fmt}
    if wire == "responses":
        fmt = copy.deepcopy(body["text"]["format"])
        fmt["schema"] = _untitled(fmt["schema"], root=True)
        return {"text": {"format": fmt}}
    if wire == "gemini":
        config = body["generationConfig"]
        return {"generationConfig": {
            "responseJsonSchema": _untitled(config["responseJsonSchema"], root=False),
            "responseMimeType": config["responseMimeType"]}}
    return None  # Anthropic: no recording of output_config.format exists (SOURCE.md)


NATIVE = {"chat_completions": "openai_chat_native_output.json",
          "responses": "openai_responses_native_output.json",
          "gemini": "gemini_native_output.json"}


async def test_native_request_matches_the_recorded_one_and_its_answer_validates(wire, sim):
    if wire.name not in NATIVE:
        pytest.skip("no recorded native structured output for this wire (recorded/SOURCE.md)")
    recorded = _recorded(NATIVE[wire.name])
    sim.script(Reply(recorded["answer"]))
    async with wire.agent(sim) as agent:
        city = await agent.run("What is the largest city in Mexico?", output_type=CityLocation)
    assert city == CityLocation(city="Mexico City", country="Mexico")
    expected = {k: v for k, v in recorded.items() if k != "answer"}
    if wire.name == "gemini":  # pydantic-ai also sent responseModalities: not a schema key
        expected["generationConfig"].pop("responseModalities")
    assert _native(wire.name, sim.requests[0].body) == expected
    assert PROBLEM[wire.name](expected) is None  # the simulator takes what the API took


TOOL = {"chat_completions": ("openai_chat_tool_output.json", "arguments"),
        "responses": ("openai_responses_tool_output.json", "arguments"),
        "anthropic": ("anthropic_tool_output.json", "input"),
        "gemini": ("gemini_tool_output.json", "args")}


def _choice(wire: str, body: dict[str, Any]) -> Any:
    return body.get("toolConfig") if wire == "gemini" else body.get("tool_choice")


def _recorded_choice(wire: str, recorded: dict[str, Any]) -> Any:
    """The recorded forced choice with pydantic-ai's output tool name put to ours."""
    text = json.dumps(recorded["toolConfig" if wire == "gemini" else "tool_choice"])
    return json.loads(text.replace('"final_result"', '"final_CityLocation"'))


async def test_forced_output_tool_beside_a_function_tool_is_the_recorded_choice(wire, sim):
    """With a function tool too, the model must call some tool (the recorded requests
    did the same): it looks the country up, then answers through the output tool."""
    name, key = TOOL[wire.name]
    recorded = _recorded(name)
    answer = recorded[key]
    if wire.name == "responses":  # its recording asked for name and age: ours for a city
        answer = {"city": "Mexico City", "country": "Mexico"}
    sim.script(Reply(tool_calls=[ToolCallSpec("get_user_country", {})]),
               Reply(tool_calls=[ToolCallSpec("final_CityLocation", answer)]))
    async with wire.agent(sim, tools=[get_user_country]) as agent:
        city = await agent.run("What is the largest city in the user country?",
                               output_type=CityLocation, output_strategy="tool")
    assert city == CityLocation(city="Mexico City", country="Mexico")
    first, second = (r.body for r in sim.requests)
    expected = ("required" if wire.name == "responses"
                else _recorded_choice(wire.name, recorded))
    assert _choice(wire.name, first) == _choice(wire.name, second) == expected
    # The recorded request itself passes the simulator's checks, as it passed the API's.
    recorded_request = {k: v for k, v in recorded.items() if k != key}
    assert PROBLEM[wire.name](recorded_request) is None


async def test_forced_output_tool_alone_is_named(wire, sim):
    """The output tool alone is forced by name; the Responses recording (output tool alone,
    ``required``) is a shape the simulator takes as well."""
    sim.script(Reply(tool_calls=[ToolCallSpec("final_CityLocation",
                                              {"city": "Lyon", "country": "France"})]))
    async with wire.agent(sim) as agent:
        city = await agent.run("Lyon?", output_type=CityLocation, output_strategy="tool")
    assert city.city == "Lyon"
    body = sim.requests[0].body
    named = {"chat_completions": {"type": "function", "function": {"name": "final_CityLocation"}},
             "responses": {"type": "function", "name": "final_CityLocation"},
             "anthropic": {"type": "tool", "name": "final_CityLocation"},
             "gemini": {"functionCallingConfig": {"mode": "ANY",
                                                  "allowedFunctionNames": ["final_CityLocation"]}}}
    assert _choice(wire.name, body) == named[wire.name]
    if wire.name == "responses":
        recorded = _recorded("openai_responses_tool_output.json")
        assert responses_problem({k: v for k, v in recorded.items() if k != "arguments"}) is None
