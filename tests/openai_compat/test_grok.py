"""grok: Chat Completions without web search; xAI's Responses API (web_search agent tool)
with it, alone or beside function tools; citations reported as web_search sources."""

from __future__ import annotations

import json

import httpx2

from agentplug import BuiltinToolEvent, ReasoningDelta, create_agent
from agentplug.testing import BuiltinSpec, RawResponse, Reply, ResponsesSimulator, ToolCallSpec
from compat_support import backend_config, collect

SEARCH = BuiltinSpec("web_search", query="xAI news",
                     sources=[("https://x.ai/news", "xAI News"), ("https://docs.x.ai", "Docs")])


async def test_chat_path_sends_reasoning_effort_and_streams_reasoning(sim):
    sim.script(Reply("4", reasoning="2+2 is 4"))
    config = backend_config("grok", sim, model="grok-3-mini", reasoning_effort="low")
    async with create_agent(config) as agent:
        events = await collect(agent, "2+2?")
    req = sim.requests[0]
    assert req.path == "/v1/chat/completions"
    assert (req.body["model"], req.body["reasoning_effort"]) == ("grok-3-mini", "low")
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "2+2 is 4"
    assert req.header("authorization") == "Bearer xai-key"


async def test_default_model_is_grok_4(sim):
    sim.script(Reply("ok"))
    async with create_agent(backend_config("grok", sim)) as agent:
        await agent.run("x")
    assert sim.requests[0].body["model"] == "grok-4"


async def test_web_search_goes_to_the_responses_api_with_the_web_search_tool():
    with ResponsesSimulator(Reply("xAI shipped things.", builtins=[SEARCH])) as rsim:
        config = {"type": "grok", "base_url": rsim.base_url, "api_key": "xai-key",
                  "enable_web_search": True, "max_retries": 0,
                  "web_search_options": {"allowed_domains": ["x.ai"]}}
        async with create_agent(config, system_message="Be brief.") as agent:
            events = await collect(agent, "What did xAI ship?")
    req = rsim.requests[0]
    assert req.path == "/v1/responses"
    assert req.body["tools"] == [{"type": "web_search", "allowed_domains": ["x.ai"]}]
    assert (req.body["store"], req.body["instructions"], req.body["model"]) == \
        (False, "Be brief.", "grok-4")
    assert "search_parameters" not in req.body  # Live Search answers 410 Gone now
    searches = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert searches and all(e.tool == "web_search" for e in searches)
    assert ["https://x.ai/news", "https://docs.x.ai"] in [[s.url for s in e.sources]
                                                          for e in searches]
    assert events[-1].text == "xAI shipped things."


async def test_web_search_beside_function_tools_runs_the_tool_loop():
    script = (Reply(tool_calls=[ToolCallSpec("stock_price", {"ticker": "TSLA"})]),
              Reply("TSLA is 300 and xAI shipped things.", builtins=[SEARCH]))

    def stock_price(ticker: str) -> str:
        """A stock price."""
        return f"{ticker}: 300"

    with ResponsesSimulator(*script) as rsim:
        config = {"type": "grok", "base_url": rsim.base_url, "api_key": "k",
                  "enable_web_search": True, "max_retries": 0}
        async with create_agent(config, tools=[stock_price]) as agent:
            events = await collect(agent, "price and news")
    first, second = rsim.requests
    assert [t["type"] for t in first.body["tools"]] == ["function", "web_search"]
    assert first.body["tools"][0]["name"] == "stock_price"
    outputs = [i for i in second.body["input"] if i.get("type") == "function_call_output"]
    assert outputs[0]["output"] == "TSLA: 300"
    assert any(isinstance(e, BuiltinToolEvent) and e.sources for e in events)
    assert events[-1].text == "TSLA is 300 and xAI shipped things."


def _with_top_level_citations(stream: str, citations: list[str]) -> str:
    """An xAI-style stream: its response object carries the ``citations`` list."""
    out = []
    for line in stream.splitlines():
        if line.startswith("data: ") and '"response.completed"' in line:
            event = json.loads(line[len("data: "):])
            event["response"]["citations"] = citations
            line = "data: " + json.dumps(event)
        out.append(line)
    return "\n".join(out) + "\n"


async def test_xai_top_level_citations_become_web_search_sources():
    with ResponsesSimulator(Reply("Answer.", builtins=[BuiltinSpec("web_search", "q")])) as gen:
        body = {"model": "grok-4", "input": "q", "stream": True,
                "tools": [{"type": "web_search"}]}
        recorded = httpx2.post(f"{gen.base_url}/responses", json=body).text
    xai_stream = _with_top_level_citations(recorded, ["https://a.example", "https://b.example"])
    raw = RawResponse(200, xai_stream, {"content-type": "text/event-stream"})
    with ResponsesSimulator(raw) as rsim:
        config = {"type": "grok", "base_url": rsim.base_url, "api_key": "k",
                  "enable_web_search": True}
        async with create_agent(config) as agent:
            events = await collect(agent, "q")
    cited = [e for e in events if isinstance(e, BuiltinToolEvent) and e.name == "citations"]
    assert [s.url for s in cited[0].sources] == ["https://a.example", "https://b.example"]
    assert events[-1].text == "Answer."


async def test_web_search_missing_key_names_xai_api_key():
    import pytest

    from agentplug import MissingKeyError

    agent = create_agent({"type": "grok", "enable_web_search": True})
    with pytest.raises(MissingKeyError, match="XAI_API_KEY"):
        await agent.open()


async def test_web_search_path_retries_429_and_survives_a_dropped_stream():
    from agentplug.testing import Fault

    script = (Fault.http(429, retry_after=0.1), Reply("first", builtins=[SEARCH]),
              Reply("one two three four", fault=Fault(drop_after=4)), Reply("third"))
    with ResponsesSimulator(*script) as rsim:
        config = {"type": "grok", "base_url": rsim.base_url, "api_key": "k",
                  "enable_web_search": True, "max_retries": 1}
        async with create_agent(config) as agent:
            assert (await agent.run("a")).text == "first"
            events = await collect(agent, "b")
            assert events[-1].error_type == "StreamError"
            assert (await agent.run("c")).text == "third"


async def test_web_search_path_unreachable_url_is_named():
    from compat_support import closed_port

    url = f"http://127.0.0.1:{closed_port()}/v1"
    config = {"type": "grok", "base_url": url, "api_key": "k", "enable_web_search": True,
              "max_retries": 0}
    async with create_agent(config) as agent:
        events = await collect(agent, "x")
    assert events[-1].error_type == "ProviderConnectionError" and url in events[-1].message


async def test_web_search_backend_keeps_the_conformance_contract():
    from agentplug import ToolDef, UserMessage
    from agentplug.core.config import params_from_dict
    from agentplug.core.host import default_host
    from agentplug.testing.conformance import check_model_call

    spec = default_host().backend("grok")
    weather = ToolDef("weather", "Weather", {"type": "object", "properties": {}})
    with ResponsesSimulator(Reply("plain", builtins=[SEARCH]),
                            Reply(tool_calls=[ToolCallSpec("weather", {})])) as rsim:
        backend = spec.create(params_from_dict(spec, {
            "type": "grok", "base_url": rsim.base_url, "api_key": "k",
            "enable_web_search": True}))
        await backend.open()
        try:
            await check_model_call(backend, [UserMessage.of("hi")])
            events = await check_model_call(backend, [UserMessage.of("hi")], [weather])
        finally:
            await backend.close()
    assert events[-1].stop_reason == "tool_calls"
