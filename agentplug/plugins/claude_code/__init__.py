"""``claude_code``: a real Claude Code session (claude-agent-sdk and its bundled CLI).

The session is stateful: Claude Code keeps the conversation, runs its own tools (Read, Write,
Bash..., MCP servers) and agentplug's Python tools through an in-process MCP server.
Declaration only: the runtime is ``agentplug.plugins.claude_code`` (imports the SDK).
"""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, FlagSupport

# The SDK's PermissionMode values (claude_agent_sdk.types; a test compares them).
PERMISSION_MODES = ("default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto")
# The seed's default deny list, as written in MassGen configs. Each `Tool(prefix*)` entry reaches
# the CLI as the word-bounded prefix rule `Tool(prefix:*)` (a glob `su*` would also deny `sum`):
# see agentplug.plugins.claude_code.options.translate_rule.
DEFAULT_DISALLOWED = ("Bash(rm*)", "Bash(sudo*)", "Bash(su*)", "Bash(chmod*)", "Bash(chown*)")
DEFAULT_THINKING_TOKENS = 8000
NATIVE = FlagSupport("n/a", "Claude Code has its own tools (WebSearch, WebFetch, Bash...); "
                            "choose them with allowed_tools / disallowed_tools")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="claude_code",
        structured_output="native",
        title="Claude Code",
        factory="agentplug.plugins.claude_code.backend:ClaudeCodeBackend",
        params="agentplug.plugins.claude_code.params:ClaudeCodeParams",
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
