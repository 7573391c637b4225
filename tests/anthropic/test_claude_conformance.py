"""The conformance kit's rules on the claude backend, over scripted and recorded streams."""

from __future__ import annotations

import pytest

from agentplug.core.messages import UserMessage
from agentplug.core.tools import ToolDef
from agentplug.testing import BuiltinSpec, RawResponse, Reply, ToolCallSpec
from agentplug.testing.conformance import check_model_call

from anthropic_support import recorded_stream

TOOL = ToolDef("lookup", "Look a thing up.", {"type": "object", "properties": {
    "q": {"type": "string"}}, "required": ["q"]})
REPLIES = {
    "text": Reply("Plain answer here."),
    "thinking+tools": Reply("Looking.", reasoning="Two lookups.", tool_calls=[
        ToolCallSpec("lookup", {"q": "a"}), ToolCallSpec("lookup", {"q": "b"})]),
    "builtins": Reply("Done.", builtins=[
        BuiltinSpec("web_search", query="q", sources=[("https://x.example", "X")]),
        BuiltinSpec("code_execution", code="print(1)", stdout="1\n")]),
    "max_tokens": Reply("Cut sh", stop_reason="max_tokens"),
}
RECORDED = ["test_anthropic_model_thinking_part_stream.yaml",
            "test_anthropic_model_web_search_tool_stream.yaml",
            "test_anthropic_code_execution_tool_stream.yaml",
            "test_anthropic_mcp_servers_stream.yaml"]


@pytest.mark.parametrize("kind", list(REPLIES))
async def test_scripted_streams_conform(make_agent, sim, kind):
    sim.script(REPLIES[kind])
    async with make_agent(enable_web_search=True, enable_code_execution=True) as agent:
        events = await check_model_call(agent.backend, [UserMessage.of("go")], [TOOL])
    assert events[-1].stop_reason == {"text": "end_turn", "thinking+tools": "tool_calls",
                                      "builtins": "end_turn", "max_tokens": "max_tokens"}[kind]


@pytest.mark.parametrize("name", RECORDED)
async def test_recorded_streams_conform(make_agent, sim, name):
    _, raw = recorded_stream(name)
    sim.script(RawResponse(200, raw, {"content-type": "text/event-stream"}))
    async with make_agent() as agent:
        await check_model_call(agent.backend, [UserMessage.of("go")])
