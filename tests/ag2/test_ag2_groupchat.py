"""agentplug agents inside real classic AG2 chats (direction 2), backed by the Chat
Completions simulator over real HTTP."""

from __future__ import annotations

import asyncio

import pytest

autogen = pytest.importorskip("autogen")

from agentplug import (  # noqa: E402
    Done, ErrorEvent, Notice, SpeakerEvent, ToolCallRequested, ToolResult, UsageEvent,
)
from agentplug.adapters.ag2 import Team, to_ag2  # noqa: E402
from agentplug.testing import Fault, Reply, ToolCallSpec, transcript  # noqa: E402


def roll_dice(sides: int) -> str:
    """Roll a die.

    Args:
        sides: number of sides
    """
    return f"rolled {sides - 1}"


async def collect(stream):
    return [e async for e in stream]


def speakers(events):
    return [e.agent for e in events if isinstance(e, SpeakerEvent)]


async def test_round_robin_group_chat_streams_turns_and_sums_usage(sim_agent):
    writer, wsim = sim_agent("writer",
                             Reply("Draft: cats sleep a lot.", usage={"input": 10, "output": 6}),
                             Reply("Final: cats sleep 15 hours. TERMINATE",
                                   usage={"input": 30, "output": 8}))
    critic, csim = sim_agent("critic", Reply("Add a number.", usage={"input": 20, "output": 3}))
    async with Team([writer, critic], max_rounds=6) as team:
        events = await collect(team.stream("Write one line about cats."))
    assert transcript(events) == [("writer", "Draft: cats sleep a lot."),
                                  ("critic", "Add a number."),
                                  ("writer", "Final: cats sleep 15 hours. TERMINATE")]
    done = events[-1]
    assert isinstance(done, Done) and done.text == "Final: cats sleep 15 hours."
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.requests) == (60, 17, 3)
    summary = [e for e in events if isinstance(e, Notice)][-1]
    assert "3 turn(s): writer → critic → writer" in summary.message
    # the critic saw the task and the writer's draft, each under its speaker's name
    critic_prompt = csim.requests[0].body["messages"][-1]["content"]
    assert "user: Write one line about cats." in critic_prompt
    assert "writer: Draft: cats sleep a lot." in critic_prompt
    # the writer's second call carries its own history plus the critic's answer
    second = wsim.requests[1].body["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    assert second[-1]["content"] == "Add a number."


async def test_max_rounds_stops_the_chat(sim_agent):
    a, _ = sim_agent("a", Reply("one"), Reply("three"))
    b, _ = sim_agent("b", Reply("two"))
    async with Team([a, b], max_rounds=3, initial_agent="a") as team:
        done = await team.run("count")
    assert done.text == "three"
    assert team.usage.requests == 3


async def test_python_tool_runs_inside_the_ag2_member(sim_agent):
    roller, sim = sim_agent(
        "roller",
        Reply(tool_calls=[ToolCallSpec("roll_dice", {"sides": 6}, id="call_1")]),
        Reply("I rolled a 5. TERMINATE"), tools=[roll_dice])
    async with Team([roller]) as team:
        events = await collect(team.stream("roll a d6"))
    calls = [e for e in events if isinstance(e, ToolCallRequested)]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert calls[0].call.arguments == {"sides": 6}
    assert results[0].output == "rolled 5" and not results[0].is_error
    assert sim.requests[1].body["messages"][-1] == {
        "role": "tool", "tool_call_id": "call_1", "content": "rolled 5"}
    assert events[-1].text == "I rolled a 5."


async def test_member_failure_ends_the_team_with_an_error(sim_agent):
    a, _ = sim_agent("a", Reply("hello"))
    b, _ = sim_agent("b", Fault.http(400, message="bad request from b"))
    async with Team([a, b]) as team:
        events = await collect(team.stream("go"))
    assert isinstance(events[-1], ErrorEvent)
    assert "bad request from b" in events[-1].message
    assert not any(isinstance(e, Done) for e in events)


async def test_auto_pattern_asks_an_agentplug_selector(sim_agent):
    coder, _ = sim_agent("coder", Reply("def add(a, b): return a + b"))
    reviewer, _ = sim_agent("reviewer", Reply("Looks right. TERMINATE"))
    chooser, ssim = sim_agent("chooser", Reply("reviewer"), Reply("TERMINATE"))
    team = Team([coder, reviewer], pattern="auto", selector=chooser, initial_agent="coder")
    async with team:
        events = await collect(team.stream("write add()"))
    assert speakers(events) == ["coder", "reviewer"]
    prompt = ssim.requests[0].body["messages"][-1]["content"]
    assert "- coder:" in prompt and "- reviewer:" in prompt
    assert "coder: def add(a, b): return a + b" in prompt
    assert team.usage.requests == 3  # the selector's call counts too


async def test_auto_pattern_selector_can_end_the_chat(sim_agent):
    a, _ = sim_agent("a", Reply("done already"))
    b, _ = sim_agent("b")
    chooser, _ = sim_agent("chooser", Reply("TERMINATE"))
    async with Team([a, b], pattern="auto", selector=chooser) as team:
        events = await collect(team.stream("task"))
    assert speakers(events) == ["a"] and events[-1].text == "done already"


async def test_auto_pattern_falls_back_to_round_robin_on_a_bad_answer(sim_agent):
    a, _ = sim_agent("a", Reply("first"))
    b, _ = sim_agent("b", Reply("second TERMINATE"))
    chooser, _ = sim_agent("chooser", Reply("nobody in particular"))
    async with Team([a, b], pattern="auto", selector=chooser) as team:
        events = await collect(team.stream("task"))
    assert speakers(events) == ["a", "b"]
    assert any(isinstance(e, Notice) and e.level == "warning" and "round robin" in e.message
               for e in events)


async def test_manual_pattern_reads_the_choice(sim_agent):
    a, _ = sim_agent("a", Reply("from a"))
    b, _ = sim_agent("b", Reply("from b"))
    answers = iter(["2", ""])
    prompts = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)
    async with Team([a, b], pattern="manual", input_fn=ask) as team:
        events = await collect(team.stream("task"))
    assert speakers(events) == ["a", "b"]
    assert "1) a  2) b" in prompts[0]


