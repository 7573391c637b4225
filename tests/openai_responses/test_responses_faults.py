"""The openai backend when things go wrong: keys, config, HTTP errors, broken streams."""

from __future__ import annotations

import pytest

from agentplug import ConfigError, MissingKeyError, create_agent, parse_config
from agentplug.testing import Fault, FaultSuite, RawResponse, Reply
from responses_support import WIRE, collect

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



async def test_without_base_url_the_sdk_default_and_openai_base_url_apply(monkeypatch, sim):
    monkeypatch.setenv("OPENAI_API_KEY", "sk")
    monkeypatch.setenv("OPENAI_BASE_URL", sim.base_url)
    sim.script(Reply("via env"))
    async with create_agent({"type": "openai", "model": "m"}) as agent:
        assert (await agent.run("x")).text == "via env"
    assert sim.requests[0].path == "/v1/responses"


# the faults every backend shares (agentplug.testing.FaultSuite) -----------------------------
@pytest.mark.parametrize("check", FaultSuite.CHECKS)
async def test_shared_faults(check, monkeypatch):
    await WIRE.run(check, monkeypatch)
