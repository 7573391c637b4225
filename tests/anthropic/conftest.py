from __future__ import annotations

import pytest

from agentplug import create_agent
from agentplug.testing import AnthropicSimulator


@pytest.fixture
def sim():
    with AnthropicSimulator() as simulator:
        yield simulator


@pytest.fixture
def make_agent(sim, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)

    def make(tools=(), system_message=None, **backend):
        config = {"type": "claude", "model": "claude-sonnet-4-6", "base_url": sim.base_url,
                  "max_retries": 0, **backend}
        return create_agent(config, tools=tools, system_message=system_message)
    return make
