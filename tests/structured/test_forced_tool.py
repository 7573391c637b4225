"""The tool strategy's forced call on each wire, where the wire can force one, and the
simulators refusing a forced choice the real APIs refuse."""

from __future__ import annotations

import json

import pytest

from agentplug import create_agent
from agentplug.core.messages import UserMessage
from agentplug.core.tools import ToolDef
from agentplug.testing import AnthropicSimulator, Reply, ToolCallSpec

from structured_support import GOOD, City

_UNKNOWN = "final_Nothing"


def _forcing_unknown(wire: str, request: dict) -> None:
    """Force a tool the request does not declare (it declares one other function)."""
    if wire == "chat_completions":
        request["tool_choice"] = {"type": "function", "function": {"name": _UNKNOWN}}
    elif wire == "responses":
        request["tool_choice"] = {"type": "function", "name": _UNKNOWN}
    elif wire == "anthropic":
        request["tool_choice"] = {"type": "tool", "name": _UNKNOWN}
    else:
        request["config"]["tool_config"] = {"function_calling_config": {
            "mode": "ANY", "allowed_function_names": [_UNKNOWN]}}


async def test_the_simulator_refuses_forcing_an_undeclared_tool(wire, sim):
    sim.script(Reply(GOOD))
    async with wire.agent(sim) as agent:
        backend = agent.backend
        tool = ToolDef("lookup", "Look something up.", {"type": "object", "properties": {}})
        request = backend.build_request([UserMessage.of("x")], [tool])
        _forcing_unknown(wire.name, request)
        with pytest.raises(Exception) as caught:
            async for _ in backend.call(backend.client(), request, backend.new_turn(sim.url)):
                pass
    assert getattr(caught.value, "status", None) == 400, caught.value
    assert _UNKNOWN in str(caught.value)
    assert sim.pending == 1  # refused before any reply was spent


async def test_claude_with_extended_thinking_is_not_forced(monkeypatch):
    """Anthropic refuses forced tool use while thinking is on: the output tool is offered
    and asked for in the prompt, and the simulator refuses the forced shape as the API does."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    call = ToolCallSpec("final_City", json.loads(GOOD))
    with AnthropicSimulator(Reply(tool_calls=[call]), model="claude-sonnet-4-6") as sim:
        agent = create_agent({"type": "claude", "model": "claude-sonnet-4-6",
                              "base_url": sim.base_url, "thinking": "enabled",
                              "max_retries": 0})
        async with agent:
            city = await agent.run("Describe Lyon.", output_type=City, output_strategy="tool")
            body = sim.requests[0].body
            assert city.name == "Lyon"
            assert body["thinking"]["type"] == "enabled" and "tool_choice" not in body
            assert [t["name"] for t in body["tools"]] == ["final_City"]
            forced = agent.backend.build_request([UserMessage.of("x")], [])
            forced["tool_choice"] = {"type": "any"}
            with pytest.raises(Exception) as caught:
                async for _ in agent.backend.call(agent.backend.client(), forced,
                                                  agent.backend.new_turn(sim.url)):
                    pass
    assert getattr(caught.value, "status", None) == 400
    assert "tool_choice forces tool use" in str(caught.value)
