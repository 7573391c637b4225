"""Recorded real Anthropic streams, served byte for byte, through the SDK and the claude backend."""

from __future__ import annotations

from agentplug import BuiltinToolEvent, Done, ReasoningDelta
from agentplug.core.messages import ReasoningPart
from agentplug.testing import RawResponse, Reply, ToolCallSpec

from anthropic_support import collect, load_cassette, parse_sse, recorded_stream

SSE = {"content-type": "text/event-stream; charset=utf-8"}


def replay(name: str) -> tuple[RawResponse, list]:
    _, raw = recorded_stream(name)
    return RawResponse(200, raw, SSE), parse_sse(raw)


def deltas(events: list, kind: str, field: str) -> str:
    return "".join(d["delta"][field] for n, d in events
                   if n == "content_block_delta" and d["delta"]["type"] == kind)


def final_usage(events: list) -> dict:
    return next(d for n, d in events if n == "message_delta")["usage"]


async def test_thinking_stream(make_agent, sim):
    raw, recorded = replay("test_anthropic_model_thinking_part_stream.yaml")
    sim.script(raw)
    async with make_agent(thinking_budget=3000) as agent:
        events = await collect(agent, "ideas?")
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert reasoning == deltas(recorded, "thinking_delta", "thinking")
    done = events[-1]
    assert isinstance(done, Done) and done.stop_reason == "end_turn"
    assert done.text == deltas(recorded, "text_delta", "text")
    part = done.message.parts[0]
    assert isinstance(part, ReasoningPart)
    assert part.signature == deltas(recorded, "signature_delta", "signature")
    u = final_usage(recorded)
    assert (done.usage.input_tokens, done.usage.output_tokens) == (u["input_tokens"],
                                                                   u["output_tokens"])


async def test_web_search_stream_and_its_replay(make_agent, sim):
    raw, recorded = replay("test_anthropic_model_web_search_tool_stream.yaml")
    sim.script(raw, Reply("Anything else?"))
    async with make_agent(enable_web_search=True, thinking_budget=3000) as agent:
        events = await collect(agent, "What is the weather in San Francisco today?")
        await agent.run("thanks")
    searches = [e for e in events if isinstance(e, BuiltinToolEvent)
                and e.status == "completed" and e.name == "web_search"]
    assert [e.query for e in searches] == ["San Francisco weather today",
                                           "San Francisco weather September 16 2025"]
    results = [d["content_block"] for n, d in recorded if n == "content_block_start"
               and d["content_block"]["type"] == "web_search_tool_result"]
    for event, result in zip(searches, results, strict=True):
        assert [s.url for s in event.sources] == [r["url"] for r in result["content"]]
        assert event.call_id == result["tool_use_id"]
    citations = next(e for e in events if isinstance(e, BuiltinToolEvent)
                     and e.name == "citations")
    assert len(citations.sources) == sum(
        1 for n, d in recorded if n == "content_block_delta"
        and d["delta"]["type"] == "citations_delta")
    assert events[-1].text == deltas(recorded, "text_delta", "text")
    # Next call: the whole assistant turn goes back block for block.
    sent = sim.requests[1].body["messages"][1]["content"]
    starts = [d["content_block"]["type"] for n, d in recorded if n == "content_block_start"]
    assert [b["type"] for b in sent] == starts
    assert sent[0]["signature"] == deltas(recorded, "signature_delta", "signature")
    assert sent[2]["content"][0]["encrypted_content"] == results[0]["content"][0][
        "encrypted_content"]
    cited = next(b for b in sent if b.get("citations"))
    assert cited["citations"][0]["type"] == "web_search_result_location"


async def test_code_execution_stream(make_agent, sim):
    raw, recorded = replay("test_anthropic_code_execution_tool_stream.yaml")
    sim.script(raw)
    async with make_agent(enable_code_execution=True,
                          code_execution_tool="code_execution_20260120") as agent:
        events = await collect(agent, "what is 65465-6544 * 65464-6+1.02255")
    run = [e for e in events if isinstance(e, BuiltinToolEvent) and e.status == "completed"]
    assert len(run) == 1
    assert (run[0].tool, run[0].name) == ("code_execution", "bash_code_execution")
    assert (run[0].stdout, run[0].stderr, run[0].return_code) == ("-428330955.97745\n", "", 0)
    assert run[0].code == 'echo "65465-6544 * 65464-6+1.02255" | bc -l'
    assert events[-1].text == deltas(recorded, "text_delta", "text")


async def test_mcp_connector_stream(make_agent, sim):
    raw, recorded = replay("test_anthropic_mcp_servers_stream.yaml")
    sim.script(raw)
    async with make_agent() as agent:
        events = await collect(agent, "what is this repository about?")
    done = [e for e in events if isinstance(e, BuiltinToolEvent) and e.status == "completed"]
    assert [(e.tool, e.name) for e in done] == [("native_tool", "ask_question")]
    assert events[-1].text == deltas(recorded, "text_delta", "text")


async def test_tool_loop_replay_matches_the_recorded_next_request(make_agent, sim):
    first, second = load_cassette("test_anthropic_tool_with_thinking.yaml")
    answer = first["response"]["parsed_body"]["content"]
    thinking, text, call = answer
    sim.script(Reply(text["text"], reasoning=thinking["thinking"],
                     reasoning_signature=thinking["signature"],
                     tool_calls=[ToolCallSpec(call["name"], call["input"], id=call["id"])]),
               Reply("Mexico City."))

    def get_user_country() -> str:
        """The user's country."""
        return "Mexico"

    async with make_agent(tools=[get_user_country], thinking_budget=3000) as agent:
        result = await agent.run("What is the largest city in the user country?")
    assert result.text == "Mexico City."
    recorded = second["request"]["parsed_body"]["messages"]
    ours = sim.requests[1].body["messages"]
    assert ours[1] == recorded[1]  # thinking + signature, text, tool_use: as the real client
    (our_result,), (real_result,) = ours[2]["content"], recorded[2]["content"]
    assert our_result["tool_use_id"] == real_result["tool_use_id"]
    assert our_result["content"] == [{"type": "text", "text": real_result["content"]}]
    assert our_result.get("is_error", False) == real_result["is_error"]
