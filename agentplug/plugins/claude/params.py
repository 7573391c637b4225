"""The ``claude`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from agentplug.core.params import BackendParams, HTTPClientParams

from . import DEFAULT_THINKING_BUDGET

WebSearchType = Literal["web_search_20250305", "web_search_20260209", "web_search_20260318"]
CodeExecutionType = Literal["code_execution_20250522", "code_execution_20250825",
                            "code_execution_20260120", "code_execution_20260521"]


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
