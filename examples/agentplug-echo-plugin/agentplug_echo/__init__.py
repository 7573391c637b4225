"""Declaration of the `echo` backend. Kept cheap: the runtime lives in `agentplug_echo.backend`."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field

from agentplug import BackendParams, BackendSpec, hookimpl


class EchoParams(BackendParams):
    prefix: str = Field("", description="text put before every answer")
    uppercase: bool = False


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="echo",
        title="Echo (example plugin)",
        factory="agentplug_echo.backend:EchoBackend",
        params=EchoParams,
        capabilities=frozenset({"function_tools"}),
        setup="nothing: pip install agentplug-echo",
        notes="Repeats the prompt; `call <tool> <json>` calls a tool",
    ))
