"""``azure_openai``: Azure OpenAI deployments through Chat Completions (function tools, MCP)."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, refuse_all

MODELS = ("gpt-4", "gpt-4o", "gpt-35-turbo", "gpt-4.1", "gpt-5-chat")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="azure_openai",
        structured_output="native",
        title="Azure OpenAI",
        factory="agentplug.plugins.azure_openai.backend:AzureChatBackend",
        params="agentplug.plugins.azure_openai.params:AzureOpenAIParams",
        capabilities=frozenset({"function_tools", "mcp", "vision"}),
        tool_flags=refuse_all(
            "Limited tool support: Azure OpenAI deployments offer no built-in tools through "
            "Chat Completions; use function tools or MCP servers"),
        env_vars=("AZURE_OPENAI_API_KEY",),
        setup="AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_VERSION",
        notes="Limited tool support",
        extra="openai",
        sdk_modules=("openai",),
        pricing="azure",
        models=MODELS,
    ))
