"""Faults on the wire, through the real anthropic SDK: retries, broken streams, stalls."""

from __future__ import annotations

import pytest

from agentplug import Done, ErrorEvent, create_agent
from agentplug.testing import AnthropicSimulator, Fault, FaultSuite, RawResponse, Reply

from anthropic_support import WIRE, collect


async def test_retries_429_and_529_then_the_turn_completes(make_agent, sim):
    sim.script(Fault.http(429, retry_after=0), Fault.http(529, retry_after=0), Reply("made it"))
    async with make_agent(max_retries=2) as agent:
        result = await agent.run("hi")
    assert result.text == "made it"
    assert len(sim.requests) == 3


async def test_http_error_without_retries_is_an_error_event_then_usable(make_agent, sim):
    sim.script(Fault.http(500, message="boom"), Reply("recovered"))
    async with make_agent() as agent:
        events = await collect(agent, "hi")
        err = events[-1]
        assert isinstance(err, ErrorEvent)
        assert (err.status, err.retryable, err.error_type) == (500, True, "ProviderError")
        assert "boom" in err.message and "api_error" in err.message
        assert agent.history == []
        assert (await agent.run("again")).text == "recovered"


async def test_overloaded_error_event_mid_stream(make_agent, sim):
    sim.script(Reply("one two three four", fault=Fault(error_after=4, message="Overloaded")),
               Reply("fine now"))
    async with make_agent() as agent:
        events = await collect(agent, "hi")
        err = events[-1]
        assert isinstance(err, ErrorEvent)
        assert err.retryable and "overloaded_error" in err.message and "Overloaded" in err.message
        assert (await agent.run("again")).text == "fine now"
    # the failed turn left nothing behind: the retry's request holds only the new prompt
    assert [m["role"] for m in sim.requests[1].body["messages"]] == ["user"]




async def test_stream_cut_before_message_stop(make_agent, sim):
    body = ('event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1",'
            '"type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,'
            '"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}\n\n')
    sim.script(RawResponse(200, body, {"content-type": "text/event-stream"}))
    async with make_agent() as agent:
        err = (await collect(agent, "hi"))[-1]
    assert isinstance(err, ErrorEvent) and "ended before message_stop" in err.message




async def test_base_url_overrides_the_environment(monkeypatch):
    with AnthropicSimulator(Reply("from config"), Reply("from env")) as sim:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
        async with create_agent({"type": "claude", "base_url": sim.base_url,
                                 "max_retries": 0}) as agent:
            assert (await agent.run("hi")).text == "from config"
        monkeypatch.setenv("ANTHROPIC_BASE_URL", sim.base_url)
        async with create_agent({"type": "claude", "max_retries": 0}) as agent:
            events = await collect(agent, "hi")
    assert isinstance(events[-1], Done) and events[-1].text == "from env"
    assert sim.requests[0].header("authorization") == "Bearer k"


# the faults every backend shares (agentplug.testing.FaultSuite) -----------------------------
@pytest.mark.parametrize("check", FaultSuite.CHECKS)
async def test_shared_faults(check, monkeypatch):
    await WIRE.run(check, monkeypatch)
