from __future__ import annotations

from agentplug.core import pricing
from agentplug.core.host import default_host
from agentplug.testing import AnthropicSimulator, ChatCompletionsSimulator, ResponsesSimulator
from wire_support import simulator_fixture, unset_env

# Plugins, the chain's runtime and price tables load once, outside the watched event loops.
default_host()
pricing.warm()
import agentplug.plugins.fallback.backend  # noqa: E402,F401

_no_real_keys = unset_env("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
openai_sim = simulator_fixture(ResponsesSimulator)
claude_sim = simulator_fixture(AnthropicSimulator, model="claude-sonnet-4-5")
chat_sim = simulator_fixture(ChatCompletionsSimulator)
stalled_claude_sim = simulator_fixture(AnthropicSimulator, model="claude-haiku-4-5")
