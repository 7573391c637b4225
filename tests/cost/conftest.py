from __future__ import annotations

import pytest

from agentplug.core import pricing
from agentplug.core.host import default_host
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, ResponsesSimulator,
)

# Plugins and price tables load once, outside the loops the slow-callback guard watches.
default_host()
pricing.warm()

KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
            "XAI_API_KEY", "ZAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
            "CEREBRAS_API_KEY", "GROQ_API_KEY", "OPENROUTER_API_KEY")


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch):
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def chat_sim():
    with ChatCompletionsSimulator() as simulator:
        yield simulator


@pytest.fixture
def azure_sim():
    with ChatCompletionsSimulator(azure_api_version="2024-10-21") as simulator:
        yield simulator


@pytest.fixture
def responses_sim():
    with ResponsesSimulator() as simulator:
        yield simulator


@pytest.fixture
def anthropic_sim():
    with AnthropicSimulator() as simulator:
        yield simulator


@pytest.fixture
def gemini_sim():
    with GeminiSimulator() as simulator:
        yield simulator
