"""Where the gemini fast path and the SDK path differ, by design (docs/performance.md):

- the fast path builds none of the SDK's models, so it does not validate field types: a chunk
  the SDK's pydantic models refuse is read on the fast path (and shows the body really is
  read off the wire, not by the SDK);
- google-genai's automatic continuation (a stream that stops with finish reason
  ``CONTINUATION`` and a ``continuationToken`` is resumed by sending the request again with
  the token) is followed on the SDK path only; the fast path says so rather than ending the
  turn early as if the answer were whole."""

from __future__ import annotations

import json

import pytest

from agentplug import Done, ErrorEvent, TextDelta, create_agent
from agentplug.testing import GeminiSimulator, RawResponse, Reply
from paths_support import WIRES

_PAUSED = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]},
                           "finishReason": "CONTINUATION", "continuationToken": "dG9rZW4=",
                           "index": 0}],
           "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 1}}


async def _events(sim: GeminiSimulator, fast: bool) -> list[object]:
    config = {**WIRES["gemini"].backend(sim.base_url), "fast_stream": fast}
    async with create_agent(config) as agent:
        return [event async for event in agent.stream("hi")]


def _stream(*chunks: dict[str, object]) -> RawResponse:
    body = "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks)
    return RawResponse(200, body.encode(), {"content-type": "text/event-stream"})


@pytest.mark.allow_asyncio_warnings  # the SDK path leaves its readers to the loop's shutdown
async def test_the_fast_path_builds_no_sdk_models() -> None:
    chunk = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]},
                             "finishReason": "STOP", "index": "first"}]}
    with GeminiSimulator(_stream(chunk), _stream(chunk)) as sim:
        fast, sdk = await _events(sim, fast=True), await _events(sim, fast=False)
    assert isinstance(fast[-1], Done) and fast[-1].message.text == "Hi"
    assert isinstance(sdk[-1], ErrorEvent) and "ValidationError" in sdk[-1].message
    assert "index" in sdk[-1].message


async def test_the_sdk_path_follows_a_continuation() -> None:
    with GeminiSimulator(_stream(_PAUSED), Reply("lo")) as sim:
        events = await _events(sim, fast=False)
        assert len(sim.requests) == 2
        assert "dG9rZW4=" in json.dumps(sim.requests[1].body)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hel", "lo"]
    done = events[-1]
    assert isinstance(done, Done) and done.message.text == "Hello"
    assert done.stop_reason == "end_turn"


async def test_the_fast_path_refuses_a_continuation() -> None:
    with GeminiSimulator(_stream(_PAUSED), Reply("lo")) as sim:
        events = await _events(sim, fast=True)
        assert len(sim.requests) == 1
    error = events[-1]
    assert isinstance(error, ErrorEvent)
    assert error.error_type == "StreamError"
    assert "paused for continuation, which only fast_stream: false follows" in error.message
