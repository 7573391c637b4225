from __future__ import annotations

import pytest

from agentplug import create_agent
from agentplug.testing import GeminiSimulator


@pytest.fixture
def sim():
    with GeminiSimulator() as simulator:
        yield simulator


@pytest.fixture
def make_agent(sim, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "gm-test")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)

    def make(tools=(), system_message=None, **backend):
        config = {"type": "gemini", "model": "gemini-2.5-flash", "base_url": sim.base_url,
                  "max_retries": 0, **backend}
        return create_agent(config, tools=tools, system_message=system_message)
    return make
