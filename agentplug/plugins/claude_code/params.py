"""The ``claude_code`` backend's params model (imported when a config is validated, not when
the plugin is declared: the CLI lists backends without importing pydantic)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from agentplug.core.params import BackendParams

from . import DEFAULT_DISALLOWED, DEFAULT_THINKING_TOKENS

PermissionMode = Literal["default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto"]
SettingSource = Literal["user", "project", "local"]


class ClaudeCodeParams(BackendParams):
    system_prompt: str | None = Field(
        None, description="added to Claude Code's own system prompt (see system_prompt_mode)")
    system_prompt_mode: Literal["append", "replace"] = Field(
        "append", description="append: keep the claude_code preset and add system_prompt; "
                              "replace: system_prompt is the whole system prompt")
    max_thinking_tokens: int = Field(
        DEFAULT_THINKING_TOKENS, ge=0,
        description="extended thinking budget (0 turns thinking off)")
    permission_mode: PermissionMode = Field(
        "default", description="Claude Code's permission mode; bypassPermissions only when "
                               "set explicitly")
    disallowed_tools: list[str] | None = Field(
        None, description="extends the default deny list (rm, sudo, su, chmod, chown in Bash)")
    replace_default_disallowed: bool = Field(
        False, description="true: disallowed_tools replaces the default deny list")
    max_turns: int | None = Field(None, gt=0, description="agentic turns per prompt")
    max_budget_usd: float | None = Field(None, gt=0, description="cost cap per prompt")
    resume: str | None = Field(None, description="a session id to continue")
    setting_sources: list[SettingSource] | None = Field(
        None, description="which settings files the CLI loads (default: none, for "
                          "reproducible runs)")
    env: dict[str, str] = Field(default_factory=dict,
                                description="extra environment for the CLI process only")
    cli_path: str | None = Field(None, description="a Claude Code CLI other than the bundled one")
    add_dirs: list[str] = Field(default_factory=list,
                                description="more directories Claude Code may access")
    verbatim_prompts: bool = Field(
        False, description="deliver prompts as written: no @file expansion, no /commands "
                           "(for prompts assembled from other agents' output)")

    @field_validator("cwd")
    @classmethod
    def _cwd(cls, value: str | None) -> str | None:
        return str(Path(value).expanduser()) if value else value

    @model_validator(mode="after")
    def _refused(self) -> ClaudeCodeParams:
        if self.temperature is not None:
            raise ValueError("temperature: Claude Code does not take a sampling temperature; "
                             "remove it")
        if self.system_prompt_mode == "replace" and not self.system_prompt:
            raise ValueError("system_prompt_mode: replace needs a system_prompt")
        if self.max_thinking_tokens and self.max_thinking_tokens < 1024:
            raise ValueError(f"max_thinking_tokens ({self.max_thinking_tokens}) must be 0 "
                             "(off) or at least 1024 (the API's minimum budget)")
        return self

    @property
    def deny_rules(self) -> list[str]:
        """The deny list as written (defaults first), before translation for the CLI."""
        own = list(self.disallowed_tools or [])
        base = [] if self.replace_default_disallowed else list(DEFAULT_DISALLOWED)
        return base + [r for r in own if r not in base]
