"""AnthropicSimulator through the real anthropic SDK, and against recorded real streams."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import anthropic
import httpx2
import pytest

from agentplug.testing import AnthropicSimulator, BuiltinSpec, Fault, Reply, ToolCallSpec

from anthropic_support import load_cassette, parse_sse, recorded_stream

MESSAGES = [{"role": "user", "content": "hi"}]


def client(sim: AnthropicSimulator, retries: int = 0) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=sim.base_url, api_key="sk-ant-test",
                                    max_retries=retries)


def raw_post(sim: AnthropicSimulator, body: dict[str, Any], path: str = "/v1/messages"
             ) -> tuple[int, dict[str, str], str]:
    req = urllib.request.Request(sim.url + path, json.dumps(body).encode(),
                                 {"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


async def test_text_stream_through_sdk():
    with AnthropicSimulator(Reply("Hello there, friend.",
                                  usage={"input": 30, "output": 5, "cached": 20,
                                         "cache_write": 4})) as sim:
        async with client(sim) as c, c.messages.stream(model="claude-sim-4", max_tokens=64,
                                               messages=MESSAGES) as stream:
            texts = [t async for t in stream.text_stream]
            final = await stream.get_final_message()
    assert "".join(texts) == "Hello there, friend."
    assert len(texts) == 3
    assert final.stop_reason == "end_turn"
    assert final.model == "claude-sim-4"
    u = final.usage
    assert (u.input_tokens, u.output_tokens) == (6, 5)
    assert (u.cache_read_input_tokens, u.cache_creation_input_tokens) == (20, 4)
    req = sim.requests[0]
    assert req.path == "/v1/messages" and req.body["stream"] is True
    assert req.header("authorization") == "Bearer sk-ant-test"


async def test_thinking_and_tool_use_blocks():
    reply = Reply("Let me look.", reasoning="The user wants the weather.",
                  reasoning_signature="sig-123",
                  tool_calls=[ToolCallSpec("get_weather", {"city": "Paris", "days": 3},
                                           id="toolu_1", chunk_size=5)])
    with AnthropicSimulator(reply) as sim:
        async with client(sim) as c, c.messages.stream(
                model="m", max_tokens=64, messages=MESSAGES,
                thinking={"type": "enabled", "budget_tokens": 1024}) as stream:
            final = await stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text", "tool_use"]
    thinking, text, tool = final.content
    assert thinking.thinking == "The user wants the weather."
    assert thinking.signature == "sig-123"
    assert text.text == "Let me look."
    assert (tool.id, tool.name, tool.input) == ("toolu_1", "get_weather",
                                                {"city": "Paris", "days": 3})
    assert final.stop_reason == "tool_use"


async def test_web_search_blocks():
    reply = Reply("It is sunny.", builtins=[BuiltinSpec(
        "web_search", query="paris weather",
        sources=[("https://a.example/w", "A"), ("https://b.example/w", "B")])])
    with AnthropicSimulator(reply) as sim:
        async with client(sim) as c, c.messages.stream(
                model="m", max_tokens=64, messages=MESSAGES,
                tools=[{"type": "web_search_20250305", "name": "web_search"}]) as stream:
            final = await stream.get_final_message()
    use, result, text = final.content
    assert (use.type, use.name, use.input) == ("server_tool_use", "web_search",
                                               {"query": "paris weather"})
    assert result.type == "web_search_tool_result" and result.tool_use_id == use.id
    assert [(r.url, r.title) for r in result.content] == [("https://a.example/w", "A"),
                                                         ("https://b.example/w", "B")]
    assert text.text == "It is sunny."
    assert final.usage.server_tool_use.web_search_requests == 1


@pytest.mark.parametrize(("tool_type", "use_name", "result_type", "arg"), [
    ("code_execution_20250522", "code_execution", "code_execution_tool_result", "code"),
    ("code_execution_20260120", "bash_code_execution", "bash_code_execution_tool_result",
     "command"),
])
async def test_code_execution_blocks_follow_tool_version(tool_type, use_name, result_type, arg):
    reply = Reply("42.", builtins=[BuiltinSpec("code_execution", code="print(6*7)",
                                               stdout="42\n", stderr="warn", return_code=3)])
    with AnthropicSimulator(reply) as sim:
        async with client(sim) as c, c.messages.stream(
                model="m", max_tokens=64, messages=MESSAGES,
                tools=[{"type": tool_type, "name": "code_execution"}]) as stream:
            final = await stream.get_final_message()
    use, result, _ = final.content
    assert (use.name, use.input) == (use_name, {arg: "print(6*7)"})
    assert result.type == result_type
    out = result.content
    assert (out.stdout, out.stderr, out.return_code) == ("42\n", "warn", 3)


async def test_non_streaming_message():
    reply = Reply("Done.", reasoning="hmm",
                  tool_calls=[ToolCallSpec("f", {"x": 1}, id="toolu_9")], stop_reason="tool_calls")
    with AnthropicSimulator(reply) as sim:
        async with client(sim) as c:
            msg = await c.messages.create(model="m", max_tokens=64, messages=MESSAGES)
    assert [b.type for b in msg.content] == ["thinking", "text", "tool_use"]
    assert msg.content[2].input == {"x": 1}
    assert msg.stop_reason == "tool_use"
    assert msg.usage.output_tokens > 0


async def test_unknown_fields_and_beta_path_accepted():
    """The Claude Code CLI shape: ?beta=true, many unknown fields, a system entry in messages."""
    body = {"model": "claude-sim-4", "max_tokens": 32000, "stream": True,
            "messages": [{"role": "system", "content": "be brief"},
                         {"role": "user", "content": [{"type": "text", "text": "hi",
                                                       "cache_control": {"type": "ephemeral"}}]}],
            "thinking": {"type": "adaptive"}, "context_management": {"edits": []},
            "output_config": {"effort": "high"}, "metadata": {"user_id": "u"},
            "some_future_field": [1, 2, 3]}
    with AnthropicSimulator(Reply("ok")) as sim:
        status, headers, text = raw_post(sim, body, "/v1/messages?beta=true")
        assert sim.requests[0].query == {"beta": ["true"]}
        assert sim.requests[0].body["some_future_field"] == [1, 2, 3]
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    names = [name for name, _ in parse_sse(text)]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]


async def test_http_error_body_and_retry_after():
    with AnthropicSimulator(Fault.http(429, retry_after=7, message="slow down")) as sim:
        status, headers, text = raw_post(sim, {"model": "m", "messages": MESSAGES})
    assert status == 429 and headers["retry-after"] == "7"
    body = json.loads(text)
    assert body["type"] == "error"
    assert body["error"] == {"type": "rate_limit_error", "message": "slow down"}
    assert headers["request-id"] == body["request_id"]


async def test_sdk_retries_429_and_529_then_succeeds():
    with AnthropicSimulator(Fault.http(429, retry_after=0), Fault.http(529, retry_after=0),
                            Reply("finally")) as sim:
        async with client(sim, retries=2) as c:
            msg = await c.messages.create(model="m", max_tokens=8, messages=MESSAGES)
        assert len(sim.requests) == 3
        assert sim.requests[2].header("x-stainless-retry-count") == "2"
    assert msg.content[0].text == "finally"


async def drain(sim: AnthropicSimulator) -> None:
    async with client(sim) as c, c.messages.stream(model="m", max_tokens=8,
                                                   messages=MESSAGES) as stream:
        async for _ in stream:
            pass


async def test_529_is_overloaded_error():
    with AnthropicSimulator(Fault.http(529)) as sim, pytest.raises(anthropic.APIStatusError) as err:
        await drain(sim)
    assert err.value.status_code == 529
    assert err.value.body["error"]["type"] == "overloaded_error"


async def test_in_stream_error_event():
    reply = Reply("a b c d e", fault=Fault(error_after=4, message="Overloaded"))
    with AnthropicSimulator(reply) as sim, pytest.raises(anthropic.APIStatusError) as err:
        await drain(sim)
    assert err.value.status_code == 200
    assert err.value.type == "overloaded_error"
    assert "Overloaded" in str(err.value)


async def test_dropped_stream_raises():
    reply = Reply("a b c d e", fault=Fault(drop_after=3))
    with AnthropicSimulator(reply) as sim, pytest.raises(httpx2.TransportError):
        await drain(sim)


async def test_malformed_event_is_not_skipped():
    reply = Reply("a b c", fault=Fault(malformed_after=3))
    with AnthropicSimulator(reply) as sim, pytest.raises(ValueError):
        await drain(sim)


async def test_periodic_ping():
    with AnthropicSimulator(Reply("one two three four five six"), ping_every=3) as sim:
        _, _, text = raw_post(sim, {"model": "m", "messages": MESSAGES, "stream": True})
    names = [name for name, _ in parse_sse(text)]
    assert names.count("ping") == 1 + len(names) // 4  # one after the first block opens


# --- against the recordings --------------------------------------------------------------------

def block_shapes(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Per block type: the keys of its opening block and the kinds of delta it gets."""
    shapes: dict[str, Any] = {}
    kinds: dict[int, str] = {}
    for name, data in events:
        if name == "content_block_start":
            block = data["content_block"]
            kinds[data["index"]] = block["type"]
            keys = set(block) - {"citations", "caller"}
            if isinstance(block.get("content"), dict):
                keys |= {f"content.{k}" for k in block["content"]}
            elif isinstance(block.get("content"), list) and block["content"]:
                keys |= {f"content[].{k}" for k in block["content"][0]}
            shapes.setdefault(block["type"], {"keys": keys, "deltas": set()})
        elif name == "content_block_delta" and data["delta"]["type"] != "citations_delta":
            shapes[kinds[data["index"]]]["deltas"].add(data["delta"]["type"])
    return shapes


