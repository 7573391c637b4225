"""zai: GLM thinking (request field and reasoning_content deltas), checked against Z AI's
recorded real stream."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest
import yaml

from agentplug import Done, ReasoningDelta, TextDelta, create_agent
from agentplug.testing import ChatCompletionsSimulator, RawResponse, Reply
from compat_support import backend_config, collect

RECORDING = (Path(__file__).resolve().parents[3] / "shared" / "cassettes" / "openai_chat"
             / "test_zai_thinking_stream.yaml")


def _recorded() -> tuple[dict, str]:
    interaction = yaml.safe_load(RECORDING.read_text())["interactions"][0]
    return interaction["request"], interaction["response"]["body"]["string"]


async def test_thinking_goes_in_the_body_and_reasoning_streams(sim):
    sim.script(Reply("4", reasoning="Two plus two."))
    config = backend_config("zai", sim, thinking=True, clear_thinking=False)
    async with create_agent(config) as agent:
        events = await collect(agent, "2+2?")
    body = sim.requests[0].body
    assert body["thinking"] == {"type": "enabled", "clear_thinking": False}
    assert body["model"] == "glm-4.5"
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "Two plus two."
    assert events[-1].message.reasoning == "Two plus two."


async def test_thinking_off_and_unset(sim):
    sim.script(Reply("a"), Reply("b"))
    async with create_agent(backend_config("zai", sim, thinking=False)) as agent:
        await agent.run("x")
    async with create_agent(backend_config("zai", sim)) as agent:
        await agent.run("x")
    assert sim.requests[0].body["thinking"] == {"type": "disabled"}
    assert "thinking" not in sim.requests[1].body


@pytest.mark.skipif(not RECORDING.is_file(), reason="shared cassettes not present")
async def test_recorded_zai_stream_through_the_zai_backend():
    request, body = _recorded()
    raw = RawResponse(200, body, {"content-type": "text/event-stream; charset=utf-8"})
    with ChatCompletionsSimulator(raw) as sim:
        config = backend_config("zai", sim, model=request["parsed_body"]["model"],
                                thinking=True, clear_thinking=False)
        async with create_agent(config) as agent:
            events = await collect(agent, request["parsed_body"]["messages"][0]["content"])
        sent = sim.requests[0]
    # our request carries what the real client sent (path shape, thinking, usage option)
    for key in ("model", "stream", "stream_options", "thinking"):
        assert sent.body[key] == request["parsed_body"][key]
    assert sent.path.endswith(request["uri"].split("/api/paas/v4")[1])
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    done = events[-1]
    assert isinstance(done, Done) and done.stop_reason == "end_turn"
    assert "Analyze the User's Request" in reasoning
    assert "4" in text and done.text == text
    assert done.usage.input_tokens > 0 and done.usage.output_tokens > 0


def _kinds(stream: str) -> list[str]:
    """Which kind each chunk is: reasoning, content, finish, usage; repeats collapsed."""
    out: list[str] = []
    for line in stream.splitlines():
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[len("data: "):])
        kinds = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            kinds += [k for k in ("reasoning_content", "content") if delta.get(k)]
            if choice.get("finish_reason"):
                kinds.append("finish")
        if chunk.get("usage"):
            kinds.append("usage")
        for kind in kinds:
            if not out or out[-1] != kind:
                out.append(kind)
    return out


@pytest.mark.skipif(not RECORDING.is_file(), reason="shared cassettes not present")
def test_simulator_reasoning_stream_has_the_recorded_shape():
    _, recorded = _recorded()
    with ChatCompletionsSimulator(Reply("2 + 2 = 4", reasoning="The user asks 2+2.")) as sim:
        body = {"model": "glm-4.7", "messages": [], "stream": True,
                "stream_options": {"include_usage": True}}
        ours = httpx2.post(f"{sim.base_url}/chat/completions", json=body).text
    # Z AI puts usage on the finishing chunk, our simulator (like OpenAI) on its own chunk:
    # the order of kinds is the same.
    assert _kinds(ours) == _kinds(recorded) == ["reasoning_content", "content", "finish",
                                                "usage"]
