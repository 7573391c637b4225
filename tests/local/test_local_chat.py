"""The Chat Completions path end to end against a real implementation: llama.cpp's server
with the embedded SmolLM2-135M (a handful of tokens per test, temperature 0)."""

from __future__ import annotations

import asyncio

import pytest

from agentplug import Done, ErrorEvent, Notice, TextDelta, UsageEvent, create_agent
from local_support import needs_model

pytestmark = needs_model


def chat_agent(llama, **params):
    config = {"type": "chatcompletion", "model": llama.key.alias, "base_url": llama.base_url,
              "max_retries": 0, "temperature": 0, "max_tokens": 8, **params}
    return create_agent(config)


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]


async def test_streaming_turn_has_deltas_usage_and_done(llama):
    async with chat_agent(llama) as agent:
        events = await collect(agent, "What is the capital of France?")
    deltas = [e for e in events if isinstance(e, TextDelta)]
    done = events[-1]
    assert isinstance(done, Done), events
    assert len(deltas) >= 2 and done.text == "".join(d.text for d in deltas) and done.text.strip()
    # llama-cpp-python ignores stream_options.include_usage: no usage chunk, so the generic
    # path reports one request and no token counts (the `local` backend counts them).
    usage = [e for e in events if isinstance(e, UsageEvent)][0].usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (1, 0, 0)
    assert done.stop_reason in ("end_turn", "max_tokens")


async def test_max_tokens_stops_with_max_tokens(llama):
    async with chat_agent(llama, max_tokens=3) as agent:
        events = await collect(agent, "Tell me a long story about a dragon.")
    assert events[-1].stop_reason == "max_tokens"
    # one chunk per generated token
    assert len([e for e in events if isinstance(e, TextDelta)]) == 3


async def test_stop_sequence_ends_the_answer_before_it(llama):
    # Calibrated on the model's own answer (temperature 0 is deterministic): a word from its
    # middle becomes the stop sequence, and the answer must end just before it.
    async with chat_agent(llama, max_tokens=12) as agent:
        full = (await agent.run("What is the capital of France?")).text
    words = full.split()
    assert len(words) >= 3, full
    stop = " " + words[2]
    async with chat_agent(llama, max_tokens=12, stop=[stop]) as agent:
        result = await agent.run("What is the capital of France?")
    assert result.stop_reason == "end_turn"
    assert result.text == full[:full.index(stop)] and result.text.strip()


async def test_multi_turn_sends_the_history(llama):
    async with create_agent({"type": "local", "max_tokens": 4, "temperature": 0}) as agent:
        first = await agent.run("My name is Ada.")
        second = await agent.run("What is my name?")
    assert len(agent.history) == 4
    # The second prompt carried the first exchange: more input than the first turn had in
    # and out together.
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens


async def test_cancel_mid_stream_rolls_back_and_the_agent_goes_on(llama):
    async with chat_agent(llama, max_tokens=48) as agent:
        seen: list[str] = []

        async def consume():
            async for event in agent.stream("Count from one to twenty in words."):
                if isinstance(event, TextDelta):
                    seen.append(event.text)
                    task.cancel()

        task = asyncio.ensure_future(consume())
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(seen) == 1 and agent.history == []
        result = await agent.run("Say hi.")
    assert result.text.strip() and len(agent.history) == 2


async def test_local_backend_counts_usage_the_server_does_not_send(llama):
    async with create_agent({"type": "local", "max_tokens": 5, "temperature": 0}) as agent:
        events = await collect(agent, "What is the capital of France?")
    deltas = [e for e in events if isinstance(e, TextDelta)]
    usage = [e for e in events if isinstance(e, UsageEvent)][0].usage
    # exact output count (one chunk per token), the prompt's text tokens as the input
    assert usage.output_tokens == len(deltas) == 5 and events[-1].stop_reason == "max_tokens"
    assert 7 <= usage.input_tokens < 37  # 7 text tokens; 37 with the chat template
    assert events[-1].usage == usage


async def test_local_backend_shares_the_session_server(llama):
    # Default settings: the same pool key as the session server, so no second process.
    from agentplug.plugins.local.server import POOL

    before = {s.pid for s in POOL.servers()}
    async with create_agent({"type": "local", "max_tokens": 6, "temperature": 0}) as a, \
            create_agent({"type": "local", "max_tokens": 6}) as b:
        assert a.backend.lease.server is b.backend.lease.server is llama
        events = await collect(a, "What is the capital of France?")
        assert (await b.run("Say hi.")).text.strip()
    assert not any(isinstance(e, (Notice, ErrorEvent)) for e in events), events
    assert isinstance(events[-1], Done) and events[-1].text.strip()
    assert {s.pid for s in POOL.servers()} == before and not llama.exited


async def test_a_prompt_over_n_ctx_is_an_error_naming_the_fix(llama):
    # The server answers 200 with an empty stream and logs the reason; the local backend
    # reports it instead of an empty answer, and the agent stays usable.
    async with create_agent({"type": "local", "max_tokens": 4}) as agent:
        events = await collect(agent, "word " * 2100)
        error = events[-1]
        assert isinstance(error, ErrorEvent), events
        assert "exceed context window of 2048" in error.message and "n_ctx" in error.message
        assert agent.history == [] and not llama.exited
        assert (await agent.run("Say hi.")).text.strip()
