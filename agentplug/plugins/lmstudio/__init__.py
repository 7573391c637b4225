"""``lmstudio``: LM Studio's local server, managed through the ``lms`` CLI."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field, model_validator

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec

from agentplug.sdk.compat_params import CompatParams, refuse_all

DEFAULT_PORT = 1234


class LMStudioParams(CompatParams):
    manage_server: bool = Field(
        True, description="drive the `lms` CLI: start the server, download and load the "
                          "model if needed, and undo only that on close")
    lms_path: str | None = Field(None, description="the lms executable (default: PATH, then "
                                                   "LM Studio's own bin folder)")
    download_timeout: float = Field(3600, gt=0, description="seconds for `lms get`")
    cli_timeout: float = Field(300, gt=0, description="seconds for other lms commands "
                                                      "(server start, load)")

    @model_validator(mode="after")
    def _model(self) -> LMStudioParams:
        if not self.model:
            raise ValueError("lmstudio needs `model`: an LM Studio model key (see `lms ls`), "
                             "e.g. model: qwen/qwen3-4b")
        return self


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="lmstudio",
        structured_output="native",
        title="LM Studio",
        factory="agentplug.plugins.lmstudio.backend:LMStudioBackend",
        params=LMStudioParams,
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
