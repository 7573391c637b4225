"""The gemini backend through the real google-genai SDK against GeminiSimulator."""

from __future__ import annotations

import base64

import pytest

from agentplug import (
    BuiltinToolEvent, ConfigError, Done, ErrorEvent, ReasoningDelta, TextDelta,
    ToolCallRequested, create_agent,
)
from agentplug.core.errors import MissingKeyError
from agentplug.core.messages import ImagePart, TextPart
from agentplug.core.tools import ToolOutput
from agentplug.formats.gemini import b64decode
from agentplug.testing import BuiltinSpec, GeminiSimulator, Reply, ToolCallSpec

from gemini_support import collect


def weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


async def test_text_turn_usage_and_request(make_agent, sim):
    sim.script(Reply("Hello from Gemini.", usage={"input": 40, "output": 6, "reasoning": 9,
                                                  "cached": 12}))
    async with make_agent(system_message="Be brief.", temperature=0.2, top_k=3,
                          max_tokens=500, stop_sequences=["END"]) as agent:
        events = await collect(agent, "hi")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello from Gemini."
    done = events[-1]
    assert isinstance(done, Done) and done.stop_reason == "end_turn"
    u = done.usage
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens, u.cached_tokens) == (
        40, 15, 9, 12)
    req = sim.requests[0]
    assert req.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    body = req.body
    assert body["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    gen = body["generationConfig"]
    assert (gen["temperature"], gen["topK"], gen["maxOutputTokens"], gen["stopSequences"]) == (
        0.2, 3, 500, ["END"])
    assert gen["thinkingConfig"] == {"include_thoughts": True}  # 2.5 thinks: ask for summaries
    assert "tools" not in body


async def test_tool_loop_keeps_thought_signatures(make_agent, sim):
    sim.script(
        Reply("Checking.", reasoning="I need the weather.", reasoning_signature="c2lnbmF0dXJl",
              tool_calls=[ToolCallSpec("weather", {"city": "Oslo"})]),
        Reply("Sunny in Oslo."),
    )
    async with make_agent(tools=[weather]) as agent:
        events = await collect(agent, "weather?")
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == (
        "I need the weather.")
    call = next(e for e in events if isinstance(e, ToolCallRequested)).call
    assert (call.name, call.arguments) == ("weather", {"city": "Oslo"})
    assert events[-1].text == "Sunny in Oslo."
    first, second = (r.body for r in sim.requests)
    assert first["tools"] == [{"functionDeclarations": [{
        "name": "weather", "description": "The weather in a city.",
        "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}},
                       "required": ["city"]}}]}]
    model, results = second["contents"][1:]
    assert model["role"] == "model"
    thought, text, fc = model["parts"]
    assert thought == {"text": "I need the weather.", "thought": True}
    assert text == {"text": "Checking."}
    assert fc["functionCall"] == {"name": "weather", "args": {"city": "Oslo"}}
    assert b64decode(fc["thoughtSignature"]) == b"signature"
    # Gemini 2.x gives no call id: none is sent back either.
    assert results == {"role": "user", "parts": [
        {"functionResponse": {"name": "weather", "response": {"output": "sunny in Oslo"}}}]}


async def test_call_ids_errors_and_images_in_results(make_agent, sim):
    png = base64.b64encode(b"\x89PNG fake").decode()

    def shot() -> ToolOutput:
        """A screenshot."""
        return ToolOutput([TextPart("here"), ImagePart(png, "image/png")])

    def broken() -> str:
        """Fails."""
        raise RuntimeError("disk full")

    sim.script(Reply(tool_calls=[ToolCallSpec("shot", {}, id="c1"),
                                 ToolCallSpec("broken", {}, id="c2")]), Reply("ok"))
    async with make_agent(tools=[shot, broken]) as agent:
        await agent.run("go")
    parts = sim.requests[1].body["contents"][2]["parts"]
    assert parts[0] == {"functionResponse": {"id": "c1", "name": "shot",
                                             "response": {"output": "here\n[image image/png, "
                                                                    "9 bytes]"}}}
    assert base64.b64decode(parts[1]["inlineData"]["data"]) == b"\x89PNG fake"
    assert parts[2] == {"functionResponse": {"id": "c2", "name": "broken",
                                             "response": {"error": "RuntimeError: disk full"}}}


async def test_google_search_grounding_events(make_agent, sim):
    sim.script(Reply("Sunny.", builtins=[BuiltinSpec(
        "web_search", query="oslo weather", sources=[("https://met.example", "Met")])]))
    async with make_agent(enable_web_search=True) as agent:
        events = await collect(agent, "weather?")
    search = next(e for e in events if isinstance(e, BuiltinToolEvent))
    assert (search.tool, search.status, search.query) == ("web_search", "completed",
                                                          "oslo weather")
    assert [(s.url, s.title) for s in search.sources] == [("https://met.example", "Met")]
    assert sim.requests[0].body["tools"] == [{"googleSearch": {}}]


