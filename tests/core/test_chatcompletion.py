"""The chatcompletion backend through the real openai SDK: presets, keys, faults, cassettes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentplug import (
    ConfigError, Done, ErrorEvent, MissingKeyError, ReasoningDelta, create_agent,
)
from agentplug.testing import (
    ChatCompletionsSimulator, Fault, FaultSuite, RawResponse, Reply, ToolCallSpec,
)

CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "cassettes" / "openai_chat"


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]


# keys and presets ----------------------------------------------------------------------------
async def test_missing_preset_key_names_the_env_var(monkeypatch):
    monkeypatch.delenv("CEREBRAS_API_KEY", raising=False)
    agent = create_agent({"type": "chatcompletion", "provider": "cerebras", "model": "m"})
    with pytest.raises(MissingKeyError, match="set CEREBRAS_API_KEY"):
        await agent.open()


async def test_key_env_var_is_found_by_base_url(monkeypatch, sim):
    # The preset's env var is used when base_url points at that provider. The request
    # itself goes to the simulator through a gateway-style base_url override below.
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    agent = create_agent({"type": "chatcompletion", "model": "m",
                          "base_url": "https://api.groq.com/openai/v1"})
    with pytest.raises(MissingKeyError, match="GROQ_API_KEY"):
        await agent.open()


async def test_preset_key_is_sent_and_base_url_overrides_preset(monkeypatch, sim):
    monkeypatch.setenv("TOGETHER_API_KEY", "sk-together")
    sim.script(Reply("hi"))
    agent = create_agent({"type": "chatcompletion", "provider": "together", "model": "m",
                          "base_url": sim.base_url})
    async with agent:
        await agent.run("hello")
    assert sim.requests[0].header("authorization") == "Bearer sk-together"


async def test_local_base_url_needs_no_key(monkeypatch, sim):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    sim.script(Reply("ok"))
    async with create_agent({"type": "chatcompletion", "model": "m",
                             "base_url": sim.base_url}) as agent:
        assert (await agent.run("x")).text == "ok"


def test_unknown_provider_lists_presets():
    with pytest.raises(ConfigError, match="unknown provider 'cerebrus'; presets: cerebras"):
        create_agent({"type": "chatcompletion", "provider": "cerebrus", "model": "m"})


def test_base_url_or_provider_required():
    with pytest.raises(ConfigError, match="needs `base_url` or `provider`"):
        create_agent({"type": "chatcompletion", "model": "m"})


async def test_request_options_are_sent(sim):
    sim.script(Reply("ok"))
    agent = create_agent({"type": "chatcompletion", "model": "m", "base_url": sim.base_url,
                          "temperature": 0.3, "max_tokens": 50, "top_p": 0.9, "stop": ["END"],
                          "extra_body": {"top_k": 5}, "headers": {"x-team": "blue"}})
    async with agent:
        await agent.run("x")
    req = sim.requests[0]
    assert {k: req.body[k] for k in ("temperature", "max_tokens", "top_p", "stop", "top_k")} == \
        {"temperature": 0.3, "max_tokens": 50, "top_p": 0.9, "stop": ["END"], "top_k": 5}
    assert req.header("x-team") == "blue"


async def test_massgens_engine_sampling_keys_reach_the_body(sim):
    """MassGen documents SGLang's keys on chatcompletion: they are sent, `extra_body` wins."""
    sim.script(Reply("ok"))
    agent = create_agent({"type": "chatcompletion", "model": "m", "base_url": sim.base_url,
                          "separate_reasoning": True, "top_k": 50, "repetition_penalty": 1.1,
                          "extra_body": {"top_k": 7}})
    async with agent:
        await agent.run("x")
    body = sim.requests[0].body
    assert (body["separate_reasoning"], body["top_k"], body["repetition_penalty"]) == \
        (True, 7, 1.1)
    assert "min_p" not in body


# faults ---------------------------------------------------------------------------------------
async def test_500_without_retries_is_an_error_event_with_status(make_agent, sim):
    sim.script(Fault.http(500, message="upstream exploded"))
    async with make_agent() as agent:
        events = await collect(agent, "x")
    err = events[-1]
    assert isinstance(err, ErrorEvent)
    assert (err.status, err.retryable, err.error_type) == (500, True, "ProviderError")
    assert "upstream exploded" in err.message


async def test_rate_limit_after_retries_is_rate_limit_error(make_agent, sim):
    sim.script(Fault.http(429, retry_after=0))
    async with make_agent() as agent:
        events = await collect(agent, "x")
    assert events[-1].error_type == "RateLimitError"


async def test_in_stream_error_chunk_is_a_provider_error(make_agent, sim):
    sim.script(Reply("a b c", fault=Fault(error_after=2, message="Token limit reached")))
    async with make_agent() as agent:
        events = await collect(agent, "x")
    assert events[-1].error_type == "ProviderError"
    assert "Token limit reached" in events[-1].message


# recorded real streams ----------------------------------------------------------------------------
def _recorded(name: str, index: int = 0) -> tuple[dict, str]:
    data = yaml.safe_load((CASSETTES / name).read_text())
    interaction = data["interactions"][index]
    return interaction["request"], interaction["response"]["body"]["string"]


def _sse(body: str) -> RawResponse:
    return RawResponse(200, body, {"content-type": "text/event-stream; charset=utf-8"})


