from __future__ import annotations

import pytest

from agentplug.testing import ChatCompletionsSimulator
from compat_support import AZURE_VERSION

KEY_VARS = ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_VERSION",
            "OPENAI_API_VERSION", "XAI_API_KEY", "ZAI_API_KEY", "OPENAI_API_KEY",
            "AZURE_OPENAI_AD_TOKEN")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    # The real keys of whoever runs the tests must never reach a simulator (or a provider).
    for name in KEY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sim():
    with ChatCompletionsSimulator() as simulator:
        yield simulator


@pytest.fixture
def azure_sim():
    with ChatCompletionsSimulator(azure_api_version=AZURE_VERSION) as simulator:
        yield simulator
