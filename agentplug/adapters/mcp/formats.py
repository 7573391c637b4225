"""MCP tools in each provider's tool format.

The conversions themselves live in ``agentplug.formats`` (one module per wire format, shared
with Python function tools); these helpers take MCP tools (as listed by a server, or as
``ToolDef``s from an ``MCPToolset``) to each format, so every path is tested on the same
real schemas. Classic AG2 is in ``agentplug.adapters.mcp.ag2``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ...core.tools import ToolDef
from ...formats import anthropic, gemini, openai_chat, openai_responses
from .schemas import tool_def

Block = dict[str, Any]


def as_tool_defs(server: str, tools: Iterable[Any]) -> list[ToolDef]:
    """``mcp.types.Tool``s of one server as ``ToolDef``s (ValueError on an unusable tool)."""
    return [tool_def(server, t).definition for t in tools]


def openai_chat_tools(defs: Sequence[ToolDef]) -> list[Block]:
    """Chat Completions ``tools``: ``{"type": "function", "function": {...}}``."""
    return openai_chat.tools(defs)


def openai_responses_tools(defs: Sequence[ToolDef]) -> list[Block]:
    """Responses ``tools``: flat ``{"type": "function", "name", "parameters", "strict"}``."""
    return openai_responses.tools(defs)


def anthropic_tools(defs: Sequence[ToolDef]) -> list[Block]:
    """Messages API ``tools``: ``{"name", "description", "input_schema"}``."""
    return anthropic.tools(defs)


def gemini_function_declarations(defs: Sequence[ToolDef]) -> list[Block]:
    """Gemini ``function_declarations``, schemas sanitised to the subset Gemini accepts."""
    return gemini.function_declarations(defs)


CONVERSIONS = {
    "openai_chat": openai_chat_tools,
    "openai_responses": openai_responses_tools,
    "anthropic": anthropic_tools,
    "gemini": gemini_function_declarations,
}
"""Format name → conversion, for code (and tests) that go over every format."""
