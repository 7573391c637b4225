"""MCP tools work inside AG2: an agentplug agent with a real stdio MCP server, adapted with
``to_ag2``, and the model of a ``type: ag2`` agent (``mcp_servers`` on the ag2 backend).
MCP tools are named ``mcp__<server>__<tool>``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("autogen")
pytest.importorskip("agentplug.adapters.mcp")

from agentplug import ToolResult, create_agent  # noqa: E402
from agentplug.adapters.ag2 import Team  # noqa: E402
from agentplug.testing import Reply, ToolCallSpec  # noqa: E402

from ag2_support import llm  # noqa: E402

TOOL = "mcp__calc__multiply"
SERVER = {"name": "calc", "command": sys.executable,
          "args": [str(Path(__file__).parent / "servers" / "calc_server.py")]}


def tool_names(request) -> list[str]:
    return [t["function"]["name"] for t in request.body.get("tools", [])]


async def test_mcp_tool_of_an_agentplug_member_runs_in_the_group_chat(sims):
    sim = sims(Reply(tool_calls=[ToolCallSpec(TOOL, {"a": 6, "b": 7}, id="m1")]),
               Reply("6 x 7 = 42. TERMINATE"))
    agent = create_agent({**llm(sim), "mcp_servers": [SERVER]}, id="calc_user")
    async with Team([agent]) as team:
        events = [e async for e in team.stream("6 times 7?")]
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.output == "42" and not result.is_error
    assert TOOL in tool_names(sim.requests[0])
    assert events[-1].text == "6 x 7 = 42."


async def test_mcp_servers_of_an_ag2_backend_are_its_model_tools(sims, tmp_path):
    sim = sims(Reply(tool_calls=[ToolCallSpec(TOOL, {"a": 3, "b": 5}, id="m1")]),
               Reply("15"))
    agent = create_agent({"type": "ag2", "agent_config": {"name": "calc"}, "llm": llm(sim),
                          "mcp_servers": [SERVER], "cwd": str(tmp_path)})
    async with agent:
        events = [e async for e in agent.stream("3 times 5?")]
    assert next(e for e in events if isinstance(e, ToolResult)).output == "15"
    assert TOOL in tool_names(sim.requests[0])
