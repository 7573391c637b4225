from __future__ import annotations

import pytest

from agentplug import create_agent
from agentplug.testing import ChatCompletionsSimulator


@pytest.fixture
def sim():
    with ChatCompletionsSimulator() as simulator:
        yield simulator


@pytest.fixture
def make_agent(sim):
    def make(tools=(), **backend):
        config = {"type": "chatcompletion", "model": "sim-model", "base_url": sim.base_url,
                  "max_retries": 0, **backend}
        return create_agent(config, tools=tools)
    return make
