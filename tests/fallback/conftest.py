from __future__ import annotations

import pytest

from agentplug.core import pricing
from agentplug.core.host import default_host
from agentplug.testing import AnthropicSimulator, ChatCompletionsSimulator, ResponsesSimulator

# Plugins, the chain's runtime and price tables load once, outside the watched event loops.
default_host()
pricing.warm()
import agentplug.plugins.fallback.backend  # noqa: E402,F401


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch):
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def openai_sim():
    with ResponsesSimulator() as simulator:
        yield simulator


@pytest.fixture
def claude_sim():
    with AnthropicSimulator(model="claude-sonnet-4-5") as simulator:
        yield simulator


@pytest.fixture
def chat_sim():
    with ChatCompletionsSimulator() as simulator:
        yield simulator


@pytest.fixture
def stalled_claude_sim():
    with AnthropicSimulator(model="claude-haiku-4-5") as simulator:
        yield simulator
