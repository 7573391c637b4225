"""A mixed classic GroupChat: an agentplug planner, an AG2 AssistantAgent coder whose model
is an agentplug backend, and an AG2 executor agent running the coder's code for real (local
and Jupyter executors)."""

from __future__ import annotations

import asyncio

import pytest

autogen = pytest.importorskip("autogen")

from agentplug import BuiltinToolEvent, SpeakerEvent, TextDelta, create_agent  # noqa: E402
from agentplug.adapters.ag2 import Team, drive_with, open_executor  # noqa: E402
from agentplug.testing import Reply  # noqa: E402

from ag2_support import alive, llm  # noqa: E402


def transcript(events):
    turns: list[list[str]] = []
    for e in events:
        if isinstance(e, SpeakerEvent):
            turns.append([e.agent, ""])
        elif isinstance(e, TextDelta) and turns:
            turns[-1][1] += e.text
    return turns


@pytest.mark.parametrize("kind", ["local", "jupyter"])
async def test_planner_coder_and_executor_in_one_group_chat(kind, sims, sim_agent, tmp_path):
    planner, _ = sim_agent("planner", Reply("Plan: compute the 10th square with Python."),
                           Reply("The 10th square is 100. TERMINATE"))
    coder_sim = sims(Reply("```python\nprint(sum([10] * 10))\n```"))
    coder_model = create_agent(llm(coder_sim), id="coder_model")
    coder = autogen.AssistantAgent("coder", llm_config=False, human_input_mode="NEVER")
    drive_with(coder, coder_model)
    team: Team
    handle = await asyncio.to_thread(open_executor, {"type": kind, "timeout": 60},
                                     cwd=tmp_path, name="runner",
                                     sink=lambda event: team.emit(event))
    try:
        executor = autogen.ConversableAgent(
            "executor", llm_config=False, human_input_mode="NEVER",
            code_execution_config={"executor": handle.executor})
        team = Team([planner, coder, executor], max_rounds=6)
        async with team:
            events = [e async for e in team.stream("What is the 10th square number?")]
    finally:
        await asyncio.to_thread(handle.close)
    turns = transcript(events)
    assert [t[0] for t in turns] == ["planner", "coder", "executor", "planner"]
    assert "print(sum([10] * 10))" in turns[1][1]
    assert "100" in turns[2][1]
    runs = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert [r.status for r in runs] == ["started", "completed"]
    assert runs[1].name == kind and runs[1].stdout.strip() == "100"
    assert events[-1].text == "The 10th square is 100."
    # the coder's model saw the plan; its usage counts in the team's total
    assert "Plan: compute" in coder_sim.requests[0].body["messages"][-1]["content"]
    assert events[-1].usage.requests == 3
    assert not any(alive(pid) for pid in handle.pids)
