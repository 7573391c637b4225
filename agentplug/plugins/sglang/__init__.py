"""``sglang``: an SGLang server's OpenAI-compatible API, found by probing its port."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec

from ._server_params import FLAGS, SETUP, InferenceServerParams


class SGLangParams(InferenceServerParams):
    pass


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="sglang",
        title="SGLang",
        factory="agentplug.plugins._inference_server:SGLangBackend",
        params=SGLangParams,
        capabilities=frozenset({"function_tools", "mcp", "reasoning"}),
        tool_flags=FLAGS,
        setup=SETUP,
        notes="Local inference server",
        extra="openai",
    ))
