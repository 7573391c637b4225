"""The claude backend through the real anthropic SDK against AnthropicSimulator."""

from __future__ import annotations

import base64

import pytest

from agentplug import (
    BuiltinToolEvent, ConfigError, Done, ReasoningDelta, TextDelta, ToolCallRequested, ToolResult,
    UsageEvent, create_agent,
)
from agentplug.core.errors import MissingKeyError
from agentplug.core.tools import ToolOutput
from agentplug.core.messages import ImagePart, TextPart
from agentplug.plugins.claude import default_max_tokens
from agentplug.testing import BuiltinSpec, Reply, ToolCallSpec

from anthropic_support import collect


def weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


async def test_text_turn_usage_and_request(make_agent, sim):
    sim.script(Reply("Hello from Claude.", usage={"input": 100, "output": 7, "cached": 60,
                                                  "cache_write": 10}))
    async with make_agent(system_message="Be brief.") as agent:
        events = await collect(agent, "hi")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello from Claude."
    done = events[-1]
    assert isinstance(done, Done) and done.stop_reason == "end_turn"
    u = done.usage
    assert (u.input_tokens, u.output_tokens, u.cached_tokens, u.cache_write_tokens) == (
        100, 7, 60, 10)
    body = sim.requests[0].body
    assert body["model"] == "claude-sonnet-4-6" and body["stream"] is True
    assert body["max_tokens"] == 16384
    assert body["system"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert "tools" not in body and "thinking" not in body
    assert sim.requests[0].path == "/v1/messages"


async def test_tool_loop_passes_thinking_back_with_signature(make_agent, sim):
    sim.script(
        Reply("Let me check.", reasoning="I should call weather.", reasoning_signature="SIG==",
              tool_calls=[ToolCallSpec("weather", {"city": "Oslo"}, id="toolu_a")]),
        Reply("It is sunny in Oslo."),
    )
    async with make_agent(tools=[weather], thinking_budget=2048) as agent:
        events = await collect(agent, "weather in Oslo?")
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == (
        "I should call weather.")
    call = next(e for e in events if isinstance(e, ToolCallRequested)).call
    assert (call.id, call.name, call.arguments) == ("toolu_a", "weather", {"city": "Oslo"})
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.output == "sunny in Oslo"
    assert events[-1].text == "It is sunny in Oslo."
    first, second = (r.body for r in sim.requests)
    assert first["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert first["max_tokens"] == 16384
    assert first["tools"] == [{"name": "weather", "description": "The weather in a city.",
                               "input_schema": {
                                   "type": "object", "additionalProperties": False,
                                   "properties": {"city": {"type": "string"}},
                                   "required": ["city"]}}]
    assistant, tool_turn = second["messages"][1:]
    assert assistant == {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "I should call weather.", "signature": "SIG=="},
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_a", "name": "weather", "input": {"city": "Oslo"}}]}
    assert tool_turn == {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_a",
         "content": [{"type": "text", "text": "sunny in Oslo"}]}]}
    # the history keeps the signature for later turns as well
    reasoning = agent.history[1].parts[0]
    assert (reasoning.signature, reasoning.provider) == ("SIG==", "claude")


