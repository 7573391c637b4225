"""Recorded real Gemini streams, served byte for byte, through google-genai and the backend."""

from __future__ import annotations

import json

from agentplug import BuiltinToolEvent, Done
from agentplug.formats.gemini import b64decode
from agentplug.testing import RawResponse

from gemini_support import collect, load_cassette, parse_sse

SSE = {"content-type": "text/event-stream"}


def raw(name: str, index: int = 0) -> RawResponse:
    return RawResponse(200, load_cassette(name)[index]["response"]["body"]["string"], SSE)


def text_of(name: str, index: int = 0) -> str:
    chunks = parse_sse(load_cassette(name)[index]["response"]["body"]["string"])
    return "".join(p.get("text", "") for c in chunks
                   for p in c["candidates"][0]["content"]["parts"])


async def test_text_stream(make_agent, sim):
    name = "test_google_model_stream.yaml"
    sim.script(raw(name))
    async with make_agent(model="gemini-2.0-flash-exp", system_message="You are a helpful "
                          "chatbot.", temperature=0.0) as agent:
        events = await collect(agent, "What is the capital of France?")
    done = events[-1]
    assert isinstance(done, Done) and done.text == text_of(name) == (
        "The capital of France is Paris.\n")
    assert (done.usage.input_tokens, done.usage.output_tokens) == (13, 8)
    # our request has the recorded request's shape (2.0 does not think: no thinking config)
    recorded = load_cassette(name)[0]["request"]["parsed_body"]
    ours = sim.requests[0].body
    assert ours["contents"] == recorded["contents"]
    assert ours["systemInstruction"]["parts"] == recorded["systemInstruction"]["parts"]
    assert ours["generationConfig"] == recorded["generationConfig"]


async def test_two_round_tool_loop(make_agent, sim):
    name = "test_google_model_iter_stream.yaml"
    sim.script(raw(name, 0), raw(name, 1), raw(name, 2))

    def get_capital(country: str) -> str:
        """Get the capital of a country.

        Args:
            country: The country name.
        """
        return "Paris"

    def get_temperature(city: str) -> str:
        """Get the temperature in a city.

        Args:
            city: The city name.
        """
        return "30°C"

    async with make_agent(model="gemini-2.0-flash", tools=[get_capital, get_temperature],
                          system_message="You are a helpful chatbot.") as agent:
        result = await agent.run("What is the temperature of the capital of France?")
    assert result.text == "The temperature in Paris is 30°C.\n"
    recorded = [i["request"]["parsed_body"] for i in load_cassette(name)]
    for ours, real in zip((r.body for r in sim.requests), recorded, strict=True):
        assert ours["tools"] == real["tools"]  # same declarations as the real client sent
        assert len(ours["contents"]) == len(real["contents"])
        for mine, theirs in zip(ours["contents"], real["contents"], strict=True):
            assert mine["role"] == theirs["role"]
            for a, b in zip(mine["parts"], theirs["parts"], strict=True):
                if "functionCall" in b:  # the recording's ids were made up by its client
                    assert a["functionCall"] == {k: v for k, v in b["functionCall"].items()
                                                 if k != "id"}
                elif "functionResponse" in b:
                    assert a["functionResponse"]["name"] == b["functionResponse"]["name"]
                    assert a["functionResponse"]["response"] == {
                        "output": b["functionResponse"]["response"]["return_value"]}
                else:
                    assert a == b


async def test_grounded_stream(make_agent, sim):
    name = "test_google_model_web_search_tool_stream.yaml"
    sim.script(raw(name))
    async with make_agent(model="gemini-2.5-pro", enable_web_search=True) as agent:
        events = await collect(agent, "What is the weather in San Francisco today?")
    search = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert len(search) == 1
    assert search[0].query == "weather in San Francisco today"
    assert len(search[0].sources) == 5
    assert search[0].sources[0].title == "Weather information for San Francisco, CA, US"
    done = events[-1]
    assert done.text == text_of(name)
    # thoughts (412) count as output; tool-use prompt tokens (102) as input
    assert (done.usage.reasoning_tokens, done.usage.input_tokens) == (412, 17 + 102)


async def test_function_call_thought_signature_round_trip(make_agent, sim):
    name = "test_google_streaming_tool_call_thought_signature.yaml"
    sim.script(raw(name, 0), raw(name, 1))

    def get_country() -> str:
        """The user's country."""
        return "Mexico"

    async with make_agent(model="gemini-3-pro-preview", tools=[get_country]) as agent:
        result = await agent.run("What is the capital of the user country? Call the tool")
    assert result.text == "The capital of Mexico is Mexico City."
    received = parse_sse(load_cassette(name)[0]["response"]["body"]["string"])
    signature = received[0]["candidates"][0]["content"]["parts"][0]["thoughtSignature"]
    sent = sim.requests[1].body["contents"][1]["parts"][0]
    assert b64decode(sent["thoughtSignature"]) == b64decode(signature)
    real = load_cassette(name)[1]["request"]["parsed_body"]["contents"][1]["parts"][0]
    assert b64decode(real["thoughtSignature"]) == b64decode(signature)  # as the real client


async def test_gemini_3_server_tool_parts_are_reported_and_replayed(make_agent, sim):
    """Tool combination: the server's own tool_call / tool_response parts (hand-written here
    in the API's JSON; no recording exists) become events and go back on the next call."""
    chunk = {"candidates": [{"content": {"role": "model", "parts": [
        {"toolCall": {"id": "srv1", "toolType": "GOOGLE_SEARCH_WEB",
                      "args": {"queries": ["northernmost US city"]}},
         "thoughtSignature": "c2lnMQ=="},
        {"toolResponse": {"id": "srv1", "toolType": "GOOGLE_SEARCH_WEB",
                          "response": {"search_suggestions": "Utqiagvik"}}},
        {"functionCall": {"id": "fc1", "name": "weather", "args": {"city": "Utqiagvik"}},
         "thoughtSignature": "c2lnMg=="}]},
        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 9,
                          "totalTokenCount": 29}}
    sim.script(RawResponse(200, "data: " + json.dumps(chunk) + "\r\n\r\n", SSE),
               RawResponse(200, 'data: {"candidates": [{"content": {"role": "model", "parts": '
                                '[{"text": "Cold."}]}, "finishReason": "STOP"}]}\r\n\r\n', SSE))

    def weather(city: str) -> str:
        """Weather."""
        return "-20C"

    async with make_agent(model="gemini-3-flash-preview", tools=[weather],
                          enable_web_search=True) as agent:
        events = await collect(agent, "Northernmost US city, and its weather?")
    builtin = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert [(e.tool, e.status, e.call_id) for e in builtin] == [
        ("web_search", "in_progress", "srv1"), ("web_search", "completed", "srv1")]
    assert builtin[0].query == "northernmost US city"
    assert events[-1].text == "Cold."
    replayed = sim.requests[1].body["contents"][1]["parts"]
    assert [next(k for k in p if k != "thoughtSignature") for p in replayed] == [
        "toolCall", "toolResponse", "functionCall"]
    assert [b64decode(p["thoughtSignature"]) for p in replayed if "thoughtSignature" in p] == [
        b"sig1", b"sig2"]
    assert sim.requests[1].body["contents"][2]["parts"][0]["functionResponse"]["id"] == "fc1"
