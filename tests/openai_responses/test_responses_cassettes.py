"""The Responses simulator against recorded real traffic, and recorded streams through the backend.

Two checks per recording: (1) the simulator, given the recorded request and an equivalent
Reply, emits the same event type sequence with the same event and item fields; (2) the
recorded body, served byte for byte, goes through the real SDK and our backend correctly.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from agentplug import BuiltinToolEvent, Done, ReasoningDelta, TextDelta, ToolCallRequested
from agentplug.core.messages import UserMessage
from agentplug.testing import (
    BuiltinSpec, Fault, RawResponse, Reply, ResponsesSimulator, ToolCallSpec,
)
from agentplug.testing.conformance import check_model_call

from responses_support import collect, load_cassette


def parse_sse(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        data = json.loads(lines["data"])
        assert lines.get("event") == data["type"], "the event: line must repeat the type"
        events.append(data)
    return events


def recorded(name: str, index: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    interaction = load_cassette(name)[index]
    request = interaction["request"]
    body = request.get("parsed_body") or json.loads(request["body"])
    return body, parse_sse(interaction["response"]["body"]["string"])


def simulate(reply: Reply, body: dict[str, Any]) -> list[dict[str, Any]]:
    with ResponsesSimulator(reply) as sim:
        req = urllib.request.Request(sim.base_url + "/responses", json.dumps(body).encode(),
                                     {"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.headers["content-type"].startswith("text/event-stream")
            return parse_sse(resp.read().decode())


def type_sequence(events: list[dict[str, Any]]) -> list[str]:
    """Event types with runs of the same delta collapsed (delta counts depend on chunking)."""
    out: list[str] = []
    for e in events:
        if not (out and e["type"] == out[-1] and e["type"].endswith(".delta")):
            out.append(e["type"])
    return out


def field_shapes(events: list[dict[str, Any]]) -> dict[str, set[str]]:
    """For every event type: its keys, plus the keys of the item or part it carries."""
    shapes: dict[str, set[str]] = {}
    for e in events:
        keys = set(e)
        for inner in ("item", "part"):
            if isinstance(e.get(inner), dict):
                keys |= {f"{inner}.{e[inner]['type']}.{k}" for k in e[inner]}
        shapes.setdefault(e["type"], set()).update(keys)
    return shapes


def item_grammar(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per output item kind, the type sequence from output_item.added to output_item.done."""
    kinds: dict[int, str] = {}
    runs: dict[int, list[str]] = {}
    for e in events:
        if "output_index" not in e:
            continue
        i = e["output_index"]
        if e["type"] == "response.output_item.added":
            kinds[i] = e["item"]["type"]
        run = runs.setdefault(i, [])
        if not (run and run[-1] == e["type"] and e["type"].endswith(".delta")):
            run.append(e["type"])
    return {kinds[i]: run for i, run in runs.items()}


def assert_same_shape(ours: list[dict[str, Any]], real: list[dict[str, Any]]) -> None:
    assert [e["sequence_number"] for e in ours] == list(range(len(ours)))
    assert type_sequence(ours) == type_sequence(real)
    assert field_shapes(ours) == field_shapes(real)


# 1. the simulator's shape ---------------------------------------------------------------
def test_function_call_stream_has_the_recorded_shape():
    body, real = recorded("test_openai_responses_streaming_usage.yaml")
    reply = Reply(reasoning_signature="gAAAA-sim",
                  tool_calls=[ToolCallSpec("final_result", {"result": 6666}, chunk_size=3)])
    assert_same_shape(simulate(reply, body), real)


def test_reasoning_summary_and_code_interpreter_stream_has_the_recorded_shape():
    body, real = recorded("test_openai_responses_thinking_with_code_execution_tool_stream.yaml")
    reply = Reply(
        text="123456^123 equals: 1803...",
        reasoning="**Calculating a large integer**\n\nI need to compute it.",
        builtins=[BuiltinSpec("code_interpreter", code="n = pow(123456, 123)\nlen(str(n))"),
                  BuiltinSpec("code_interpreter", code="str(n)[:100], str(n)[-100:]"),
                  BuiltinSpec("code_interpreter", code="n")])
    assert_same_shape(simulate(reply, body), real)


def test_web_search_items_have_the_recorded_shape():
    # The recording has two reasoning items around the search; a Reply has one, so compare
    # each item's own event grammar and the event/item fields rather than the full sequence.
    body, real = recorded("test_openai_responses_model_web_search_tool_stream.yaml")
    reply = Reply(text="Mostly sunny.", reasoning_signature="gAAAA-sim",
                  builtins=[BuiltinSpec("web_search", query="weather: San Francisco, CA")])
    ours = simulate(reply, body)
    assert item_grammar(ours) == item_grammar(real)
    assert field_shapes(ours) == field_shapes(real)
    assert type_sequence(ours)[:2] == ["response.created", "response.in_progress"]
    assert type_sequence(ours)[-1] == "response.completed"


