"""The openai backend through the real SDK against the Responses simulator: requests and events."""

from __future__ import annotations

import json

from agentplug import (
    AssistantMessage, BuiltinToolEvent, Done, ReasoningDelta, TextDelta, TextPart,
    ToolCallPart, ToolCallRequested, ToolResult, UsageEvent, UserMessage,
)
from agentplug.core.messages import ImagePart, ToolResultMessage
from agentplug.testing import BuiltinSpec, Reply, ToolCallSpec
from agentplug.testing.conformance import check_model_call
from responses_support import collect


async def test_text_turn_and_request_shape(make_agent, sim):
    sim.script(Reply("Hello there, friend."))
    async with make_agent() as agent:
        events = await collect(agent, "hi")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello there, friend."
    assert isinstance(events[-1], Done) and events[-1].stop_reason == "end_turn"
    req = sim.requests[0]
    assert req.path == "/v1/responses"
    assert req.header("authorization") == "Bearer sk-test"
    assert req.body["stream"] is True and req.body["model"] == "gpt-5"
    assert req.body["input"] == [{"role": "user", "content": "hi"}]
    assert "tools" not in req.body and "include" not in req.body


async def test_system_message_becomes_instructions(sim, monkeypatch):
    from agentplug import create_agent

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    sim.script(Reply("ok"))
    agent = create_agent({"type": "openai", "base_url": sim.base_url},
                         system_message="Be brief.")
    async with agent:
        await agent.run("x")
    body = sim.requests[0].body
    assert body["instructions"] == "Be brief."
    assert body["model"] == "gpt-5-mini"  # the declared default model
    assert all(item.get("role") != "system" for item in body["input"])


async def test_function_tool_loop_sends_call_and_output_items(make_agent, sim):
    sim.script(Reply("Let me add.", tool_calls=[
        ToolCallSpec("add", {"a": 2, "b": 40}, id="call_1", chunk_size=3)]),
        Reply("The sum is 42."))

    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    async with make_agent(tools=[add]) as agent:
        events = await collect(agent, "add 2 and 40")
    requested = [e for e in events if isinstance(e, ToolCallRequested)]
    assert [(e.call.id, e.call.arguments) for e in requested] == [("call_1", {"a": 2, "b": 40})]
    assert [e.output for e in events if isinstance(e, ToolResult)] == ["42"]
    assert events[-1].text == "The sum is 42."
    first = sim.requests[0].body
    assert first["tools"] == [{"type": "function", "name": "add",
                               "description": "Add two integers.",
                               "parameters": first["tools"][0]["parameters"], "strict": False}]
    assert first["tools"][0]["parameters"]["required"] == ["a", "b"]
    second = sim.requests[1].body["input"]
    assert [i.get("type") for i in second] == [None, "message", "function_call",
                                               "function_call_output"]
    message, call, output = second[1], second[2], second[3]
    assert message["role"] == "assistant" and message["id"].startswith("msg_")
    assert message["content"] == [{"type": "output_text", "text": "Let me add.",
                                   "annotations": []}]
    assert call["call_id"] == output["call_id"] == "call_1"
    assert call["id"].startswith("fc_") and call["name"] == "add"
    assert json.loads(call["arguments"]) == {"a": 2, "b": 40}
    assert output["output"] == "42"


async def test_reasoning_summary_streams_and_items_are_passed_back(make_agent, sim):
    sim.script(Reply("Four.", reasoning="Two plus two is four."), Reply("Eight."))
    async with make_agent(reasoning_effort="high") as agent:
        events = await collect(agent, "2+2?")
        await agent.run("and doubled?")
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == \
        "Two plus two is four."
    first, second = (r.body for r in sim.requests)
    assert first["reasoning"] == {"effort": "high", "summary": "auto"}
    assert "include" not in first  # stored responses: reasoning is passed back by id
    reasoning, message = second["input"][1:3]
    assert reasoning == {"type": "reasoning", "id": reasoning["id"],
                         "summary": [{"type": "summary_text", "text": "Two plus two is four."}]}
    assert reasoning["id"].startswith("rs_") and message["id"].startswith("msg_")
    assert [i.get("type") for i in second["input"]] == [None, "reasoning", "message", None]


