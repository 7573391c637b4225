"""``grok``: xAI's Grok models (function tools, MCP, reasoning, server-side web search)."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import YES, BackendSpec, FlagSupport

MODELS = ("grok-4", "grok-4-1-fast", "grok-3", "grok-3-mini")
DEFAULT_MODEL = "grok-4"
BASE_URL = "https://api.x.ai/v1"


_CODE = FlagSupport("no", "Built-in Live Search feature only: Grok has no built-in code "
                          "tool in agentplug; use function tools or MCP servers")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="grok",
        structured_output="native",
        title="Grok API",
        factory="agentplug.plugins.grok.backend:create",
        params="agentplug.plugins.grok.params:GrokParams",
        capabilities=frozenset({"function_tools", "mcp", "reasoning", "web_search", "vision"}),
        tool_flags={"enable_web_search": YES, "enable_code_execution": _CODE,
                    "enable_code_interpreter": _CODE},
        env_vars=("XAI_API_KEY",),
        setup="XAI_API_KEY",
        notes="Built-in Live Search feature",
        extra="openai",
        sdk_modules=("openai",),
        auto_rank=40,
        pricing="x-ai",
        default_model=DEFAULT_MODEL,
        models=MODELS,
    ))
