"""The Agent's tool loop, history and failure handling, driven through the real openai SDK
against the Chat Completions simulator."""

from __future__ import annotations

import asyncio

import pytest

from agentplug import (
    Done, ErrorEvent, Notice, PlannedToolCall, ReasoningDelta, TextDelta, ToolCallRequested,
    ToolResult, UsageEvent,
)
from agentplug.core.agent import Agent
from agentplug.testing import Fault, Reply, ToolCallSpec


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]


def get_weather(city: str, unit: str = "celsius") -> str:
    """Current weather for a city.

    Args:
        city: the city name
        unit: celsius or fahrenheit
    """
    return f"{city}: 21 {unit}"


async def test_text_turn_streams_deltas_then_done(sim, make_agent):
    sim.script(Reply("Paris is the capital.", usage={"input": 12, "output": 5}))
    async with make_agent() as agent:
        events = await collect(agent, "Capital of France?")
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert deltas == ["Paris ", "is ", "the ", "capital."]
    done = events[-1]
    assert isinstance(done, Done)
    assert done.text == "Paris is the capital."
    assert done.stop_reason == "end_turn"
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.requests) == (12, 5, 1)
    assert sim.requests[0].body["stream_options"] == {"include_usage": True}


async def test_tool_loop_runs_python_tool_and_feeds_result_back(sim, make_agent):
    sim.script(
        Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "Oslo"}, id="call_1")],
              usage={"input": 20, "output": 7}),
        Reply("It is 21 degrees in Oslo.", usage={"input": 40, "output": 9}),
    )
    async with make_agent(tools=[get_weather]) as agent:
        events = await collect(agent, "Weather in Oslo?")
    calls = [e for e in events if isinstance(e, ToolCallRequested)]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert calls[0].call.arguments == {"city": "Oslo"}
    assert results[0].output == "Oslo: 21 celsius" and not results[0].is_error
    # the tool schema was derived from the typed function and its docstring
    tool = sim.requests[0].body["tools"][0]["function"]
    assert tool["name"] == "get_weather"
    assert tool["description"] == "Current weather for a city."
    assert tool["parameters"]["required"] == ["city"]
    assert tool["parameters"]["properties"]["city"]["description"] == "the city name"
    # the second request carries the assistant tool call and the tool result
    second = sim.requests[1].body["messages"]
    assert second[1]["tool_calls"][0]["id"] == "call_1"
    assert second[2] == {"role": "tool", "tool_call_id": "call_1", "content": "Oslo: 21 celsius"}
    done = events[-1]
    assert done.text == "It is 21 degrees in Oslo."
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.requests) == (60, 16, 2)


async def test_async_tool_and_parallel_calls(sim, make_agent):
    async def add(a: int, b: int) -> int:
        await asyncio.sleep(0)
        return a + b

    sim.script(
        Reply(tool_calls=[ToolCallSpec("add", {"a": 1, "b": 2}),
                          ToolCallSpec("add", {"a": 3, "b": 4})]),
        Reply("3 and 7"),
    )
    async with make_agent(tools=[add]) as agent:
        events = await collect(agent, "sums")
    assert [e.output for e in events if isinstance(e, ToolResult)] == ["3", "7"]


async def test_tool_exception_goes_back_to_the_model_as_error(sim, make_agent):
    def explode(x: int) -> str:
        raise RuntimeError("disk on fire")

    sim.script(Reply(tool_calls=[ToolCallSpec("explode", {"x": 1})]), Reply("Sorry, it failed."))
    async with make_agent(tools=[explode]) as agent:
        events = await collect(agent, "go")
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert result.is_error and "RuntimeError: disk on fire" in result.output
    assert sim.requests[1].body["messages"][-1]["content"] == "ERROR: RuntimeError: disk on fire"
    assert isinstance(events[-1], Done)


async def test_bad_arguments_and_unknown_tool_are_error_results(sim, make_agent):
    sim.script(
        Reply(tool_calls=[ToolCallSpec("get_weather", {"town": "Oslo"}),
                          ToolCallSpec("no_such_tool", {})]),
        Reply("ok"),
    )
    async with make_agent(tools=[get_weather]) as agent:
        events = await collect(agent, "go")
    bad_args, unknown = [e for e in events if isinstance(e, ToolResult)]
    assert bad_args.is_error and "invalid arguments" in bad_args.output
    assert unknown.is_error and "available tools: get_weather" in unknown.output


async def test_max_tool_rounds_bounds_the_loop_and_keeps_history_valid(sim, make_agent):
    sim.script(*[Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "X"})])] * 3,
               Reply("after"))
    agent = make_agent(tools=[get_weather])
    agent.max_tool_rounds = 2
    async with agent:
        events = await collect(agent, "loop forever")
        assert any(isinstance(e, Notice) and "2 tool rounds" in e.message for e in events)
        assert events[-1].stop_reason == "max_tool_rounds"
        assert len(sim.requests) == 3
        # every tool call in the history is answered, so the next turn is valid
        await agent.run("next")
    last = sim.requests[-1].body["messages"]
    call_ids = {c["id"] for m in last if m["role"] == "assistant" for c in m.get("tool_calls", [])}
    answered = {m["tool_call_id"] for m in last if m["role"] == "tool"}
    assert call_ids == answered


