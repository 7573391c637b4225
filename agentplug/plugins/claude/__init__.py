"""``claude``: the Anthropic Messages API (extended thinking, web search, code execution)."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import YES, BackendSpec, FlagSupport

# From the installed SDK's model list; older ids (Sonnet 4.0, Haiku 3.5) are past end of life.
MODELS = ("claude-sonnet-4-6", "claude-opus-4-7", "claude-opus-4-6", "claude-haiku-4-5",
          "claude-opus-4-5")
DEFAULT_THINKING_BUDGET = 8000


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


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="claude",
        structured_output="native",
        title="Claude API",
        factory="agentplug.plugins.claude.backend:ClaudeBackend",
        params="agentplug.plugins.claude.params:ClaudeParams",
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