async def test_store_false_replays_encrypted_reasoning_and_no_item_ids(make_agent, sim):
    sim.script(Reply("Searching.", reasoning="Look it up.", reasoning_signature="enc-1",
                     builtins=[BuiltinSpec("web_search", query="q")],
                     tool_calls=[ToolCallSpec("lookup", {"k": "v"}, id="c1")]),
               Reply("Found."))

    def lookup(k: str) -> str:
        """Look a key up."""
        return "value"

    async with make_agent(tools=[lookup], reasoning_effort="low", store=False,
                          enable_web_search=True) as agent:
        await agent.run("find v")
    first, second = (r.body for r in sim.requests)
    assert first["store"] is False
    assert first["include"] == ["web_search_call.action.sources", "reasoning.encrypted_content"]
    # Nothing was stored: no item ids, reasoning as encrypted content, the search left out.
    assert second["input"][1:] == [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Look it up."}],
         "encrypted_content": "enc-1"},
        {"role": "assistant", "content": "Searching."},
        {"type": "function_call", "call_id": "c1", "name": "lookup", "arguments": '{"k": "v"}'},
        {"type": "function_call_output", "call_id": "c1", "output": "value"},
    ]


async def test_reasoning_items_precede_their_function_calls_on_replay(make_agent, sim):
    sim.script(Reply(reasoning="Need the tool.", tool_calls=[ToolCallSpec("now", {})]),
               Reply("Noon."))

    def now() -> str:
        """The time."""
        return "12:00"

    async with make_agent(tools=[now], reasoning_effort="low") as agent:
        await agent.run("time?")
    kinds = [i.get("type") for i in sim.requests[1].body["input"]]
    assert kinds == [None, "reasoning", "function_call", "function_call_output"]


async def test_multiple_summary_parts_are_separated(make_agent, sim):
    from agentplug.testing import RawResponse

    def frame(kind, **fields):
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **fields})}\n\n"

    ref = {"item_id": "rs_1", "output_index": 0}
    item = {"id": "rs_1", "type": "reasoning", "summary": []}
    body = "".join([
        frame("response.created", sequence_number=0, response={"id": "r", "output": []}),
        frame("response.output_item.added", sequence_number=1, output_index=0, item=item),
        frame("response.reasoning_summary_part.added", sequence_number=2, summary_index=0,
              part={"type": "summary_text", "text": ""}, **ref),
        frame("response.reasoning_summary_text.delta", sequence_number=3, summary_index=0,
              delta="First.", **ref),
        frame("response.reasoning_summary_part.added", sequence_number=4, summary_index=1,
              part={"type": "summary_text", "text": ""}, **ref),
        frame("response.reasoning_summary_text.delta", sequence_number=5, summary_index=1,
              delta="Second.", **ref),
        frame("response.completed", sequence_number=6, response={
            "id": "r", "status": "completed", "output": [dict(item, summary=[
                {"type": "summary_text", "text": "First."},
                {"type": "summary_text", "text": "Second."}])]}),
    ])
    sim.script(RawResponse(200, body, {"content-type": "text/event-stream"}))
    async with make_agent() as agent:
        events = await check_model_call(agent.backend, [UserMessage.of("x")])
    assert events[-1].message.reasoning == "First.\n\nSecond."


async def test_web_search_becomes_builtin_events_with_sources_and_citations(make_agent, sim):
    sim.script(Reply("Paris is sunny.", builtins=[BuiltinSpec(
        "web_search", query="paris weather",
        sources=[("https://weather.example/paris", "Paris weather")])]))
    async with make_agent(enable_web_search=True) as agent:
        events = await collect(agent, "weather in Paris?")
    body = sim.requests[0].body
    assert {"type": "web_search"} in body["tools"]
    assert body["include"] == ["web_search_call.action.sources"]
    search = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert [(e.tool, e.status) for e in search] == [
        ("web_search", "started"), ("web_search", "in_progress"), ("web_search", "completed"),
        ("web_search", "completed")]
    done_search, citations = search[2], search[3]
    assert done_search.query == "paris weather"
    assert [s.url for s in done_search.sources] == ["https://weather.example/paris"]
    assert citations.name == "citations" and citations.call_id == done_search.call_id
    assert [(s.url, s.title) for s in citations.sources] == \
        [("https://weather.example/paris", "Paris weather")]
    parts = events[-1].message.parts
    assert [p.kind for p in parts] == ["builtin_tool", "text"]
    assert parts[0].tool == "web_search" and parts[0].provider == "openai"


