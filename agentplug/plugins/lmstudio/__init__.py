"""``lmstudio``: LM Studio's local server, managed through the ``lms`` CLI."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, refuse_all

DEFAULT_PORT = 1234


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="lmstudio",
        structured_output="native",
        title="LM Studio",
        factory="agentplug.plugins.lmstudio.backend:LMStudioBackend",
        params="agentplug.plugins.lmstudio.params:LMStudioParams",
        capabilities=frozenset({"function_tools", "mcp", "reasoning"}),
        tool_flags=refuse_all(
            "Local models, tool support varies: LM Studio runs no built-in tools; use "
            "function tools or MCP servers"),
        setup="Local LM Studio server running",
        notes="Local models, tool support varies",
        extra="openai",
        sdk_modules=("openai",),
        pricing="free",
    ))
