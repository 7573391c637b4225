"""The conformance kit's rules on the gemini backend, over scripted and recorded streams."""

from __future__ import annotations

import pytest

from agentplug.core.messages import UserMessage
from agentplug.core.tools import ToolDef
from agentplug.testing import BuiltinSpec, RawResponse, Reply, ToolCallSpec
from agentplug.testing.conformance import check_model_call

from gemini_support import load_cassette

TOOL = ToolDef("lookup", "Look a thing up.", {"type": "object", "properties": {
    "q": {"type": "string"}}, "required": ["q"]})
REPLIES = {
    "text": Reply("Plain answer here."),
    "thinking+tools": Reply("Looking.", reasoning="Two lookups.", tool_calls=[
        ToolCallSpec("lookup", {"q": "a"}), ToolCallSpec("lookup", {"q": "b"})]),
    "code": Reply("Done.", builtins=[BuiltinSpec("code_execution", code="print(1)",
                                                 stdout="1\n")]),
    "max_tokens": Reply("Cut sh", stop_reason="max_tokens"),
}
RECORDED = [("test_google_model_stream.yaml", 0), ("test_google_model_iter_stream.yaml", 0),
            ("test_google_model_iter_stream.yaml", 2),
            ("test_google_model_web_search_tool_stream.yaml", 0),
            ("test_google_streaming_tool_call_thought_signature.yaml", 0)]


@pytest.mark.parametrize("kind", list(REPLIES))
async def test_scripted_streams_conform(make_agent, sim, kind):
    sim.script(REPLIES[kind])
    tools = [] if kind == "code" else [TOOL]
    async with make_agent(enable_code_execution=kind == "code") as agent:
        events = await check_model_call(agent.backend, [UserMessage.of("go")], tools)
    assert events[-1].stop_reason == {"text": "end_turn", "thinking+tools": "tool_calls",
                                      "code": "end_turn", "max_tokens": "max_tokens"}[kind]


@pytest.mark.parametrize(("name", "index"), RECORDED)
async def test_recorded_streams_conform(make_agent, sim, name, index):
    body = load_cassette(name)[index]["response"]["body"]["string"]
    sim.script(RawResponse(200, body, {"content-type": "text/event-stream"}))
    async with make_agent() as agent:
        await check_model_call(agent.backend, [UserMessage.of("go")])