def test_non_streaming_json_has_the_recorded_fields():
    interaction = load_cassette("test_openai_responses_model_web_search_tool_stream.yaml")[1]
    real = interaction["response"]["parsed_body"]
    body = dict(interaction["request"]["parsed_body"], stream=False)
    with ResponsesSimulator(Reply("Cloudy.", reasoning_signature="gAAAA-sim", builtins=[
            BuiltinSpec("web_search", query="weather: Mexico City")])) as sim:
        req = urllib.request.Request(sim.base_url + "/responses", json.dumps(body).encode(),
                                     {"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            ours = json.loads(resp.read())
    assert set(ours) == set(real)
    assert [o["type"] for o in ours["output"]] == ["reasoning", "web_search_call", "message"]
    assert {o["type"]: set(o) for o in ours["output"]} == \
        {o["type"]: set(o) for o in real["output"]}
    assert set(ours["usage"]) == set(real["usage"])


# 2. recorded bodies through the backend ---------------------------------------------------
def raw(name: str, index: int) -> RawResponse:
    response = load_cassette(name)[index]["response"]
    return RawResponse(response["status"]["code"], response["body"]["string"],
                       {"content-type": "text/event-stream; charset=utf-8"})


async def test_recorded_function_call_loop(make_agent, sim):
    name = "test_openai_responses_stream.yaml"
    sim.script(raw(name, 0), raw(name, 1))
    seen = []

    def get_capital(country: str) -> str:
        """The capital of a country."""
        seen.append(country)
        return "Paris"

    async with make_agent(tools=[get_capital]) as agent:
        result = await agent.run("What is the capital of France?")
    assert seen == ["France"]
    assert result.text == "The capital of France is Paris."
    assert result.usage.input_tokens == 255 + 278 and result.usage.requests == 2
    recorded_second = load_cassette(name)[1]["request"]["parsed_body"]["input"]
    ours = sim.requests[1].body["input"]
    assert [i.get("type", "message") for i in ours] == \
        [i.get("type", "message") for i in recorded_second]
    call, output = ours[1], ours[2]
    assert (call["name"], json.loads(call["arguments"])) == ("get_capital", {"country": "France"})
    assert call["call_id"] == output["call_id"] == "call_kL0PCQV7M2WMoVX8V8OtYSAL"
    assert output["output"] == "Paris"


async def test_recorded_reasoning_and_usage_stream(make_agent, sim):
    sim.script(raw("test_openai_responses_streaming_usage.yaml", 0))
    async with make_agent() as agent:
        events = await check_model_call(agent.backend, [UserMessage.of("Calculate")])
    done = events[-1]
    assert isinstance(done, Done) and done.stop_reason == "tool_calls"
    (call,) = [e.call for e in events if isinstance(e, ToolCallRequested)]
    assert (call.name, call.arguments, call.id) == \
        ("final_result", {"result": 6666}, "call_CWXgs68YprAjp6t0371hiPOI")
    u = done.usage
    assert (u.input_tokens, u.output_tokens, u.cached_tokens, u.reasoning_tokens) == \
        (53, 469, 0, 448)
    reasoning = done.message.parts[0]
    assert reasoning.signature.startswith("gAAAAAB") and reasoning.provider == "openai"


async def test_recorded_web_search_and_replay_matches_recorded_second_request(make_agent, sim):
    name = "test_openai_responses_model_web_search_tool_stream.yaml"
    sim.script(raw(name, 0), Reply("Cloudy in Mexico City."))
    async with make_agent(enable_web_search=True) as agent:
        events = await collect(agent, "What is the weather in San Francisco today?")
        await agent.run("how about Mexico City?")
    searches = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert [e.status for e in searches] == ["started", "in_progress", "completed"]
    assert searches[-1].query == "weather: San Francisco, CA"
    # The recorded source is an API ("oai-weather"), not a URL: kept in data, not in sources.
    assert searches[-1].data["action"]["sources"] == [{"type": "api", "name": "oai-weather"}]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).startswith(
        "San Francisco weather today")
    u = events[-1].usage
    assert (u.input_tokens, u.output_tokens, u.cached_tokens, u.reasoning_tokens) == \
        (9463, 582, 8320, 512)
    # Our second request carries the first turn's items as the recording's second request did.
    real = load_cassette(name)[1]["request"]["parsed_body"]["input"]
    ours = sim.requests[1].body["input"]
    assert [(i.get("type"), i.get("id")) for i in ours] == \
        [(i.get("type"), i.get("id")) for i in real]
    for mine, theirs in zip(ours, real, strict=True):
        assert set(mine) == set(theirs)
        if theirs.get("type") == "web_search_call":
            assert mine["action"] == theirs["action"]


async def test_recorded_reasoning_summary_and_code_interpreter(make_agent, sim):
    sim.script(raw("test_openai_responses_thinking_with_code_execution_tool_stream.yaml", 0))
    async with make_agent(enable_code_interpreter=True, reasoning_effort="low") as agent:
        events = await check_model_call(agent.backend, [UserMessage.of("123456 ** 123?")])
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert reasoning.startswith("**Calculating a large integer**")
    codes = [e.code for e in events
             if isinstance(e, BuiltinToolEvent) and e.status == "completed"]
    assert codes == ["n = pow(123456, 123)\nlen(str(n))", "str(n)[:100], str(n)[-100:]", "n"]
    done = events[-1]
    assert done.text.startswith("123456^123 equals:")
    assert [p.kind for p in done.message.parts] == \
        ["reasoning", "builtin_tool", "builtin_tool", "builtin_tool", "text"]
    assert (done.usage.cached_tokens, done.usage.reasoning_tokens) == (3200, 128)



def test_http_errors_use_openai_error_bodies_and_retry_after():
    with ResponsesSimulator(Reply(fault=Fault.http(429, retry_after=3, message="Slow down"))
                            ) as sim:
        req = urllib.request.Request(sim.base_url + "/responses", b'{"model": "m"}',
                                     {"content-type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=10)
    err = info.value
    assert (err.code, err.headers["retry-after"]) == (429, "3")
    assert err.headers["x-request-id"].startswith("req_")
    assert json.loads(err.read()) == {"error": {"message": "Slow down", "type": "requests",
                                                "param": None, "code": "rate_limit_exceeded"}}

