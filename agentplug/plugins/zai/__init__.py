"""``zai``: Z AI's GLM models (function tools, MCP, thinking as reasoning)."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, refuse_all

MODELS = ("glm-4.5", "glm-4.5-air", "glm-4.6", "glm-4.7")
DEFAULT_MODEL = "glm-4.5"
BASE_URL = "https://api.z.ai/api/paas/v4"


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="zai",
        structured_output="tool",
        title="Z AI",
        factory="agentplug.plugins.zai.backend:ZaiBackend",
        params="agentplug.plugins.zai.params:ZaiParams",
        capabilities=frozenset({"function_tools", "mcp", "reasoning"}),
        tool_flags=refuse_all(
            "Basic file operations only: Z AI's GLM API offers no built-in tools through "
            "Chat Completions; use function tools or MCP servers"),
        env_vars=("ZAI_API_KEY",),
        setup="ZAI_API_KEY",
        notes="Basic file operations only",
        extra="openai",
        sdk_modules=("openai",),
        auto_rank=50,
        pricing="zai",
        default_model=DEFAULT_MODEL,
        models=MODELS,
    ))
