"""Where the gemini fast path and the SDK path differ, by design (docs/performance.md):

- the fast path builds none of the SDK's models, so it does not validate field types: a chunk
  the SDK's pydantic models refuse is read on the fast path (and shows the body really is
  read off the wire, not by the SDK);
and where they agree although the fast path does the work itself: google-genai's automatic
continuation (a stream that stops with finish reason ``CONTINUATION`` and a
``continuationToken``, or breaks after a checkpoint token, is resumed by sending the request
again with the token), which the SDK follows on the SDK path and agentplug on the fast path."""

from __future__ import annotations

import json

import pytest

from agentplug import Done, ErrorEvent, TextDelta, create_agent
from agentplug.testing import Fault, GeminiSimulator, RawResponse, Reply
from paths_support import WIRES, event_text, without_ids

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


def _paused(text: str, token: str, *, finish: str | None = "CONTINUATION", prompt: int = 3,
            output: int = 1) -> dict[str, object]:
    candidate: dict[str, object] = {"content": {"role": "model", "parts": [{"text": text}]},
                                    "continuationToken": token, "index": 0}
    if finish is not None:
        candidate["finishReason"] = finish
    return {"candidates": [candidate],
            "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": output,
                              "promptTokensDetails": [{"modality": "TEXT",
                                                       "tokenCount": prompt}]}}


_DROP = Reply("never", fault=Fault(drop_after=0))
# Each script through both paths: the SDK follows the hops itself, the fast path by its rules.
CONTINUATIONS = {
    # paused, then resumed: the finish is not shown, usage is summed over the hops
    "resumed": ([_stream(_PAUSED), Reply("lo", usage={"input": 3, "output": 1})], 2),
    "twice": ([_stream(_paused("He", "dG9rMQ==")), _stream(_paused("l", "dG9rMg==")),
               Reply("lo")], 3),
    # a checkpoint token, then the body ends without a finish: resumed from the token
    "checkpoint_then_end": ([_stream(_paused("Hel", "Y2twdA", finish=None)), Reply("lo")], 2),
    # a dropped hop that made no progress is retried from the token it started with
    "dropped_then_resumed": ([_stream(_PAUSED), _DROP, Reply("lo")], 3),
    # ... three times at most; then the drop is the turn's error
    "dropped_for_good": ([_stream(_PAUSED), _DROP, _DROP, _DROP, _DROP], 5),
    # an error chunk after a new checkpoint token: resumed from that token
    "error_after_checkpoint": ([_stream(_PAUSED), _stream(
        _paused("l", "bmV3", finish=None),
        {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}),
        Reply("o")], 3),
    # an error chunk after content but no new token: the error is the turn's
    "error_after_content": ([_stream(_PAUSED), Reply(
        "lo and more", chunk_size=3, fault=Fault(error_after=1, message="overloaded"))], 2),
    # a later hop refused outright (a status error): raised at once, not retried
    "refused_hop": ([_stream(_PAUSED), Fault.http(500)], 2),
    # a finish that is not CONTINUATION ends it, whatever token it carries
    "stopped_with_token": ([_stream(_paused("Hel", "dG9r", finish="STOP")), Reply("no")], 1),
}


async def _run(script: list[object], fast: bool) -> tuple[list[str], list[object]]:
    with GeminiSimulator(*script, default=Reply("unexpected")) as sim:
        config = {**WIRES["gemini"].backend(sim.base_url), "fast_stream": fast}
        async with create_agent(config) as agent:
            events = [without_ids(event_text(e)).replace(sim.base_url, "<url>")
                      async for e in agent.stream("hi")]
        return events, [r.body for r in sim.requests]


@pytest.mark.parametrize("case", CONTINUATIONS)
@pytest.mark.allow_asyncio_warnings  # the SDK path: an error chunk it resumes leaves a reader
async def test_a_continued_stream_is_the_same_on_both_paths(case: str) -> None:
    script, hops = CONTINUATIONS[case]
    (fast, fast_sent), (sdk, sdk_sent) = await _run(script, True), await _run(script, False)
    assert fast == sdk
    assert fast_sent == sdk_sent  # the same hops, the same tokens sent back
    assert len(fast_sent) == hops


async def test_a_resumed_turn_reads_as_one() -> None:
    script, _ = CONTINUATIONS["resumed"]
    with GeminiSimulator(*script) as sim:
        events = await _events(sim, fast=True)
        assert sim.requests[1].body["continuationToken"] == "dG9rZW4="
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hel", "lo"]
    done = events[-1]
    assert isinstance(done, Done) and done.message.text == "Hello"
    assert done.stop_reason == "end_turn"
    assert (done.usage.input_tokens, done.usage.output_tokens) == (6, 2)


async def test_a_stream_that_keeps_dropping_fails_the_turn() -> None:
    script, _ = CONTINUATIONS["dropped_for_good"]
    with GeminiSimulator(*script) as sim:
        events = await _events(sim, fast=True)
    assert isinstance(events[-1], ErrorEvent)
