"""``vllm``: a vLLM server's OpenAI-compatible API, found by probing its port."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec
from agentplug.sdk.declarations import FLAGS, SETUP


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="vllm",
        structured_output="native",
        title="vLLM",
        factory="agentplug.plugins.vllm.backend:VLLMBackend",
        params="agentplug.plugins.vllm.params:VLLMParams",
        capabilities=frozenset({"function_tools", "mcp", "reasoning"}),
        tool_flags=FLAGS,
        env_vars=("VLLM_API_KEY",),
        setup=SETUP,
        notes="Local inference server",
        extra="openai",
        sdk_modules=("openai",),
        pricing="free",
    ))
