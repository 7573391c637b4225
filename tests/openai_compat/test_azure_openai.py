"""azure_openai: AsyncAzureOpenAI's URL shape and header, checked on recorded requests."""

from __future__ import annotations

import pytest

from agentplug import ConfigError, create_agent
from agentplug.testing import Reply, ToolCallSpec
from compat_support import AZURE_VERSION, backend_config


async def test_deployment_url_api_version_and_api_key_header(azure_sim):
    azure_sim.script(Reply("hello from azure"))
    async with create_agent(backend_config("azure_openai", azure_sim)) as agent:
        assert (await agent.run("hi")).text == "hello from azure"
    req = azure_sim.requests[0]
    assert (req.method, req.path) == ("POST", "/openai/deployments/my-gpt4o/chat/completions")
    assert req.query == {"api-version": [AZURE_VERSION]}
    assert req.header("api-key") == "azure-key"
    assert req.header("authorization") is None
    assert req.body["model"] == "my-gpt4o"


async def test_endpoint_and_version_from_the_environment(azure_sim, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-key")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", azure_sim.url)
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", AZURE_VERSION)
    azure_sim.script(Reply("ok"))
    async with create_agent({"type": "azure_openai", "model": "dep-a"}) as agent:
        await agent.run("x")
    req = azure_sim.requests[0]
    assert req.path == "/openai/deployments/dep-a/chat/completions"
    assert req.header("api-key") == "env-key"


async def test_base_url_is_the_endpoint_and_api_version_overrides_env(azure_sim, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "1999-01-01")
    azure_sim.script(Reply("ok"))
    config = {"type": "azure_openai", "model": "dep-b", "base_url": azure_sim.url,
              "api_version": AZURE_VERSION, "api_key": "k"}
    async with create_agent(config) as agent:
        await agent.run("x")
    assert azure_sim.requests[0].query == {"api-version": [AZURE_VERSION]}


async def test_wrong_api_version_is_azures_404(azure_sim):
    async with create_agent(backend_config("azure_openai", azure_sim,
                                           api_version="2001-01-01")) as agent:
        events = [e async for e in agent.stream("x")]
    assert (events[-1].error_type, events[-1].status) == ("ProviderError", 404)
    assert "Resource not found" in events[-1].message


async def test_tool_calls_round_trip_through_the_deployment(azure_sim):
    azure_sim.script(Reply(tool_calls=[ToolCallSpec("lookup", {"q": "x"}, id="call_1")]),
                     Reply("found"))

    def lookup(q: str) -> str:
        return f"result for {q}"

    async with create_agent(backend_config("azure_openai", azure_sim), tools=[lookup]) as a:
        assert (await a.run("find x")).text == "found"
    assert all(r.path == "/openai/deployments/my-gpt4o/chat/completions"
               for r in azure_sim.requests)
    assert azure_sim.requests[1].body["messages"][-1] == {
        "role": "tool", "tool_call_id": "call_1", "content": "result for x"}


async def test_missing_endpoint_and_version_say_what_to_set():
    agent = create_agent({"type": "azure_openai", "model": "d", "api_key": "k",
                          "api_version": "v"})
    with pytest.raises(ConfigError, match="AZURE_OPENAI_ENDPOINT"):
        await agent.open()
    agent = create_agent({"type": "azure_openai", "model": "d", "api_key": "k",
                          "azure_endpoint": "https://r.openai.azure.com"})
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_VERSION"):
        await agent.open()


def test_model_is_the_deployment_and_required():
    with pytest.raises(ConfigError, match="name of your deployment"):
        create_agent({"type": "azure_openai"})


async def test_deployment_name_routes_the_request_and_model_prices_it(azure_sim):
    """MassGen's `deployment_name:` beside the model's own name: the request goes to the
    deployment, the table prices the model (gpt-4o: 1000 in + 500 out = $0.0075)."""
    azure_sim.script(Reply("deployed", usage={"input": 1000, "output": 500}))
    config = {**backend_config("azure_openai", azure_sim), "model": "gpt-4o",
              "deployment_name": "team-prod-4o"}
    async with create_agent(config) as agent:
        result = await agent.run("hi")
    assert result.text == "deployed"
    req = azure_sim.requests[0]
    assert req.path == "/openai/deployments/team-prod-4o/chat/completions"
    assert req.body["model"] == "team-prod-4o"
    assert result.usage.cost_usd == pytest.approx(0.0075)
