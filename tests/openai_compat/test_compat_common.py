"""What every OpenAI-compatible backend must do, each through the real openai SDK against
a simulator on 127.0.0.1: answer, run the tool loop, honour retries and timeouts, survive a
broken stream, name a missing key's env var and an unreachable URL, refuse built-in flags."""

from __future__ import annotations

import pytest

from agentplug import ConfigError, Done, ErrorEvent, MissingKeyError, create_agent, parse_config
from agentplug.testing import Fault, Reply, ToolCallSpec

from compat_support import backend_config, closed_port, collect

KINDS = ("azure_openai", "grok", "zai", "lmstudio", "vllm", "sglang")


def _sim(kind, sim, azure_sim):
    return azure_sim if kind == "azure_openai" else sim


def _chat_requests(sim):
    return [r for r in sim.requests if r.path.endswith("/chat/completions")]


@pytest.mark.parametrize("kind", KINDS)
async def test_tool_loop_runs_function_tools(kind, sim, azure_sim):
    s = _sim(kind, sim, azure_sim)
    s.script(Reply(tool_calls=[ToolCallSpec("add", {"a": 2, "b": 3})]), Reply("It is 5."))

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    async with create_agent(backend_config(kind, s), tools=[add]) as agent:
        result = await agent.run("2+3?")
    assert result.text == "It is 5."
    first, second = _chat_requests(s)
    assert first.body["tools"][0]["function"]["name"] == "add"
    assert second.body["messages"][-1] == {"role": "tool", "tool_call_id":
                                           second.body["messages"][-2]["tool_calls"][0]["id"],
                                           "content": "5"}