async def test_code_interpreter_becomes_builtin_events_with_code_and_logs(make_agent, sim):
    sim.script(Reply("It is 42.", builtins=[BuiltinSpec(
        "code_interpreter", code="print(6 * 7)", stdout="42\n")]), Reply("Yes."))
    async with make_agent(enable_code_interpreter=True) as agent:
        events = await collect(agent, "6*7?")
        await agent.run("sure?")
    first = sim.requests[0].body
    assert {"type": "code_interpreter", "container": {"type": "auto"}} in first["tools"]
    assert first["include"] == ["code_interpreter_call.outputs"]
    runs = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert [e.status for e in runs] == ["started", "in_progress", "completed"]
    assert (runs[-1].tool, runs[-1].code, runs[-1].stdout) == \
        ("code_interpreter", "print(6 * 7)", "42\n")
    assert runs[-1].data["container_id"].startswith("cntr_")
    replayed = sim.requests[1].body["input"][1]
    assert replayed["type"] == "code_interpreter_call"
    assert replayed["outputs"] == [{"type": "logs", "logs": "42\n"}]


async def test_usage_maps_cached_and_reasoning_tokens(make_agent, sim):
    sim.script(Reply("ok", usage={"input": 120, "output": 30, "cached": 100, "reasoning": 20}))
    async with make_agent() as agent:
        events = await collect(agent, "x")
    (usage_event,) = [e for e in events if isinstance(e, UsageEvent)]
    u = usage_event.usage
    assert (u.input_tokens, u.output_tokens, u.cached_tokens, u.reasoning_tokens, u.requests) \
        == (120, 30, 100, 20, 1)
    assert events[-1].usage == u


async def test_request_params_are_mapped(make_agent, sim):
    sim.script(Reply("ok"))
    agent = make_agent(max_tokens=256, text_verbosity="low", temperature=0.2, top_p=0.5,
                       parallel_tool_calls=False, store=True, service_tier="flex",
                       reasoning_effort="minimal", reasoning_summary="concise",
                       extra_body={"prompt_cache_key": "k1"}, headers={"x-team": "blue"})
    async with agent:
        await agent.run("x")
    req = sim.requests[0]
    body = req.body
    assert body["max_output_tokens"] == 256 and "max_tokens" not in body
    assert body["text"] == {"verbosity": "low"}
    assert body["reasoning"] == {"effort": "minimal", "summary": "concise"}
    assert {k: body[k] for k in ("temperature", "top_p", "parallel_tool_calls", "store",
                                 "service_tier", "prompt_cache_key")} == {
        "temperature": 0.2, "top_p": 0.5, "parallel_tool_calls": False, "store": True,
        "service_tier": "flex", "prompt_cache_key": "k1"}
    assert req.header("x-team") == "blue"


async def test_max_output_tokens_cut_is_max_tokens_stop(make_agent, sim):
    sim.script(Reply("truncated ans", stop_reason="max_tokens"))
    async with make_agent(max_tokens=3) as agent:
        result = await agent.run("x")
    assert (result.text, result.stop_reason) == ("truncated ans", "max_tokens")


async def test_history_from_another_backend_is_rebuilt_from_parts(make_agent, sim):
    # A turn made by a Chat Completions backend carries no Responses items: its text and
    # calls become plain input items, and its foreign reasoning is not sent.
    sim.script(Reply("done"))
    foreign = AssistantMessage([TextPart("calling"), ToolCallPart("c9", "f", {"x": 1})],
                               provider="chatcompletion", provider_data={"output": ["bogus"]})
    history = [UserMessage.of("go"), foreign,
               ToolResultMessage("c9", "f", [TextPart("bad"), ImagePart("aGk=", "image/png")],
                                 is_error=True)]
    async with make_agent() as agent:
        await check_model_call(agent.backend, history)
    items = sim.requests[0].body["input"]
    assert items[1] == {"role": "assistant", "content": "calling"}
    assert items[2] == {"type": "function_call", "call_id": "c9", "name": "f",
                        "arguments": '{"x":1}'}
    assert items[3] == {"type": "function_call_output", "call_id": "c9", "output": [
        {"type": "input_text", "text": "ERROR: "}, {"type": "input_text", "text": "bad"},
        {"type": "input_image", "detail": "auto", "image_url": "data:image/png;base64,aGk="}]}


