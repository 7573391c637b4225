"""ag2 1.x (``import ag2``), both ways, with real ag2 code and a simulated model over HTTP:
an ``ag2.Agent`` whose model is an agentplug backend calls an agentplug Python tool and an
MCP tool; the same agent wrapped under the protocol (``type: ag2_agent``), in Python and
inside ``agentplug run``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ag2 = pytest.importorskip("ag2")
pytest.importorskip("agentplug.adapters.mcp")

from agentplug import (  # noqa: E402
    Done, TextDelta, ToolCallRequested, ToolResult, UsageEvent, create_agent,
)
from agentplug.adapters.ag2.v1 import AG2Turn, AgentplugModel, ag2_tools, run_turn  # noqa: E402
from agentplug.adapters.mcp import MCPToolset  # noqa: E402
from agentplug.core.params import MCPServerConfig  # noqa: E402
from agentplug.core.tools import FunctionToolset  # noqa: E402
from agentplug.testing import Reply, ToolCallSpec  # noqa: E402

from ag2_support import llm  # noqa: E402

SERVER = {"name": "calc", "command": sys.executable,
          "args": [str(Path(__file__).parent / "servers" / "calc_server.py")]}
MCP_TOOL = "mcp__calc__multiply"
AGENTPLUG = str(Path(sys.executable).parent / "agentplug")


def weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: the city's name
    """
    return f"{city}: 21 C, clear"


def both_tools_then(answer: str) -> tuple[Reply, Reply]:
    return (Reply(tool_calls=[ToolCallSpec("weather", {"city": "Oslo"}, id="w1"),
                              ToolCallSpec(MCP_TOOL, {"a": 6, "b": 7}, id="m1")],
                  usage={"input": 30, "output": 12}),
            Reply(answer, usage={"input": 60, "output": 9}))


def tool_names(request) -> list[str]:
    return [t["function"]["name"] for t in request.body.get("tools", [])]


async def test_an_ag2_agent_on_an_agentplug_backend_calls_python_and_mcp_tools(sims):
    sim = sims(*both_tools_then("Oslo is 21 C; 6 x 7 = 42."))
    mcp = MCPToolset([MCPServerConfig(**SERVER)])
    async with AgentplugModel(llm(sim)) as model:
        await mcp.open()
        try:
            agent = ag2.Agent("helper", "You answer briefly.", config=model,
                              tools=ag2_tools(FunctionToolset([weather])) + ag2_tools(mcp))
            reply = await agent.ask("Weather in Oslo, and 6 times 7?")
        finally:
            await mcp.close()
    assert reply.body == "Oslo is 21 C; 6 x 7 = 42."
    first, second = sim.requests
    assert first.body["messages"][0] == {"role": "system", "content": "You answer briefly."}
    assert set(tool_names(first)) == {"weather", MCP_TOOL}
    results = {m["tool_call_id"]: m["content"] for m in second.body["messages"]
               if m["role"] == "tool"}
    assert results == {"w1": "Oslo: 21 C, clear", "m1": "42"}  # ag2 ran both, for real
    assert (model.usage.input_tokens, model.usage.output_tokens, model.usage.requests) == (
        90, 21, 2)


async def test_a_turn_of_an_ag2_agent_streams_as_agentplug_events(sims):
    sim = sims(*both_tools_then("Done: 42."))
    async with AgentplugModel(llm(sim)) as model:
        agent = ag2.Agent("helper", config=model, tools=ag2_tools(FunctionToolset([weather])))
        session = AG2Turn(agent)
        # the MCP call has no tool here: ag2 reports it as a failed call, the turn goes on
        events = [e async for e in run_turn(session, "go", priced=False)]
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("ToolCallRequested") < kinds.index("ToolResult") < kinds.index("TextDelta")
    results = {e.call_id: e for e in events if isinstance(e, ToolResult)}
    assert results["w1"].output == "Oslo: 21 C, clear" and not results["w1"].is_error
    assert results["m1"].is_error
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Done: 42."
    assert isinstance(events[-1], Done) and events[-1].text == "Done: 42."


async def test_ag2_agent_backend_runs_tools_and_keeps_the_conversation(sims):
    sim = sims(*both_tools_then("Oslo is 21 C; 42."), Reply("Yes, 42.",
                                                             usage={"input": 80, "output": 3}))
    agent = create_agent({"type": "ag2_agent", "name": "helper", "llm": llm(sim),
                          "mcp_servers": [SERVER]}, tools=[weather],
                         system_message="You answer briefly.")
    async with agent:
        events = [e async for e in agent.stream("Weather in Oslo, and 6 times 7?")]
        again = await agent.run("Sure?")
    calls = [e.call.name for e in events if isinstance(e, ToolCallRequested)]
    assert calls == ["weather", MCP_TOOL]
    outputs = [e.output for e in events if isinstance(e, ToolResult)]
    assert outputs == ["Oslo: 21 C, clear", "42"]
    assert sum(isinstance(e, UsageEvent) for e in events) == 2
    done = events[-1]
    assert done.text == "Oslo is 21 C; 42." and done.usage.requests == 2
    assert again.text == "Yes, 42."
    third = sim.requests[2].body["messages"]
    assert third[0] == {"role": "system", "content": "You answer briefly."}
    assert [m["role"] for m in third[1:]] == ["user", "assistant", "tool", "tool", "assistant",
                                              "user"]
    assert agent.usage.requests == 3


@pytest.mark.timeout(300)  # a child process imports ag2 and the SDKs afresh
def test_ag2_agent_inside_agentplug_run(sims, tmp_path):
    sim = sims(*both_tools_then("Oslo is 21 C; 6 x 7 = 42."))
    (tmp_path / "tools.py").write_text(
        "def weather(city: str) -> str:\n"
        '    """Current weather for a city.\n\n    Args:\n        city: the city\n    """\n'
        '    return f"{city}: 21 C, clear"\n')
    config = tmp_path / "agent.yaml"
    config.write_text(f"""\
agent:
  id: helper
  system_message: You answer briefly.
  backend:
    type: ag2_agent
    name: helper
    llm: {json.dumps(llm(sim))}
    tools: ["./tools.py:weather"]
    mcp_servers:
      - name: calc
        command: {json.dumps(sys.executable)}
        args: [{json.dumps(SERVER["args"][0])}]
""")
    result = subprocess.run([AGENTPLUG, "run", "-c", str(config), "--json",
                             "Weather in Oslo, and 6 times 7?"], capture_output=True, text=True,
                            timeout=240, cwd=tmp_path,
                            env={**os.environ, "AGENTPLUG_LOAD_ENTRY_POINTS": "0"})
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    results = [e["output"] for e in events if e["type"] == "tool_result"]
    assert results == ["Oslo: 21 C, clear", "42"]
    assert events[-1]["type"] == "done"
    assert "Oslo is 21 C; 6 x 7 = 42." in json.dumps(events[-1])
    assert set(tool_names(sim.requests[0])) == {"weather", MCP_TOOL}
