"""Faults on the wire through the real google-genai SDK: retries, broken streams, stalls."""

from __future__ import annotations

import pytest

from agentplug import ErrorEvent, create_agent
from agentplug.testing import Fault, FaultSuite, RawResponse, Reply

from gemini_support import WIRE, collect


async def test_retries_429_and_503_then_the_turn_completes(make_agent, sim):
    sim.script(Fault.http(429), Fault.http(503), Reply("made it"))
    async with make_agent(max_retries=2, retry_initial_delay=0.01) as agent:
        assert (await agent.run("hi")).text == "made it"
    assert len(sim.requests) == 3


async def test_retries_by_default(make_agent, sim, monkeypatch):
    """google-genai alone would not retry: the backend always gives it HttpRetryOptions."""
    sim.script(Fault.http(500), Reply("second try"))
    agent = create_agent({"type": "gemini", "base_url": sim.base_url,
                          "retry_initial_delay": 0.01})
    async with agent:
        assert (await agent.run("hi")).text == "second try"


async def test_http_error_is_an_error_event_then_usable(make_agent, sim):
    sim.script(Fault.http(400, message="bad schema"), Reply("recovered"))
    async with make_agent() as agent:
        err = (await collect(agent, "hi"))[-1]
        assert isinstance(err, ErrorEvent)
        assert (err.status, err.retryable) == (400, False)
        assert "bad schema" in err.message and "INVALID_ARGUMENT" in err.message
        assert (await agent.run("again")).text == "recovered"


async def test_error_chunk_mid_stream(make_agent, sim):
    sim.script(Reply("one two three", fault=Fault(error_after=2, message="overloaded")),
               Reply("fine now"))
    async with make_agent() as agent:
        err = (await collect(agent, "hi"))[-1]
        assert isinstance(err, ErrorEvent) and err.retryable and err.status == 503
        assert "overloaded" in err.message
        assert (await agent.run("again")).text == "fine now"
    assert [c["role"] for c in sim.requests[1].body["contents"]] == ["user"]




async def test_stream_without_finish_reason(make_agent, sim):
    body = 'data: {"candidates": [{"content": {"parts": [{"text": "cut"}], "role": "model"}}]}\n\n'
    sim.script(RawResponse(200, body, {"content-type": "text/event-stream"}))
    async with make_agent() as agent:
        err = (await collect(agent, "hi"))[-1]
    assert isinstance(err, ErrorEvent) and "without a finish reason" in err.message


# the faults every backend shares (agentplug.testing.FaultSuite) -----------------------------
@pytest.mark.parametrize("check", FaultSuite.CHECKS)
async def test_shared_faults(check, monkeypatch):
    await WIRE.run(check, monkeypatch)