async def test_user_images_are_input_images(make_agent, sim):
    sim.script(Reply("a cat"))
    async with make_agent() as agent:
        await agent.run(UserMessage([TextPart("what is this?"), ImagePart("aGk=", "image/png")]))
    assert sim.requests[0].body["input"][0]["content"] == [
        {"type": "input_text", "text": "what is this?"},
        {"type": "input_image", "detail": "auto", "image_url": "data:image/png;base64,aGk="}]


def test_non_streaming_simulator_json_through_the_sdk(sim):
    import openai

    sim.script(Reply("plain json", reasoning="r", usage={"input": 3, "output": 4}))
    with openai.OpenAI(api_key="k", base_url=sim.base_url, max_retries=0) as client:
        response = client.responses.create(model="m", input="hi")
    assert response.output_text == "plain json"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (3, 4)
    assert [o.type for o in response.output] == ["reasoning", "message"]


async def test_parallel_calls_are_replayed_before_their_outputs(make_agent, sim):
    sim.script(Reply(tool_calls=[ToolCallSpec("square", {"x": 3}, id="c1"),
                                 ToolCallSpec("square", {"x": 4}, id="c2")]),
               Reply("9 and 16."))

    def square(x: int) -> int:
        """Square a number."""
        return x * x

    async with make_agent(tools=[square]) as agent:
        result = await agent.run("squares of 3 and 4")
    assert result.text == "9 and 16."
    items = sim.requests[1].body["input"][1:]
    assert [(i["type"], i["call_id"]) for i in items] == [
        ("function_call", "c1"), ("function_call", "c2"),
        ("function_call_output", "c1"), ("function_call_output", "c2")]
    assert [i.get("output") for i in items[2:]] == ["9", "16"]

async def test_every_feature_at_once_keeps_the_event_contract(make_agent, sim):
    sim.script(Reply("Done: 42.", reasoning="Plan.", reasoning_signature="enc",
                     builtins=[BuiltinSpec("web_search", query="q",
                                           sources=[("https://x.org", "X")]),
                               BuiltinSpec("code_interpreter", code="6*7", stdout="42")],
                     tool_calls=[ToolCallSpec("f", {"a": 1}), ToolCallSpec("g", "{}")]))
    async with make_agent(reasoning_effort="low", enable_web_search=True,
                          enable_code_interpreter=True, store=False) as agent:
        events = await check_model_call(agent.backend, [UserMessage.of("go")])
    done = events[-1]
    assert [p.kind for p in done.message.parts] == [
        "reasoning", "builtin_tool", "builtin_tool", "text", "tool_call", "tool_call"]
    assert done.message.parts[0].signature == "enc"


async def test_refusal_is_text_with_a_refusal_stop(make_agent, sim):
    from agentplug.testing import RawResponse

    item = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "refusal", "refusal": "I can't help with that."}]}
    frames = [
        {"type": "response.created", "response": {"id": "r", "output": []}},
        {"type": "response.output_item.added", "output_index": 0,
         "item": dict(item, content=[], status="in_progress")},
        {"type": "response.refusal.delta", "item_id": "msg_1", "output_index": 0,
         "content_index": 0, "delta": "I can't help with that."},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": {
            "id": "r", "status": "completed", "output": [item], "incomplete_details": None,
            "usage": None}},
    ]
    body = "".join(f"event: {f['type']}\ndata: {json.dumps(dict(f, sequence_number=n))}\n\n"
                   for n, f in enumerate(frames))
    sim.script(RawResponse(200, body, {"content-type": "text/event-stream"}))
    async with make_agent() as agent:
        events = await check_model_call(agent.backend, [UserMessage.of("x")])
    assert (events[-1].text, events[-1].stop_reason) == ("I can't help with that.", "refusal")
