"""The openai backend when things go wrong: keys, config, HTTP errors, broken streams."""

from __future__ import annotations

import socket

import pytest

from agentplug import ConfigError, ErrorEvent, MissingKeyError, create_agent, parse_config
from agentplug.testing import Fault, RawResponse, Reply
from responses_support import collect

YAML = """\
agent:
  id: coder
  backend:
    type: openai
    model: gpt-5
    enable_web_search: true
    enable_code_execution: true
"""


def test_code_execution_is_rejected_at_config_time_with_the_suggestion():
    with pytest.raises(ConfigError) as info:
        parse_config(YAML, source="team.yaml")
    (issue,) = info.value.issues
    assert (issue.file, issue.line, issue.key_path) == \
        ("team.yaml", 7, "agent.backend.enable_code_execution")
    assert "use enable_code_interpreter" in issue.message
    assert "not supported by the 'openai' backend" in issue.message


def test_code_interpreter_and_web_search_are_accepted():
    config = parse_config(YAML.replace("enable_code_execution", "enable_code_interpreter"))
    params = config.agent().backend
    assert params.enable_code_interpreter and params.enable_web_search


def test_reasoning_summary_defaults_to_auto_only_with_an_effort():
    with_effort = parse_config(YAML.replace("    enable_code_execution: true\n",
                                            "    reasoning_effort: low\n")).agent().backend
    without = parse_config(YAML.replace("    enable_code_execution: true\n", "")).agent().backend
    assert (with_effort.reasoning_summary, without.reasoning_summary) == ("auto", None)


def test_unknown_effort_is_a_located_error():
    bad = YAML.replace("    enable_code_execution: true\n", "    reasoning_effort: huge\n")
    with pytest.raises(ConfigError, match=r"agent.backend.reasoning_effort"):
        parse_config(bad)


async def test_missing_key_names_openai_api_key(monkeypatch, sim):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    agent = create_agent({"type": "openai", "model": "gpt-5", "base_url": sim.base_url})
    with pytest.raises(MissingKeyError, match="set OPENAI_API_KEY"):
        await agent.open()


async def test_config_key_wins_and_base_url_is_honoured(monkeypatch, sim):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    sim.script(Reply("ok"))
    agent = create_agent({"type": "openai", "model": "gpt-5", "base_url": sim.base_url,
                          "api_key": "sk-config"})
    async with agent:
        assert (await agent.run("x")).text == "ok"
    assert len(sim.requests) == 1
    assert sim.requests[0].header("authorization") == "Bearer sk-config"


async def test_wrong_base_url_is_a_connection_error_naming_the_url(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    async with create_agent({"type": "openai", "model": "m", "base_url": url,
                             "max_retries": 0}) as agent:
        events = await collect(agent, "x")
    err = events[-1]
    assert isinstance(err, ErrorEvent) and err.error_type == "ProviderConnectionError"
    assert url in err.message


async def test_429_with_retry_after_is_retried_and_the_turn_completes(make_agent, sim):
    sim.script(Fault.http(429, retry_after=0.1), Reply("after the retry"))
    async with make_agent(max_retries=2) as agent:
        assert (await agent.run("x")).text == "after the retry"
    assert len(sim.requests) == 2


async def test_429_after_retries_is_a_rate_limit_error(make_agent, sim):
    sim.script(Fault.http(429, retry_after=0))
    async with make_agent() as agent:
        events = await collect(agent, "x")
    assert (events[-1].error_type, events[-1].status) == ("RateLimitError", 429)


async def test_500_is_an_error_event_with_status_and_message(make_agent, sim):
    sim.script(Fault.http(500, message="upstream exploded"))
    async with make_agent() as agent:
        events = await collect(agent, "x")
    err = events[-1]
    assert (err.error_type, err.status, err.retryable) == ("ProviderError", 500, True)
    assert "upstream exploded" in err.message


async def test_dropped_stream_is_an_error_then_the_agent_works(make_agent, sim):
    sim.script(Reply("one two three four five", fault=Fault(drop_after=5)), Reply("recovered"))
    async with make_agent() as agent:
        events = await collect(agent, "x")
        assert isinstance(events[-1], ErrorEvent)
        assert events[-1].error_type == "StreamError" and "broke off" in events[-1].message
        assert agent.history == []  # the broken turn was rolled back
        assert (await agent.run("again")).text == "recovered"
    assert [i.get("content") for i in sim.requests[1].body["input"]] == ["again"]


async def test_malformed_chunk_is_a_stream_error(make_agent, sim):
    sim.script(Reply("a b c d", fault=Fault(malformed_after=4)), Reply("fine"))
    async with make_agent() as agent:
        events = await collect(agent, "x")
        assert events[-1].error_type == "StreamError" and "malformed" in events[-1].message
        assert (await agent.run("again")).text == "fine"


async def test_response_failed_event_is_a_provider_error(make_agent, sim):
    sim.script(Reply("a b c d", fault=Fault(error_after=5, message="The model crashed")),
               Reply("fine"))
    async with make_agent() as agent:
        events = await collect(agent, "x")
        err = events[-1]
        assert (err.error_type, err.retryable) == ("ProviderError", True)
        assert "The model crashed" in err.message and "server_error" in err.message
        assert (await agent.run("again")).text == "fine"


async def test_error_event_is_a_provider_error(make_agent, sim):
    sim.stream_error = "error"
    sim.script(Reply("a b c", fault=Fault(error_after=3, message="Stream overloaded")))
    async with make_agent() as agent:
        events = await collect(agent, "x")
    assert events[-1].error_type == "ProviderError"
    assert "Stream overloaded" in events[-1].message


async def test_stream_ending_without_completed_is_a_stream_error(make_agent, sim):
    created = ('event: response.created\ndata: {"type":"response.created",'
               '"sequence_number":0,"response":{"id":"r","output":[]}}\n\n')
    sim.script(RawResponse(200, created, {"content-type": "text/event-stream"}))
    async with make_agent() as agent:
        events = await collect(agent, "x")
    assert events[-1].error_type == "StreamError"
    assert "ended before response.completed" in events[-1].message


async def test_stalled_response_is_a_timeout(make_agent, sim):
    sim.script(Reply("late", fault=Fault(delay=5)))
    async with make_agent(timeout=0.3) as agent:
        events = await collect(agent, "x")
    assert events[-1].error_type == "ProviderTimeoutError"


async def test_without_base_url_the_sdk_default_and_openai_base_url_apply(monkeypatch, sim):
    monkeypatch.setenv("OPENAI_API_KEY", "sk")
    monkeypatch.setenv("OPENAI_BASE_URL", sim.base_url)
    sim.script(Reply("via env"))
    async with create_agent({"type": "openai", "model": "m"}) as agent:
        assert (await agent.run("x")).text == "via env"
    assert sim.requests[0].path == "/v1/responses"
