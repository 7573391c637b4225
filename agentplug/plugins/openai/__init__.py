"""``openai``: the OpenAI API through the Responses API (reasoning, web search, code
interpreter)."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import YES, BackendSpec, FlagSupport

MODELS = ("gpt-5.2", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4o")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="openai",
        structured_output="native",
        title="OpenAI API",
        factory="agentplug.plugins.openai.backend:OpenAIResponsesBackend",
        params="agentplug.plugins.openai.params:OpenAIParams",
        capabilities=frozenset({"function_tools", "mcp", "reasoning", "web_search",
                                "code_interpreter", "vision"}),
        tool_flags={
            "enable_web_search": YES,
            "enable_code_execution": FlagSupport(
                "no", "use enable_code_interpreter (OpenAI runs code in its code interpreter)"),
            "enable_code_interpreter": YES,
        },
        env_vars=("OPENAI_API_KEY",),
        setup="OPENAI_API_KEY",
        notes="Web search via Responses API, code interpreter for calculations",
        extra="openai",
        sdk_modules=("openai",),
        auto_rank=10,
        pricing="openai",
        default_model="gpt-5-mini",
        models=MODELS,
    ))

