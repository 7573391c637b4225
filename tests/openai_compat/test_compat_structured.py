"""Typed answers on every OpenAI-compatible backend, through the real openai SDK against a
simulator: the declared strategy's request shape (native ``response_format`` json_schema, or
Z AI's output tool), a valid answer as an instance, an invalid one retried with the error."""

from __future__ import annotations

import json
from typing import Literal

import pytest
from pydantic import BaseModel

from agentplug import create_agent
from agentplug.core.host import default_host
from agentplug.testing import Reply, ToolCallSpec

from compat_support import backend_config
from test_compat_common import KINDS


class City(BaseModel):
    name: str
    size: Literal["small", "large"]


GOOD = {"name": "Lyon", "size": "large"}
BAD = {"name": "Lyon", "size": "huge"}


def _sim(kind, sim, azure_sim):
    return azure_sim if kind == "azure_openai" else sim


def _chat_requests(sim):
    return [r for r in sim.requests if r.path.endswith("/chat/completions")]


def _reply(native: bool, answer: dict) -> Reply:
    return (Reply(json.dumps(answer)) if native
            else Reply(tool_calls=[ToolCallSpec("final_City", answer)]))


@pytest.mark.parametrize("kind", KINDS)
async def test_typed_answer_takes_the_declared_shape_and_retries_an_invalid_one(
        kind, sim, azure_sim):
    native = default_host().registry.get(kind).structured_output == "native"
    s = _sim(kind, sim, azure_sim)
    s.script(_reply(native, BAD), _reply(native, GOOD))
    async with create_agent(backend_config(kind, s)) as agent:
        city = await agent.run("Describe Lyon.", output_type=City)
    assert city == City(**GOOD)
    first, second = _chat_requests(s)
    if native:
        fmt = first.body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        assert fmt["json_schema"]["schema"]["additionalProperties"] is False
        retry = second.body["messages"][-1]
        assert retry["role"] == "user"
    else:
        assert "response_format" not in first.body
        assert [t["function"]["name"] for t in first.body["tools"]] == ["final_City"]
        retry = second.body["messages"][-1]
        assert retry["role"] == "tool"
    assert "did not match the required schema" in retry["content"] and "size" in retry["content"]
