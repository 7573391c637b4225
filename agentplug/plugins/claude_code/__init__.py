"""``claude_code``: a real Claude Code session (claude-agent-sdk and its bundled CLI).

The session is stateful: Claude Code keeps the conversation, runs its own tools (Read, Write,
Bash..., MCP servers) and agentplug's Python tools through an in-process MCP server.
Declaration only: the runtime is ``agentplug.plugins.claude_code`` (imports the SDK).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from agentplug.core.hookspecs import hookimpl
from agentplug.core.params import BackendParams
from agentplug.core.registry import BackendSpec, FlagSupport

# The SDK's PermissionMode values (claude_agent_sdk.types; a test compares them).
PERMISSION_MODES = ("default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto")
PermissionMode = Literal["default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto"]
# The seed's default deny list, as written in MassGen configs. Each `Tool(prefix*)` entry reaches
# the CLI as the word-bounded prefix rule `Tool(prefix:*)` (a glob `su*` would also deny `sum`):
# see agentplug.plugins.claude_code.options.translate_rule.
DEFAULT_DISALLOWED = ("Bash(rm*)", "Bash(sudo*)", "Bash(su*)", "Bash(chmod*)", "Bash(chown*)")
DEFAULT_THINKING_TOKENS = 8000
SettingSource = Literal["user", "project", "local"]
NATIVE = FlagSupport("n/a", "Claude Code has its own tools (WebSearch, WebFetch, Bash...); "
                            "choose them with allowed_tools / disallowed_tools")


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


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="claude_code",
        structured_output="native",
        title="Claude Code",
        factory="agentplug.plugins.claude_code.backend:ClaudeCodeBackend",
        params=ClaudeCodeParams,
        capabilities=frozenset({"stateful", "function_tools", "mcp", "native_tools",
                                "reasoning"}),
        tool_flags={"enable_web_search": NATIVE, "enable_code_execution": NATIVE,
                    "enable_code_interpreter": NATIVE},
        env_vars=("ANTHROPIC_API_KEY",),
        setup="ANTHROPIC_API_KEY, or a logged-in Claude Code account",
        notes="Native tools (Read, Write, Bash, WebSearch...), MCP servers and agentplug "
              "tools; one CLI session per agent",
        extra="claude-code",
        sdk_modules=("claude_agent_sdk",),
        pricing="anthropic",
        default_model=None,
        models=("claude-sonnet-4-6", "claude-opus-4-7", "claude-haiku-4-5"),
    ))
