"""The simulator against the real thing: llama-cpp-python's server streams differently from
OpenAI, and ``ChatCompletionsSimulator(dialect="llama_cpp")`` must match it shape for shape."""

from __future__ import annotations

import json

import httpx2
import pytest

from agentplug import UsageEvent, create_agent
from agentplug.testing import ChatCompletionsSimulator, Fault, Reply
from local_support import needs_model

REQUEST = {"messages": [{"role": "user", "content": "What is the capital of France?"}],
           "stream": True, "stream_options": {"include_usage": True}, "max_tokens": 3,
           "temperature": 0}


def shape(value):
    """Keys and value types, recursively: what a client's parser depends on."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


async def chunks(base_url: str, model: str, stream: bool = True) -> list:
    async with httpx2.AsyncClient(timeout=60) as client:
        body = {**REQUEST, "model": model, "stream": stream}
        if not stream:
            del body["stream_options"]
            response = await client.post(f"{base_url}/chat/completions", json=body)
            return [response.json()]
        out = []
        async with client.stream("POST", f"{base_url}/chat/completions", json=body) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    data = line[len("data: "):]
                    out.append(data if data == "[DONE]" else json.loads(data))
        return out


@needs_model
@pytest.mark.parametrize("stream", [True, False], ids=["stream", "non-stream"])
async def test_llama_dialect_matches_the_real_server(llama, stream):
    real = await chunks(llama.base_url, llama.key.alias, stream)
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in real[1:-2]) \
        if stream else real[0]["choices"][0]["message"]["content"]
    reply = Reply(text, stop_reason="max_tokens", usage={"input": 37, "output": 3},
                  chunk_size=2)
    with ChatCompletionsSimulator(reply, dialect="llama_cpp") as sim:
        simulated = await chunks(sim.base_url, llama.key.alias, stream)
    if stream:
        # role-only first delta, one chunk per token, an empty final delta, no usage chunk
        assert real[0]["choices"][0]["delta"] == {"role": "assistant"}
        assert real[-2]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None,
                                          "finish_reason": "length"}
        assert real[-1] == "[DONE]" and not any("usage" in c for c in real[:-1])
    assert [shape(c) for c in simulated][:1] + [shape(c) for c in simulated][-2:] == \
        [shape(c) for c in real][:1] + [shape(c) for c in real][-2:]
    assert ({json.dumps(shape(c), sort_keys=True) for c in simulated}
            == {json.dumps(shape(c), sort_keys=True) for c in real})


async def test_openai_dialect_keeps_openais_usage_chunk():
    with ChatCompletionsSimulator(Reply("Paris")) as sim:
        streamed = await chunks(sim.base_url, "m")
    assert streamed[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert streamed[-2]["choices"] == [] and streamed[-2]["usage"]["prompt_tokens"] > 0


async def test_chat_path_over_the_llama_dialect_reports_no_token_counts():
    # Same as against the real server (tests/local/test_local_chat.py): no usage chunk.
    with ChatCompletionsSimulator(Reply("Paris."), dialect="llama_cpp") as sim:
        agent = create_agent({"type": "chatcompletion", "model": "m", "base_url": sim.base_url,
                              "max_retries": 0})
        async with agent:
            events = [e async for e in agent.stream("Capital of France?")]
    usage = next(e for e in events if isinstance(e, UsageEvent)).usage
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (1, 0, 0)
    assert events[-1].text == "Paris."


@needs_model
async def test_llama_dialect_fails_a_stream_the_way_the_real_server_does(llama):
    # A prompt over n_ctx: the real server answers 200 and ends the stream without a chunk;
    # the simulator's in-stream error fault does the same in this dialect.
    async def raw(base_url: str, content: str) -> tuple[int, str]:
        async with httpx2.AsyncClient(timeout=60) as client:
            body = {**REQUEST, "model": llama.key.alias,
                    "messages": [{"role": "user", "content": content}]}
            async with client.stream("POST", f"{base_url}/chat/completions", json=body) as r:
                return r.status_code, "".join([line async for line in r.aiter_lines()])

    real = await raw(llama.base_url, "word " * 2100)
    with ChatCompletionsSimulator(Reply("x", fault=Fault(error_after=0)),
                                  dialect="llama_cpp") as sim:
        simulated = await raw(sim.base_url, "hi")
    assert real == simulated == (200, "")
