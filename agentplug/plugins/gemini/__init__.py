"""``gemini``: the Gemini API through google-genai (thought summaries, Google Search, code
execution)."""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import YES, BackendSpec, FlagSupport

MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-3-pro-preview",
          "gemini-3-flash-preview")
DEFAULT_MODEL = "gemini-2.5-flash"
THRESHOLDS = ("BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE",
              "OFF")


def thinks(model: str) -> bool:
    """Whether the model family thinks (and so takes a thinking config)."""
    return model.startswith(("gemini-2.5", "gemini-3")) or "thinking" in model


def combines_builtin_tools(model: str) -> bool:
    """Gemini 3 runs built-in tools and function calls in one request (the API's
    ``include_server_side_tool_invocations``); earlier models take one kind or the other."""
    return not model.startswith(("gemini-1", "gemini-2"))


def combine_error(model: str, flags: list[str], tools: str) -> str:
    return (f"model {model!r} cannot use {' and '.join(flags)} together with {tools}: choose "
            f"one: remove {' / '.join(flags)}, or remove the {tools}, or use a Gemini 3 model "
            "(which combines built-in tools with function calling)")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="gemini",
        structured_output="native",
        title="Gemini API",
        factory="agentplug.plugins.gemini.backend:GeminiBackend",
        params="agentplug.plugins.gemini.params:GeminiParams",
        capabilities=frozenset({"function_tools", "mcp", "reasoning", "web_search",
                                "code_execution", "vision"}),
        tool_flags={
            "enable_web_search": YES,
            "enable_code_execution": YES,
            "enable_code_interpreter": FlagSupport(
                "no", "Gemini has no code interpreter; use enable_code_execution"),
        },
        env_vars=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        setup="GEMINI_API_KEY",
        notes="Google Search and code execution tools",
        extra="gemini",
        sdk_modules=("google.genai",),
        auto_rank=30,
        pricing="google",
        default_model=DEFAULT_MODEL,
        models=MODELS,
    ))
