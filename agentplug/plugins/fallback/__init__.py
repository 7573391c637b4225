"""``fallback``: an ordered chain of backends; a retryable failure before the first streamed
token moves the call to the next one at once, and a circuit breaker shared by every agent in
the process keeps a failing backend out for a cool-down.

Declaration only: each member is validated here with its own params model (errors point at
``backends[i].key``); the runtime is ``agentplug.plugins.fallback.backend``.
"""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import TOOL_FLAGS, BackendSpec, FlagSupport

ON_MEMBERS = FlagSupport("n/a", "set it on the members in `backends:` that have the tool")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="fallback",
        structured_output="prompted",
        title="Fallback chain",
        factory="agentplug.plugins.fallback.backend:FallbackBackend",
        params="agentplug.plugins.fallback.params:FallbackParams",
        capabilities=frozenset({"function_tools", "mcp"}),
        tool_flags={flag: ON_MEMBERS for flag in TOOL_FLAGS},
        setup="the members' own keys",
        notes="Ordered failover with a shared circuit breaker; tools, MCP servers and history "
              "carry over",
    ))
