"""A mixed classic GroupChat: an agentplug planner, an AG2 AssistantAgent coder whose model
is an agentplug backend, and an AG2 executor agent running the coder's code for real (local
and Jupyter executors)."""

from __future__ import annotations

import asyncio

import pytest

autogen = pytest.importorskip("autogen")

from agentplug import BuiltinToolEvent, create_agent  # noqa: E402
from agentplug.adapters.ag2 import Team, drive_with, open_executor  # noqa: E402
from agentplug.testing import Reply, transcript  # noqa: E402

from ag2_support import alive, llm  # noqa: E402


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


async def test_claude_gemini_and_an_ag2_coder_in_one_team(tmp_path, monkeypatch):
    """The issue's example team, from a config: a Claude planner, an AG2 coder whose model is
    Gemini and whose code the local executor runs, and a Gemini-backed reviewer."""
    from agentplug import parse_config
    from agentplug.adapters.ag2 import team_from_config
    from agentplug.testing import AnthropicSimulator, GeminiSimulator

    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("GEMINI_API_KEY", "gm-test")
    for var in ("ANTHROPIC_BASE_URL", "GOOGLE_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    with AnthropicSimulator(Reply("Step 1: the coder computes 2**10.")) as claude, \
            GeminiSimulator(Reply("```python\nprint(2 ** 10)\n```"), Reply("It is 1024."),
                            Reply("Verified: 1024. TERMINATE")) as gemini:
        config = parse_config(f"""
agents:
  - id: planner
    backend: {{type: claude, model: claude-sonnet-4-6, base_url: "{claude.base_url}"}}
  - id: coder
    backend:
      type: ag2
      agent_config: {{type: assistant, name: coder}}
      code_execution_config: {{executor: {{type: local}}}}
      llm: {{type: gemini, model: gemini-2.5-flash, base_url: "{gemini.base_url}"}}
      cwd: "{tmp_path}"
  - id: reviewer
    backend: {{type: gemini, model: gemini-2.5-flash, base_url: "{gemini.base_url}"}}
team: {{agents: [planner, coder, reviewer], max_rounds: 5}}
""")
        async with team_from_config(config) as team:
            events = [e async for e in team.stream("What is 2 to the 10th?")]
    turns = transcript(events)
    assert [t[0] for t in turns] == ["planner", "coder", "reviewer"]
    run = [e for e in events if isinstance(e, BuiltinToolEvent)][-1]
    assert run.stdout.strip() == "1024" and run.name == "local"
    assert events[-1].text == "Verified: 1024."
    assert events[-1].usage.requests == 4
    assert len(claude.requests) == 1 and len(gemini.requests) == 3
