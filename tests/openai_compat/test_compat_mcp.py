"""MCP tools through every OpenAI-compatible backend (MassGen's Azure has no MCP and its Grok
never executes the calls): the scripted model calls a tool of a real stdio MCP server, the
bridge runs it, the result goes back as a tool message, the model answers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agentplug import ToolResult, create_agent
from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec
from compat_support import AZURE_VERSION, backend_config

pytest.importorskip("mcp")

EDGE = str(Path(__file__).parents[1] / "mcp" / "servers" / "edge_server.py")
KINDS = ("azure_openai", "grok", "zai", "lmstudio", "vllm", "sglang")


@pytest.mark.parametrize("kind", KINDS)
async def test_mcp_tool_runs_and_its_result_reaches_the_model(kind):
    call = ToolCallSpec("mcp__edge__echo", {"text": "from the server"}, id="c1")
    version = AZURE_VERSION if kind == "azure_openai" else None
    with ChatCompletionsSimulator(Reply(tool_calls=[call]), Reply("done"),
                                  azure_api_version=version) as sim:
        config = backend_config(kind, sim, mcp_servers=[
            {"name": "edge", "command": sys.executable, "args": [EDGE]}])
        async with create_agent(config) as agent:
            events = [e async for e in agent.stream("echo something")]
    result = next(e for e in events if isinstance(e, ToolResult))
    assert (result.name, result.output, result.is_error) == (
        "mcp__edge__echo", "from the server", False)
    chat = [r.body for r in sim.requests if r.path.endswith("/chat/completions")]
    assert "mcp__edge__echo" in {t["function"]["name"] for t in chat[0]["tools"]}
    tool_messages = [m for m in chat[1]["messages"] if m["role"] == "tool"]
    assert tool_messages == [{"role": "tool", "tool_call_id": "c1", "content": "from the server"}]
    assert events[-1].text == "done"
