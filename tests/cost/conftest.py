from __future__ import annotations

from agentplug.core import pricing
from agentplug.core.host import default_host
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, ResponsesSimulator,
)
from wire_support import simulator_fixture, unset_env

# Plugins and price tables load once, outside the loops the slow-callback guard watches.
default_host()
pricing.warm()

KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
            "XAI_API_KEY", "ZAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT",
            "CEREBRAS_API_KEY", "GROQ_API_KEY", "OPENROUTER_API_KEY")

_no_real_keys = unset_env(*KEY_VARS)
chat_sim = simulator_fixture(ChatCompletionsSimulator)
azure_sim = simulator_fixture(ChatCompletionsSimulator, azure_api_version="2024-10-21")
responses_sim = simulator_fixture(ResponsesSimulator)
anthropic_sim = simulator_fixture(AnthropicSimulator)
gemini_sim = simulator_fixture(GeminiSimulator)
