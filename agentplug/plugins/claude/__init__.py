"""``claude``: the Anthropic Messages API (extended thinking, web search, code execution)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from agentplug.core.hookspecs import hookimpl
from agentplug.core.params import BackendParams, HTTPClientParams
from agentplug.core.registry import YES, BackendSpec, FlagSupport

# From the installed SDK's model list; older ids (Sonnet 4.0, Haiku 3.5) are past end of life.
MODELS = ("claude-sonnet-4-6", "claude-opus-4-7", "claude-opus-4-6", "claude-haiku-4-5",
          "claude-opus-4-5")
DEFAULT_THINKING_BUDGET = 8000
WebSearchType = Literal["web_search_20250305", "web_search_20260209", "web_search_20260318"]
CodeExecutionType = Literal["code_execution_20250522", "code_execution_20250825",
                            "code_execution_20260120", "code_execution_20260521"]


def default_max_tokens(model: str) -> int:
    """A max_tokens that every model of the family accepts (the API requires the key).

    Claude 3 Haiku/Opus/Sonnet cap output at 4096 tokens, Claude 3.5 at 8192; later models
    allow 32k and more, but a 16k default keeps a runaway answer bounded.
    """
    name = model.lower()
    if "claude-3-5" in name:
        return 8192
    if name.startswith("claude-3-") and "claude-3-7" not in name:
        return 4096
    return 16384


class ClaudeParams(BackendParams, HTTPClientParams):
    upload_support: ClassVar[dict[str, str]] = {
        "image": "yes", "image_url": "yes", "document": "yes", "document_url": "yes",
        "audio": "the Messages API takes no audio input",
        "video": "the Messages API takes no video input"}
    thinking: Literal["enabled", "adaptive", "disabled"] | None = Field(
        None, description="extended thinking; `enabled` uses thinking_budget tokens")
    thinking_budget: int | None = Field(
        None, ge=1024, description=f"thinking budget_tokens (default {DEFAULT_THINKING_BUDGET}"
                                   " when thinking is enabled); setting it enables thinking")
    effort: Literal["low", "medium", "high", "xhigh", "max"] | None = Field(
        None, description="output_config.effort: how much effort the model spends")
    top_k: int | None = Field(None, gt=0, description="older models only (deprecated by "
                                                      "Anthropic, like temperature)")
    top_p: float | None = Field(None, ge=0, le=1, description="older models only")
    stop_sequences: list[str] | None = None
    web_search_tool: WebSearchType = Field(
        "web_search_20250305", description="the web search tool version enable_web_search sends")
    web_search_max_uses: int | None = Field(None, gt=0, description="cap on searches per call")
    code_execution_tool: CodeExecutionType = Field(
        "code_execution_20250825",
        description="the code execution tool version enable_code_execution sends")
    betas: list[str] | None = Field(None, description="anthropic-beta header values")
    headers: dict[str, str] | None = None
    max_pause_continuations: int = Field(
        4, ge=0, description="how often to resume a turn the API paused (stop_reason "
                             "pause_turn, long server tool runs) before giving it back")
    extra_body: dict[str, Any] | None = Field(None, description="extra request fields")

    @model_validator(mode="after")
    def _thinking_fits(self) -> ClaudeParams:
        if self.thinking_budget is not None and self.thinking is None:
            self.thinking = "enabled"
        if self.thinking != "enabled":
            if self.thinking_budget is not None:
                raise ValueError(f"thinking_budget needs thinking: enabled (got thinking: "
                                 f"{self.thinking})")
            return self
        budget = self.thinking_budget or DEFAULT_THINKING_BUDGET
        if self.max_tokens is not None and self.max_tokens <= budget:
            raise ValueError(f"max_tokens ({self.max_tokens}) must be larger than the thinking "
                             f"budget ({budget}): raise max_tokens or lower thinking_budget")
        return self


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="claude",
        structured_output="native",
        title="Claude API",
        factory="agentplug.plugins.claude.backend:ClaudeBackend",
        params=ClaudeParams,
        capabilities=frozenset({"function_tools", "mcp", "reasoning", "web_search",
                                "code_execution", "vision"}),
        tool_flags={
            "enable_web_search": YES,
            "enable_code_execution": YES,
            "enable_code_interpreter": FlagSupport(
                "no", "Anthropic has no code interpreter; use enable_code_execution"),
        },
        env_vars=("ANTHROPIC_API_KEY",),
        setup="ANTHROPIC_API_KEY",
        notes="Built-in tools via Anthropic API",
        extra="claude",
        sdk_modules=("anthropic",),
        auto_rank=20,
        pricing="anthropic",
        default_model="claude-sonnet-4-6",
        models=MODELS,
    ))