@pytest.mark.parametrize("kind", KINDS)
async def test_sampling_params_and_headers_are_sent(kind, sim, azure_sim):
    s = _sim(kind, sim, azure_sim)
    s.script(Reply("ok"))
    config = backend_config(kind, s, temperature=0.2, max_tokens=64, top_p=0.5, seed=7,
                            headers={"x-team": "blue"}, extra_body={"custom": 1})
    async with create_agent(config) as agent:
        await agent.run("x")
    req = _chat_requests(s)[0]
    assert {k: req.body[k] for k in ("temperature", "max_tokens", "top_p", "seed", "custom")} \
        == {"temperature": 0.2, "max_tokens": 64, "top_p": 0.5, "seed": 7, "custom": 1}
    assert req.header("x-team") == "blue"
    assert req.body["stream"] is True and req.body["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("kind", KINDS)
async def test_429_with_retry_after_is_retried_and_the_turn_completes(kind, sim, azure_sim):
    s = _sim(kind, sim, azure_sim)
    s.script(Fault.http(429, retry_after=0.1), Reply("after the retry"))
    async with create_agent(backend_config(kind, s, max_retries=2)) as agent:
        assert (await agent.run("x")).text == "after the retry"
    assert len(_chat_requests(s)) == 2


@pytest.mark.parametrize("kind", KINDS)
async def test_dropped_stream_is_an_error_event_and_the_agent_goes_on(kind, sim, azure_sim):
    s = _sim(kind, sim, azure_sim)
    s.script(Reply("one two three four five", fault=Fault(drop_after=3)), Reply("recovered"))
    async with create_agent(backend_config(kind, s)) as agent:
        events = await collect(agent, "x")
        assert isinstance(events[-1], ErrorEvent)
        assert events[-1].error_type == "StreamError" and events[-1].retryable
        assert (await agent.run("again")).text == "recovered"
        # the failed turn was rolled back: the retry carries one user message, not two
        assert [m["role"] for m in _chat_requests(s)[-1].body["messages"]] == ["user"]


@pytest.mark.parametrize("kind", KINDS)
async def test_timeout_from_params_stops_a_stalled_request(kind, sim, azure_sim):
    s = _sim(kind, sim, azure_sim)
    s.script(Reply("late", fault=Fault(delay=3)))
    async with create_agent(backend_config(kind, s, timeout=0.3)) as agent:
        events = await collect(agent, "x")
    assert events[-1].error_type == "ProviderTimeoutError"


@pytest.mark.parametrize("kind", ("azure_openai", "grok", "zai", "lmstudio"))
async def test_unreachable_base_url_is_a_connection_error_naming_it(kind, sim, azure_sim):
    url = f"http://127.0.0.1:{closed_port()}"
    key = "azure_endpoint" if kind == "azure_openai" else "base_url"
    config = backend_config(kind, _sim(kind, sim, azure_sim), **{key: url})
    async with create_agent(config) as agent:
        events = await collect(agent, "x")
    assert events[-1].error_type == "ProviderConnectionError"
    assert url in events[-1].message


@pytest.mark.parametrize("kind,env_var,extra", [
    ("azure_openai", "AZURE_OPENAI_API_KEY",
     {"model": "dep", "azure_endpoint": "https://res.openai.azure.com", "api_version": "v"}),
    ("grok", "XAI_API_KEY", {}),
    ("zai", "ZAI_API_KEY", {}),
])
async def test_missing_key_names_the_env_var(kind, env_var, extra):
    agent = create_agent({"type": kind, **extra})
    with pytest.raises(MissingKeyError, match=f"set {env_var}"):
        await agent.open()


@pytest.mark.parametrize("kind,env_var", [("grok", "XAI_API_KEY"), ("zai", "ZAI_API_KEY"),
                                          ("azure_openai", "AZURE_OPENAI_API_KEY")])
async def test_key_from_the_environment_is_sent(kind, env_var, sim, azure_sim, monkeypatch):
    s = _sim(kind, sim, azure_sim)
    monkeypatch.setenv(env_var, "key-from-env")
    s.script(Reply("ok"))
    config = backend_config(kind, s)
    del config["api_key"]
    async with create_agent(config) as agent:
        await agent.run("x")
    req = _chat_requests(s)[0]
    sent = req.header("api-key") if kind == "azure_openai" else req.header("authorization")
    assert sent in ("key-from-env", "Bearer key-from-env")


_REASONS = {
    "azure_openai": "Limited tool support",
    "grok": "Built-in Live Search feature only",
    "zai": "Basic file operations only",
    "lmstudio": "Local models, tool support varies",
    "vllm": "Local inference server",
    "sglang": "Local inference server",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("flag", ("enable_web_search", "enable_code_execution",
                                  "enable_code_interpreter"))
def test_check_rejects_refused_flags_with_the_seed_reason(kind, flag):
    if kind == "grok" and flag == "enable_web_search":
        pytest.skip("grok supports web search")
    model = "\n    model: m" if kind in ("azure_openai", "lmstudio") else ""
    text = f"agent:\n  id: a\n  backend:\n    type: {kind}{model}\n    {flag}: true\n"
    line = text.splitlines().index(f"    {flag}: true") + 1
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="team.yaml")
    message = str(info.value)
    assert f"team.yaml:{line}: agent.backend.{flag}: not supported by the {kind!r} backend: " \
           f"{_REASONS[kind]}" in message
    assert f"hint: remove {flag}" in message


def test_grok_web_search_passes_the_check():
    text = "agent:\n  backend:\n    type: grok\n    enable_web_search: true\n"
    assert parse_config(text).agents[0].backend.enable_web_search is True


@pytest.mark.parametrize("kind", KINDS)
async def test_usage_is_reported(kind, sim, azure_sim):
    s = _sim(kind, sim, azure_sim)
    s.script(Reply("ok", usage={"input": 11, "output": 3}))
    async with create_agent(backend_config(kind, s)) as agent:
        events = await collect(agent, "x")
    done = events[-1]
    assert isinstance(done, Done)
    assert (done.usage.input_tokens, done.usage.output_tokens) == (11, 3)


@pytest.mark.parametrize("kind", KINDS)
async def test_backend_keeps_the_conformance_contract(kind, sim, azure_sim):
    from agentplug import ToolDef, UserMessage
    from agentplug.core.config import params_from_dict
    from agentplug.core.host import default_host
    from agentplug.testing.conformance import check_model_call

    s = _sim(kind, sim, azure_sim)
    spec = default_host().backend(kind)
    backend = spec.create(params_from_dict(spec, backend_config(kind, s)))
    weather = ToolDef("weather", "Weather", {"type": "object", "properties": {}})
    s.script(Reply("plain", reasoning="why"),
             Reply("calling", tool_calls=[ToolCallSpec("weather", {}),
                                          ToolCallSpec("weather", {})]))
    await backend.open()
    try:
        await check_model_call(backend, [UserMessage.of("hi")])
        events = await check_model_call(backend, [UserMessage.of("hi")], [weather])
    finally:
        await backend.close()
    assert events[-1].stop_reason == "tool_calls"
