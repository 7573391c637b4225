from __future__ import annotations

from agentplug.testing import ChatCompletionsSimulator
from compat_support import AZURE_VERSION
from wire_support import simulator_fixture, unset_env

KEY_VARS = ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_VERSION",
            "OPENAI_API_VERSION", "XAI_API_KEY", "ZAI_API_KEY", "OPENAI_API_KEY",
            "AZURE_OPENAI_AD_TOKEN")

# The real keys of whoever runs the tests must never reach a simulator (or a provider).
_clean_env = unset_env(*KEY_VARS)
sim = simulator_fixture(ChatCompletionsSimulator)
azure_sim = simulator_fixture(ChatCompletionsSimulator, azure_api_version=AZURE_VERSION)
