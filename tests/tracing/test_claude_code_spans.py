"""A stateful backend runs the agent's tools from its own session: the real Claude Code CLI
(bundled with claude-agent-sdk) calls an agentplug Python tool, and its execute_tool span is
still a child of the turn."""

from __future__ import annotations

import os

import pytest

from agentplug import create_agent
from agentplug.testing import AnthropicSimulator, Reply, ToolCallSpec

pytest.importorskip("claude_agent_sdk")
import agentplug.plugins.claude_code.backend  # noqa: E402,F401  (imported off the test's loop)


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


async def test_tool_calls_from_a_claude_code_session_nest_under_the_turn(exporter, tmp_path):
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    env = {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / "config"),
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"
    script = [Reply(tool_calls=[ToolCallSpec("mcp__agentplug__add", {"a": 2, "b": 40},
                                             id="toolu_add")]),
              Reply("42.")]
    with AnthropicSimulator(*script, model="claude-sonnet-4-5") as sim:
        config = {"type": "claude_code", "model": "claude-sonnet-4-5", "base_url": sim.base_url,
                  "api_key": "sk-ant-trace", "cwd": str(tmp_path / "work"), "max_retries": 0,
                  "max_thinking_tokens": 0, "env": env}
        async with create_agent(config, tools=[add]) as agent:
            assert (await agent.run("add 2 and 40")).text == "42."
    spans = {s.name: s for s in exporter.get_finished_spans()}
    turn, chat, tool = (spans["invoke_agent agent"], spans["chat claude-sonnet-4-5"],
                        spans["execute_tool add"])
    assert tool.parent.span_id == chat.parent.span_id == turn.context.span_id
    assert chat.attributes["gen_ai.provider.name"] == "anthropic"
    assert chat.attributes["agentplug.cost_usd"] > 0  # the CLI's own figure