async def test_multi_turn_history(sim, make_agent):
    sim.script(Reply("Hi Ada."), Reply("Your name is Ada."))
    agent = make_agent()
    agent.system_message = None
    async with agent:
        await agent.run("I am Ada.")
        result = await agent.run("What is my name?")
    assert result.text == "Your name is Ada."
    roles = [m["role"] for m in sim.requests[1].body["messages"]]
    assert roles == ["user", "assistant", "user"]
    assert agent.usage.requests == 2


async def test_reasoning_content_becomes_reasoning_events(sim, make_agent):
    sim.script(Reply("42", reasoning="Let me think. Six times seven."))
    async with make_agent() as agent:
        events = await collect(agent, "6*7?")
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == \
        "Let me think. Six times seven."
    assert events[-1].message.reasoning == "Let me think. Six times seven."


async def test_failed_turn_rolls_back_and_agent_stays_usable(sim, make_agent):
    sim.script(Reply("partial answer that breaks", fault=Fault(drop_after=3)), Reply("fine"))
    async with make_agent() as agent:
        events = await collect(agent, "first")
        assert isinstance(events[-1], ErrorEvent)
        assert events[-1].error_type == "StreamError"
        assert agent.history == []
        result = await agent.run("second")
    assert result.text == "fine"
    assert [m["content"] for m in sim.requests[1].body["messages"]] == ["second"]


async def test_run_raises_the_turn_error(sim, make_agent):
    from agentplug import ProviderError

    sim.script(Fault.http(400, message="bad request body"))
    async with make_agent() as agent:
        with pytest.raises(ProviderError, match="HTTP 400: bad request body"):
            await agent.run("x")


async def test_cancel_mid_stream_rolls_back(sim, make_agent):
    sim.script(Reply("one two three four five six", chunk_delay=0.05), Reply("after cancel"))
    async with make_agent() as agent:
        async def consume():
            async for event in agent.stream("slow"):
                if isinstance(event, TextDelta):
                    task.cancel()
        task = asyncio.ensure_future(consume())
        with pytest.raises(asyncio.CancelledError):
            await task
        assert agent.history == []
        assert (await agent.run("again")).text == "after cancel"


async def test_planning_mode_shows_calls_without_running_them(sim):
    from agentplug import create_agent

    ran = []

    def delete_file(path: str) -> str:
        ran.append(path)
        return "deleted"

    sim.script(Reply(tool_calls=[ToolCallSpec("delete_file", {"path": "/etc/x"})]),
               Reply("Plan: delete /etc/x"))
    agent = create_agent({"type": "chatcompletion", "model": "m", "base_url": sim.base_url,
                          "planning_mode": True}, tools=[delete_file])
    async with agent:
        events = await collect(agent, "clean up")
    assert ran == []
    assert any(isinstance(e, PlannedToolCall) for e in events)
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    assert "planned, not executed" in result.output


async def test_usage_events_are_per_call_and_done_sums(sim, make_agent):
    sim.script(Reply(tool_calls=[ToolCallSpec("get_weather", {"city": "A"})],
                     usage={"input": 1, "output": 2, "cached": 1}),
               Reply("x", usage={"input": 3, "output": 4, "reasoning": 2}))
    async with make_agent(tools=[get_weather]) as agent:
        events = await collect(agent, "go")
    per_call = [e.usage for e in events if isinstance(e, UsageEvent)]
    assert [(u.input_tokens, u.output_tokens) for u in per_call] == [(1, 2), (3, 4)]
    total = events[-1].usage
    assert (total.input_tokens, total.output_tokens, total.cached_tokens,
            total.reasoning_tokens) == (4, 6, 1, 2)


async def test_close_is_idempotent_and_open_failure_closes(sim):
    class Boom:
        stateful = False
        closed = 0

        async def open(self):
            raise RuntimeError("cannot open")

        async def close(self):
            Boom.closed += 1

        async def reset(self):
            pass

    agent = Agent(Boom())
    with pytest.raises(RuntimeError):
        await agent.open()
    assert Boom.closed == 1
    await agent.close()
    assert Boom.closed == 1


async def test_add_toolset_after_open_offers_and_runs_its_tools(sim, make_agent):
    from agentplug.core.errors import AgentplugError
    from agentplug.core.tools import FunctionToolset

    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    sim.script(Reply(tool_calls=[ToolCallSpec("add", {"a": 1, "b": 2}, id="c1")]), Reply("3"))
    async with make_agent(tools=[get_weather]) as agent:
        await agent.add_toolset(FunctionToolset([add]))
        with pytest.raises(AgentplugError, match="two tools are named 'add'"):
            await agent.add_toolset(FunctionToolset([add]))
        events = await collect(agent, "1 + 2?")
    assert [t["function"]["name"] for t in sim.requests[0].body["tools"]] == ["get_weather", "add"]
    assert next(e for e in events if isinstance(e, ToolResult)).output == "3"
    assert len(agent.toolsets) == 2  # the clashing one was not kept