async def test_tool_results_with_images_and_errors(make_agent, sim):
    png = base64.b64encode(b"\x89PNG fake").decode()

    def snapshot() -> ToolOutput:
        """Take a snapshot."""
        return ToolOutput([TextPart("here"), ImagePart(png, "image/png")])

    def broken() -> str:
        """Always fails."""
        raise RuntimeError("disk full")

    sim.script(Reply(tool_calls=[ToolCallSpec("snapshot", {}, id="t1"),
                                 ToolCallSpec("broken", {}, id="t2")]), Reply("ok"))
    async with make_agent(tools=[snapshot, broken]) as agent:
        await agent.run("go")
    results = sim.requests[1].body["messages"][2]["content"]
    assert results == [
        {"type": "tool_result", "tool_use_id": "t1", "content": [
            {"type": "text", "text": "here"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": png}}]},
        {"type": "tool_result", "tool_use_id": "t2", "is_error": True,
         "content": [{"type": "text", "text": "RuntimeError: disk full"}]}]


async def test_web_search_builtin_events_and_replay(make_agent, sim):
    sim.script(
        Reply("Sunny today.", builtins=[BuiltinSpec(
            "web_search", query="oslo weather", id="srvtoolu_1",
            sources=[("https://met.example/oslo", "Met")])]),
        Reply("Still sunny."),
    )
    async with make_agent(enable_web_search=True, web_search_max_uses=3) as agent:
        events = await collect(agent, "weather?")
        await agent.run("and now?")
    builtins = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert [e.status for e in builtins] == ["started", "in_progress", "completed"]
    done = builtins[-1]
    assert (done.tool, done.call_id, done.query) == ("web_search", "srvtoolu_1", "oslo weather")
    assert [(s.url, s.title) for s in done.sources] == [("https://met.example/oslo", "Met")]
    assert sim.requests[0].body["tools"] == [
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}]
    replayed = sim.requests[1].body["messages"][1]["content"]
    assert [b["type"] for b in replayed] == ["server_tool_use", "web_search_tool_result", "text"]
    assert replayed[1]["content"][0]["url"] == "https://met.example/oslo"


@pytest.mark.parametrize("tool_type", ["code_execution_20250522", "code_execution_20250825"])
async def test_code_execution_builtin_events(make_agent, sim, tool_type):
    sim.script(Reply("It printed 42.", builtins=[BuiltinSpec(
        "code_execution", code="print(6*7)", stdout="42\n", stderr="", return_code=0)]))
    async with make_agent(enable_code_execution=True, code_execution_tool=tool_type) as agent:
        events = await collect(agent, "run it")
    assert sim.requests[0].body["tools"] == [{"type": tool_type, "name": "code_execution"}]
    done = [e for e in events if isinstance(e, BuiltinToolEvent)][-1]
    assert (done.tool, done.status, done.code, done.stdout, done.return_code) == (
        "code_execution", "completed", "print(6*7)", "42\n", 0)
    assert events[-1].text == "It printed 42."


def test_code_interpreter_is_a_config_error(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    with pytest.raises(ConfigError, match="use enable_code_execution"):
        create_agent({"type": "claude", "enable_code_interpreter": True})


async def test_missing_key_names_the_env_var(monkeypatch, sim):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    agent = create_agent({"type": "claude", "base_url": sim.base_url})
    with pytest.raises(MissingKeyError, match="ANTHROPIC_API_KEY"):
        await agent.open()


def test_thinking_params_validated():
    with pytest.raises(ConfigError, match="must be larger than the thinking budget"):
        create_agent({"type": "claude", "api_key": "k", "thinking_budget": 4000,
                      "max_tokens": 2000})
    with pytest.raises(ConfigError, match="thinking_budget needs thinking: enabled"):
        create_agent({"type": "claude", "api_key": "k", "thinking": "adaptive",
                      "thinking_budget": 4000})


@pytest.mark.parametrize(("model", "expected"), [
    ("claude-3-haiku-20240307", 4096), ("claude-3-5-haiku-latest", 8192),
    ("claude-3-7-sonnet-latest", 16384), ("claude-opus-4-5", 16384),
])
def test_max_tokens_default_per_family(model, expected):
    assert default_max_tokens(model) == expected


async def test_adaptive_thinking_and_sampling_params(make_agent, sim):
    sim.script(Reply("ok"))
    async with make_agent(thinking="adaptive", effort="high", top_k=5, top_p=0.9,
                          stop_sequences=["END"], temperature=0.5, betas=["a-2025", "b-2026"],
                          extra_body={"metadata": {"user_id": "u1"}}) as agent:
        await agent.run("hi")
    req = sim.requests[0]
    body = req.body
    assert body["thinking"] == {"type": "adaptive"}
    assert (body["top_k"], body["top_p"], body["stop_sequences"], body["temperature"]) == (
        5, 0.9, ["END"], 0.5)
    assert body["metadata"] == {"user_id": "u1"}
    assert body["output_config"] == {"effort": "high"}
    assert req.header("anthropic-beta") == "a-2025,b-2026"


async def test_pause_turn_is_resumed(make_agent, sim):
    sim.script(
        Reply(builtins=[BuiltinSpec("web_search", query="q1", id="srvtoolu_p")],
              stop_reason="pause_turn", usage={"input": 10, "output": 2}),
        Reply("Final answer.", usage={"input": 20, "output": 3}),
    )
    async with make_agent(enable_web_search=True) as agent:
        result = await agent.run("research")
    assert result.text == "Final answer."
    assert result.stop_reason == "end_turn"
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.requests) == (
        30, 5, 2)
    resumed = sim.requests[1].body["messages"]
    assert resumed[-1]["role"] == "assistant"
    assert [b["type"] for b in resumed[-1]["content"]] == ["server_tool_use",
                                                           "web_search_tool_result"]
    kinds = [p.kind for p in result.message.parts]
    assert kinds == ["builtin_tool", "text"]


async def test_usage_event_precedes_done(make_agent, sim):
    sim.script(Reply("x"))
    async with make_agent() as agent:
        events = await collect(agent, "hi")
    assert isinstance(events[-2], UsageEvent) and isinstance(events[-1], Done)


def test_example_config_is_valid():
    from pathlib import Path

    from agentplug.core.config import load_config

    config = load_config(Path(__file__).resolve().parents[2] / "examples" / "claude.yaml")
    params = config.agents[0].backend
    assert (params.type, params.thinking, params.enable_web_search) == ("claude", "enabled", True)
