"""The full loop for each wire format: a simulator's scripted model calls MCP tools, the bridge
runs them on a real MCP server, the results go back in the provider's format (images where
the provider takes them, described where it does not), the model answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentplug import create_agent
from agentplug.core.events import ToolResult
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, Reply, ResponsesSimulator,
    ToolCallSpec,
)

from mcp_support import edge

CALLS = [ToolCallSpec("mcp__edge__document", {}, id="call_doc"),
         ToolCallSpec("mcp__edge__picture", {}, id="call_pic"),
         ToolCallSpec("mcp__edge__fail", {"message": "no such file"}, id="call_err")]


def chat_results(body: dict[str, Any]) -> list[Any]:
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def responses_results(body: dict[str, Any]) -> list[Any]:
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


def anthropic_results(body: dict[str, Any]) -> list[Any]:
    return [b for m in body["messages"] if m["role"] == "user" for b in m["content"]
            if isinstance(b, dict) and b.get("type") == "tool_result"]


def gemini_results(body: dict[str, Any]) -> list[Any]:
    parts = body["contents"][-1]["parts"]
    return [p for p in parts if "functionResponse" in p or "function_response" in p
            or "inlineData" in p or "inline_data" in p]


def check_chat(body: dict[str, Any]) -> None:
    doc, pic, err = chat_results(body)
    assert doc == "[resource file:///notes.txt (text/plain)]\nremember the milk"
    # Chat Completions tool messages carry text only: the image is described
    assert pic.startswith("a tiny picture\n[image image/png, ")
    assert err.startswith("ERROR: ") and "no such file" in err
    assert {t["function"]["name"] for t in body["tools"]} >= {"mcp__edge__document"}


def check_responses(body: dict[str, Any]) -> None:
    doc, pic, err = responses_results(body)
    assert doc == "[resource file:///notes.txt (text/plain)]\nremember the milk"
    assert [p["type"] for p in pic] == ["input_text", "input_image"]
    assert pic[1]["image_url"].startswith("data:image/png;base64,")
    assert err.startswith("ERROR: ") and "no such file" in err
    assert "mcp__edge__document" in {t["name"] for t in body["tools"]}


def check_anthropic(body: dict[str, Any]) -> None:
    doc, pic, err = anthropic_results(body)
    assert doc["content"] == [{"type": "text", "text": "[resource file:///notes.txt "
                                                       "(text/plain)]\nremember the milk"}]
    assert [b["type"] for b in pic["content"]] == ["text", "image"]
    assert pic["content"][1]["source"]["media_type"] == "image/png"
    assert err["is_error"] is True and "no such file" in err["content"][0]["text"]
    assert "mcp__edge__document" in {t["name"] for t in body["tools"]}


def check_gemini(body: dict[str, Any]) -> None:
    text = json.dumps(body)
    assert "remember the milk" in text and "no such file" in text
    parts = gemini_results(body)
    responses = [p.get("functionResponse") or p.get("function_response") for p in parts]
    responses = [r for r in responses if r]
    assert [r["name"] for r in responses] == ["mcp__edge__document", "mcp__edge__picture",
                                              "mcp__edge__fail"]
    assert "error" in responses[2]["response"]
    images = [p.get("inlineData") or p.get("inline_data") for p in parts]
    assert any(i and i.get("mimeType", i.get("mime_type")) == "image/png" for i in images)
    tools = body["tools"][0]
    decls = tools.get("functionDeclarations") or tools["function_declarations"]
    assert "mcp__edge__document" in {d["name"] for d in decls}


FORMATS = {
    "chatcompletion": (ChatCompletionsSimulator, {"model": "sim-model"}, None, check_chat),
    "openai": (ResponsesSimulator, {"model": "gpt-5"}, "OPENAI_API_KEY", check_responses),
    "claude": (AnthropicSimulator, {"model": "claude-sonnet-4-6"}, "ANTHROPIC_API_KEY",
               check_anthropic),
    "gemini": (GeminiSimulator, {"model": "gemini-2.5-flash"}, "GEMINI_API_KEY", check_gemini),
}


@pytest.mark.parametrize("backend", list(FORMATS))
async def test_the_model_calls_mcp_tools_end_to_end(backend, monkeypatch):
    simulator, extra, key_var, check = FORMATS[backend]
    if key_var:
        monkeypatch.setenv(key_var, "test-key")
    with simulator(Reply(tool_calls=CALLS), Reply("The note says: remember the milk.")) as sim:
        agent = create_agent({"type": backend, "base_url": sim.base_url, "max_retries": 0,
                              "mcp_servers": [edge()], **extra})
        async with agent:
            events = [e async for e in agent.stream("What does the note say?")]
        assert events[-1].type == "done", events[-1]
        assert events[-1].text == "The note says: remember the milk."
        results = [e for e in events if isinstance(e, ToolResult)]
        assert [r.is_error for r in results] == [False, False, True]
        assert len(sim.requests) == 2
        check(sim.requests[1].body)


async def test_server_failures_reach_the_event_stream_as_notices():
    """A server that failed to start, and one that dies mid-call, show up as warnings in the
    turn's events; the model gets an error result and the turn goes on."""
    script = [Reply(tool_calls=[ToolCallSpec("mcp__edge__crash", {}, id="c1")]),
              Reply("the tool crashed"),
              Reply(tool_calls=[ToolCallSpec("mcp__edge__echo", {"text": "back"}, id="c2")]),
              Reply("it is back")]
    with ChatCompletionsSimulator(*script) as sim:
        agent = create_agent({"type": "chatcompletion", "model": "sim-model",
                              "base_url": sim.base_url, "max_retries": 0,
                              "mcp_servers": [edge(), edge("db", "--fail-start")]})
        async with agent:
            first = [e async for e in agent.stream("crash it")]
            second = [e async for e in agent.stream("again")]
    notices = [e.message for e in first if e.type == "notice"]
    assert len(notices) == 2
    assert "MCP server 'db'" in notices[0] and "cannot open the database" in notices[0]
    assert notices[1] == ("MCP server 'edge' died during a call to 'crash'; it will be "
                          "restarted on next use")
    crash = next(e for e in first if isinstance(e, ToolResult))
    assert crash.is_error and first[-1].text == "the tool crashed"
    assert chat_results(sim.requests[1].body) == [
        "ERROR: MCP server 'edge' died during a call to 'crash'"]
    assert [e.message for e in second if e.type == "notice"] == [
        "MCP server 'edge': restarting (restart 1)"]
    assert next(e for e in second if isinstance(e, ToolResult)).output == "back"
    assert second[-1].text == "it is back"