@pytest.mark.parametrize("cassette,reasoning", [
    ("test_deepseek_model_thinking_stream.yaml", True),
    ("test_zai_thinking_stream.yaml", True),
    ("test_openrouter_streaming_reasoning.yaml", True),
])
async def test_recorded_reasoning_streams(cassette, reasoning):
    _, body = _recorded(cassette)
    with ChatCompletionsSimulator(_sse(body)) as sim:
        async with create_agent({"type": "chatcompletion", "model": "m",
                                 "base_url": sim.base_url}) as agent:
            events = await collect(agent, "x")
    done = events[-1]
    assert isinstance(done, Done), events[-1]
    assert done.text  # the recorded answer text came through
    assert any(isinstance(e, ReasoningDelta) for e in events) == reasoning
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0


async def test_recorded_tool_call_stream_runs_the_tool_loop():
    _, first = _recorded("test_run_stream_sync_streams_real_model.yaml", 0)
    _, second = _recorded("test_run_stream_sync_streams_real_model.yaml", 1)

    def get_capital(country: str) -> str:
        return "London" if country == "UK" else "?"

    with ChatCompletionsSimulator(_sse(first), _sse(second)) as sim:
        async with create_agent({"type": "chatcompletion", "model": "gpt-4o-mini",
                                 "base_url": sim.base_url}, tools=[get_capital]) as agent:
            result = await agent.run("What is the capital of the UK?")
    assert "London" in result.text
    assert sim.requests[1].body["messages"][-1]["content"] == "London"
    # the recorded usage of both calls: 53+78 prompt tokens, 15+9 completion tokens
    assert (result.usage.requests, result.usage.input_tokens, result.usage.output_tokens) == \
        (2, 131, 24)


async def test_recorded_mid_stream_error_is_an_error_event():
    _, body = _recorded("test_openrouter_stream_error.yaml")
    with ChatCompletionsSimulator(_sse(body)) as sim:
        async with create_agent({"type": "chatcompletion", "model": "m",
                                 "base_url": sim.base_url}) as agent:
            events = await collect(agent, "x")
    assert isinstance(events[-1], ErrorEvent)
    assert "Token limit reached" in events[-1].message


def _shape(body: str) -> list[tuple]:
    """The structural shape of a chunk stream: which keys each chunk's delta carries."""
    import json

    shape = []
    for line in body.splitlines():
        if not line.startswith("data: "):
            continue
        payload = line[len("data: "):]
        if payload == "[DONE]":
            shape.append(("[DONE]",))
            continue
        chunk = json.loads(payload)
        if not chunk["choices"]:
            shape.append(("usage", bool(chunk.get("usage"))))
            continue
        choice = chunk["choices"][0]
        delta = choice["delta"]
        keys = tuple(sorted(k for k, v in delta.items() if v not in (None, "", [])))
        shape.append((keys, choice["finish_reason"]))
    return shape


def _collapse(shape: list[tuple]) -> list[tuple]:
    out: list[tuple] = []
    for item in shape:
        if not out or out[-1] != item:
            out.append(item)
    return out


async def test_simulator_stream_shape_matches_the_recording():
    import httpx2

    _, recorded = _recorded("test_run_stream_sync_streams_real_model.yaml", 0)
    reply = Reply(tool_calls=[ToolCallSpec("get_capital", {"country": "UK"})])
    with ChatCompletionsSimulator(reply) as sim:
        body = {"model": "m", "messages": [], "stream": True,
                "stream_options": {"include_usage": True}}
        ours = httpx2.post(f"{sim.base_url}/chat/completions", json=body).text
    # The real stream opens the tool call in its first chunk (with role); ours sends a role
    # chunk first. Everything after the opening must match chunk kind for chunk kind.
    assert _collapse(_shape(ours))[-4:] == _collapse(_shape(recorded))[-4:]
    assert _collapse(_shape(recorded))[-4:] == [
        (("tool_calls",), None), ((), "tool_calls"), ("usage", True), ("[DONE]",)]


async def test_backend_keeps_the_conformance_contract(sim):
    from agentplug import ToolDef, UserMessage
    from agentplug.core.host import default_host
    from agentplug.core.config import params_from_dict
    from agentplug.testing.conformance import check_model_call

    spec = default_host().backend("chatcompletion")
    backend = spec.create(params_from_dict(spec, {"type": "chatcompletion", "model": "m",
                                                  "base_url": sim.base_url}))
    weather = ToolDef("weather", "Weather", {"type": "object", "properties": {}})
    sim.script(Reply("plain text", reasoning="why"),
               Reply("calling", tool_calls=[ToolCallSpec("weather", {}),
                                            ToolCallSpec("weather", {})]))
    await backend.open()
    try:
        await check_model_call(backend, [UserMessage.of("hi")])
        events = await check_model_call(backend, [UserMessage.of("hi")], [weather])
    finally:
        await backend.close()
    assert events[-1].stop_reason == "tool_calls"


async def test_stream_without_finish_reason_is_an_error_not_an_empty_answer(sim, make_agent):
    # What llama.cpp's server sends when a request fails inside it: a role chunk, then [DONE].
    cut = ('data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
           '"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}\n\n'
           "data: [DONE]\n\n")
    sim.script(RawResponse(200, cut, {"content-type": "text/event-stream"}), Reply("fine"))
    async with make_agent() as agent:
        events = [e async for e in agent.stream("hi")]
        assert isinstance(events[-1], ErrorEvent)
        assert "ended without a finish_reason" in events[-1].message
        assert agent.history == []  # the failed turn was rolled back
        assert (await agent.run("again")).text == "fine"


# the faults every backend shares (agentplug.testing.FaultSuite) -----------------------------
SUITE = FaultSuite(ChatCompletionsSimulator,
                   lambda url: {"type": "chatcompletion", "model": "m", "base_url": url},
                   base_path="/v1")


@pytest.mark.parametrize("check", FaultSuite.CHECKS)
async def test_shared_faults(check, monkeypatch):
    await SUITE.run(check, monkeypatch)
