from __future__ import annotations

import pytest

from agentplug import create_agent
from agentplug.testing import ResponsesSimulator


@pytest.fixture
def sim():
    with ResponsesSimulator() as simulator:
        yield simulator


@pytest.fixture
def make_agent(sim, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    def make(tools=(), **backend):
        config = {"type": "openai", "model": "gpt-5", "base_url": sim.base_url,
                  "max_retries": 0, **backend}
        return create_agent(config, tools=tools)
    return make