async def test_planning_mode_shows_mcp_tools_but_runs_only_the_unblocked():
    calls = [ToolCallSpec("mcp__edge__crash", {}, id="p1"),
             ToolCallSpec("mcp__edge__echo", {"text": "ran"}, id="p2")]
    with ChatCompletionsSimulator(Reply(tool_calls=calls), Reply("planned")) as sim:
        agent = create_agent({"type": "chatcompletion", "model": "sim-model",
                              "base_url": sim.base_url, "max_retries": 0,
                              "mcp_servers": [edge()], "planning_mode": True,
                              "planning_mode_blocked_tools": ["mcp__edge__crash"]})
        async with agent:
            events = [e async for e in agent.stream("plan it")]
            toolset = agent.toolsets[-1]
            assert toolset.connections["edge"].restarts == 0  # the crash tool never ran
            assert toolset.connections["edge"].status == "ready"
    assert [e.call.name for e in events if e.type == "planned_tool_call"] == ["mcp__edge__crash"]
    results = {e.name: e for e in events if isinstance(e, ToolResult)}
    assert "not executed" in results["mcp__edge__crash"].output
    assert results["mcp__edge__echo"].output == "ran"
    assert "mcp__edge__crash" in {t["function"]["name"] for t in sim.requests[0].body["tools"]}