def grammar(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The event sequence with pings removed and each block's deltas collapsed."""
    out: list[str] = []
    for name, _ in events:
        if name != "ping" and not (name == "content_block_delta" and out[-1] == name):
            out.append(name)
    return out


def simulate(reply: Reply, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    with AnthropicSimulator(reply) as sim:
        status, _, text = raw_post(sim, body, "/v1/messages?beta=true")
    assert status == 200
    return parse_sse(text)


def assert_same_envelope(real, ours) -> None:
    (_, real_start), (_, our_start) = real[0], ours[0]
    assert set(our_start["message"]) <= set(real_start["message"])
    assert set(our_start["message"]["usage"]) <= set(real_start["message"]["usage"])
    real_delta = next(d for n, d in real if n == "message_delta")
    our_delta = next(d for n, d in ours if n == "message_delta")
    assert set(our_delta["delta"]) <= set(real_delta["delta"])
    assert set(our_delta["usage"]) <= set(real_delta["usage"]) | {"server_tool_use"}
    assert grammar(ours)[-2:] == grammar(real)[-2:] == ["message_delta", "message_stop"]
    # A ping right after the first block opens, as recorded.
    assert ours[2][0] == "ping" and "ping" in [n for n, _ in real[:4]]


def test_thinking_stream_matches_recording():
    body, raw = recorded_stream("test_anthropic_model_thinking_part_stream.yaml")
    real = parse_sse(raw)
    ours = simulate(Reply("Here are some ideas.", reasoning="This is a thought."), body)
    assert grammar(ours) == grammar(real)
    assert block_shapes(ours) == block_shapes(real)
    assert_same_envelope(real, ours)


def test_web_search_stream_matches_recording():
    body, raw = recorded_stream("test_anthropic_model_web_search_tool_stream.yaml")
    real = parse_sse(raw)
    ours = simulate(Reply("Sunny.", reasoning="search it", builtins=[BuiltinSpec(
        "web_search", query="San Francisco weather", sources=[("https://w.example", "W")])]),
        body)
    real_shapes, our_shapes = block_shapes(real), block_shapes(ours)
    assert set(our_shapes) == set(real_shapes)
    for kind, shape in our_shapes.items():
        real_keys = real_shapes[kind]["keys"]
        assert shape["keys"] == real_keys | ({"content[].page_age"} - real_keys
                                             if kind == "web_search_tool_result" else set())
        assert shape["deltas"] == real_shapes[kind]["deltas"]
    assert_same_envelope(real, ours)


def test_code_execution_stream_matches_recording():
    body, raw = recorded_stream("test_anthropic_code_execution_tool_stream.yaml")
    real = parse_sse(raw)
    ours = simulate(Reply("The result is -428330955.97745.", reasoning="compute",
                          builtins=[BuiltinSpec("code_execution", code="python3 -c 'print(1)'",
                                                stdout="-428330955.97745\n")]), body)
    assert block_shapes(ours) == block_shapes(real)
    assert_same_envelope(real, ours)


def test_tool_use_message_matches_recording():
    interaction = load_cassette("test_anthropic_tool_with_thinking.yaml")[0]
    real = interaction["response"]["parsed_body"]
    reply = Reply("I'll check.", reasoning="need the country",
                  tool_calls=[ToolCallSpec("get_user_country", {})])
    with AnthropicSimulator(reply) as sim:
        status, _, text = raw_post(sim, interaction["request"]["parsed_body"])
    ours = json.loads(text)
    assert status == 200
    assert set(ours) == set(real)
    assert [b["type"] for b in ours["content"]] == [b["type"] for b in real["content"]]
    for mine, theirs in zip(ours["content"], real["content"], strict=True):
        assert set(mine) == set(theirs)
    assert ours["stop_reason"] == real["stop_reason"] == "tool_use"
    assert set(ours["usage"]) <= set(real["usage"]) | {"server_tool_use"}
