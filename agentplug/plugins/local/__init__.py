"""``local``: the embedded default model, served by a llama.cpp server agentplug owns."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, refuse_all

from .model import DEFAULT_MODEL


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="local",
        structured_output="native",
        title="Local model (llama.cpp)",
        factory="agentplug.plugins.local.backend:LocalBackend",
        params="agentplug.plugins.local.params:LocalParams",
        capabilities=frozenset({"function_tools", "mcp"}),
        tool_flags=refuse_all("A small local model: no built-in tools; function tools and "
                              "MCP need a model and chat_format that do tool calls"),
        setup=f"Nothing: the embedded {DEFAULT_MODEL} (or any GGUF file) on a llama.cpp "
              "server agentplug starts",
        notes="Embedded default model, no key",
        extra="local",
        sdk_modules=("openai", "llama_cpp"),
        auto_rank=1000,  # needs no key: what `agentplug run` uses when no key is set
        pricing="free",
        default_model=DEFAULT_MODEL,
        models=(DEFAULT_MODEL,),
    ))