async def test_code_execution_events(make_agent, sim):
    sim.script(Reply("It is 42.", builtins=[
        BuiltinSpec("code_execution", code="print(6*7)", stdout="42\n"),
        BuiltinSpec("code_execution", code="1/0", stderr="ZeroDivisionError", return_code=1)]))
    async with make_agent(enable_code_execution=True) as agent:
        events = await collect(agent, "compute")
    runs = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert [(e.status, e.code) for e in runs] == [
        ("in_progress", "print(6*7)"), ("completed", "print(6*7)"),
        ("in_progress", "1/0"), ("failed", "1/0")]
    assert (runs[1].stdout, runs[1].return_code) == ("42\n", 0)
    assert (runs[3].stdout, runs[3].return_code) == ("ZeroDivisionError", 1)
    assert sim.requests[0].body["tools"] == [{"codeExecution": {}}]


async def test_builtins_with_function_tools_need_gemini_3(make_agent, sim):
    async with make_agent(tools=[weather], enable_web_search=True) as agent:
        err = (await collect(agent, "hi"))[-1]
    assert isinstance(err, ErrorEvent) and err.error_type == "UnsupportedCapabilityError"
    assert "choose one" in err.message and "Gemini 3" in err.message
    assert sim.requests == []  # refused before any request


async def test_gemini_3_combines_builtins_and_functions(make_agent, sim):
    sim.script(Reply("ok"))
    async with make_agent(model="gemini-3-pro-preview", tools=[weather],
                          enable_web_search=True, enable_code_execution=True,
                          thinking_level="high") as agent:
        await agent.run("hi")
    body = sim.requests[0].body
    assert body["toolConfig"] == {"includeServerSideToolInvocations": True}
    assert sorted(k for t in body["tools"] for k in t) == ["codeExecution",
                                                          "functionDeclarations", "googleSearch"]
    assert body["generationConfig"]["thinkingConfig"] == {"include_thoughts": True,
                                                         "thinking_level": "HIGH"}


def test_builtins_with_mcp_servers_fail_at_config_time(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "k")
    with pytest.raises(ConfigError, match="choose one"):
        create_agent({"type": "gemini", "model": "gemini-2.5-pro", "enable_code_execution": True,
                      "mcp_servers": [{"name": "fs", "command": "true"}]})


def test_code_interpreter_is_a_config_error(monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "k")
    with pytest.raises(ConfigError, match="use enable_code_execution"):
        create_agent({"type": "gemini", "enable_code_interpreter": True})


async def test_missing_key_names_both_env_vars(monkeypatch, sim):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    agent = create_agent({"type": "gemini", "base_url": sim.base_url})
    with pytest.raises(MissingKeyError, match="GEMINI_API_KEY or GOOGLE_API_KEY"):
        await agent.open()


async def test_google_api_key_and_v1(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", "g-key")
    with GeminiSimulator(Reply("v1 works")) as sim:
        async with create_agent({"type": "gemini", "base_url": sim.base_url, "api_version": "v1",
                                 "max_retries": 0, "include_thoughts": False}) as agent:
            assert (await agent.run("hi")).text == "v1 works"
        req = sim.requests[0]
    assert req.path.startswith("/v1/models/") and req.header("x-goog-api-key") == "g-key"
    assert "thinkingConfig" not in (req.body.get("generationConfig") or {})


async def test_replay_of_other_backends_history(make_agent, sim):
    """A foreign tool call (e.g. from claude) gets the placeholder signature on Gemini 3."""
    from agentplug.core.messages import (
        AssistantMessage, ToolCallPart, ToolResultMessage, UserMessage,
    )

    sim.script(Reply("ok"))
    async with make_agent(model="gemini-3-flash-preview", tools=[weather]) as agent:
        agent.history += [
            UserMessage.of("weather?"),
            AssistantMessage([ToolCallPart("toolu_1", "weather", {"city": "Rome"})],
                             provider="claude"),
            ToolResultMessage("toolu_1", "weather", [TextPart("sunny")]),
        ]
        await agent.run("thanks")
    model = sim.requests[0].body["contents"][1]
    assert model["parts"][0]["functionCall"] == {"id": "toolu_1", "name": "weather",
                                                 "args": {"city": "Rome"}}
    assert b64decode(model["parts"][0]["thoughtSignature"]) == b"skip_thought_signature_validator"


def test_example_config_is_valid():
    from pathlib import Path

    from agentplug.core.config import load_config

    config = load_config(Path(__file__).resolve().parents[2] / "examples" / "gemini.yaml")
    params = config.agents[0].backend
    assert (params.type, params.enable_code_execution) == ("gemini", True)