async def test_to_ag2_in_an_async_two_agent_chat(sim_agent):
    helper, sim = sim_agent("helper", Reply("Hi, how can I help?",
                                            usage={"input": 7, "output": 5}))
    seen = []
    async with helper:
        ag = to_ag2(helper, on_event=seen.append)
        user = autogen.ConversableAgent("user", llm_config=False, human_input_mode="NEVER",
                                        code_execution_config=False)
        result = await user.a_initiate_chat(ag, message="hello", max_turns=1, silent=True)
    assert result.chat_history[-1]["content"] == "Hi, how can I help?"
    assert [type(e) for e in seen][0] is SpeakerEvent
    assert any(isinstance(e, UsageEvent) for e in seen)
    assert helper.usage.output_tokens == 5
    assert sim.requests[0].body["messages"][-1] == {"role": "user", "content": "hello"}


async def test_to_ag2_in_a_sync_chat_from_a_thread(sim_agent):
    helper, _ = sim_agent("helper", Reply("pong"))
    async with helper:
        ag = to_ag2(helper)
        user = autogen.ConversableAgent("user", llm_config=False, human_input_mode="NEVER",
                                        code_execution_config=False)
        result = await asyncio.to_thread(
            user.initiate_chat, ag, message="ping", max_turns=1, silent=True)
    assert result.summary == "pong"


async def test_sync_chat_inside_the_agents_loop_is_refused_clearly(sim_agent):
    helper, _ = sim_agent("helper", Reply("never sent"))
    async with helper:
        ag = to_ag2(helper)
        user = autogen.ConversableAgent("user", llm_config=False, human_input_mode="NEVER",
                                        code_execution_config=False)
        from agentplug import UsageError

        with pytest.raises(UsageError, match="a_initiate_chat"):
            user.initiate_chat(ag, message="ping", max_turns=1, silent=True)


async def test_leaving_the_stream_early_stops_the_chat(sims):
    from contextlib import aclosing

    from ag2_support import llm

    from agentplug import create_agent

    sim = sims(default=Reply("and on"))
    a = create_agent(llm(sim), id="a")
    b = create_agent(llm(sim), id="b")
    team = Team([a, b], max_rounds=50)
    async with team, aclosing(team.stream("talk forever")) as stream:
        async for event in stream:
            if isinstance(event, SpeakerEvent) and event.agent == "b":
                break
    # the reply in flight may finish; no further turn starts
    assert len(sim.requests) <= 3
