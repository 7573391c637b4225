"""``openai``: the OpenAI API through the Responses API (reasoning, web search, code
interpreter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, model_validator

from agentplug.core.hookspecs import hookimpl
from agentplug.core.params import BackendParams
from agentplug.core.registry import YES, BackendSpec, FlagSupport

MODELS = ("gpt-5.2", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4o")


class OpenAIParams(BackendParams):
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = Field(
        None, description="reasoning.effort for reasoning models")
    reasoning_summary: Literal["auto", "concise", "detailed"] | None = Field(
        None, description="reasoning.summary (defaults to auto when reasoning_effort is set)")
    text_verbosity: Literal["low", "medium", "high"] | None = Field(
        None, description="text.verbosity")
    top_p: float | None = Field(None, ge=0, le=1)
    store: bool | None = Field(
        None, description="let OpenAI keep responses (default true); false sends reasoning "
                          "back as encrypted content instead")
    parallel_tool_calls: bool | None = None
    max_tool_calls: int | None = Field(None, gt=0, description="cap on built-in tool calls")
    service_tier: Literal["auto", "default", "flex", "scale", "priority"] | None = None
    headers: dict[str, str] | None = None
    extra_body: dict[str, Any] | None = Field(None, description="extra request fields")

    @model_validator(mode="after")
    def _summary_follows_effort(self) -> OpenAIParams:
        # Without a summary the API streams no reasoning text at all, only opaque items.
        if self.reasoning_effort not in (None, "none") and self.reasoning_summary is None:
            self.reasoning_summary = "auto"
        return self


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="openai",
        title="OpenAI API",
        factory="agentplug.plugins.openai.backend:OpenAIResponsesBackend",
        params=OpenAIParams,
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

