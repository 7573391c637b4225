"""Fallback chains through the real openai, anthropic and Chat Completions SDKs against
simulators: failover before the first token within a bound far below the SDKs' own retry
time (measured on the test's clock), the shared circuit breaker, and a failure mid-answer."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from agentplug import Done, ErrorEvent, TextDelta, ToolResult, create_agent
from agentplug.testing import Fault, Reply, ToolCallSpec
from fallback_support import (
    answered, chain, claude_member, closed_port, notices, openai_member, timed,
)

NOTES_SERVER = str(Path(__file__).parent / "servers" / "notes_server.py")

# What the SDKs would spend before giving up on the first member with their defaults
# (2 retries): 429 with Retry-After 10 s -> 20 s; refused connections -> ~1.2 s of backoff;
# a stall with a 0.5 s timeout -> 1.5 s plus backoff. The chain must not wait for any of it.


async def test_a_429_moves_to_the_next_backend_at_once_and_the_breaker_skips_it_next_turn(
        openai_sim, claude_sim):
    openai_sim.script(Fault.http(429, retry_after=10))
    claude_sim.script(Reply("from claude", usage={"input": 1000, "output": 500}),
                      Reply("claude again"))
    config = chain(openai_member(openai_sim.base_url), claude_member(claude_sim.base_url))
    async with create_agent(config) as agent:
        events, failover, took = await timed(agent, "hello")
        assert isinstance(events[-1], Done) and events[-1].text == "from claude"
        assert failover is not None and failover < 1.0, failover
        assert took < 2.0
        assert answered(openai_sim) == 1  # no SDK retry in front of the failover
        (notice,) = [n for n in notices(events) if "failed before answering" in n]
        assert "openai (gpt-4o)" in notice and "HTTP 429" in notice
        assert notice.endswith("trying claude (claude-sonnet-4-5)")
        # Priced by the member that answered: 1000*3 + 500*15 µ$ (claude-sonnet-4-5).
        assert events[-1].usage.cost_usd == pytest.approx(0.0105)

        events, _, _ = await timed(agent, "again")
        assert events[-1].text == "claude again"
        assert answered(openai_sim) == 1  # the open circuit kept it out
        assert any(n.startswith("fallback: skipping openai (gpt-4o): it failed recently")
                   for n in notices(events))


async def test_refused_connections_fail_over_at_once(claude_sim):
    claude_sim.script(Reply("claude answers"))
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    config = chain(openai_member(dead), claude_member(claude_sim.base_url))
    async with create_agent(config) as agent:
        events, failover, _ = await timed(agent, "hello")
    assert events[-1].text == "claude answers"
    assert failover is not None and failover < 0.5, failover
    assert "could not connect" in notices(events)[0]


async def test_a_stalled_backend_fails_over_after_its_own_timeout_without_retries(
        chat_sim, claude_sim):
    chat_sim.script(Reply("too late", fault=Fault(delay=30)))
    claude_sim.script(Reply("claude answers"))
    stalled = {"type": "chatcompletion", "model": "m", "base_url": chat_sim.base_url,
               "timeout": 0.5}
    async with create_agent(chain(stalled, claude_member(claude_sim.base_url))) as agent:
        events, failover, _ = await timed(agent, "hello")
    assert events[-1].text == "claude answers"
    assert failover is not None and 0.5 <= failover < 1.4, failover
    assert "timed out" in notices(events)[0]
    assert answered(chat_sim) == 1


async def test_first_token_timeout_bounds_a_stall_the_sdk_would_wait_out(chat_sim, claude_sim):
    chat_sim.script(Reply("too late", fault=Fault(delay=30)))
    claude_sim.script(Reply("claude answers"))
    stalled = {"type": "chatcompletion", "model": "m", "base_url": chat_sim.base_url}
    config = chain(stalled, claude_member(claude_sim.base_url), first_token_timeout=0.3)
    async with create_agent(config) as agent:
        events, failover, _ = await timed(agent, "hello")
    assert events[-1].text == "claude answers"
    assert failover is not None and 0.3 <= failover < 1.0, failover
    assert "sent nothing for 0.3 s (first_token_timeout)" in notices(events)[0]


async def test_a_failure_after_the_first_token_fails_the_turn_and_the_next_turn_moves_on(
        chat_sim, claude_sim):
    chat_sim.script(Reply("one two three four five six", fault=Fault(drop_after=3)))
    claude_sim.script(Reply("claude takes over"))
    first = {"type": "chatcompletion", "model": "m", "base_url": chat_sim.base_url}
    async with create_agent(chain(first, claude_member(claude_sim.base_url))) as agent:
        events = [e async for e in agent.stream("count")]
        assert any(isinstance(e, TextDelta) for e in events)  # output had started
        error = events[-1]
        assert isinstance(error, ErrorEvent) and error.error_type == "StreamError"
        assert any("failed after its answer had started streaming" in n
                   for n in notices(events))
        assert answered(claude_sim) == 0  # no silent switch mid-answer
        assert agent.history == []  # the failed turn was rolled back
        result = await agent.run("count again")
    assert result.text == "claude takes over"
    # The retry starts from scratch on the next member: the same clean history.
    assert [m["role"] for m in claude_sim.requests[0].body["messages"]] == ["user"]


async def test_a_non_retryable_error_does_not_fail_over(openai_sim, claude_sim):
    openai_sim.script(Fault.http(400, message="bad request: unsupported parameter"))
    config = chain(openai_member(openai_sim.base_url), claude_member(claude_sim.base_url))
    async with create_agent(config) as agent:
        events = [e async for e in agent.stream("x")]
    assert isinstance(events[-1], ErrorEvent) and events[-1].status == 400
    assert answered(claude_sim) == 0


async def test_history_and_tools_carry_over_to_the_next_backend(openai_sim, claude_sim):
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    openai_sim.script(Reply(tool_calls=[ToolCallSpec("add", {"a": 2, "b": 3})]),
                      Reply("2 + 3 = 5"), Fault.http(503))
    claude_sim.script(Reply("and 5 + 5 = 10"))
    config = chain(openai_member(openai_sim.base_url), claude_member(claude_sim.base_url))
    async with create_agent(config, tools=[add]) as agent:
        assert (await agent.run("2 + 3?")).text == "2 + 3 = 5"
        assert (await agent.run("and 5 + 5?")).text == "and 5 + 5 = 10"
    body = claude_sim.requests[0].body
    assert [t["name"] for t in body["tools"]] == ["add"]
    flat = str(body["messages"])
    assert "2 + 3?" in flat and "tool_result" in flat and "2 + 3 = 5" in flat


async def test_the_breaker_is_shared_by_agents_and_closes_after_its_cooldown(
        openai_sim, claude_sim):
    openai_sim.script(Fault.http(500), Reply("openai is back"))
    claude_sim.script(Reply("claude 1"), Reply("claude 2"))
    config = chain(openai_member(openai_sim.base_url), claude_member(claude_sim.base_url),
                   cooldown=0.4)
    async with create_agent(config) as first, create_agent(config) as second:
        assert (await first.run("a")).text == "claude 1"
        assert (await second.run("b")).text == "claude 2"  # skipped openai: shared circuit
        assert answered(openai_sim) == 1
        await asyncio.sleep(0.45)
        assert (await second.run("c")).text == "openai is back"  # half-open trial succeeded
    assert answered(openai_sim) == 2


async def test_failure_threshold_keeps_a_backend_in_until_it_is_reached(openai_sim, claude_sim):
    openai_sim.script(Fault.http(529), Reply("openai"))
    claude_sim.script(Reply("claude"))
    config = chain(openai_member(openai_sim.base_url), claude_member(claude_sim.base_url),
                   failure_threshold=2)
    async with create_agent(config) as agent:
        assert (await agent.run("a")).text == "claude"
        assert (await agent.run("b")).text == "openai"  # one failure: still in


@pytest.mark.parametrize("kind", ["chatcompletion", "openai", "claude"])
async def test_a_stall_on_any_sdk_fails_over_after_the_members_timeout(
        kind, request, claude_sim):
    sim = request.getfixturevalue({"chatcompletion": "chat_sim", "openai": "openai_sim",
                                   "claude": "stalled_claude_sim"}[kind])
    sim.script(Reply("too late", fault=Fault(delay=30)))
    claude_sim.script(Reply("claude answers"))
    first = {"type": kind, "model": "claude-haiku-4-5" if kind == "claude" else "m",
             "base_url": sim.base_url, "api_key": "k", "timeout": 0.5}
    async with create_agent(chain(first, claude_member(claude_sim.base_url))) as agent:
        events, failover, _ = await timed(agent, "hello")
    assert events[-1].text == "claude answers"
    assert failover is not None and 0.5 <= failover < 1.4, (kind, failover)
    assert answered(sim) == 1


async def test_mcp_servers_of_the_chain_serve_whichever_member_answers(openai_sim, claude_sim):
    openai_sim.script(Fault.http(503))
    claude_sim.script(Reply(tool_calls=[ToolCallSpec("mcp__notes__note", {"text": "milk"})]),
                      Reply("Noted milk."))
    config = chain(openai_member(openai_sim.base_url), claude_member(claude_sim.base_url),
                   mcp_servers=[{"name": "notes", "command": sys.executable,
                                 "args": [NOTES_SERVER]}])
    async with create_agent(config) as agent:
        events = [e async for e in agent.stream("remember milk")]
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert (result.name, result.output, result.is_error) == ("mcp__notes__note",
                                                            "noted: milk", False)
    assert events[-1].text == "Noted milk."
    assert [t["name"] for t in openai_sim.requests[0].body["tools"]] == ["mcp__notes__note"]


async def test_a_non_retryable_error_does_not_open_the_circuit(openai_sim, claude_sim):
    openai_sim.script(Fault.http(401, message="invalid key"), Reply("openai answers"))
    config = chain(openai_member(openai_sim.base_url), claude_member(claude_sim.base_url))
    async with create_agent(config) as agent:
        events = [e async for e in agent.stream("x")]
        assert events[-1].status == 401
        assert (await agent.run("y")).text == "openai answers"
    assert answered(claude_sim) == 0
