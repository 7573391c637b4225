"""``sglang``: an SGLang server's OpenAI-compatible API, found by probing its port."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec
from agentplug.sdk.declarations import FLAGS, SETUP


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="sglang",
        structured_output="native",
        title="SGLang",
        factory="agentplug.plugins.sglang.backend:SGLangBackend",
        params="agentplug.plugins.sglang.params:SGLangParams",
        capabilities=frozenset({"function_tools", "mcp", "reasoning"}),
        tool_flags=FLAGS,
        setup=SETUP,
        notes="Local inference server",
        extra="openai",
        sdk_modules=("openai",),
        pricing="free",
    ))
