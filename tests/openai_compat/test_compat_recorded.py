"""Every recorded real Chat Completions stream, replayed through every backend of this
family: reasoning (DeepSeek and Z AI ``reasoning_content``, OpenRouter ``reasoning``), a
two-call tool loop, and a mid-stream error chunk."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentplug import Done, ErrorEvent, ReasoningDelta, create_agent
from agentplug.testing import ChatCompletionsSimulator, RawResponse
from compat_support import AZURE_VERSION, backend_config, collect

CASSETTES = Path(__file__).resolve().parents[3] / "shared" / "cassettes" / "openai_chat"
KINDS = ("azure_openai", "grok", "zai", "lmstudio", "vllm", "sglang")
pytestmark = pytest.mark.skipif(not CASSETTES.is_dir(), reason="shared cassettes not present")


def _bodies(name: str) -> list[RawResponse]:
    data = yaml.safe_load((CASSETTES / name).read_text())
    return [RawResponse(200, i["response"]["body"]["string"],
                        {"content-type": "text/event-stream; charset=utf-8"})
            for i in data["interactions"]]


def _sim(kind: str, *script: RawResponse) -> ChatCompletionsSimulator:
    version = AZURE_VERSION if kind == "azure_openai" else None
    return ChatCompletionsSimulator(*script, azure_api_version=version)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("cassette", ("test_deepseek_model_thinking_stream.yaml",
                                      "test_zai_thinking_stream.yaml",
                                      "test_openrouter_streaming_reasoning.yaml"))
async def test_recorded_reasoning_stream(kind, cassette):
    with _sim(kind, *_bodies(cassette)) as sim:
        async with create_agent(backend_config(kind, sim)) as agent:
            events = await collect(agent, "x")
    done = events[-1]
    assert isinstance(done, Done), done
    assert done.text and done.message.reasoning
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == \
        done.message.reasoning
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0


@pytest.mark.parametrize("kind", KINDS)
async def test_recorded_tool_loop(kind):
    def get_capital(country: str) -> str:
        return "London" if country == "UK" else "?"

    with _sim(kind, *_bodies("test_run_stream_sync_streams_real_model.yaml")) as sim:
        async with create_agent(backend_config(kind, sim), tools=[get_capital]) as agent:
            result = await agent.run("What is the capital of the UK?")
    assert "London" in result.text
    assert (result.usage.requests, result.usage.input_tokens, result.usage.output_tokens) == \
        (2, 131, 24)


@pytest.mark.parametrize("kind", KINDS)
async def test_recorded_mid_stream_error(kind):
    with _sim(kind, *_bodies("test_openrouter_stream_error.yaml")) as sim:
        async with create_agent(backend_config(kind, sim)) as agent:
            events = await collect(agent, "x")
    assert isinstance(events[-1], ErrorEvent)
    assert "Token limit reached" in events[-1].message
