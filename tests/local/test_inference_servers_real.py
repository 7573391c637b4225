"""vllm and sglang against a real OpenAI-compatible server nobody here wrote: the llama.cpp
server of the session answers ``GET /v1/models`` and ``/v1/chat/completions`` as vLLM and
SGLang do, so port detection and the chat path run end to end (a few tokens each)."""

from __future__ import annotations

import pytest

from agentplug import Done, Notice, TextDelta, create_agent
from local_support import needs_model

pytestmark = needs_model


@pytest.mark.parametrize("kind", ("vllm", "sglang"))
async def test_detected_on_its_port_and_answers(kind, llama):
    port = int(llama.base_url.rsplit(":", 1)[1].split("/")[0])
    config = {"type": kind, "probe_ports": [port], "max_tokens": 4, "temperature": 0,
              "max_retries": 0}
    async with create_agent(config) as agent:
        events = [e async for e in agent.stream("What is the capital of France?")]
    notices = [e for e in events if isinstance(e, Notice)]
    assert notices and f"127.0.0.1:{port}" in notices[0].message
    done = events[-1]
    assert isinstance(done, Done) and done.text.strip()
    assert done.text == "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_server_params_are_accepted_by_a_real_server(llama):
    # top_k and repetition_penalty travel in extra_body; llama.cpp's server honours both.
    config = {"type": "vllm", "base_url": llama.base_url, "model": llama.key.alias,
              "max_tokens": 4, "temperature": 0, "top_k": 1, "repetition_penalty": 1.1,
              "max_retries": 0}
    async with create_agent(config) as agent:
        result = await agent.run("Say hello.")
    assert result.text.strip() and result.stop_reason in ("end_turn", "max_tokens")
